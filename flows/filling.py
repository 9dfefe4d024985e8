"""Walking a form: which question comes next, how it is asked, how an answer is taken.

A draft lives in the session as plain JSON:
``{"id", "version", "area", "answers", "pos", "history", "edit_of", "started", "auto", "review"}``.
A position is ``["men"]`` for a top-level question, ``["activities", 2, "status"]`` inside the
third item of a repeat, or ``["$confirm"]`` for the summary.
"""
from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from babel.dates import format_date

from . import answer_types as X
from . import answers as A
from .dates import check_meeting_date, read_date, zone_for_area
from .display import format_values, show
from .expr import evaluate
from .forms import Form, Question
from .problem import N_, Gettext, Problem
from .results import Accepted, Answer, Confirm
from .types import Context, Inbound, Reply

CONFIRM = ["$confirm"]
#: "skip this question": never stored as an answer
SKIP_COMMANDS = {"lewati", "lewat", "skip", "-", "lompati", "lewatin", "lwt", "next"}
_NONE_WORDS = {"tidak ada", "gak ada", "ga ada", "tdk ada", "nggak ada", "kosong", "tidak", "nihil", "belum ada",
               "ngga ada", "enggak ada", "gk ada", "tdk", "gak", "nggak", "ga"}
_SKIP_WORDS = SKIP_COMMANDS | _NONE_WORDS | {"tidak perlu"}
KEEP_WORDS = {"sama", "tetap", "=", ".", "sama saja", "tidak berubah", "same", "keep", "tetap sama", "sm"}
_KEEP_WORDS = KEEP_WORDS
#: "the list is complete": ends a repeat, never stored as an item
DONE_WORDS = {"selesai", "sudah", "sudah semua", "cukup", "tidak ada lagi", "gak ada lagi", "tidak", "done",
              "sdh", "udah", "habis", "itu saja", "sudah selesai", "sdh selesai", "udah selesai", "cukup itu",
              "stop", "tidak ada lagi kegiatan", "sudah cukup"} | _SKIP_WORDS
_DONE_WORDS = DONE_WORDS




# ---------------------------------------------------------------- positions

def item_values(form: Form, answers: dict[str, Any], pos: list[Any]) -> dict[str, Any]:
    """Answers visible at a position: the form's, plus the current repeat item's, plus calculations."""
    values = {k: v for k, v in answers.items() if not isinstance(v, list) or k not in _repeat_names(form)}
    if len(pos) == 3:
        items = answers.get(pos[0]) or []
        if pos[1] < len(items):
            values.update(items[pos[1]])
        values.update(X.item_calculations(form.question(pos[0]), values))
    for name, expr in form.calculate:
        values[name] = evaluate(expr, values)
    return values


def _repeat_names(form: Form) -> set[str]:
    return {q.name for q in form.questions if q.type == "repeat"}


def relevant(q: Question, values: dict[str, Any]) -> bool:
    return not q.relevant or bool(evaluate(q.relevant, values))


def question_at(form: Form, pos: list[Any]) -> Question:
    top = form.question(pos[0])
    if len(pos) == 3:
        return next(s for s in top.questions if s.name == pos[2])
    return top


def value_at(answers: dict[str, Any], pos: list[Any]) -> Any:
    if len(pos) == 3:
        items = answers.get(pos[0]) or []
        return items[pos[1]].get(pos[2]) if pos[1] < len(items) else None
    return answers.get(pos[0])


def next_pos(form: Form, draft: dict[str, Any], pos: list[Any] | None) -> list[Any]:
    """The next question to ask after ``pos`` (None: the first), or ``CONFIRM``."""
    answers, skip_answered = draft["answers"], bool(draft.get("review"))
    auto = set(draft.get("auto", []))
    tops = list(form.questions)
    if pos and len(pos) == 3 and pos[1] >= 0:
        rep = form.question(pos[0])
        subs = list(rep.questions)
        values = item_values(form, answers, pos)
        item = (answers.get(rep.name) or [{}])[pos[1]] if pos[1] < len(answers.get(rep.name) or []) else {}
        for sub in subs[subs.index(question_at(form, pos)) + 1:]:
            if relevant(sub, values) and sub.name not in auto and not (skip_answered and sub.name in item):
                return [rep.name, pos[1], sub.name]
        if rep.repeat_count:
            counted = _counted_item(form, answers, rep, pos[1] + 1)
            if counted:
                return counted
        elif not skip_answered:
            return [rep.name, pos[1] + 1, subs[0].name]
        # correcting one item (or a counted repeat complete): on to the questions after the repeat
    start = 0 if pos is None else [q.name for q in tops].index(pos[0]) + 1
    for q in tops[start:]:
        values = item_values(form, answers, [q.name])
        if not relevant(q, values) or q.name in auto:
            continue
        if skip_answered and (q.type == "note" or (q.type != "repeat" and q.name in answers
                                                   and not X.stale_choice(q, answers[q.name], values))):
            continue
        done = len(answers.get(q.name) or []) if q.type == "repeat" else 0
        if skip_answered and q.type == "repeat" and done and not (q.repeat_count and done < X.repeat_count(q, values)):
            continue
        if q.type == "repeat" and q.repeat_count:      # after a changed count, only the new items are asked
            counted = _counted_item(form, answers, q, done if skip_answered else 0)
            if counted:
                return counted
            continue
        if q.type == "repeat":
            return [q.name, 0, q.questions[0].name]
        return [q.name]
    return list(CONFIRM)


def _counted_item(form: Form, answers: dict[str, Any], rep: Question, index: int) -> list[Any] | None:
    """The first relevant question of item ``index`` or a later one of a repeat with a count."""
    count = X.repeat_count(rep, item_values(form, answers, [rep.name]))
    for i in range(index, count):
        values = item_values(form, answers, [rep.name, i, rep.questions[0].name])
        for sub in rep.questions:
            if relevant(sub, values):
                return [rep.name, i, sub.name]
    return None


def clean_answers(form: Form, answers: dict[str, Any]) -> dict[str, Any]:
    """Only answers to questions that are relevant now, plus calculations (what is stored)."""
    out: dict[str, Any] = {}
    for q in form.questions:
        values = item_values(form, answers, [q.name])
        if not relevant(q, values) or q.type == "note":
            continue
        if q.type == "repeat":
            items = []
            kept = answers.get(q.name) or []
            if q.repeat_count:
                kept = kept[:X.repeat_count(q, values)]
            for i, item in enumerate(kept):
                ivalues = item_values(form, answers, [q.name, i, q.questions[0].name])
                items.append({s.name: item.get(s.name) for s in q.questions
                              if relevant(s, ivalues) and s.type != "note"} | X.item_calculations(q, ivalues))
            out[q.name] = items
        elif q.name in answers:
            out[q.name] = answers[q.name]
    for name, expr in form.calculate:
        out[name] = evaluate(expr, item_values(form, answers, ["$"]))
    return out


def report_key(form: Form, draft: dict[str, Any]) -> str:
    parts = []
    for k in form.key:
        if k == "$started":
            parts.append(draft["started"])
        else:
            parts.append(str(draft["answers"].get(k, "")))
    return "|".join(parts)


# ---------------------------------------------------------------- asking

def suggestions(form: Form, draft: dict[str, Any], pos: list[Any], ctx: Context) -> list[str]:
    """Names offered for a repeat item: the previous report's items not yet reported this time."""
    rep = form.question(pos[0])
    if not rep.suggest_from_previous:
        return []
    done = {str(i.get(rep.item_label, "")).strip().lower() for i in draft["answers"].get(rep.name) or []}
    return [n for n in (draft.get("suggest") or {}).get(rep.name, []) if n.lower() not in done]


def previous_items(form: Form, ctx: Context) -> dict[str, list[str]]:
    """Item names of each repeat in the area's previous report, kept in the draft when it starts."""
    previous = ctx.previous.get(form.id) or {}
    out: dict[str, list[str]] = {}
    for rep in form.questions:
        if rep.type == "repeat" and rep.suggest_from_previous:
            names: list[str] = []
            for item in previous.get(rep.name) or []:
                name = str(item.get(rep.item_label, "")).strip()
                if name and name not in names:
                    names.append(name)
            out[rep.name] = names
    return out


def round_options(ctx: Context) -> list[str]:
    today = ctx.now.date().isoformat()
    return [r.name for r in ctx.rounds if r.start <= today]


def options_for(q: Question, lang: str, ctx: Context, values: dict[str, Any] | None = None) -> list[tuple[str, list[str]]]:
    if q.choices_from == "rounds":
        return [(name, [name]) for name in round_options(ctx)]
    return X.filter_choices(q, [(c.value, [c.label[lang], *c.label.values(), c.value]) for c in q.choices], values)


def ask(form: Form, draft: dict[str, Any], ctx: Context, lang: str, t: Gettext) -> Reply:
    """The reply that asks the question at the draft's position."""
    pos = draft["pos"]
    if pos == CONFIRM:
        return confirm_reply(form, draft, ctx, lang, t)
    q = question_at(form, pos)
    values = item_values(form, draft["answers"], pos)
    label = format_values(q.label[lang], values, lang)
    lines = X.group_lines(form, draft, q, lang, t)
    choices: list[str] = []
    if len(pos) == 3:
        rep = form.question(pos[0])
        if q.name == rep.item_label:
            offered = suggestions(form, draft, pos, ctx)
            items = draft["answers"].get(rep.name) or []
            if pos[1] > 0 and pos[1] >= len(items):
                lines.append(t("Sudah %(count)s kegiatan dicatat.") % {"count": pos[1]})
            lines.append(label)
            if offered:
                lines.append(t("Pilih nomor kegiatan dari laporan lalu, atau ketik nama kegiatan baru."))
            choices = offered + ([t("Selesai, tidak ada kegiatan lagi")] if pos[1] > 0 else [])
        elif rep.item_label is None:
            lines.append(f"[{format_values(rep.label[lang], values, lang)} {pos[1] + 1}] {label}")
        else:
            item_name = (draft["answers"].get(rep.name) or [{}])[pos[1]].get(rep.item_label, "")
            lines.append(f"[{item_name}] {label}")
    else:
        lines.append(label)
    if q.type in ("select_one", "select_multiple"):
        options = everything = options_for(q, lang, ctx, values)
        if X.paged(options):
            page = X.page_of(draft)
            options = X.page_options(options, page)
            lines.append(t("Halaman %(page)s dari %(pages)s. Ketik 0 untuk pilihan lain.")
                         % {"page": page + 1, "pages": X.page_count(everything)})
        choices = [labels[0] for _, labels in options]
        if q.type == "select_multiple":
            lines += X.many_lines(draft, everything, t)
    old = value_at(draft["answers"], pos)
    if X.stale_choice(q, old, values):
        old = None
    if old not in (None, "", []) and not (len(pos) == 3 and pos[2] == form.question(pos[0]).item_label
                                          and pos[1] >= len(draft["answers"].get(pos[0]) or [])):
        lines.append(t("Jawaban sebelumnya: %(old)s. Ketik \"sama\" jika tidak berubah.") % {"old": show(q, old, lang, t)})
    elif (shown := X.default_shown(q, values, lang, t)) is not None:
        lines.append(t("Ketik \"sama\" untuk memakai jawaban bawaan: %(default)s.") % {"default": shown})
    elif q.type == "photo":
        lines.append(t("Kirim fotonya, atau ketik \"lewati\"."))
    elif not q.required and q.type != "note":
        lines.append(t("Ketik \"lewati\" jika tidak ada."))
    return Reply("\n".join(lines), tuple(choices))


def help_reply(form: Form, draft: dict[str, Any], ctx: Context, lang: str, t: Gettext) -> Reply:
    pos = draft["pos"]
    lines = []
    if pos != CONFIRM:
        q = question_at(form, pos)
        if q.hint:
            lines.append(q.hint[lang])
        lines.append({
            "integer": t("Tulis jumlahnya dengan angka, misalnya 79 atau \"tujuh puluh sembilan\".") if q.count
            else t("Tulis angkanya, misalnya 7."),
            "decimal": t("Tulis angkanya, pakai koma untuk desimal, misalnya 2,5."),
            "date": t("Tulis tanggalnya, misalnya 6 Agustus, 10/8/2024, kemarin, atau Kamis lalu."),
            "select_one": t("Ketik nomor pilihan, misalnya 1."),
            "select_multiple": t("Ketik nomor pilihan, boleh lebih dari satu, misalnya 1, 3."),
            "photo": t("Kirim foto lewat tombol kamera atau lampiran."),
            "location": t("Kirim lokasi lewat tombol lampiran, pilih Lokasi. Atau ketik koordinatnya, misalnya "
                          "-3.12345, 130.54321."),
        }.get(q.type, t("Tulis jawaban singkat.")))
        if q.pair:
            lines.append(t("Boleh sekaligus laki-laki dan perempuan, misalnya: L 79 P 38."))
    lines.append(t("Perintah: \"kembali\" (pertanyaan sebelumnya), \"ulang\" (mulai lagi), \"batal\", \"menu\"."))
    return Reply("\n".join(lines))


def summary_lines(form: Form, draft: dict[str, Any], lang: str, t: Gettext) -> list[str]:
    answers = draft["answers"]
    lines = []
    for q in form.questions:
        values = item_values(form, answers, [q.name])
        if not relevant(q, values) or q.type == "note":
            continue
        if q.type == "repeat":
            if q.repeat_count:
                lines += _counted_summary(form, q, answers, values, lang, t)
                continue
            for i, item in enumerate(answers.get(q.name) or []):
                ivalues = item_values(form, answers, [q.name, i, q.questions[0].name])
                parts = [f"{_short_label(s, lang)}: {show(s, item.get(s.name), lang, t)}" for s in q.questions[1:]
                         if relevant(s, ivalues) and item.get(s.name) not in (None, "", []) and s.type != "note"]
                lines.append(f"{i + 1}. {item.get(q.item_label)} — {'; '.join(parts)}")
            continue
        if q.name in answers:
            lines.append(f"- {format_values(_short_label(q, lang), values, lang)}: {show(q, answers[q.name], lang, t)}")
    values = item_values(form, answers, ["$"])
    for name, _ in form.calculate:
        if values.get(name) is not None:
            shown = show(_int_q, values[name], lang, t) if isinstance(values[name], (int, float)) else values[name]
            lines.append(f"- {name.replace('_', ' ').capitalize()}: {shown}")
    return lines


_int_q = Question(name="_", type="decimal", label={"id": "", "en": ""})


def _counted_summary(form: Form, rep: Question, answers: dict[str, Any], values: dict[str, Any], lang: str,
                    t: Gettext) -> list[str]:
    """'Anak 1: Nama: Budi; Umur: 4' per item of a repeat with a count."""
    lines = []
    for i, item in enumerate((answers.get(rep.name) or [])[:X.repeat_count(rep, values)]):
        ivalues = item_values(form, answers, [rep.name, i, rep.questions[0].name])
        parts = [f"{_short_label(s, lang)}: {show(s, item.get(s.name), lang, t)}" for s in rep.questions
                 if relevant(s, ivalues) and item.get(s.name) not in (None, "", []) and s.type != "note"]
        lines.append(f"- {format_values(rep.label[lang], values, lang)} {i + 1}: {'; '.join(parts)}")
    return lines


def _short_label(q: Question, lang: str) -> str:
    if q.short:
        return q.short[lang]
    return q.label[lang].split("?")[0].split("\n")[0].rstrip(":")


def confirm_reply(form: Form, draft: dict[str, Any], ctx: Context, lang: str, t: Gettext) -> Reply:
    head = t("Mohon periksa %(title)s Anda:") % {"title": form.title[lang].lower()}
    text = "\n".join([head, *summary_lines(form, draft, lang, t), t("Kirim laporan ini?")])
    return Reply(text, (t("Kirim"), t("Ubah jawaban"), t("Batal")))


# ---------------------------------------------------------------- answering

def has_answer(answers: dict[str, Any], pos: list[Any]) -> bool:
    """Whether the question at ``pos`` was answered (perhaps skipped: None)."""
    if len(pos) == 3:
        items = answers.get(pos[0]) or []
        return pos[1] < len(items) and pos[2] in items[pos[1]]
    return pos[0] in answers


def _long_date(value: date, lang: str) -> str:
    return format_date(value, format="EEEE, d MMMM y", locale=lang)


def _accept_date(form: Form, draft: dict[str, Any], q: Question, text: str, ctx: Context,
                 lang: str) -> Accepted | Problem | Confirm:
    now = ctx.now.astimezone(zone_for_area(draft.get("area")))
    read = read_date(text, now)
    if isinstance(read, Problem):
        return read
    value = read.value
    if q.not_future:
        problem = check_meeting_date(value, now)
        if problem:
            return problem
    checked = _check_constraints(form, draft, {q.name: value.isoformat()}, lang)
    if isinstance(checked, Problem):
        return checked
    taken = Accepted(checked)
    again = Problem(N_("Baik, mohon tulis tanggal lengkap dengan tahunnya, misalnya 10/8/2024."))
    if read.guess == "year_back" and read.ahead:
        return Confirm("date", checked, Problem(N_("%(ahead)s belum lewat. Maksud Anda %(meant)s?"),
                                                {"ahead": format_date(read.ahead, format="long", locale=lang),
                                                 "meant": format_date(value, format="long", locale=lang)}),
                       on_no=again)
    if read.guess in ("day_only", "weekday"):
        return Confirm("date", checked, Problem(N_("Maksud Anda %(date)s?"), {"date": _long_date(value, lang)}),
                       on_no=again)
    if q.confirm_older_than_days and value < now.date() - timedelta(days=q.confirm_older_than_days):
        return Confirm("date", checked, Problem(N_("Tanggal %(date)s sudah lebih dari setahun yang lalu. "
                                                   "Benar tanggal ini?"),
                                                {"date": format_date(value, format="long", locale=lang)}),
                       on_no=Problem(N_("Baik, mohon tulis tanggal yang benar.")))
    return taken


def accept(form: Form, draft: dict[str, Any], text: str, inbound: Inbound, ctx: Context, lang: str) -> Answer:
    """Take the answer at the draft's position: ``Accepted``, a ``Confirm`` (shown back and asked before it is
    stored), or a ``Problem`` (why not, to ask again)."""
    pos = draft["pos"]
    q = question_at(form, pos)
    X.stamp_today(form, draft, ctx)     # today() in the form's expressions: the day the answer is given
    s = A.normalize(text)
    old = value_at(draft["answers"], pos)
    stale = old not in (None, "") and X.stale_choice(q, old, item_values(form, draft["answers"], pos))
    if s in KEEP_WORDS and old not in (None, "") and not stale:
        kept = _check_constraints(form, draft, {q.name: old}, lang)     # what was right may have become wrong
        return kept if isinstance(kept, Problem) else Accepted(kept)
    many = X.take_many(draft, q, text, options_for(q, lang, ctx, item_values(form, draft["answers"], pos)),
                       _SKIP_WORDS) if q.type == "select_multiple" and s not in KEEP_WORDS else None
    if many is not None:      # a long list in pages: picked page by page until "selesai"
        checked = many if isinstance(many, Problem) else _check_constraints(form, draft, {q.name: many}, lang)
        return checked if isinstance(checked, Problem) else Accepted(checked)
    default = X.default_text(q, item_values(form, draft["answers"], pos)) if s in KEEP_WORDS else None
    if default is not None:
        text, s = default, A.normalize(default)
    elif s in KEEP_WORDS and has_answer(draft["answers"], pos) and not q.required and not stale:
        return Accepted({q.name: None})
    if len(pos) == 3 and q.name == form.question(pos[0]).item_label:
        return _accept_item_name(form, draft, text, ctx)
    if q.type != "photo" and q.type != "location" and inbound.kind in ("photo", "location") and not s:
        return Problem(N_("Terima kasih, tetapi pertanyaan ini perlu dijawab dengan tulisan."))
    skip = SKIP_COMMANDS if q.type == "integer" else _SKIP_WORDS | DONE_WORDS
    if not q.required and s in skip:
        return Accepted({q.name: None})
    if q.required and s in SKIP_COMMANDS:
        return Problem(N_("Pertanyaan ini perlu dijawab. Mohon tulis jawabannya."))
    if q.type == "text":
        value = re.sub(r"\s+", " ", (text or "").replace("\x00", "")).strip()
        if not value or not any(ch.isalnum() for ch in value):
            return Problem(N_("Mohon tulis jawabannya dengan beberapa kata."))
        if len(value) > 2000:
            return Problem(N_("Jawaban terlalu panjang (paling banyak 2.000 huruf). Mohon diringkas."))
        result: Accepted | Problem = Accepted({q.name: value})
    elif q.type == "integer":
        result = _accept_integer(form, draft, q, text)
    elif q.type == "decimal":
        number = X.parse_decimal(text)
        result = number if isinstance(number, Problem) else Accepted({q.name: number})
    elif q.type == "date":
        return _accept_date(form, draft, q, text, ctx, lang)
    elif q.type == "select_one":
        options = options_for(q, lang, ctx, item_values(form, draft["answers"], pos))
        if not options:
            return Problem(N_("Belum ada pilihan yang tersedia. Mohon hubungi koordinator Anda."))
        chosen = X.take_paged(draft, text, options) if X.paged(options) else None
        if chosen is None:
            picked = A.match_choice(text, options)
            if isinstance(picked, A.Guess):
                checked = _check_constraints(form, draft, {q.name: picked.value}, lang)
                if isinstance(checked, Problem):
                    return checked
                return Confirm("choice", checked, Problem(N_("Maksud Anda: %(label)s?"), {"label": picked.label}),
                               (N_("Ya"), N_("Pilih lagi")), Problem(N_("Baik, mohon pilih lagi.")))
            chosen = picked
        result = chosen if isinstance(chosen, Problem) else Accepted({q.name: chosen})
    elif q.type == "select_multiple":
        several = A.parse_choices(text, options_for(q, lang, ctx, item_values(form, draft["answers"], pos)))
        result = several if isinstance(several, Problem) else Accepted({q.name: several})
    elif q.type == "photo":
        if inbound.photo:
            result = Accepted({q.name: inbound.photo})
        else:
            return Problem(N_("Mohon kirim fotonya, atau ketik \"lewati\" jika tidak ada."))
    elif q.type == "location":
        if inbound.location:
            result = Accepted({q.name: [float(inbound.location[0]), float(inbound.location[1])]})
        else:
            point = X.parse_coordinates(text)
            result = point if isinstance(point, Problem) else Accepted({q.name: point})
    else:
        result = Accepted({})
    if isinstance(result, Problem):
        return result
    checked = _check_constraints(form, draft, result.updates, lang)
    return checked if isinstance(checked, Problem) else result


def _accept_integer(form: Form, draft: dict[str, Any], q: Question, text: str) -> Accepted | Problem:
    pos = draft["pos"]
    siblings = form.question(pos[0]).questions if len(pos) == 3 else form.questions
    partner = q.pair or next((o.name for o in siblings if o.pair == q.name), None)
    if partner:
        first = q.name if q.pair else partner      # the question that owns "pair" is the men's
        second = partner if q.pair else q.name
        men_q, women_q = form.question(first), form.question(second)
        pair = A.parse_men_women(text, ((men_q.minimum, men_q.maximum), (women_q.minimum, women_q.maximum)))
        if isinstance(pair, Problem):
            return pair
        if pair is not None:
            return Accepted({first: pair[0], second: pair[1]}, auto=(second,) if q.name == first else (first,))
        said = A.gender_of(text)
        if said and said != ("m" if q.name == first else "w"):
            return Problem(N_("Pertanyaan ini tentang laki-laki. Mohon tulis jumlahnya, atau sekaligus: L 79 P 38.")
                           if q.name == first else
                           N_("Pertanyaan ini tentang perempuan. Mohon tulis jumlahnya, atau sekaligus: L 79 P 38."))
    value = X.parse_integer(q, text)
    if isinstance(value, Problem):
        return value
    return Accepted({q.name: value})


def _check_constraints(form: Form, draft: dict[str, Any], updates: dict[str, Any], lang: str) -> dict[str, Any] | Problem:
    pos = draft["pos"]
    answers = apply_updates(draft["answers"], pos, updates)
    values = item_values(form, answers, pos)
    names = [k for k in updates if not k.startswith("$")]
    scope = [form.question(n) for n in names]
    for q in scope:
        if q.constraint and evaluate(q.constraint, values) is False:
            return Problem(format_values(q.constraint_message[lang], values, lang))
    return updates


def _accept_item_name(form: Form, draft: dict[str, Any], text: str, ctx: Context) -> Accepted | Problem:
    pos = draft["pos"]
    rep = form.question(pos[0])
    offered = suggestions(form, draft, pos, ctx)
    s = A.normalize(text)
    done_index = len(offered) + 1 if pos[1] > 0 else None
    if s in DONE_WORDS or (done_index and s == str(done_index)) or s.startswith("selesai"):
        if pos[1] == 0:
            return Problem(N_("Laporan ini perlu minimal satu kegiatan. Mohon tulis nama kegiatannya, misalnya "
                              "\"Kebun sayur kelompok wanita\", atau ketik \"batal\"."))
        return Accepted({}, done_repeat=True)
    if re.fullmatch(r"\d+", s):
        i = int(s) if len(s) <= 6 else 0          # never int() a 10,000-digit string
        if 1 <= i <= len(offered):
            return Accepted({rep.item_label or "": offered[i - 1]})
        count = len(offered) + (1 if done_index else 0)
        if count == 0:
            return Problem(N_("Mohon tulis nama kegiatannya dengan huruf, misalnya \"Kebun sayur kelompok wanita\"."))
        return Problem(N_("Nomor %(number)s tidak ada. Mohon pilih nomor 1 sampai %(count)s, atau ketik nama kegiatan."),
                       {"number": s[:7], "count": count})
    name = re.sub(r"\s+", " ", text or "").strip()
    if len(name) < 3 or not any(ch.isalpha() for ch in name):
        return Problem(N_("Mohon tulis nama kegiatannya, misalnya \"Kebun sayur kelompok wanita\"."))
    return Accepted({rep.item_label or "": name[:200]})


def apply_updates(answers: dict[str, Any], pos: list[Any], updates: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``answers`` with ``updates`` written at the position (top level or repeat item)."""
    new = {k: ([dict(i) for i in v] if isinstance(v, list) and v and isinstance(v[0], dict) else v)
           for k, v in answers.items()}
    clean = {k: v for k, v in updates.items() if not k.startswith("$")}
    if len(pos) == 3:
        items = new.setdefault(pos[0], [])
        while len(items) <= pos[1]:
            items.append({})
        items[pos[1]].update(clean)
    else:
        new.update(clean)
    return new


def is_valid_iso(value: str) -> bool:
    try:
        date.fromisoformat(value)
        return True
    except ValueError:
        return False

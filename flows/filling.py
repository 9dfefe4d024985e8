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

from . import answer_types as X
from . import answers as A
from .dates import check_meeting_date, parse_date, zone_for_area
from .display import format_values, show
from .expr import evaluate
from .forms import Form, Question
from .numbers import parse_number
from .problem import N_, Problem
from .types import Context, Reply

CONFIRM = ["$confirm"]
_SKIP_WORDS = {"lewati", "skip", "-", "tidak ada", "gak ada", "ga ada", "tdk ada", "nggak ada", "kosong", "tidak"}
_KEEP_WORDS = {"sama", "tetap", "=", ".", "sama saja", "tidak berubah", "same", "keep"}
_DONE_WORDS = {"selesai", "sudah", "sudah semua", "cukup", "tidak ada lagi", "gak ada lagi", "tidak", "done",
               "sdh", "udah", "habis", "itu saja"}


# ---------------------------------------------------------------- positions

def item_values(form: Form, answers: dict, pos: list) -> dict[str, Any]:
    """Answers visible at a position: the form's, plus the current repeat item's, plus calculations."""
    values = {k: v for k, v in answers.items() if not isinstance(v, list) or k not in _repeat_names(form)}
    if len(pos) == 3:
        items = answers.get(pos[0]) or []
        if pos[1] < len(items):
            values.update(items[pos[1]])
    for name, expr in form.calculate:
        values[name] = evaluate(expr, values)
    return values


def _repeat_names(form: Form) -> set[str]:
    return {q.name for q in form.questions if q.type == "repeat"}


def relevant(q: Question, values: dict) -> bool:
    return not q.relevant or bool(evaluate(q.relevant, values))


def question_at(form: Form, pos: list) -> Question:
    top = form.question(pos[0])
    if len(pos) == 3:
        return next(s for s in top.questions if s.name == pos[2])
    return top


def value_at(answers: dict, pos: list) -> Any:
    if len(pos) == 3:
        items = answers.get(pos[0]) or []
        return items[pos[1]].get(pos[2]) if pos[1] < len(items) else None
    return answers.get(pos[0])


def next_pos(form: Form, draft: dict, pos: list | None) -> list:
    """The next question to ask after ``pos`` (None: the first), or ``CONFIRM``."""
    answers, skip_answered = draft["answers"], bool(draft.get("review"))
    auto = set(draft.get("auto", []))
    tops = list(form.questions)
    if pos and len(pos) == 3:
        rep = form.question(pos[0])
        subs = list(rep.questions)
        values = item_values(form, answers, pos)
        for sub in subs[subs.index(question_at(form, pos)) + 1:]:
            if relevant(sub, values) and sub.name not in auto:
                return [rep.name, pos[1], sub.name]
        if not rep.repeat_count:
            return [rep.name, pos[1] + 1, subs[0].name]
        counted = _counted_item(form, answers, rep, pos[1] + 1)
        if counted:
            return counted
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


def _counted_item(form: Form, answers: dict, rep: Question, index: int) -> list | None:
    """The first relevant question of item ``index`` or a later one of a repeat with a count."""
    count = X.repeat_count(rep, item_values(form, answers, [rep.name]))
    for i in range(index, count):
        values = item_values(form, answers, [rep.name, i, rep.questions[0].name])
        for sub in rep.questions:
            if relevant(sub, values):
                return [rep.name, i, sub.name]
    return None


def clean_answers(form: Form, answers: dict) -> dict:
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
                              if relevant(s, ivalues) and s.type != "note"})
            out[q.name] = items
        elif q.name in answers:
            out[q.name] = answers[q.name]
    for name, expr in form.calculate:
        out[name] = evaluate(expr, item_values(form, answers, ["$"]))
    return out


def report_key(form: Form, draft: dict) -> str:
    parts = []
    for k in form.key:
        if k == "$started":
            parts.append(draft["started"])
        else:
            parts.append(str(draft["answers"].get(k, "")))
    return "|".join(parts)


# ---------------------------------------------------------------- asking

def suggestions(form: Form, draft: dict, pos: list, ctx: Context) -> list[str]:
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


def options_for(q: Question, lang: str, ctx: Context, values: dict | None = None) -> list[tuple[str, list[str]]]:
    if q.choices_from == "rounds":
        return [(name, [name]) for name in round_options(ctx)]
    return X.filter_choices(q, [(c.value, [c.label[lang], *c.label.values(), c.value]) for c in q.choices], values)


def ask(form: Form, draft: dict, ctx: Context, lang: str, t) -> Reply:
    """The reply that asks the question at the draft's position."""
    pos = draft["pos"]
    if pos == CONFIRM:
        return confirm_reply(form, draft, ctx, lang, t)
    q = question_at(form, pos)
    values = item_values(form, draft["answers"], pos)
    label = format_values(q.label[lang], values, lang)
    lines = []
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
        options = options_for(q, lang, ctx, values)
        if q.type == "select_one" and X.paged(options):
            page = X.page_of(draft)
            options = X.page_options(options, page)
            lines.append(t("Halaman %(page)s dari %(pages)s. Ketik 0 untuk pilihan lain.")
                         % {"page": page + 1, "pages": X.page_count(options_for(q, lang, ctx, values))})
        choices = [labels[0] for _, labels in options]
        if q.type == "select_multiple":
            lines.append(t("Boleh pilih lebih dari satu, misalnya: 1, 3"))
    old = value_at(draft["answers"], pos)
    if X.stale_choice(q, old, values):
        old = None
    if old not in (None, "", []) and not (len(pos) == 3 and pos[2] == form.question(pos[0]).item_label
                                          and pos[1] >= len(draft["answers"].get(pos[0]) or [])):
        lines.append(t("Jawaban sebelumnya: %(old)s. Ketik \"sama\" jika tidak berubah.") % {"old": show(q, old, lang, t)})
    elif q.default is not None:
        shown = show(q, q.default, lang, t) if q.type == "select_one" else q.default
        lines.append(t("Ketik \"sama\" untuk memakai jawaban bawaan: %(default)s.") % {"default": shown})
    elif q.type == "photo":
        lines.append(t("Kirim fotonya, atau ketik \"lewati\"."))
    elif not q.required and q.type != "note":
        lines.append(t("Ketik \"lewati\" jika tidak ada."))
    return Reply("\n".join(lines), tuple(choices))


def help_reply(form: Form, draft: dict, ctx: Context, lang: str, t) -> Reply:
    pos = draft["pos"]
    lines = []
    if pos != CONFIRM:
        q = question_at(form, pos)
        if q.hint:
            lines.append(q.hint[lang])
        lines.append({
            "integer": t("Tulis jumlahnya dengan angka, misalnya 79 atau \"tujuh puluh sembilan\"."),
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


def summary_lines(form: Form, draft: dict, lang: str, t) -> list[str]:
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
                parts = [show(s, item.get(s.name), lang, t) for s in q.questions[1:]
                         if relevant(s, ivalues) and item.get(s.name) not in (None, "", []) and s.type != "note"]
                lines.append(f"{i + 1}. {item.get(q.item_label)}: {'; '.join(parts)}")
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


def _counted_summary(form: Form, rep: Question, answers: dict, values: dict, lang: str, t) -> list[str]:
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


def confirm_reply(form: Form, draft: dict, ctx: Context, lang: str, t) -> Reply:
    head = t("Mohon periksa %(title)s Anda:") % {"title": form.title[lang].lower()}
    text = "\n".join([head, *summary_lines(form, draft, lang, t), t("Kirim laporan ini?")])
    return Reply(text, (t("Kirim"), t("Ubah jawaban"), t("Batal")))


# ---------------------------------------------------------------- answering

def accept(form: Form, draft: dict, text: str, inbound, ctx: Context, lang: str) -> dict | Problem:
    """Take the answer at the draft's position; return {name: value} updates, or a Problem.

    A returned dict may carry "$ask_old_date" (the date needs confirming) or "$done_repeat".
    """
    pos = draft["pos"]
    q = question_at(form, pos)
    if X.uses_today(form):     # today() in the form's expressions: the day the answer is given, in the area's zone
        draft["answers"]["$today"] = ctx.now.astimezone(zone_for_area(draft.get("area"))).date().isoformat()
    s = A.normalize(text)
    old = value_at(draft["answers"], pos)
    if s in _KEEP_WORDS and old not in (None, "") and not X.stale_choice(q, old, item_values(form, draft["answers"], pos)):
        return {q.name: old}
    if s in _KEEP_WORDS and q.default is not None:
        text, s = q.default, A.normalize(q.default)
    if len(pos) == 3 and q.name == form.question(pos[0]).item_label:
        return _accept_item_name(form, draft, text, ctx)
    if q.type != "photo" and q.type != "location" and inbound.kind in ("photo", "location") and not s:
        return Problem(N_("Terima kasih, tetapi pertanyaan ini perlu dijawab dengan tulisan."))
    if not q.required and s in _SKIP_WORDS | {"lewat", "tidak perlu", "skip"}:
        return {q.name: None}
    if q.type == "text":
        value = re.sub(r"\s+", " ", (text or "").replace("\x00", "")).strip()
        if not value or not any(ch.isalnum() for ch in value):
            return Problem(N_("Mohon tulis jawabannya dengan beberapa kata."))
        if len(value) > 2000:
            return Problem(N_("Jawaban terlalu panjang (paling banyak 2.000 huruf). Mohon diringkas."))
        result: dict | Problem = {q.name: value}
    elif q.type == "integer":
        result = _accept_integer(form, draft, q, text)
    elif q.type == "decimal":
        number = X.parse_decimal(text)
        result = number if isinstance(number, Problem) else {q.name: number}
    elif q.type == "date":
        zone = zone_for_area(draft.get("area"))
        now = ctx.now.astimezone(zone)
        value = parse_date(text, now)
        if isinstance(value, Problem):
            return value
        if q.not_future:
            problem = check_meeting_date(value, now)
            if problem:
                return problem
        if q.confirm_older_than_days and value < now.date() - timedelta(days=q.confirm_older_than_days):
            return {"$ask_old_date": value.isoformat()}
        result = {q.name: value.isoformat()}
    elif q.type == "select_one":
        options = options_for(q, lang, ctx, item_values(form, draft["answers"], pos))
        if not options:
            return Problem(N_("Belum ada pilihan yang tersedia. Mohon hubungi koordinator Anda."))
        value = X.take_paged(draft, text, options) if X.paged(options) else None
        if value is None:
            value = A.parse_choice(text, options)
        result = value if isinstance(value, Problem) else {q.name: value}
    elif q.type == "select_multiple":
        value = A.parse_choices(text, options_for(q, lang, ctx, item_values(form, draft["answers"], pos)))
        result = value if isinstance(value, Problem) else {q.name: value}
    elif q.type == "photo":
        if inbound.photo:
            result = {q.name: inbound.photo}
        else:
            return Problem(N_("Mohon kirim fotonya, atau ketik \"lewati\" jika tidak ada."))
    elif q.type == "location":
        if inbound.location:
            result = {q.name: [float(inbound.location[0]), float(inbound.location[1])]}
        else:
            point = X.parse_coordinates(text)
            result = point if isinstance(point, Problem) else {q.name: point}
    else:
        result = {}
    if isinstance(result, Problem):
        return result
    return _check_constraints(form, draft, result, lang)


def _accept_integer(form: Form, draft: dict, q: Question, text: str) -> dict | Problem:
    pos = draft["pos"]
    siblings = form.question(pos[0]).questions if len(pos) == 3 else form.questions
    partner = q.pair or next((o.name for o in siblings if o.pair == q.name), None)
    if partner:
        pair = A.parse_men_women(text)
        if isinstance(pair, Problem):
            return pair
        if pair is not None:
            first = q.name if q.pair else partner      # the question that owns "pair" is the men's
            second = partner if q.pair else q.name
            return {first: pair[0], second: pair[1], "$auto": [second] if q.name == first else [first]}
    value = parse_number(text, minimum=q.minimum, maximum=q.maximum)
    if isinstance(value, Problem):
        return value
    return {q.name: value}


def _check_constraints(form: Form, draft: dict, updates: dict, lang: str) -> dict | Problem:
    pos = draft["pos"]
    answers = apply_updates(draft["answers"], pos, updates)
    values = item_values(form, answers, pos)
    names = [k for k in updates if not k.startswith("$")]
    scope = [question_at(form, pos)] if len(pos) == 3 else [form.question(n) for n in names]
    for q in scope:
        if q.constraint and evaluate(q.constraint, values) is False:
            return Problem(format_values(q.constraint_message[lang], values, lang))
    return updates


def _accept_item_name(form: Form, draft: dict, text: str, ctx: Context) -> dict | Problem:
    pos = draft["pos"]
    rep = form.question(pos[0])
    offered = suggestions(form, draft, pos, ctx)
    s = A.normalize(text)
    done_index = len(offered) + 1 if pos[1] > 0 else None
    if s in _DONE_WORDS or (done_index and s == str(done_index)):
        if pos[1] == 0:
            return Problem(N_("Mohon tulis minimal satu kegiatan, misalnya \"Kebun sayur kelompok wanita\"."))
        return {"$done_repeat": True}
    if re.fullmatch(r"\d+", s):
        i = int(s) if len(s) <= 6 else 0          # never int() a 10,000-digit string
        if 1 <= i <= len(offered):
            return {rep.item_label: offered[i - 1]}
        return Problem(N_("Nomor %(number)s tidak ada. Mohon pilih nomor 1 sampai %(count)s, atau ketik nama kegiatan."),
                       {"number": s[:7], "count": len(offered) + (1 if done_index else 0)})
    name = re.sub(r"\s+", " ", text or "").strip()
    if len(name) < 3 or not any(ch.isalpha() for ch in name):
        return Problem(N_("Mohon tulis nama kegiatannya, misalnya \"Kebun sayur kelompok wanita\"."))
    return {rep.item_label: name[:200]}


def apply_updates(answers: dict, pos: list, updates: dict) -> dict:
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

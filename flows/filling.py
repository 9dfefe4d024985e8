"""Filling a form: how the question at a draft's position is asked, and how an answer is taken.

A draft is a ``flows.state.Draft``; its position a ``flows.state.Pos`` (which question comes next:
flows/positions.py, re-exported here).
"""
from __future__ import annotations

import re
from typing import Any

from . import answer_types as X
from . import answers as A
from . import groups as G
from .display import format_values, show
from .expr import evaluate
from .forms import Form, Question
from .markup import chat_text
from .lexicon import BASE, BaseWords, lexicon_of
from .localtime import person_today
from .problem import N_, Gettext, Problem
from .qtypes import TABLE, Typed
from .results import Accepted, Answer, Confirm
from .summary import confirm_reply, short_label, summary_lines
from .positions import (apply_updates, at, clean_answers, has_answer, item_values, items_of, next_pos, question_at,
                        relevant, report_key, set_items, value_at, values_at, item_tag)
from .state import CONFIRM, Draft, Pos
from .types import Context, Inbound, Reply

__all__ = ["CONFIRM", "accept", "at", "apply_updates", "ask", "clean_answers", "confirm_reply", "has_answer",
           "item_values", "items_of", "set_items", "next_pos", "question_at", "relevant", "report_key", "short_label", "summary_lines", "value_at"]
#: "skip this question": never stored as an answer
SKIP_COMMANDS = {"lewati", "lewat", "skip", "-", "lompati", "lewatin", "lwt", "next"}
# "none" at a question that may be left empty (tidak ada, kosong): base.yaml ``words: skip_none`` (flows.lexicon.BASE)
_SKIP_WORDS: set[str] = set()         # with SKIP_COMMANDS and "tidak perlu", made when base.yaml is installed
KEEP_WORDS = {"sama", "tetap", "=", ".", "sama saja", "tidak berubah", "same", "keep", "tetap sama", "sm"}
#: "the list is complete": ends a repeat, never stored as an item
_DONE = {"selesai", "sudah", "sudah semua", "cukup", "tidak ada lagi", "gak ada lagi", "tidak", "done", "sdh", "udah",
         "habis", "itu saja", "sudah selesai", "sdh selesai", "udah selesai", "cukup itu", "stop",
         "tidak ada lagi kegiatan", "sudah cukup", "sudah habis", "sdh habis"}
DONE_WORDS: set[str] = set()          # _DONE and the skip words


def _derive(base: BaseWords) -> None:
    _SKIP_WORDS.clear()
    _SKIP_WORDS.update(SKIP_COMMANDS | base.skip_none | {"tidak perlu"})
    DONE_WORDS.clear()
    DONE_WORDS.update(_DONE | _SKIP_WORDS)


BASE.derive(_derive)


# ---------------------------------------------------------------- asking

def suggestions(form: Form, draft: Draft, pos: Pos, ctx: Context) -> list[str]:
    """Names offered for a repeat item: the previous report's items not yet reported this time."""
    rep = form.question(pos.name)
    if not rep.suggest_from_previous:
        return []
    done = {str(i.get(rep.item_label, "")).strip().lower() for i in items_of(draft.answers, pos)}
    return [n for n in (draft.suggest or {}).get(rep.name, []) if n.lower() not in done]


def previous_items(form: Form, ctx: Context) -> dict[str, list[str]]:
    """Item names of each repeat in the area's previous report, kept in the draft when it starts."""
    if not any(rep.type == "repeat" and rep.suggest_from_previous for rep in form.questions):
        return {}
    ctx.need("previous")
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
    ctx.need("rounds")
    today = person_today(ctx).isoformat()        # a round starts on the person's own calendar
    return [r.name for r in ctx.rounds if r.start <= today]


def options_for(q: Question, lang: str, ctx: Context, values: dict[str, Any] | None = None) -> list[tuple[str, list[str]]]:
    if q.choices_from == "rounds":
        return [(name, [name]) for name in round_options(ctx)]
    return X.filter_choices(q, [(c.value, [c.label[lang], *c.label.values(), c.value]) for c in q.choices], values)


def _paging(draft: Draft) -> dict[str, Any]:
    """The draft's page of a long list (and where the chat came from) as flows/answer_types.py reads and turns
    it; what it changes is put back with ``_paged``."""
    return {"pos": draft.pos.to_json() if draft.pos is not None else None, "page": draft.page,
            "history": [p.to_json() for p in draft.history]}


def _paged(draft: Draft, paging: dict[str, Any]) -> None:
    draft.page = paging.get("page")


def ask(form: Form, draft: Draft, ctx: Context, lang: str, t: Gettext, after: Pos | None = None) -> Reply:
    """The reply that asks the question at the draft's position (``after``: the note shown just before it, whose
    groups the chat has already named)."""
    pos = at(draft)
    if pos == CONFIRM:
        return confirm_reply(form, draft, ctx, lang, t)
    q = question_at(form, pos)
    values = values_at(form, draft, pos)
    label = format_values(q.label[lang], values, lang)
    lines, choices = _label_lines(form, draft, pos, q, label, values, ctx, lang, t)
    lines[:0] = G.group_lines(form, G.seen_after(_paging(draft), after), q, lang, t, values)
    if TABLE[q.type].choices:
        choices = _option_lines(q, draft, values, ctx, lang, t, lines)
    hint = _hint(form, draft, pos, q, values, lang, t)
    if hint:
        lines.append(hint)
    return Reply("\n".join(lines), tuple(choices))


def says_kegiatan(rep: Question) -> bool:
    """Whether a repeat's items are activities (the monitoring form's "Kegiatan"): only then does the chat
    speak of "kegiatan"; any other repeat (household members, plots) is spoken of by its own label."""
    return rep.label.get("id", "").strip().lower() == "kegiatan"


def _label_lines(form: Form, draft: Draft, pos: Pos, q: Question, label: str, values: dict[str, Any],
                 ctx: Context, lang: str, t: Gettext) -> tuple[list[str], list[str]]:
    """The question's lines (inside a repeat: which item it is about) and the names offered for an item."""
    if pos.index is None:
        return [label], []
    rep = form.question(pos.name)
    items = items_of(draft.answers, pos)
    if q.name == rep.item_label:
        offered = suggestions(form, draft, pos, ctx)
        lines = []
        activities = says_kegiatan(rep)
        if pos.item > 0 and pos.item >= len(items):
            lines.append(t("Sudah %(count)s kegiatan dicatat.") % {"count": pos.item} if activities else
                         t("%(label)s: %(count)s sudah dicatat.") % {"label": rep.label[lang], "count": pos.item})
        lines.append(label if pos.parent is None else
                     f"[{item_tag(form, draft.answers, Pos(pos.parent[0], pos.parent[1], pos.name), values, lang)}] "
                     f"{label}")
        if offered:
            lines.append(t("Pilih nomor kegiatan dari laporan lalu, atau ketik nama kegiatan baru.") if activities
                         else t("Pilih nomor dari laporan lalu, atau ketik nama baru."))
        done = t("Selesai, tidak ada kegiatan lagi") if activities else t("Selesai, tidak ada lagi")
        return lines, offered + ([done] if pos.item > 0 else [])
    return [f"[{item_tag(form, draft.answers, pos, values, lang)}] {label}"], []


def _option_lines(q: Question, draft: Draft, values: dict[str, Any], ctx: Context, lang: str, t: Gettext,
                  lines: list[str]) -> list[str]:
    """The choices of a select question (a page of a long list), with their hint appended to ``lines``."""
    options = everything = options_for(q, lang, ctx, values)
    if X.paged(options):
        page = X.page_of(_paging(draft))
        lines.append(t("Halaman %(page)s dari %(pages)s. Ketik 0 untuk pilihan lain.")
                     % {"page": page + 1, "pages": X.page_count(options)})
        options = X.page_options(options, page)
    if TABLE[q.type].many:
        lines += X.many_lines(_paging(draft), everything, t)
    return [chat_text(labels[0]) for _, labels in options]


def _hint(form: Form, draft: Draft, pos: Pos, q: Question, values: dict[str, Any], lang: str,
          t: Gettext) -> str | None:
    """The line under a question: the earlier answer ("sama"), the default, or how to skip it."""
    old = value_at(draft.answers, pos)
    if X.stale_choice(q, old, values):
        old = None
    new_item = (pos.index is not None and pos.sub == form.question(pos.name).item_label
                and pos.index >= len(items_of(draft.answers, pos)))
    if old not in (None, "", []) and not new_item and q.name in (draft.early or ()):
        return t("Foto sudah Anda kirim tadi. Ketik \"sama\" untuk memakainya, atau kirim foto lain.")
    if old not in (None, "", []) and not new_item:
        return t("Jawaban sebelumnya: %(old)s. Ketik \"sama\" jika tidak berubah.") % {"old": show(q, old, lang, t)}
    shown = X.default_shown(q, values, lang, t)
    if shown is not None:
        return t("Ketik \"sama\" untuk memakai jawaban bawaan: %(default)s.") % {"default": shown}
    return TABLE[q.type].hint(q, t)          # how to skip it (a photo's own words), if it may be skipped


# ---------------------------------------------------------------- answering

def accept(form: Form, draft: Draft, text: str, inbound: Inbound, ctx: Context, lang: str) -> Answer:
    """Take the answer at the draft's position: ``Accepted``, a ``Confirm`` (shown back and asked before it is
    stored), or a ``Problem`` (why not, to ask again)."""
    pos = at(draft)
    q = question_at(form, pos)
    X.stamp_today(form, draft, ctx)     # today() in the form's expressions: the day the answer is given
    lexicon = lexicon_of(ctx.lexicons, draft.area or (ctx.contact.area_code if ctx.contact else None))
    qtype = TABLE[q.type]
    rare = lexicon.rare_in(text, choice=qtype.choices) if qtype.lexicon else None
    if qtype.lexicon:        # "seng ada", "dua pulu", "mama-mama 5": read as textbook Indonesian (free text as typed)
        text = lexicon.canonical(text, choice=qtype.choices)
    s = A.normalize(text)
    said = A.normalize(lexicon.canonical(text))     # free text is kept as typed; "seng ada" still skips it
    kept = _kept(form, draft, pos, q, s, lang)
    if isinstance(kept, str):          # "sama" at a question with a default: the default, read as typed
        text, s = kept, A.normalize(kept)
    elif kept is not None:
        return kept
    many = _read_many(form, draft, q, text, s, ctx, lang)
    if many is not None:              # a long list in pages: picked page by page until "selesai"
        return many
    if pos.index is not None and q.name == form.question(pos.name).item_label:
        return _accept_item_name(form, draft, said if said in DONE_WORDS else text, ctx)
    if not qtype.attachment and inbound.kind in ("photo", "location") and not s:
        return Problem(qtype.typed_as)
    skip = _SKIP_WORDS | DONE_WORDS if qtype.none_skips else SKIP_COMMANDS
    if q.name in (draft.early or ()) and (s in skip or said in skip) and value_at(draft.answers, pos) not in (None, ""):
        return Accepted({q.name: value_at(draft.answers, pos)})   # the photo sent early is kept, not dropped
    if not q.required and (s in skip or said in skip):
        return _skipped(form, pos, q)
    if q.required and s in SKIP_COMMANDS:
        return Problem(N_("Pertanyaan ini perlu dijawab. Mohon kirim fotonya.") if qtype.file
                       else N_("Pertanyaan ini perlu dijawab. Mohon tulis jawabannya."))
    result = qtype.read(_typed(form, draft, q, text, inbound, ctx, lang)) if qtype.read else Accepted({})
    if isinstance(result, Accepted) and not qtype.checks_itself:     # a date is checked as it is read
        checked = _check_constraints(form, draft, result.updates, lang)
        result = checked if isinstance(checked, Problem) else result
    if rare and isinstance(result, Accepted) and not result.done_repeat:    # "tar" read as "tidak": asked first
        return Confirm("lexicon", result.updates, Problem(N_("\"%(word)s\" dibaca sebagai \"%(means)s\". Benar?"),
                                                          {"word": rare[0], "means": rare[1]}))
    return result


def _photo_home(form: Form, draft: Draft, after: int) -> Question | None:
    """The first photo question after index ``after`` of the form's questions, unanswered and not already known
    to be skipped: where a photo sent before its question is kept."""
    values = values_at(form, draft, Pos(form.questions[max(after, 0)].name))
    return next((x for x in form.questions[after + 1:] if TABLE[x.type].file
                 and draft.answers.get(x.name) in (None, "") and relevant(x, values)), None)


def keep_photo(form: Form, draft: Draft, photo: str, lang: str, after: int = -1) -> str | None:
    """``photo`` kept as the answer of the first photo question after index ``after`` (-1: anywhere in the form),
    marked as sent early; that question's short label, or None when the form has no such question."""
    home = _photo_home(form, draft, after)
    if home is None:
        return None
    draft.answers = {**draft.answers, home.name: photo}
    draft.early = [*(draft.early or []), home.name]
    return home.short.get(lang) or home.label[lang]


def keep_early_photo(form: Form, draft: Draft, inbound: Inbound, lang: str) -> str | None:
    """A photo sent at a question that wants words (the attendance sheet, sent at "Di mana tempatnya?", alone or
    with a caption that answers the question) is kept as the answer to the next photo question still to be asked,
    marked as sent early: that question then shows it as the earlier answer ("sama" or a skip word keeps it,
    another photo replaces it), so a photo meant for a later one is sent again there. Returns that question's
    short label (for the reply); None: not such a photo, or no photo question ahead (then it is refused)."""
    pos = at(draft)
    if not inbound.photo or pos.parent is not None or pos.index is not None:
        return None
    q = question_at(form, pos)
    if q is None or TABLE[q.type].attachment:
        return None
    return keep_photo(form, draft, inbound.photo, lang, [x.name for x in form.questions].index(pos.name))


def _skipped(form: Form, pos: Pos, q: Question) -> Accepted:
    """"lewati" at a two-part question (men, then women) skips both parts when the second may be skipped
    too: a hurried cadre's next answer must not land on the women's question."""
    siblings = form.question(pos.name).questions if pos.in_repeat else form.questions
    partner = form.question(q.pair) if q.pair else None
    if partner is not None and not partner.required and partner in siblings:
        return Accepted({q.name: None, partner.name: None}, auto=(partner.name,))
    return Accepted({q.name: None})


def _kept(form: Form, draft: Draft, pos: Pos, q: Question, s: str, lang: str) -> Answer | str | None:
    """"sama": the earlier answer kept (checked again), or the default to read (a str); None: not "sama"."""
    if s not in KEEP_WORDS:
        return None
    old = value_at(draft.answers, pos)
    stale = old not in (None, "") and X.stale_choice(q, old, values_at(form, draft, pos))
    if old not in (None, "") and not stale:
        kept = _check_constraints(form, draft, {q.name: old}, lang)     # what was right may have become wrong
        return kept if isinstance(kept, Problem) else Accepted(kept)
    default = X.default_text(q, values_at(form, draft, pos))
    if default is not None:
        return default
    if has_answer(draft.answers, pos) and not q.required and not stale:
        return Accepted({q.name: None})
    if s.isalpha() or " " in s:        # "sama" with nothing to repeat is not an answer ("=" and "." are read on)
        return Problem(N_("Belum ada jawaban sebelumnya untuk pertanyaan ini. Mohon tulis jawabannya."))
    return None


def _read_many(form: Form, draft: Draft, q: Question, text: str, s: str, ctx: Context, lang: str) -> Answer | None:
    """An answer at a long select_multiple list (in pages); None when the list is short or nothing was picked
    and a skip word was typed (read as at any question)."""
    if not TABLE[q.type].many or s in KEEP_WORDS:
        return None
    paging = _paging(draft)
    kept = dict(paging.get("page") or {})
    many = X.take_many(paging, q, text, options_for(q, lang, ctx, values_at(form, draft, at(draft))), _SKIP_WORDS)
    _paged(draft, paging)
    if many is None or isinstance(many, Problem):
        return many
    checked = _check_constraints(form, draft, {q.name: many}, lang)
    if not isinstance(checked, Problem):
        return Accepted(checked)
    draft.page = {**kept, "picked": list(many)}     # "selesai" broke a rule: the picks stay, to be changed
    if checked.params:
        return checked
    return Problem(N_("%(rule)s Pilihan Anda tetap tersimpan. Ketik nomor pilihan yang ingin dibatalkan, lalu "
                      "\"selesai\"."), {"rule": checked.msgid})


def _typed(form: Form, draft: Draft, q: Question, text: str, inbound: Inbound, ctx: Context, lang: str) -> Typed:
    """The answer as its type's reader sees it, with the checks the engine owns bound to this draft."""
    pos = at(draft)

    def page_pick(options: X.Options) -> str | Problem | None:
        if not X.paged(options):
            return None
        paging = _paging(draft)
        chosen = X.take_paged(paging, text, options)
        _paged(draft, paging)
        return chosen
    return Typed(form, draft, q, text, lang, ctx.now, inbound.photo,
                 (float(inbound.location[0]), float(inbound.location[1])) if inbound.location else None,
                 form.question(pos.name).questions if pos.in_repeat else form.questions,
                 lambda updates: _check_constraints(form, draft, updates, lang),
                 lambda: options_for(q, lang, ctx, values_at(form, draft, pos)), page_pick)


def _check_constraints(form: Form, draft: Draft, updates: dict[str, Any], lang: str) -> dict[str, Any] | Problem:
    pos = at(draft)
    answers = apply_updates(draft.answers, pos, updates)
    values = item_values(form, answers, pos, draft.today)
    for q in [form.question(n) for n in updates]:
        if q.constraint and evaluate(q.constraint, values) is False:
            return Problem(format_values(q.constraint_message[lang], values, lang))
    return updates


def _accept_item_name(form: Form, draft: Draft, text: str, ctx: Context) -> Accepted | Problem:
    pos = at(draft)
    rep = form.question(pos.name)
    offered = suggestions(form, draft, pos, ctx)
    s = A.normalize(text)
    done_index = len(offered) + 1 if pos.item > 0 else None
    if s in DONE_WORDS or (done_index and s == str(done_index)) or s.startswith("selesai"):
        if pos.item == 0 and not says_kegiatan(rep):
            return Problem(N_("Laporan ini perlu minimal satu isian. Mohon tulis namanya, atau ketik \"batal\"."))
        if pos.item == 0:
            return Problem(N_("Laporan ini perlu minimal satu kegiatan. Mohon tulis nama kegiatannya, misalnya "
                              "\"Kebun sayur kelompok wanita\", atau ketik \"batal\"."))
        return Accepted({}, done_repeat=True)
    if re.fullmatch(r"\d+", s):
        i = int(s) if len(s) <= 6 else 0          # never int() a 10,000-digit string
        if 1 <= i <= len(offered):
            return Accepted({rep.item_label or "": offered[i - 1]})
        count = len(offered) + (1 if done_index else 0)
        if count == 0 and not says_kegiatan(rep):
            return Problem(N_("Mohon tulis namanya dengan huruf."))
        if count == 0:
            return Problem(N_("Mohon tulis nama kegiatannya dengan huruf, misalnya \"Kebun sayur kelompok wanita\"."))
        if not says_kegiatan(rep):
            return Problem(N_("Nomor %(number)s tidak ada. Mohon pilih nomor 1 sampai %(count)s, atau ketik namanya."),
                           {"number": s[:7], "count": count})
        return Problem(N_("Nomor %(number)s tidak ada. Mohon pilih nomor 1 sampai %(count)s, atau ketik nama kegiatan."),
                       {"number": s[:7], "count": count})
    name = re.sub(r"\s+", " ", text or "").strip()
    if len(name) < 3 or not any(ch.isalpha() for ch in name):
        if not says_kegiatan(rep):
            return Problem(N_("Mohon tulis namanya, paling sedikit 3 huruf."))
        return Problem(N_("Mohon tulis nama kegiatannya, misalnya \"Kebun sayur kelompok wanita\"."))
    return Accepted({rep.item_label or "": name[:200]})


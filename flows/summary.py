"""The summary of a draft shown before it is sent: one short line per answer, then "Kirim laporan ini?"."""
from __future__ import annotations

from typing import Any

from . import answer_types as X
from .display import format_values, show
from .forms import MORE, Form, Question
from .positions import items_of, relevant, values_at
from .problem import Gettext
from .state import Draft, Pos
from .types import Context, Reply


def summary_lines(form: Form, draft: Draft, lang: str, t: Gettext) -> list[str]:
    answers = draft.answers
    lines = []
    values = values_at(form, draft, Pos("$"))      # the same at every top-level question
    for q in form.questions:
        if not relevant(q, values) or q.type == "note":
            continue
        if q.type == "repeat":
            lines += (_counted_summary(form, draft, q, values, lang, t) if q.repeat_count or q.ask_more
                      else _items_summary(form, draft, q, lang, t))
        elif q.name in answers:
            lines.append(f"- {format_values(short_label(q, lang), values, lang)}: {show(q, answers[q.name], lang, t)}")
    for name, _ in form.calculate:
        if values.get(name) is not None:
            shown = show(_int_q, values[name], lang, t) if isinstance(values[name], (int, float)) else values[name]
            lines.append(f"- {name.replace('_', ' ').capitalize()}: {shown}")
    return lines


_int_q = Question(name="_", type="decimal", label={"id": "", "en": ""})


def _item_parts(form: Form, draft: Draft, rep: Question, i: int, subs: list[Question], lang: str,
                t: Gettext, parent: tuple[str, int] | None = None) -> list[str]:
    item = items_of(draft.answers, Pos(rep.name, i, None, parent))[i]
    ivalues = values_at(form, draft, Pos(rep.name, i, rep.questions[0].name, parent))
    parts = []
    for s in subs:
        if not relevant(s, ivalues) or s.type == "note" or s.name == MORE:
            continue
        if s.type == "repeat":        # a repeat inside the item: its items in brackets, one after another
            inner = _nested_parts(form, draft, s, ivalues, lang, t, (rep.name, i))
            if inner:
                parts.append(f"{format_values(short_label(s, lang), ivalues, lang)}: {inner}")
        elif item.get(s.name) not in (None, "", []):
            parts.append(f"{format_values(short_label(s, lang), ivalues, lang)}: {show(s, item.get(s.name), lang, t)}")
    return parts


def _nested_parts(form: Form, draft: Draft, rep: Question, values: dict[str, Any], lang: str, t: Gettext,
                  parent: tuple[str, int]) -> str:
    """'[1. Ani — Umur: 34] [2. Budi — Umur: 7]': the items of a repeat inside an item."""
    items = items_of(draft.answers, Pos(rep.name, 0, None, parent))
    if rep.repeat_count:
        items = items[:X.repeat_count(rep, values)]
    subs = list(rep.questions[1:] if rep.item_label else rep.questions)
    shown = []
    for i, item in enumerate(items):
        parts = "; ".join(_item_parts(form, draft, rep, i, subs, lang, t, parent))
        if rep.item_label:
            shown.append(f"[{i + 1}. {item.get(rep.item_label)}{' — ' + parts if parts else ''}]")
        else:
            shown.append(f"[{i + 1}. {parts}]")
    return " ".join(shown)


def _items_summary(form: Form, draft: Draft, rep: Question, lang: str, t: Gettext) -> list[str]:
    """'1. Kebun sayur — Sektor: Pertanian; …' per item of a repeat named by its first question."""
    return [f"{i + 1}. {item.get(rep.item_label)} — "
            f"{'; '.join(_item_parts(form, draft, rep, i, list(rep.questions[1:]), lang, t))}"
            for i, item in enumerate(draft.answers.get(rep.name) or [])]


def _counted_summary(form: Form, draft: Draft, rep: Question, values: dict[str, Any], lang: str,
                     t: Gettext) -> list[str]:
    """'Anak 1: Nama: Budi; Umur: 4' per item of a repeat with a count (or asking "Tambah satu lagi?")."""
    items = draft.answers.get(rep.name) or []
    count = len(items if rep.ask_more else items[:X.repeat_count(rep, values)])
    return [f"- {format_values(rep.label[lang], values, lang)} {i + 1}: "
            f"{'; '.join(_item_parts(form, draft, rep, i, list(rep.questions), lang, t))}" for i in range(count)]


def short_label(q: Question, lang: str) -> str:
    if q.short:
        return q.short[lang]
    return q.label[lang].split("?")[0].split("\n")[0].rstrip(":")



def confirm_reply(form: Form, draft: Draft, ctx: Context, lang: str, t: Gettext) -> Reply:
    head = t("Mohon periksa %(title)s Anda:") % {"title": form.title[lang].lower()}
    text = "\n".join([head, *summary_lines(form, draft, lang, t), t("Kirim laporan ini?")])
    return Reply(text, (t("Kirim"), t("Ubah jawaban"), t("Batal")))

"""Answers of the kinds XLSForm forms brought: long choice lists shown in pages, choices filtered by an earlier
answer, repeats with a count, computed defaults (decimals with a comma and coordinates typed as text are read
by their question types, flows/qtypes/).

Kept apart from filling.py, which calls these through a few small hooks.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from . import answers as A
from .dates import zone_for_area
from .display import show
from .expr import evaluate
from .problem import N_, Gettext, Problem
from .qtypes import TABLE
# the readers of numbers and points live with their question types (flows/qtypes/); imported from here too
from .qtypes.decimal import parse_decimal as parse_decimal
from .qtypes.integer import parse_integer as parse_integer
from .qtypes.location import parse_coordinates as parse_coordinates

if TYPE_CHECKING:
    from .forms import Form, Question
    from .state import Draft
    from .types import Context

Options = list[tuple[str, list[str]]]

PAGE_SIZE = 9            # choices per page: one digit each, 0 shows the next page
PAGE_WHEN_MORE_THAN = 10
MAX_REPEAT_COUNT = 50


# ------------------------------------------------------------------ long lists in pages

def paged(options: Options) -> bool:
    return len(options) > PAGE_WHEN_MORE_THAN


def page_of(draft: dict[str, Any]) -> int:
    """The page of the list shown at the draft's position (0 when the position changed)."""
    page = draft.get("page") or {}
    return int(page.get("n", 0)) if page.get("pos") == draft.get("pos") else 0


def page_count(options: Options) -> int:
    return (len(options) + PAGE_SIZE - 1) // PAGE_SIZE


def page_options(options: Options, page: int) -> Options:
    return options[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]


def take_paged(draft: dict[str, Any], text: str, options: Options) -> str | Problem | None:
    """A number typed at a paged list: "0" turns the page (kept in the draft), "3" is the page's third.
    None when the text is not a number (then words are matched against every option)."""
    m = re.fullmatch(r"(?:no\.?|nomor|nomer|pilih)?\s*(\d{1,6})", text.strip().lower())
    if not m:
        return None
    s = m.group(1)
    page = page_of(draft)
    shown = page_options(options, page)
    if s == "0":
        draft["page"] = {"pos": draft.get("pos"), "n": (page + 1) % page_count(options)}
        return Problem(N_("Pilihan lainnya:"))
    i = int(s)
    if 1 <= i <= len(shown):
        return str(shown[i - 1][0])
    return Problem(N_("Nomor %(number)s tidak ada. Mohon pilih nomor 1 sampai %(count)s, atau ketik 0 untuk "
                      "pilihan lain."), {"number": s, "count": len(shown)})


# ------------------------------------------------------------------ choice filters and counted repeats

def filter_choices(q: Question, options: Options, values: dict[str, Any] | None) -> Options:
    """The options whose choice passes the question's choice_filter (all of them without one)."""
    if not q.choice_filter or values is None:
        return options
    if len(options) == len(q.choices):          # one option per choice, in order: a value may repeat per parent
        return [o for o, c in zip(options, q.choices) if evaluate(q.choice_filter, {**values, "$choice": c.data})]
    data = {c.value: c.data for c in q.choices}
    return [o for o in options if evaluate(q.choice_filter, {**values, "$choice": data.get(o[0], {})})]


def stale_choice(q: Question, value: Any, values: dict[str, Any]) -> bool:
    """Whether an answer is no longer among the choices its filter offers (an earlier answer changed)."""
    if not q.choice_filter or value in (None, "", []):
        return False
    allowed = {v for v, _ in filter_choices(q, [(c.value, []) for c in q.choices], values)}
    return any(v not in allowed for v in (value if isinstance(value, list) else [value]))


def repeat_count(rep: Question, values: dict[str, Any]) -> int:
    """How many items a counted repeat has now (0 while its count is not answered)."""
    value = evaluate(rep.repeat_count or "0", values)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0
    return max(0, min(MAX_REPEAT_COUNT, int(value)))


def uses_today(form: Form) -> bool:
    """Whether any expression of the form calls today() (only then is the date put in the answers); found
    once per form (kept in the form's own ``__dict__``, as ``functools.cached_property`` does)."""
    found = form.__dict__.get("_uses_today")
    if found is None:
        found = form.__dict__["_uses_today"] = _uses_today(form)
    return bool(found)


def _uses_today(form: Form) -> bool:
    questions = list(form.all_questions())
    exprs = [e for q in questions for e in (q.relevant, q.constraint, q.repeat_count, q.choice_filter,
                                            q.default_expr, *(c for _, c in q.calculate))]
    return any("today(" in e for e in exprs + [e for _, e in form.calculate] if e)


def stamp_today(form: Form, draft: Draft, ctx: Context) -> None:
    """Put today's date (in the area's zone) in the draft for today(): from the first question on, and again at
    every answer, so that the date is the day the answer is given. Forms without today() are left as they are."""
    if uses_today(form):
        draft.today = ctx.now.astimezone(zone_for_area(draft.area)).date().isoformat()


# ------------------------------------------------------------------ per-item calculations

def item_calculations(rep: Question, values: dict[str, Any]) -> dict[str, Any]:
    """A repeat's calculations for one item, in order (a later one may use an earlier one)."""
    out: dict[str, Any] = {}
    for name, expr in rep.calculate:
        out[name] = evaluate(expr, {**values, **out})
    return out


# ------------------------------------------------------------------ computed defaults

def _computed(q: Question, values: dict[str, Any]) -> Any:
    """A computed default's value as the question's own kind, or None when it cannot be used (yet)."""
    value = evaluate(q.default_expr or "None", values)
    if value is None or value == "" or isinstance(value, (list, dict)):
        return None
    return TABLE[q.type].computed(q, value)


def default_text(q: Question, values: dict[str, Any]) -> str | None:
    """What "sama" stands for at a question with a default: read as if the person had typed it."""
    if q.default_expr is None:
        return q.default
    value = _computed(q, values)
    return None if value is None else TABLE[q.type].typed(value)


def default_shown(q: Question, values: dict[str, Any], lang: str, t: Gettext) -> str | None:
    """The default as the person reads it, or None when the question has none (or it cannot be computed yet)."""
    if q.default_expr is None:
        if q.default is None:
            return None
        single = TABLE[q.type].choices and not TABLE[q.type].many
        return show(q, q.default, lang, t) if single else q.default      # a choice by its label
    value = _computed(q, values)
    return None if value is None else show(q, value, lang, t)


# ------------------------------------------------------------------ long select_multiple lists in pages

FINISH_WORDS = {"selesai", "sudah", "cukup", "sudah semua", "itu saja", "done", "sdh", "udah", "sudah selesai",
                "selesai memilih", "sudah cukup", "itu aja", "ok", "oke"}


def _picked(draft: dict[str, Any]) -> list[str]:
    page = draft.get("page") or {}
    return list(page.get("picked") or []) if page.get("pos") == draft.get("pos") else []


def _keep_picked(draft: dict[str, Any], picked: list[str]) -> None:
    draft["page"] = {"pos": draft.get("pos"), "n": page_of(draft), "picked": picked}


def _toggle(parts: list[str], shown: Options, options: Options, picked: list[str]
            ) -> tuple[list[str], list[str]] | Problem:
    """Add each part (a shown number, or words matching any option) to ``picked``; a number picked again is
    taken back. The values added and removed, or why a part cannot be read (then nothing is changed)."""
    values: list[tuple[str, bool]] = []
    for part in parts:
        m = re.fullmatch(r"(?:no\.?|nomor|nomer|pilih)?\s*(\d{1,6})", part)
        if m:
            i = int(m.group(1))
            if not 1 <= i <= len(shown):
                return Problem(N_("Nomor %(number)s tidak ada. Mohon pilih nomor 1 sampai %(count)s, atau ketik 0 "
                                  "untuk pilihan lain."), {"number": m.group(1), "count": len(shown)})
            values.append((str(shown[i - 1][0]), True))
            continue
        found = A.match_choice(part, options)
        if not isinstance(found, str):
            return Problem(N_("Pilihan \"%(part)s\" belum dikenali. Mohon ketik nomornya, misalnya 1, 3."),
                           {"part": part[:40]})
        values.append((found, False))
    added: list[str] = []
    removed: list[str] = []
    for value, by_number in values:
        if value in picked and by_number:
            picked.remove(value)
            removed.append(value)
        elif value not in picked:
            picked.append(value)
            added.append(value)
    return added, removed


def take_many(draft: dict[str, Any], q: Question, text: str, options: Options, skip_words: set[str]
              ) -> list[str] | Problem | None:
    """An answer at a long select_multiple list shown in pages. Numbers ("1, 3") are the page's shown ones,
    words match any option; each is added to the picks kept in the draft (a number picked again is taken back),
    "0" turns the page, "selesai" ends with what was picked: the list of values. None when the list is short
    (answered in one message as before) or the answer is a skip word with nothing picked (the caller decides)."""
    if not paged(options):
        return None
    s = A.normalize(text)
    picked = _picked(draft)
    labels = {v: ls[0] if ls else v for v, ls in options}
    if s in FINISH_WORDS or s.startswith("selesai"):
        if not picked:
            return Problem(N_("Belum ada yang dipilih. Ketik nomornya, misalnya 1, 3.") if q.required else
                           N_("Belum ada yang dipilih. Ketik nomornya, misalnya 1, 3, atau \"lewati\" jika tidak ada."))
        draft.pop("page", None)
        return [v for v, _ in options if v in picked]           # in the list's order
    if s in skip_words:
        if not picked:
            return None
        return Problem(N_("Anda sudah memilih: %(picked)s. Ketik \"selesai\" untuk menyimpan pilihan itu."),
                       {"picked": ", ".join(labels[v] for v in picked)})
    if s == "0":
        draft["page"] = {"pos": draft.get("pos"), "n": (page_of(draft) + 1) % page_count(options),
                         "picked": picked}
        return Problem(N_("Pilihan lainnya:"))
    shown = page_options(options, page_of(draft))
    parts = [p for p in re.split(r"\s*(?:,|;|/|\bdan\b|\bserta\b|&|\+)\s*", s) if p]
    if len(parts) == 1 and re.fullmatch(r"\d+(?: \d+)+", parts[0]):
        parts = parts[0].split()
    if not parts or len(s) > A.MAX_LEN:
        return Problem(N_("Mohon pilih dengan mengetik nomornya, misalnya 1, 3."))
    changed = _toggle(parts, shown, options, picked)
    if isinstance(changed, Problem):
        return changed
    added, removed = ([labels[v] for v in values] for values in changed)
    _keep_picked(draft, picked)
    if removed and not added:
        return Problem(N_("Dibatalkan: %(labels)s."), {"labels": ", ".join(removed)})
    return Problem(N_("Dicatat: %(labels)s."), {"labels": ", ".join(added or removed)})


def many_lines(draft: dict[str, Any], options: Options, t: Gettext) -> list[str]:
    """The lines under a select_multiple question: how to pick several (and, in pages, how to finish)."""
    if not paged(options):
        return [t("Boleh pilih lebih dari satu, misalnya: 1, 3")]
    lines = [t("Boleh pilih lebih dari satu, misalnya: 1, 3. Ketik \"selesai\" jika sudah.")]
    picked = _picked(draft)
    if picked:
        labels = {v: ls[0] if ls else v for v, ls in options}
        lines.append(t("Sudah dipilih: %(picked)s.") % {"picked": ", ".join(labels.get(v, v) for v in picked)})
    return lines

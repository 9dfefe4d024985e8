"""The final answers checked against every rule of the form before a report is shown for sending or sent."""
from __future__ import annotations

from typing import Any

from .display import format_values
from .expr import evaluate
from .positions import item_values, items_of, relevant
from .state import Pos
from .forms import MORE, Form, Question
from .qtypes import TABLE
from .problem import Problem


def _invalid(form: Form, q: Question, value: Any, values: dict[str, Any], lang: str) -> Problem | None | bool:
    """Why a stored answer cannot stay: a Problem, True (ask again without a reason), or None (it is fine)."""
    qtype = TABLE[q.type]
    if value is None:
        return True if q.required and qtype.required else None     # a note or a photo is never asked again
    why = qtype.check(q, value)         # the type's own rule: a whole number in bounds, a choice that exists
    if why is not None:
        return why
    if q.constraint and evaluate(q.constraint, values) is False:
        return Problem(format_values(q.constraint_message[lang], values, lang))
    return None


#: how many checked answer sets each form remembers (``first_invalid``)
MEMO_SIZE = 512


def first_invalid(form: Form, answers: dict[str, Any], lang: str,
                  today: str | None = None) -> tuple[Pos, Problem | None] | None:
    """The first answer that the form's rules refuse on the final answers (a constraint, a limit, a choice
    that no longer exists, a required answer missing), with the reason: checked before a report is sent,
    whatever path led there. Answers to questions no longer relevant are dropped by ``clean_answers``.

    The check is pure in the form, the answers, the language and the day, and a report is checked twice with
    the same answers (before its summary, then at "kirim"): the outcome is remembered per form by the exact
    text of the answers (``repr``: 1, 1.0, True and NaN stay apart), so the second check is a lookup."""
    memo: dict[tuple[str, str, str | None], tuple[Pos, Problem | None] | None] | None = form.__dict__.get(
        "_first_invalid")
    if memo is None:
        memo = form.__dict__["_first_invalid"] = {}
    key = (repr(answers), lang, today)
    if key in memo:
        return memo[key]
    found = _first_invalid(form, answers, lang, today)
    if len(memo) >= MEMO_SIZE:
        del memo[next(iter(memo))]          # the oldest
    memo[key] = found
    return found


def _first_invalid(form: Form, answers: dict[str, Any], lang: str,
                   today: str | None) -> tuple[Pos, Problem | None] | None:
    values = item_values(form, answers, Pos("$"), today)      # the same at every top-level question
    for q in form.questions:
        if q.type == "note" or not relevant(q, values):
            continue
        found = (_invalid_item(form, q, answers, lang, today) if q.type == "repeat"
                 else _invalid_at(form, q, Pos(q.name), answers, values, lang))
        if found is not None:
            return found
    return None


def _invalid_item(form: Form, q: Question, answers: dict[str, Any], lang: str, today: str | None,
                  parent: tuple[str, int] | None = None) -> tuple[Pos, Problem | None] | None:
    for i, item in enumerate(items_of(answers, Pos(q.name, 0, None, parent))):
        ivalues = item_values(form, answers, Pos(q.name, i, q.questions[0].name, parent), today)   # same for each sub
        for sub in q.questions:
            pos = Pos(q.name, i, sub.name, parent)
            if sub.type == "note" or sub.name == MORE or not relevant(sub, ivalues):
                continue
            found = (_invalid_item(form, sub, answers, lang, today, (q.name, i)) if sub.type == "repeat"
                     else _invalid_at(form, sub, pos, item, ivalues, lang))
            if found is not None:
                return found
    return None


def _invalid_at(form: Form, q: Question, pos: Pos, answers: dict[str, Any], values: dict[str, Any],
                lang: str) -> tuple[Pos, Problem | None] | None:
    """The answer to ``q`` among ``answers`` (the form's, or one item's), if it cannot stay."""
    if q.name not in answers:
        return (pos, None) if q.required else None
    why = _invalid(form, q, answers[q.name], values, lang)
    if why is None:
        return None
    return pos, why if isinstance(why, Problem) else None

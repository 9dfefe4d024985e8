"""The final answers checked against every rule of the form before a report is shown for sending or sent."""
from __future__ import annotations

from typing import Any

from .display import format_values
from .expr import evaluate
from .filling import item_values, relevant
from .forms import Form, Question
from .answer_types import parse_integer
from .problem import Problem


def _invalid(form: Form, q: Question, value: Any, values: dict[str, Any], lang: str) -> Problem | None | bool:
    """Why a stored answer cannot stay: a Problem, True (ask again without a reason), or None (it is fine)."""
    if value is None:
        return True if q.required and q.type not in ("note", "photo") else None
    if q.type == "integer":
        n = parse_integer(q, str(value)) if isinstance(value, int) and not isinstance(value, bool) else None
        if isinstance(n, Problem) or n is None:
            return n if isinstance(n, Problem) else True
    if q.type == "select_one" and q.choices and value not in {c.value for c in q.choices}:
        return True
    if q.type == "select_multiple" and q.choices and not set(value) <= {c.value for c in q.choices}:
        return True
    if q.constraint and evaluate(q.constraint, values) is False:
        return Problem(format_values(q.constraint_message[lang], values, lang))
    return None


def first_invalid(form: Form, answers: dict[str, Any], lang: str) -> tuple[list[Any], Problem | None] | None:
    """The first answer that the form's rules refuse on the final answers (a constraint, a limit, a choice
    that no longer exists, a required answer missing), with the reason: checked before a report is sent,
    whatever path led there. Answers to questions no longer relevant are dropped by ``clean_answers``."""
    for q in form.questions:
        values = item_values(form, answers, [q.name])
        if q.type == "note" or not relevant(q, values):
            continue
        if q.type == "repeat":
            for i, item in enumerate(answers.get(q.name) or []):
                for sub in q.questions:
                    pos = [q.name, i, sub.name]
                    ivalues = item_values(form, answers, pos)
                    if sub.type == "note" or not relevant(sub, ivalues):
                        continue
                    if sub.name not in item:
                        if sub.required:
                            return pos, None
                        continue
                    why = _invalid(form, sub, item.get(sub.name), ivalues, lang)
                    if why is not None:
                        return pos, why if isinstance(why, Problem) else None
            continue
        if q.name not in answers:
            if q.required:
                return [q.name], None
            continue
        why = _invalid(form, q, answers[q.name], values, lang)
        if why is not None:
            return [q.name], why if isinstance(why, Problem) else None
    return None

"""Where a draft is in its form: the answers visible at a position, which question comes next, what is stored.

A position is a ``flows.state.Pos``: a top-level question, a question of a repeat's item, or ``CONFIRM``
(the summary). Answers are the form's plain values (``{"men": 79, "activities": [{...}, ...]}``).
"""
from __future__ import annotations

from typing import Any

from . import answer_types as X
from .expr import evaluate
from .forms import MORE, Form, Question
from .state import CONFIRM, Draft, Pos

#: the position of the form as a whole (no item): where calculations are evaluated
WHOLE = Pos("$")


def item_values(form: Form, answers: dict[str, Any], pos: Pos, today: str | None = None) -> dict[str, Any]:
    """Answers visible at a position: the form's, plus the current repeat item's, plus calculations;
    ``today`` (ISO) is what today() in an expression gives."""
    repeats = _repeat_names(form)
    values = ({k: v for k, v in answers.items() if k not in repeats or not isinstance(v, list)} if repeats
              else dict(answers))
    if today is not None:
        values["$today"] = today
    values["$answers"] = answers          # sum(), indexed-repeat(): a repeat's answers from anywhere
    if any(q.calculate for q in form.questions if q.type == "repeat"):
        values["$answers"] = _with_item_calculations(form, answers, values)
    if pos.index is not None:
        values["$position"] = pos.index + 1
        items = answers.get(pos.name) or []
        if pos.index < len(items):
            values.update(items[pos.index])
        values.update(X.item_calculations(form.question(pos.name), values))
    for name, expr in form.calculate:
        values[name] = evaluate(expr, values)
    return values


def _with_item_calculations(form: Form, answers: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """The answers with each repeat item's calculations in it, so that indexed-repeat() and sum() read a
    calculated item value (the Liberia form's selected child's age) as ODK does; an item calculation may
    read the form's own calculations (computed first from the plain answers)."""
    base = dict(top)
    for name, expr in form.calculate:
        base[name] = evaluate(expr, base)
    out = dict(answers)
    for rep in form.questions:
        if rep.type == "repeat" and rep.calculate and isinstance(answers.get(rep.name), list):
            out[rep.name] = [{**item, **X.item_calculations(rep, {**base, "$position": i + 1, **item})}
                             for i, item in enumerate(answers[rep.name])]
    return out


def values_at(form: Form, draft: Draft, pos: Pos) -> dict[str, Any]:
    """``item_values`` of the draft's answers at ``pos``."""
    return item_values(form, draft.answers, pos, draft.today)


def _repeat_names(form: Form) -> frozenset[str]:
    """The names of the form's repeats, found once per form (kept in its ``__dict__``, as
    ``functools.cached_property`` does): ``item_values`` needs them at every call."""
    found: frozenset[str] | None = form.__dict__.get("_repeat_names")
    if found is None:
        found = form.__dict__["_repeat_names"] = frozenset(q.name for q in form.questions if q.type == "repeat")
    return found


def relevant(q: Question, values: dict[str, Any]) -> bool:
    return not q.relevant or bool(evaluate(q.relevant, values))


def question_at(form: Form, pos: Pos) -> Question:
    top = form.question(pos.name)
    if pos.sub is not None:
        return next(s for s in top.questions if s.name == pos.sub)
    return top


def at(draft: Draft) -> Pos:
    """The draft's position (a draft being asked always has one)."""
    if draft.pos is None:
        raise ValueError("the draft has not begun")
    return draft.pos


def value_at(answers: dict[str, Any], pos: Pos) -> Any:
    if pos.index is not None:
        items = answers.get(pos.name) or []
        return items[pos.index].get(pos.sub) if pos.index < len(items) else None
    return answers.get(pos.name)


def has_answer(answers: dict[str, Any], pos: Pos) -> bool:
    """Whether the question at ``pos`` was answered (perhaps skipped: None)."""
    if pos.index is not None:
        items = answers.get(pos.name) or []
        return pos.index < len(items) and pos.sub in items[pos.index]
    return pos.name in answers


# ---------------------------------------------------------------- walking on

def next_pos(form: Form, draft: Draft, pos: Pos | None) -> Pos:
    """The next question to ask after ``pos`` (None: the first), or ``CONFIRM``."""
    if pos is not None and pos.index is not None and pos.index >= 0:
        found = _next_in_repeat(form, draft, pos)
        if found is not None:
            return found
        # correcting one item (or a counted repeat complete): on to the questions after the repeat
    names = [q.name for q in form.questions]
    start = 0 if pos is None else names.index(pos.name) + 1
    top: dict[str, Any] | None = None         # the values at a top-level question: the same for each of them
    for q in form.questions[start:]:
        if top is None:
            top = values_at(form, draft, Pos(q.name))
        found = _first_of(form, draft, q, top)
        if found is not None:
            return found
    return CONFIRM


def _next_in_repeat(form: Form, draft: Draft, pos: Pos) -> Pos | None:
    """The next question of the item at ``pos``, or of the next item (None: the repeat is done)."""
    skip_answered = bool(draft.review)
    rep = form.question(pos.name)
    subs = list(rep.questions)
    values = values_at(form, draft, pos)
    items = draft.answers.get(rep.name) or []
    item = items[pos.item] if pos.item < len(items) else {}
    for sub in subs[subs.index(question_at(form, pos)) + 1:]:
        if relevant(sub, values) and sub.name not in draft.auto and not (skip_answered and sub.name in item):
            return Pos(rep.name, pos.item, sub.name)
    if rep.repeat_count:
        return _counted_item(form, draft, rep, pos.item + 1)
    if rep.ask_more:          # "Tambah satu lagi?" answered at the item's end; items already there are kept
        more = item.get(MORE) == "ya" or pos.item + 1 < len(items)
        return Pos(rep.name, pos.item + 1, subs[0].name) if more and not skip_answered else None
    if not skip_answered:
        return Pos(rep.name, pos.item + 1, subs[0].name)
    return None


def _first_of(form: Form, draft: Draft, q: Question, values: dict[str, Any]) -> Pos | None:
    """Where top-level question ``q`` is asked now (None: it is skipped); ``values``: those at a top-level
    question (``values_at``; the same for every top-level question)."""
    answers, skip_answered = draft.answers, bool(draft.review)
    if not relevant(q, values) or q.name in draft.auto:
        return None
    if skip_answered and (q.type == "note" or (q.type != "repeat" and q.name in answers
                                               and not X.stale_choice(q, answers[q.name], values))):
        return None
    if q.type != "repeat":
        return Pos(q.name)
    done = len(answers.get(q.name) or [])
    if skip_answered and done and not (q.repeat_count and done < X.repeat_count(q, values)):
        return None
    if q.repeat_count:      # after a changed count, only the new items are asked
        return _counted_item(form, draft, q, done if skip_answered else 0)
    return Pos(q.name, 0, q.questions[0].name)


def _counted_item(form: Form, draft: Draft, rep: Question, index: int) -> Pos | None:
    """The first relevant question of item ``index`` or a later one of a repeat with a count."""
    count = X.repeat_count(rep, values_at(form, draft, Pos(rep.name)))
    for i in range(index, count):
        values = values_at(form, draft, Pos(rep.name, i, rep.questions[0].name))
        for sub in rep.questions:
            if relevant(sub, values):
                return Pos(rep.name, i, sub.name)
    return None


# ---------------------------------------------------------------- what is stored

def clean_answers(form: Form, answers: dict[str, Any], today: str | None = None) -> dict[str, Any]:
    """Only answers to questions that are relevant now, plus calculations (what is stored)."""
    out: dict[str, Any] = {}
    top = item_values(form, answers, WHOLE, today)       # the same at every top-level question
    for q in form.questions:
        values = top
        if not relevant(q, values) or q.type == "note":
            continue
        if q.type == "repeat":
            out[q.name] = _clean_items(form, answers, q, values, today)
        elif q.name in answers:
            out[q.name] = answers[q.name]
    for name, expr in form.calculate:
        out[name] = evaluate(expr, top)
    return out


def _clean_items(form: Form, answers: dict[str, Any], q: Question, values: dict[str, Any],
                 today: str | None) -> list[dict[str, Any]]:
    items = []
    kept = answers.get(q.name) or []
    if q.repeat_count:
        kept = kept[:X.repeat_count(q, values)]
    for i, item in enumerate(kept):
        ivalues = item_values(form, answers, Pos(q.name, i, q.questions[0].name), today)
        items.append({s.name: item.get(s.name) for s in q.questions if relevant(s, ivalues) and s.type != "note"
                      and s.name != MORE}
                     | X.item_calculations(q, ivalues))
    return items


def report_key(form: Form, draft: Draft) -> str:
    """What the report is about (form.key), from the answers that are stored: an answer to a question no
    longer relevant (the batch of a meeting whose kind was changed) is no part of it, for a new report and
    a correction alike."""
    answers = clean_answers(form, draft.answers, draft.today)
    parts = []
    for k in form.key:
        if k == "$started":
            parts.append(draft.started)
        else:
            parts.append(str(answers.get(k, "")))
    return "|".join(parts)


def apply_updates(answers: dict[str, Any], pos: Pos, updates: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``answers`` with ``updates`` written at the position (top level or repeat item)."""
    new = {k: ([dict(i) for i in v] if isinstance(v, list) and v and isinstance(v[0], dict) else v)
           for k, v in answers.items()}
    if pos.index is not None:
        items = new.setdefault(pos.name, [])
        while len(items) <= pos.index:
            items.append({})
        items[pos.index].update(updates)
    else:
        new.update(updates)
    return new

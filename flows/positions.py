"""Where a draft is in its form: the answers visible at a position, which question comes next, what is stored.

A position is a ``flows.state.Pos``: a top-level question, a question of a repeat's item, or ``CONFIRM``
(the summary). Answers are the form's plain values (``{"men": 79, "activities": [{...}, ...]}``).
"""
from __future__ import annotations

from typing import Any

from . import answer_types as X
from .display import format_values
from .expr import evaluate
from .forms import MORE, Form, Question
from .state import CONFIRM, Draft, Pos

#: the position of the form as a whole (no item): where calculations are evaluated
WHOLE = Pos("$")


def item_values(form: Form, answers: dict[str, Any], pos: Pos, today: str | None = None) -> dict[str, Any]:
    """Answers visible at a position: the form's, plus the current repeat item's (inside a nested repeat: its
    parent item's, then its own: ``${x}`` is the nearest), plus calculations; ``today`` (ISO) is what today() in
    an expression gives."""
    repeats = _repeat_names(form)
    nested, item_calculated = _shape(form)     # found once per form (most have neither)
    values = ({k: v for k, v in answers.items() if k not in repeats or not isinstance(v, list)} if repeats
              else dict(answers))
    if today is not None:
        values["$today"] = today
    seen = _with_nested(form, answers) if nested else answers   # sum(), indexed-repeat(): from anywhere
    values["$answers"] = seen
    if item_calculated:
        values["$answers"] = seen = _with_item_calculations(form, seen, values)
    if pos.parent is not None:
        outer, index = pos.parent
        items = answers.get(outer) or []
        item = items[index] if index < len(items) else {}
        values["$position"] = index + 1
        values["$item"] = (index + 1,)                 # where the item is: random() draws once per item
        values.update({k: v for k, v in item.items() if k not in repeats})
        if item_calculated:
            values.update(X.item_calculations(form.question(outer), values))
        values["$answers"] = {**seen, **{k: v for k, v in item.items() if k in repeats}}   # this item's own lists
    if pos.index is not None:
        values["$position"] = pos.index + 1
        values["$item"] = (*values.get("$item", ()), pos.index + 1)
        items = items_of(answers, pos) if pos.parent is not None else answers.get(pos.name) or []
        if pos.index < len(items):
            item = items[pos.index]
            values.update({k: v for k, v in item.items() if k not in repeats})
            if nested:
                values["$answers"] = {**values["$answers"], **{k: v for k, v in item.items() if k in repeats}}
        if item_calculated:
            values.update(X.item_calculations(form.question(pos.name), values))
    for name, expr in form.calculate:
        values[name] = evaluate(expr, values)
    return values


def items_of(answers: dict[str, Any], pos: Pos) -> list[Any]:
    """The items of the repeat at ``pos`` (a nested repeat's: those of its parent item)."""
    if pos.parent is not None:
        outer = answers.get(pos.parent[0]) or []
        item = outer[pos.parent[1]] if pos.parent[1] < len(outer) else {}
        return list(item.get(pos.name) or []) if isinstance(item, dict) else []
    return list(answers.get(pos.name) or [])


def _with_nested(form: Form, answers: dict[str, Any]) -> dict[str, Any]:
    """The answers with each nested repeat's items of every parent item under its own name, as a path from the
    form's root sees them in ODK (``sum(${age})`` at the top: every member of every household)."""
    nested = _shape(form)[0]
    if not nested:
        return answers
    out = dict(answers)
    for outer, inner in nested:
        out[inner] = [i for item in answers.get(outer) or [] if isinstance(item, dict)
                      for i in item.get(inner) or []]
    return out


def _with_item_calculations(form: Form, answers: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """The answers with each repeat item's calculations in it, so that indexed-repeat() and sum() read a
    calculated item value (the Liberia form's selected child's age) as ODK does; an item calculation may
    read the form's own calculations (computed first from the plain answers)."""
    base = dict(top)
    for name, expr in form.calculate:
        base[name] = evaluate(expr, base)
    out = dict(answers)
    for rep in form.all_questions():
        if rep.type == "repeat" and rep.calculate and isinstance(answers.get(rep.name), list):
            out[rep.name] = [{**item, **X.item_calculations(rep, {**base, "$position": i + 1, "$item": (i + 1,), **item})}
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
        found = form.__dict__["_repeat_names"] = frozenset(q.name for q in form.all_questions() if q.type == "repeat")
    return found


def _shape(form: Form) -> tuple[tuple[tuple[str, str], ...], bool]:
    """(its nested repeats as (outer, inner) names, whether a repeat has item calculations), found once per
    form like ``_repeat_names``: ``item_values`` asks at every call (the guard counts it, bench/guard.json)."""
    found: tuple[tuple[tuple[str, str], ...], bool] | None = form.__dict__.get("_shape")
    if found is None:
        nested = tuple((rep.name, sub.name) for rep in form.questions if rep.type == "repeat"
                       for sub in rep.questions if sub.type == "repeat")
        found = form.__dict__["_shape"] = (nested, any(q.calculate for q in form.all_questions()
                                                           if q.type == "repeat"))
    return found


def item_tag(form: Form, answers: dict[str, Any], pos: Pos, values: dict[str, Any], lang: str) -> str:
    """Which item a question is about: its name, or the repeat's label and number ("Anggota 2"); inside a
    nested repeat after its parent item's ("Keluarga Budi › Ani")."""
    rep = form.question(pos.name)
    items = items_of(answers, pos)
    if rep.item_label is None:
        tag = f"{format_values(rep.label[lang], values, lang)} {pos.item + 1}"
    else:
        tag = str((items[pos.item] if pos.item < len(items) else {}).get(rep.item_label, ""))
    if pos.parent is None:
        return tag
    outer = Pos(pos.parent[0], pos.parent[1], pos.name)
    return f"{item_tag(form, answers, outer, values, lang)} › {tag}"


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
        items = items_of(answers, pos)
        return items[pos.index].get(pos.sub) if pos.index < len(items) else None
    return answers.get(pos.name)


def has_answer(answers: dict[str, Any], pos: Pos) -> bool:
    """Whether the question at ``pos`` was answered (perhaps skipped: None)."""
    if pos.index is not None:
        items = items_of(answers, pos)
        return pos.index < len(items) and pos.sub in items[pos.index]
    return pos.name in answers


# ---------------------------------------------------------------- walking on

def next_pos(form: Form, draft: Draft, pos: Pos | None) -> Pos:
    """The next question to ask after ``pos`` (None: the first), or ``CONFIRM``."""
    if pos is not None and pos.index is not None and pos.index >= 0:
        found = _next_in_repeat(form, draft, pos)
        if found is not None:
            return found
        if pos.parent is not None:          # a nested repeat done: on to its parent item's next question
            found = _next_in_repeat(form, draft, Pos(pos.parent[0], pos.parent[1], pos.name))
            if found is not None:
                return found
            pos = Pos(pos.parent[0])
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
    items = items_of(draft.answers, pos)
    item = items[pos.item] if pos.item < len(items) else {}
    for sub in subs[subs.index(question_at(form, pos)) + 1:]:
        if relevant(sub, values) and sub.name not in draft.auto and not (skip_answered and sub.name in item):
            found = _enter(form, draft, Pos(rep.name, pos.item, sub.name, pos.parent), sub)
            if found is not None:
                return found
    if rep.repeat_count:
        return _counted_item(form, draft, rep, pos.item + 1, pos.parent)
    if rep.ask_more:          # "Tambah satu lagi?" answered at the item's end; items already there are kept
        more = item.get(MORE) == "ya" or pos.item + 1 < len(items)
        return Pos(rep.name, pos.item + 1, subs[0].name, pos.parent) if more and not skip_answered else None
    if not skip_answered:
        return Pos(rep.name, pos.item + 1, subs[0].name, pos.parent)
    return None


def _enter(form: Form, draft: Draft, pos: Pos, sub: Question) -> Pos | None:
    """Where question ``sub`` of an item (at ``pos``) is asked: there, or, for a repeat inside the repeat, at its
    first item's first question (None: a nested repeat with a count of none)."""
    if sub.type != "repeat":
        return pos
    parent = (pos.name, pos.item)
    if sub.repeat_count:
        return _counted_item(form, draft, sub, 0, parent)
    return Pos(sub.name, 0, sub.questions[0].name, parent)


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
    return _enter(form, draft, Pos(q.name, 0, q.questions[0].name), q.questions[0])


def _counted_item(form: Form, draft: Draft, rep: Question, index: int,
                  parent: tuple[str, int] | None = None) -> Pos | None:
    """The first relevant question of item ``index`` or a later one of a repeat with a count."""
    where = Pos(rep.name) if parent is None else Pos(parent[0], parent[1], rep.name)
    count = X.repeat_count(rep, values_at(form, draft, where))
    for i in range(index, count):
        values = values_at(form, draft, Pos(rep.name, i, rep.questions[0].name, parent))
        for sub in rep.questions:
            if relevant(sub, values):
                found = _enter(form, draft, Pos(rep.name, i, sub.name, parent), sub)
                if found is not None:
                    return found
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
                 today: str | None, parent: tuple[str, int] | None = None) -> list[dict[str, Any]]:
    items = []
    kept = items_of(answers, Pos(q.name, 0, None, parent))
    if q.repeat_count:
        kept = kept[:X.repeat_count(q, values)]
    for i, item in enumerate(kept):
        ivalues = item_values(form, answers, Pos(q.name, i, q.questions[0].name, parent), today)
        items.append({s.name: (_clean_items(form, answers, s, ivalues, today, (q.name, i)) if s.type == "repeat"
                               else item.get(s.name))
                      for s in q.questions if relevant(s, ivalues) and s.type != "note" and s.name != MORE}
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
    """A copy of ``answers`` with ``updates`` written at the position (top level, repeat item or an item of a
    repeat inside a repeat's item)."""
    new = {k: ([_copy_item(i) for i in v] if isinstance(v, list) and v and isinstance(v[0], dict) else v)
           for k, v in answers.items()}
    if pos.index is not None:
        holder = new
        if pos.parent is not None:
            outer = new.setdefault(pos.parent[0], [])
            while len(outer) <= pos.parent[1]:
                outer.append({})
            holder = outer[pos.parent[1]]
        items = holder.setdefault(pos.name, [])
        while len(items) <= pos.index:
            items.append({})
        items[pos.index].update(updates)
    else:
        new.update(updates)
    return new


def set_items(answers: dict[str, Any], pos: Pos, items: list[Any]) -> None:
    """Put ``items`` as the repeat at ``pos``'s items (a nested repeat's: in its parent item), in place."""
    if pos.parent is None:
        answers[pos.name] = items
        return
    outer = answers.setdefault(pos.parent[0], [])
    while len(outer) <= pos.parent[1]:
        outer.append({})
    outer[pos.parent[1]] = {**outer[pos.parent[1]], pos.name: items}


def _copy_item(item: dict[str, Any]) -> dict[str, Any]:
    """An item copied deep enough that a nested repeat's items may be written."""
    return {k: ([dict(i) for i in v] if isinstance(v, list) and v and isinstance(v[0], dict) else v)
            for k, v in item.items()}

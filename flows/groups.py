"""The groups a question is in, as the chat names them ("Bagian: Air bersih") when it enters them."""
from __future__ import annotations

from typing import Any

from .display import format_values
from .forms import Form, Question
from .problem import Gettext
from .state import Pos


def seen_after(paging: dict[str, Any], shown: Pos | None) -> dict[str, Any]:
    """The paging as seen right after ``shown`` (a note shown before the question, or None): its groups are
    the ones the chat is in."""
    return paging if shown is None else {**paging, "history": [shown.to_json()]}


def group_lines(form: Form, draft: dict[str, Any], q: Question, lang: str, t: Gettext,
                values: dict[str, Any]) -> list[str]:
    """The labels of the groups the chat enters at this question ("Bagian: Air bersih"): shown above it when
    the question asked before was not in the same group (or in another item of a repeat)."""
    if not q.groups:
        return []
    before: tuple[Any, ...] = ()
    history = draft.get("history") or []
    prev = history[-1] if history else None
    pos = draft.get("pos") or []
    if prev and prev[0] != "$confirm" and (len(prev) != 3 or (len(pos) == 3 and prev[:2] == pos[:2])):
        try:
            before = form.question(prev[-1]).groups
        except KeyError:
            before = ()
    names = [g.name for g in before]
    out = []
    for i, g in enumerate(q.groups):
        if names[:i + 1] != [x.name for x in q.groups[:i + 1]]:
            out.append(t("Bagian: %(group)s") % {"group": format_values(g.label[lang], values, lang)})
    return out

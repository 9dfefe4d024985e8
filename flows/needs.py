"""``needs``: which context the pipeline loads for one message, guessed from the session and the text before
the engine runs (the rest is read on demand through ``Context.need``). Pure; used by bot/pipeline.py through
flows.engine, whose import registers the side conversations' commands that ``command_of`` reads."""
from __future__ import annotations

from typing import Any

from . import access, side
from .commands import command_of
from .forms import Form
from .types import Inbound


def round_forms(forms: dict[tuple[str, int], Form]) -> frozenset[str]:
    """The forms with a question answered from the monitoring rounds (``needs`` reads rounds for them)."""
    return frozenset(f.id for f in forms.values() if any(q.choices_from == "rounds" for q in f.all_questions()))


def round_questions(forms: dict[tuple[str, int], Form]) -> frozenset[tuple[str, str]]:
    """(form id, question name) of each question answered from the monitoring rounds."""
    return frozenset((f.id, q.name) for f in forms.values() for q in f.all_questions() if q.choices_from == "rounds")


def needs(session: dict[str, Any] | None, inbound: Inbound, registered: bool = False,
          round_forms: frozenset[str] | None = None,
          round_questions: frozenset[tuple[str, str]] | None = None) -> set[str]:
    """Which context the pipeline must load for this message (so it loads no more than that).
    ``round_forms``: the forms with a question answered from the monitoring rounds (None: any may);
    ``round_questions``: those questions (None: any question of those forms may need the rounds).

    A guess that leaves out too much costs time, never an answer: the invites, the last reports and the
    rounds are read through ``Context.need``, and what was left out but reached is loaded and the message
    taken again (``NotLoaded``). So what only a rare message needs (choosing "Ubah laporan" at the menu by
    its number, going back to the round question) is not read for every message."""
    state = session or {}
    mode = state.get("mode", "menu" if registered else "register")
    cmd = command_of(inbound.text)
    out = set()
    if not registered and mode == "register":
        out.add("areas")
        reg = state.get("reg")
        if isinstance(reg, dict) and reg.get("step") in ("role", "invite"):     # where a code may be typed
            out.add("invites")
    if cmd == "edit" or mode == "pick_report":
        out.add("recent")
    if (mode == "menu" and cmd is None) or mode == "pick_report":    # where a form may be started
        out.add("previous")
    if registered and (cmd in side.STARTS or state.get("side") or mode == "menu"):
        out.add("loop")           # the pipeline reads it for coordinators and OPD only
    if registered and mode == "menu" and cmd is None and access.looks_like_code(inbound.text):
        out |= {"invites", "areas"}   # one more membership (flows/join.py)
    if registered and mode == "menu":
        out.add("memberships")    # read only where the deployment has several programs (bot/programs.py)
    if registered:
        draft = state.get("form") or state.get("draft")
        form_id = draft.get("id") if isinstance(draft, dict) else None
        if (cmd is not None or mode in ("menu", "pick_report") or form_id is None or round_forms is None
                or (form_id in round_forms and isinstance(draft, dict)
                    and _at_round_question(draft, form_id, round_questions))):
            out.add("rounds")
    return out


def _at_round_question(draft: dict[str, Any], form_id: str, round_questions: frozenset[tuple[str, str]] | None) -> bool:
    """Whether the draft is (or may be) at a question answered from the rounds."""
    pos = draft.get("pos")
    if round_questions is None or not isinstance(pos, list) or not pos or draft.get("review"):
        return True
    return len(pos) == 1 and (form_id, pos[0]) in round_questions

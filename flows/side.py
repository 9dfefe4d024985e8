"""Side conversations of the learning loop (tindak lanjut, pilih cerita), hooked into ``engine.advance``.

A side conversation lives in ``state.side`` (typed: flows/sides.py); while it runs, the person's messages go to
it. The engine calls ``advance`` and shows its menu when the side conversation ends. flows/followup.py,
flows/forum.py and flows/selection.py see a ``SideBox``: the side slot alone (all they read and write).
"""
from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import assert_never

from . import followup, forum, proposals, selected, selection
from .problem import Gettext
from .sides import Followup, Forum, RawSide, SideBox, Stories
from .state import State
from .types import Context, Reply, Step, with_session

COMMANDS = {"tindak lanjut": "followup", "tindaklanjut": "followup", "follow up": "followup",
            "followup": "followup", "pilih cerita": "stories", "seleksi cerita": "stories",
            "pilih cerita perubahan": "stories", "cerita terpilih": selected.COMMAND,
            "hasil pilihan cerita": selected.COMMAND, "status usulan": proposals.COMMAND,
            "status usulan desa": proposals.COMMAND, "usulan desa": proposals.COMMAND,
            "usulan saya": proposals.COMMAND}


class Start(str, Enum):
    """What a start command opens (``COMMANDS``' values, the menu's ``side:…`` entries)."""

    FOLLOWUP = "followup"
    STORIES = "stories"
    SELECTED = selected.COMMAND
    PROPOSALS = proposals.COMMAND


STARTS = tuple(s.value for s in Start)
#: what a kader opens from the menu: read lazily (``ctx.need("loop")``), never on every menu message
KADER_VIEWS = (selected.COMMAND, proposals.COMMAND)
EXITS = ("menu", "start", "cancel", "edit", "language", "restart") + ("summary", "missing", "export")

MenuReply = Callable[[State, Context, Gettext, str], Reply]


def menu_options(ctx: Context, t: Gettext) -> list[tuple[str, str]]:
    """Menu entries for the loop, by role (value, label)."""
    role = ctx.contact.role if ctx.contact else "kader"
    out = []
    if role == "kader":
        out.append(("side:" + proposals.COMMAND, t("Status usulan desa")))
    if role in ("fasilitator", "koordinator", "opd"):
        out.append(("side:followup", t("Tindak lanjut usulan desa")))
    if role in selection.PANEL_LEVEL:
        out.append(("side:stories", t("Pilih cerita perubahan")))
    if role != "opd":                      # everyone who tells or selects stories reads the panels' choices
        out.append(("side:" + selected.COMMAND, t("Cerita terpilih")))
    return out


def _box(state: State) -> SideBox:
    """The session as the side conversation modules see it."""
    return SideBox(state.side)


def _unbox(state: State, box: SideBox, step: Step[SideBox]) -> Step[State]:
    state.side = box.side
    return with_session(step, state)


def start(state: State, what: Start, ctx: Context, t: Gettext) -> Step[State]:
    role = ctx.contact.role if ctx.contact else "kader"
    if what in KADER_VIEWS and ctx.loop is None:
        ctx.need("loop")                     # a menu number: the pipeline loads the views and asks again
    box = _box(state)
    match what:
        case Start.SELECTED:                 # everyone: the panels' choices in their area, and why
            return _unbox(state, box, selected.start(box, ctx, t))
        case Start.PROPOSALS:
            if role != "kader":
                return Step(state, [Reply(t("Status usulan untuk kader desa. Fasilitator, koordinator dan OPD: "
                                            "ketik \"tindak lanjut\"."))])
            return _unbox(state, box, proposals.start(box, ctx, t))
        case Start.FOLLOWUP:
            if role not in ("fasilitator", "koordinator", "opd"):
                return Step(state, [Reply(t("Tindak lanjut usulan untuk fasilitator, koordinator dan OPD."))])
            if role == "koordinator" and ctx.loop is not None and ctx.loop.forum:    # the forum decides first
                return _unbox(state, box, forum.start(box, ctx, t))
            return _unbox(state, box, followup.start(box, ctx, t, "fasilitator" if role == "fasilitator" else "opd"))
        case Start.STORIES:
            if role not in selection.PANEL_LEVEL:
                return Step(state, [Reply(t("Pemilihan cerita perubahan untuk fasilitator dan koordinator."))])
            return _unbox(state, box, selection.start(box, ctx, t, role))
        case _:
            assert_never(what)


def advance(state: State, text: str, cmd: str | None, ctx: Context, t: Gettext, menu_reply: MenuReply,
            lang: str) -> Step[State] | None:
    """The message if it belongs to a side conversation (a step), else None (the engine goes on)."""
    if cmd in STARTS:
        if state.form is not None:
            state.draft, state.form = state.form, None
        state.side = None
        state.mode = "menu"
        step = start(state, Start(cmd), ctx, t)
        return step if state.side else Step(state, step.replies + [menu_reply(state, ctx, t, lang)])
    side = state.side
    if side is None or (isinstance(side, RawSide) and not side.data):     # none, or an empty slot kept as it was
        return None
    if cmd in EXITS:
        state.side = None
        return None if cmd != "cancel" else Step(state, [Reply(t("Baik, dihentikan.")),
                                                          menu_reply(state, ctx, t, lang)])
    box = _box(state)
    match side:
        case Followup():
            result = followup.advance(box, side, text, cmd, ctx, t)
        case Forum():
            result = forum.advance(box, side, text, cmd, ctx, t)
        case Stories():
            result = selection.advance(box, side, text, cmd, ctx, t)
        case RawSide():                      # a kind (or shape) this code cannot run: it ends, the engine goes on
            state.side = None
            return None
        case _:
            assert_never(side)
    step, done = _unbox(state, box, result[0]), result[1]
    if done:
        return Step(state, step.replies + [menu_reply(state, ctx, t, lang)], actions=step.actions)
    return step

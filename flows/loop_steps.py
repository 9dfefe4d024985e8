"""What the learning loop's side conversations (flows/followup.py, flows/selection.py) share: the loop of one
message (help, kembali, a problem asked again, stop, the queue done) and the yes/no confirmation before
anything is stored. Pure."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from . import answers as A
from .problem import Gettext, Problem
from .sides import LoopSide, SideBox
from .types import Context, Reply, Step

S = TypeVar("S", bound=LoopSide)          # the side conversation's own type (flows/sides.py)
Action = tuple[str, dict[str, Any]]       # a decision to store: ("select", {...}), ("recommend", {...}), …
#: what one answer did: replies, actions to store, and whether the side conversation stops (back to the menu)
Outcome = tuple[list[Reply], list[Action], bool]


@dataclass(frozen=True)
class Conversation(Generic[S]):
    """The parts of one side conversation that differ: what it asks, what it is at, how it takes an answer."""

    ask: Callable[[S, Context, Gettext], Reply]
    current: Callable[[S, Context], Any]                      # the item at the head of the queue, or None
    take: Callable[[S, Any, str, Context, Gettext], "Outcome | Problem"]
    help: Callable[[S, Gettext], str]
    first_step: str                                           # the step that shows the next item
    done_text: str                                            # msgid: everything discussed
    back_text: str | None = None                              # msgid said on "kembali", if any


def advance(conv: Conversation[S], session: SideBox, side: S, text: str, cmd: str | None, ctx: Context,
            t: Gettext) -> tuple[Step[SideBox], bool]:
    """One message inside ``side`` (``session.side``); (step, finished: the engine shows the menu after it)."""
    if cmd == "help":
        return Step(session, [Reply(conv.help(side, t)), conv.ask(side, ctx, t)]), False
    current = conv.current(side, ctx)
    if current is None:
        session.side = None
        return Step(session, done(side, conv, t)), True
    if cmd == "back":
        side.step, side.work = conv.first_step, {}
        said = [Reply(t(conv.back_text))] if conv.back_text else []
        return Step(session, said + [conv.ask(side, ctx, t)]), False
    result = conv.take(side, current, text, ctx, t)
    if isinstance(result, Problem):
        return Step(session, [Reply(result.render(t)), conv.ask(side, ctx, t)]), False
    replies, actions, stop = result
    if stop:
        session.side = None
        return Step(session, replies, actions=tuple(actions)), True
    if side.step == conv.first_step and conv.current(side, ctx) is None:
        session.side = None
        return Step(session, replies + done(side, conv, t), actions=tuple(actions)), True
    return Step(session, replies + [conv.ask(side, ctx, t)], actions=tuple(actions)), False


def position(side: LoopSide) -> dict[str, int]:
    """"2 dari 5": the item at the head of the queue among all this round started with."""
    if side.total is None:
        side.total = len(side.queue)
    return {"n": max(1, side.total - len(side.queue) + 1), "total": side.total}


def skip(side: LoopSide) -> None:
    """"Lewati dulu": the item at the head leaves this round's queue (it is offered again next time the
    conversation starts), so the count moves on and the queue ends instead of cycling."""
    if side.skipped is None:
        side.skipped = []
    side.skipped.append(side.queue.pop(0))


def done(side: S, conv: Conversation[S], t: Gettext) -> list[Reply]:
    """The queue is empty: everything discussed, or all but the items skipped."""
    skipped = len(side.skipped or [])
    if not skipped:
        return [Reply(t(conv.done_text))]
    return [Reply(t("Selesai untuk sekarang. %(count)s yang dilewati bisa dibahas lagi nanti: ketik "
                    "\"tindak lanjut\".") % {"count": skipped})]


def confirm_reply(lines: list[str], question: str, t: Gettext) -> Reply:
    """"Mohon periksa …" with every line of what will be stored, and Ya / Tidak."""
    return Reply("\n".join([*lines, question]), (t("Ya"), t("Tidak")), yes_no=True)


def take_confirm(side: LoopSide, text: str, t: Gettext, back_to: str,
                 no_text: str) -> Literal[True] | Problem | Outcome:
    """The answer to ``confirm_reply``: True (store it), a problem (asked again), or — on "tidak" — nothing
    stored and the conversation back at ``back_to`` with ``no_text`` said."""
    yes = A.parse_yes_no(text)
    if isinstance(yes, Problem):
        return yes
    if not yes:
        side.step, side.work = back_to, {}
        return [Reply(t(no_text))], [], False
    return True


def sentence(text: str, minimum: int = 5) -> str | None:
    """Free text written as a sentence (spaces tidied), or None when it is too short or has no letter."""
    value = " ".join(text.split())
    return value if len(value) >= minimum and any(ch.isalpha() for ch in value) else None

"""Work done ahead of the write lock: a big batch's answers worked out from a plain read of the sessions,
before its write transaction begins.

A batch is one write transaction (bot/pipeline.py). On SQLite a writer holds the database's one write lock from
its first statement to its commit, so while one process ran the engine for 500 messages no other process — a
second web worker, the senders marking replies sent, the job worker — could write at all. Most of that time is
the engine (``flows.advance``), which is pure: given the same session, message and context it gives the same
step. So first the batch's sessions and contacts are read (a read takes no lock), with the last reports and
rounds its messages need, and ``advance`` runs for each kader's message that needs nothing else (not
registration, a photo, ``ubah`` or a coordinator's decisions). Inside the transaction the pipeline reads the
sessions and builds each context again, as always, and takes a guess only where both are *equal* to what the
guess was made from; anything that changed in between (the same person's message at another worker, a contact
or a program edited, a report that changes what is offered back) is worked out again under the lock. Nothing is
written from a guess that the write transaction did not see to hold (tests/test_ahead.py).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from flows.engine import advance, needs
from flows.types import Context, ContactView, Inbound, Step
from storage.db import Database, Session
from storage.repo import Tx

from .media import MediaRow

#: what a message may need and still be worked out ahead: read here as the write transaction reads it (the area
#: names are the catalog's; the last reports, the rounds and the programs are read again there and compared)
AHEAD = frozenset({"areas", "previous", "rounds", "memberships", "loop"})


@dataclass(frozen=True)
class Guess:
    """``advance``'s step for one message, and what it was worked out from."""
    session: dict[str, Any] | None
    want: set[str]                       # what it needed (``flows.needs``), for the write to take as it is
    fields: dict[str, Any]               # the context's fields (``Pipeline.context_fields``)
    ctx: Context
    step: Step[dict[str, Any]]

    def holds(self, session: dict[str, Any] | None, fields: dict[str, Any]) -> bool:
        """Whether the write transaction's session and context are the ones this guess was made from."""
        return (self.session is session or self.session == session) and self.fields == fields


@dataclass
class Ahead:
    """What a batch worked out before its write transaction: the steps by (channel, message id), and the sessions
    they were worked out from (the transaction's read takes one whose ``seq`` is unchanged as it is)."""
    guesses: dict[tuple[str, str], Guess] = field(default_factory=dict)
    sessions: dict[tuple[str, str], tuple[dict[str, Any], int]] = field(default_factory=dict)


@dataclass
class When:
    """Which batches are worked out ahead. Big ones only: a small batch holds the lock briefly, and its read ahead
    (a second transaction, its queries) cost more than it spared (bench.webhooks at 500 msg/s, batches of a few
    messages: p50 15 → 21 ms when every batch was). And only while others want SQLite's one lock: within
    ``contended_for`` seconds of a connection, of any process, waiting for it (``waited``: when one last did, None
    on PostgreSQL, which locks rows, not the database). Alone, a read ahead is work added for nobody
    (bench.inbound with one worker: 154 → 180 µs of CPU a message). ``always``: from ``size`` on (tests)."""
    size: int = 32
    always: bool = False
    contended_for: float = 10.0

    def now(self, n: int, waited: Callable[[], float | None], clock: Callable[[], float]) -> bool:
        """Whether a batch of ``n`` messages is worked out ahead; ``waited`` and ``clock`` (seconds since the epoch)
        are asked only for a big batch (a look at the file is a system call: not for every single message)."""
        if n < self.size:
            return False
        if self.always:
            return True
        last = waited()
        return last is not None and 0 <= clock() - last < self.contended_for    # (a file time ahead: a clock set back)


class Worker(Protocol):
    """The pipeline's side (bot/pipeline.py): the same reads and the same context as its write transaction."""
    db: Database
    _round_forms: frozenset[str]
    _round_questions: frozenset[tuple[str, str]]

    async def batch_loaded(self, tx: Tx, wants: list[tuple[str, set[str]]]) -> Any: ...
    async def load_wanted(self, tx: Tx, contact: ContactView | None, want: set[str], loaded: Any) -> None: ...
    async def context_fields(self, tx: Tx, s: Session, inbound: Inbound, contact: ContactView | None, want: set[str],
                             loaded: Any, now: datetime, lexicons: Any, loop: Any) -> dict[str, Any]: ...


async def guess(worker: Worker, items: list[tuple[Inbound, MediaRow | None]], now: datetime, lexicons: Any) -> Ahead:
    """The steps of the batch's messages that can be worked out from a plain read. A person's messages in the
    batch chain: the second is worked out from the first's session; once one of them cannot be, neither can the
    ones after it. Only a kader's messages (a coordinator's context holds what waits for their decision), none
    with a photo, none that registers, edits an old report or opens the learning loop's views."""
    from .loop import wants_load
    out = Ahead()
    keys = sorted({(i.channel, i.sender) for i, media in items if media is None})
    if not keys:
        return out
    forms, questions = worker._round_forms, worker._round_questions
    async with worker.db.session() as s:            # a read: no lock taken, rolled back on leaving
        tx = Tx(s)
        out.sessions, contacts = await tx.peek_sessions_and_contacts(keys)
        current: dict[tuple[str, str], dict[str, Any] | None] = {
            k: state or None for k, (state, _) in out.sessions.items() if k in contacts and contacts[k].role == "kader"}
        firsts = {k: i for k, i in reversed([((i.channel, i.sender), i) for i, _ in items]) if k in current}
        first_wants = {k: needs(current[k], i, True, forms, questions) for k, i in firsts.items()}
        loaded = await worker.batch_loaded(tx, [(contacts[k].area_code, want) for k, want in first_wants.items()])
        for inbound, media in items:
            key = (inbound.channel, inbound.sender)
            if key not in current:
                continue
            session, contact = current[key], contacts[key]
            want = (first_wants.pop(key) if firsts.get(key) is inbound and key in first_wants
                    else needs(session, inbound, True, forms, questions))
            if (media is not None or not want <= AHEAD or ("loop" in want and wants_load(contact, inbound.text))
                    or (inbound.channel, inbound.message_id) in out.guesses):   # a copy: the write drops it
                del current[key]
                continue
            await worker.load_wanted(tx, contact, want, loaded)
            fields = await worker.context_fields(tx, s, inbound, contact, want, loaded, now, lexicons, None)
            try:
                ctx = Context(**fields)
                step = advance(session, inbound, ctx)
            except Exception:      # noqa: BLE001 - worked out again under the lock, where a failure is answered
                del current[key]
                continue
            out.guesses[(inbound.channel, inbound.message_id)] = Guess(session, want, fields, ctx, step)
            current[key] = step.session
    return out

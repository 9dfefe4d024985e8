"""The one outbox loop: every channel's replies leave through here.

A channel is a small adapter (``Channel``): it sends one row and says what happened — ``Sent``,
``RetryAfter`` (the platform said "slow down", for this chat or for the whole channel), ``Failed``
(refused for good), ``InDoubt`` (the request may have arrived, we cannot tell) — and, for a row left
in doubt, says whether the platform has it (``settle``). This loop owns the rest:

- **Claiming.** Rows are marked "sending" and committed before anything leaves; the outcomes are
  committed together, every 0.1 s while a round sends and at its end (``Recorder``: one transaction for
  many rows, not one per row). A process killed in between leaves the row "sending"; after
  ``PANTAU_OUTBOX_IN_DOUBT_SECONDS`` it is *in doubt* and settled.
- **Per-person order.** Only the oldest open row (pending or sending) of a recipient may go; a row
  waiting for its retry, or in doubt, holds back every later row of that recipient. A person never
  reads a later reply before an earlier one has been sent or has failed for good.
- **In-doubt settlement.** The channel is asked (WhatsApp: status callback or Twilio's message list;
  Telegram cannot be asked). Found: marked sent. Not found: **resent in its place** — it is still the
  oldest open row of that person, so the newer replies, which waited, follow it. (We resend rather than
  drop: a reply the person never saw may carry a question they still have to answer.) When asking fails
  (Twilio's list page errors, a network error), only that recipient waits and is asked again later.
- **Rate limits.** ``retry_after`` holds back the whole chat; a channel-wide limit (Twilio 20429, or
  Telegram 429 for several chats in one round) holds back the whole channel until it passes: no new
  request starts (a request still waiting for the channel's pace when the hold begins is recalled,
  ``NotSent``, and goes next time in its place), every pending row of the channel is scheduled behind
  the hold, and so is every in-flight request answered 429 afterwards.
- **Backoff with jitter and an attempt cap.** Other temporary errors are retried after
  ``min(600, 2**attempts)`` seconds, jittered between half and all of it; after
  ``PANTAU_OUTBOX_MAX_ATTEMPTS`` (default 8) the row is dead-lettered: status ``dead``, error kept.
"""
from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from storage.db import Database
from storage.outbox import (claim, hold_channel, oldest_open, open_rows, record_outcomes, release,
                            resend_in_place, settle_sent)
from storage.keys import aware
from storage.models import Outbox
from storage.repo import Tx

from . import wake
from .config import settings
from .clock import clock

log = logging.getLogger("pantau.outbox")


@dataclass(frozen=True)
class Sent:
    provider_id: str | None = None


@dataclass(frozen=True)
class RetryAfter:
    seconds: float | None        # None: the loop's backoff (with jitter) decides
    error: str
    scope: str = "chat"          # "chat" or "channel"
    counts: bool = True          # counts as an attempt (a platform's explicit retry_after does not)


@dataclass(frozen=True)
class Failed:
    error: str


@dataclass(frozen=True)
class InDoubt:
    error: str


@dataclass(frozen=True)
class NotSent:
    """Recalled before it left (the channel is held): released as if never tried, no attempt counted."""


Outcome = Sent | RetryAfter | Failed | InDoubt | NotSent


class Channel(Protocol):
    """What a channel adapter gives the outbox loop."""
    name: str

    async def prepare(self, tx: Tx, rows: list[Outbox], now: datetime) -> None:
        """Right after the claim, in a read-only session: load what ``send`` needs (e.g. the 24-hour
        window). If it raises, the claimed rows are released."""

    def ready(self, recipient: str) -> bool:
        """False while the platform's per-recipient pace forbids another message now (tried next round)."""

    async def send(self, row: Outbox) -> Outcome:
        """Send one row (honouring the platform's overall rate); never raises for a platform error. An
        adapter with a ``held`` attribute gets the loop's check: true once the whole channel is held, when
        a request that waited for the pace answers ``NotSent`` instead of leaving."""

    async def settle(self, tx: Tx, row: Outbox) -> str | None:
        """A row left in doubt: the provider id if the platform has it, None if it does not. Raises when
        the platform cannot be asked now (the row is asked about again later)."""


@dataclass
class Holds:
    """In-memory holds of one loop: recipients and the whole channel, until a monotonic-free datetime."""
    chats: dict[str, datetime] = field(default_factory=dict)
    channel: datetime | None = None
    settle_failures: dict[str, int] = field(default_factory=dict)

    def chat_held(self, recipient: str, now: datetime) -> bool:
        until = self.chats.get(recipient)
        if until is not None and until <= now:
            del self.chats[recipient]
            return False
        return until is not None


def backoff(attempts: int, rng: random.Random = random) -> float:   # type: ignore[assignment]
    """Seconds before try ``attempts + 1``: exponential, capped at 10 minutes, jittered (half to all)."""
    base = min(600.0, 2.0 ** attempts)
    return base / 2 + rng.uniform(0, base / 2)


Write = tuple[str, int, object]      # (kind, outbox row id, value): see storage/outbox.py record_outcomes


class Recorder:
    """The outcomes of one round written down together: every ``every`` seconds while the round sends, and
    the rest at its end. One transaction for many sent rows instead of one each, so on SQLite the senders
    hardly compete with the webhooks' commits for the one writer. Outcomes leave ``pending`` only once
    their transaction has committed. A process killed before a flush leaves those rows "sending": in
    doubt, settled like any other (see above)."""

    def __init__(self, db: Database, channel: str, now: datetime, every: float):
        self.db, self.channel, self.now, self.every = db, channel, now, every
        self.pending: list[Write] = []
        self.task: asyncio.Task[None] | None = None
        self.sleeping = False

    def add(self, writes: list[Write]) -> None:
        self.pending += writes
        if self.task is None and self.every > 0:
            self.task = asyncio.create_task(self._flush_soon())

    async def _flush_soon(self) -> None:
        try:
            self.sleeping = True
            await asyncio.sleep(self.every)
            self.sleeping = False
            await self.write()
        except Exception as exc:   # noqa: BLE001 - still pending: written at the end of the round
            log.warning("%s outcomes not written yet (%s); tried again at the end of the round",
                        self.channel, type(exc).__name__)
        finally:
            self.task = None

    async def close(self) -> None:
        """No more flushes of its own: a sleeping one is called off, a running one finishes (even if the
        round itself is cancelled meanwhile: that cancellation still reaches the round)."""
        task = self.task
        if task is not None:
            if self.sleeping:
                task.cancel()
            await asyncio.wait([task])

    async def write(self, release_ids: Sequence[int] = (), hold: datetime | None = None) -> None:
        """Everything pending (and, at the round's end, the release of untried rows) in one transaction."""
        n = len(self.pending)
        async with self.db.session() as session, session.begin():
            await record_outcomes(session, self.channel, self.pending[:n], self.now)
            if release_ids:
                await release(session, list(release_ids))
                if hold is not None:      # released behind the channel's hold, like the rest
                    await hold_channel(session, self.channel, hold)
        del self.pending[:n]              # only once committed (more may have been added meanwhile)


class OutboxLoop:
    def __init__(self, db: Database, channel: Channel, batch: int = 500, rng: random.Random | None = None,
                 concurrency: int = 8, flush_every: float = 0.1):
        self.db, self.channel, self.batch, self.concurrency = db, channel, batch, concurrency
        self.flush_every = flush_every      # seconds between writes of a round's outcomes (Recorder)
        self.holds = Holds()
        self.unwritten: list[tuple[datetime, list[Write]]] = []    # outcomes of a round whose last write failed
        self.rng = rng or random.Random()
        if hasattr(channel, "held"):
            channel.held = lambda: self.holds.channel is not None

    async def round(self, now: datetime | None = None) -> int:
        """Settle what is in doubt, then send every recipient's due rows in order; returns how many were sent."""
        now = now or clock()
        s = settings()
        await self._write_unwritten()
        await self._settle(now, s.outbox_in_doubt)
        if self.holds.channel is not None and self.holds.channel > now:
            return 0
        self.holds.channel = None
        async with self.db.session() as session, session.begin():
            heads = self._heads(await open_rows(session, self.channel.name, self.batch), now)
            rows = [r for chat in heads.values() for r in chat]
            if not rows:
                return 0
            await claim(session, [r.id for r in rows], now)
        claimed, tried = {r.id for r in rows}, set[int]()
        recorder = Recorder(self.db, self.channel.name, now, self.flush_every)
        try:
            async with self.db.session() as session:     # reads only: SQLite's one writer is not held
                await self.channel.prepare(Tx(session), rows, now)
        except BaseException:
            await self._release(sorted(claimed), recorder)
            raise
        gate = asyncio.Semaphore(self.concurrency)

        async def one_recipient(recipient: str, chat_rows: list[Outbox]) -> int:
            """A recipient's rows one after the other, stopping at the first that stays open."""
            sent = 0
            async with gate:
                for row in chat_rows:
                    if self.holds.channel is not None or not self.channel.ready(recipient):
                        break           # the rest of this chat (and, on a channel hold, of all) next round
                    tried.add(row.id)   # from here on, if this process dies the row is in doubt
                    outcome = await self.channel.send(row)
                    if isinstance(outcome, NotSent):
                        tried.discard(row.id)          # released below, still this recipient's oldest
                        break
                    done, still_open, writes = self._decide(row, outcome, now, s.outbox_max_attempts,
                                                            s.outbox_in_doubt)
                    recorder.add(writes)
                    sent += done
                    if still_open:
                        break           # this row is still open: the chat's later rows wait for it
            return sent

        try:     # different recipients concurrently (the channel's rate limiter paces them), each in order
            counts = await asyncio.gather(*(one_recipient(who, chat) for who, chat in heads.items()),
                                          return_exceptions=True)     # all chains end before any release
        finally:
            await self._release(sorted(claimed - tried), recorder)
        sent = 0
        for result in counts:
            if isinstance(result, BaseException):
                raise result
            sent += result
        return sent

    def _heads(self, rows: list[Outbox], now: datetime) -> dict[str, list[Outbox]]:
        """Per recipient, its open rows from the oldest while they are due and pending: the oldest open
        row blocks everything after it."""
        heads: dict[str, list[Outbox]] = {}
        blocked: set[str] = set()
        for row in rows:
            who = row.external_id
            if who in blocked:
                continue
            if row.status != "pending" or aware(row.next_attempt_at) > now or self.holds.chat_held(who, now):
                blocked.add(who)
                continue
            heads.setdefault(who, []).append(row)
        return heads

    async def _release(self, ids: list[int], recorder: Recorder) -> None:
        """The round's last outcomes written down and, in the same transaction, the claimed rows not tried
        this round pending again, untouched otherwise (no attempt counted). Tried three times; outcomes
        still unwritten then are kept and written before the next round claims anything."""
        await recorder.close()
        for attempt in range(3):
            try:
                await recorder.write(ids, self.holds.channel)
                return
            except asyncio.CancelledError:
                self.unwritten.append((recorder.now, list(recorder.pending)))
                raise
            except Exception as exc:   # noqa: BLE001 - e.g. SQLite locked for long, a dropped connection
                if attempt == 2:
                    self.unwritten.append((recorder.now, list(recorder.pending)))
                    raise
                log.warning("%s outcomes not written (%s); trying again", self.channel.name, type(exc).__name__)
                await asyncio.sleep(0.2 * (attempt + 1))

    async def _write_unwritten(self) -> None:
        """Outcomes a failed round could not write: first, before anything is claimed again (the rows are
        still "sending", so their recipients wait meanwhile)."""
        while self.unwritten:
            now, writes = self.unwritten[0]
            async with self.db.session() as session, session.begin():
                await record_outcomes(session, self.channel.name, writes, now)
            self.unwritten.pop(0)

    def _decide(self, row: Outbox, outcome: Outcome, now: datetime, max_attempts: int,
                in_doubt: timedelta) -> tuple[int, bool, list[Write]]:
        """What an outcome means: (1 if sent else 0, whether the row is still open, what to write down).
        The holds (in memory) change at once; the writes go with the next flush (``Recorder``)."""
        if isinstance(outcome, Sent):
            return 1, False, [("sent", row.id, outcome.provider_id)]
        if isinstance(outcome, Failed):
            return 0, False, [("failed", row.id, outcome.error)]
        if isinstance(outcome, InDoubt):       # settled soon: claimed "long ago" as far as the window goes
            log.warning("%s row %d in doubt (%s); settled before the chat goes on", self.channel.name, row.id,
                        outcome.error[:80])
            return 0, True, [("doubt", row.id, now - in_doubt + timedelta(seconds=10))]
        if isinstance(outcome, NotSent):        # the round releases a recalled row before it gets here
            raise ValueError(f"{self.channel.name} row {row.id}: a recalled row has nothing to record")
        attempts = row.attempts + (1 if outcome.counts else 0)
        if outcome.counts and attempts >= max_attempts:
            log.warning("%s row %d dead-lettered after %d attempts", self.channel.name, row.id, attempts)
            return 0, False, [("dead", row.id, f"gave up after {attempts} attempts: {outcome.error}")]
        delay = outcome.seconds if outcome.seconds is not None else backoff(attempts, self.rng)
        until = now + timedelta(seconds=delay)
        if self.holds.channel is not None:         # answered while the channel is held: behind the hold
            until = max(until, self.holds.channel)
        writes: list[Write] = [("retry", row.id, (attempts, until, outcome.error))]
        if outcome.scope == "channel":
            self.holds.channel = max(self.holds.channel or until, until)
            writes.append(("hold", row.id, self.holds.channel))
            log.warning("%s: the whole channel waits %.0f s (%s)", self.channel.name,
                        (self.holds.channel - now).total_seconds(), outcome.error[:80])
        else:
            self.holds.chats[row.external_id] = until
        return 0, True, writes

    async def _settle(self, now: datetime, in_doubt: timedelta) -> None:
        async with self.db.session() as session, session.begin():
            rows = await Tx(session).in_doubt(self.channel.name, now - in_doubt)
            oldest = await oldest_open(session, self.channel.name, [r.external_id for r in rows]) if rows else {}
        for row in rows:
            who = row.external_id
            if self.holds.chat_held(who, now):
                continue
            if oldest.get(who) != row.id:
                # an older row of this person is still open: this one is settled in its turn, so the
                # platform's record is matched to rows oldest first and no row takes another's message
                continue
            try:
                async with self.db.session() as session, session.begin():
                    tx = Tx(session)
                    provider_id = await self.channel.settle(tx, row)
                    # both writes only while the row is still in doubt: a status callback may have
                    # confirmed it while the platform was being asked
                    if provider_id:
                        await settle_sent(session, row.id, now, provider_id)
                        log.info("in-doubt %s row %d had arrived; not sent again", self.channel.name, row.id)
                    else:      # resent in its place: still the oldest open row of that person
                        await resend_in_place(session, row.id, now, "in doubt: not delivered, sending again")
                self.holds.settle_failures.pop(who, None)
            except Exception as exc:   # noqa: BLE001 - only this recipient waits; asked again later
                n = self.holds.settle_failures.get(who, 0) + 1
                self.holds.settle_failures[who] = n
                self.holds.chats[who] = now + timedelta(seconds=backoff(n, self.rng))
                log.warning("could not settle in-doubt %s row %d (%s); that recipient waits", self.channel.name,
                            row.id, type(exc).__name__)

    async def run_forever(self, every: float = 0.2) -> None:
        """Rounds back to back while they send (a busy hour's replies do not wait ``every`` between
        rounds), and when there is nothing to send until the commit that queues the next row rings
        (bot/wake.py), or ``every`` seconds at the latest."""
        bell = wake.listen(self.db.url)
        try:
            while True:
                if bell is not None:
                    bell.clear()          # before the round: a ring during it starts the next one at once
                sent = 0
                try:
                    sent = await self.round()
                except Exception:   # noqa: BLE001 - the loop must survive; rows stay pending
                    log.exception("%s outbox round failed", self.channel.name)
                if sent:
                    await asyncio.sleep(0)
                elif bell is None:
                    await asyncio.sleep(every)
                else:
                    try:
                        await asyncio.wait_for(bell.wait(), every)
                    except asyncio.TimeoutError:
                        pass
        finally:
            if bell is not None:
                wake.stop_listening(self.db.url, bell)


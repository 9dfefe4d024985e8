"""The path of one message: inbound record → session → flows.advance → report + outbox, in one transaction."""
from __future__ import annotations

import asyncio
import gc
import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, NotRequired, TypedDict

from flows.engine import advance, needs, round_forms, round_questions
from flows.recovery import failed
from flows.text import clean_inbound
from flows.forms import FormVersions
from flows.types import Context, ContactView, Inbound, NotLoaded, Reply, RoundView, Step
from storage.db import Database, Session, retryable
from storage.completeness import of_program
from storage.forms import sync_forms
from storage.repo import SavedReport, Tx

from . import access, ahead, catalog, kata, lexicon_files, notices, programs, wake
from .clock import clock
from .media import MediaRow
from .payloads import notice_payload, reply_payload

log = logging.getLogger("pantau.pipeline")


def settle_heap() -> None:
    """Call once a server process has started (pipeline open, channels ready): what start-up loaded —
    the area tree, forms, parsers' data, libraries — lives as long as the process, so it is moved out
    of the garbage collector's sight (``gc.freeze``). Otherwise every full collection walks it: a
    pause of about 100 ms during which no message is answered.

    Then the collector runs less often (``GC_THRESHOLDS``): the start-up heap is out of its sight and the
    message path leaves almost no reference cycles, so what its frequent young collections walked was mostly
    the objects of messages still in flight — in `bench.inbound`'s batches of 500, 30 µs of CPU a message in
    632 collections per 11,000 messages; with these thresholds 10 µs in 13 (BENCHMARKS.md, issue 29)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


#: young collection after 20,000 net allocations (Python's default: 700), the middle one after 10 of those, a full
#: one after 100 middle ones (default 10; it also waits until a quarter of the old generation is new)
GC_THRESHOLDS = (20_000, 10, 100)


def _log_checkpoint_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:     # e.g. the database is being closed
        log.warning("background checkpoint failed (%s)", type(task.exception()).__name__)


class _Rehearsed(Exception):
    """A rehearsal's end: its transaction is rolled back; carries the replies it would have sent."""

    def __init__(self, results: list[list[Reply] | None]):
        super().__init__("rehearsal")
        self.results = results


#: context read only for the messages ``needs`` names (the others read it through ``Context.need``)
_LAZY = frozenset({"invites", "recent", "rounds", "previous"})

#: a batch's item: the message, and the media row recorded with it (a stored file, or one still to fetch)
Item = tuple[Inbound, MediaRow | None]
#: what a message's result is: its replies, None for a duplicate, or the error that failed it
_Result = list[Reply] | None | Exception
#: what a message's needs were found as, with the session they were found for
_Known = tuple[dict[str, Any] | None, set[str]]


class _Loaded(TypedDict):
    """What a batch has read already, shared by its messages."""
    previous: dict[str, dict[str, dict[str, Any]]]     # area code → form id → last answers
    notices: list[tuple[str, str, Reply]]               # messages to others (bot/access.py)
    rounds: NotRequired[tuple[tuple[int | None, RoundView], ...]]


@dataclass
class _Waiting:
    inbound: Inbound
    media: MediaRow | None
    done: asyncio.Future[list[Reply] | None]


class Pipeline:
    """Group commit: messages that arrive while a batch is being written wait and go together in the
    next transaction — one commit (one fsync) per batch, not per message. ``handle`` returns only
    after its batch is durable, so a channel answers "received" only for what is stored."""

    max_batch = 500

    def __init__(self, db: Database, forms: FormVersions, now: Callable[[], datetime] = clock):
        self.db = db
        self.forms = forms
        self.now = now
        self._waiting: list[_Waiting] = []
        # forms that offer the previous report's items back: only their last report is read
        self._suggesting = sorted({f.id for f in forms.values() if any(
            q.suggest_from_previous for q in f.questions)})
        # forms with a question answered from the rounds: the rounds are read only for messages that may
        # reach one (a meeting report's answers do not)
        self._round_forms = round_forms(forms)
        self._round_questions = round_questions(forms)
        self._writer: asyncio.Task[None] | None = None
        self._checkpoint: asyncio.Task[None] | None = None
        self._checkpointed_at = 0.0
        self.ahead = ahead.When()                 # which batches are worked out ahead of their write (bot/ahead.py)

    @classmethod
    async def open(cls, db: Database, form_dirs: list[Path] | None = None,
                   now: Callable[[], datetime] = clock) -> "Pipeline":
        """Migrate, load the area tree once, register the form versions, and return a ready pipeline."""
        await db.migrate()
        await db.seed_areas(catalog.area_names())
        async with db.session() as s:
            raw = await sync_forms(s, catalog.read_forms(form_dirs), now())
        lexicon_files.lexicons()                   # built before the first message, not while a batch waits
        return cls(db, catalog.build_forms(raw), now)

    async def handle(self, inbound: Inbound, media: MediaRow | None = None) -> list[Reply] | None:
        """Process one message; None if it is a duplicate (already processed, nothing sent again).
        ``media``: a stored file's row, or one still to fetch (``bot.media.MediaRow``)."""
        inbound = clean_inbound(inbound)           # text hygiene at the door, every channel (flows/text.py)
        done: asyncio.Future[list[Reply] | None] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(inbound, media, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_batches())
        return await done

    async def _write_batches(self) -> None:
        while self._waiting:
            self._checkpoint_when_due()
            batch, self._waiting = self._waiting[:self.max_batch], self._waiting[self.max_batch:]
            results: list[_Result]
            try:
                results = list(await self._with_retry([(w.inbound, w.media) for w in batch]))
            except Exception as exc:      # noqa: BLE001 - every waiting caller must hear of it
                if len(batch) == 1:
                    results = [exc]
                else:                     # one bad message must not fail the others: one by one
                    results = []
                    for w in batch:
                        try:
                            results += await self._with_retry([(w.inbound, w.media)])
                        except Exception as one:   # noqa: BLE001
                            results.append(one)
            for w, result in zip(batch, results):
                if w.done.done():
                    continue              # the caller went away (client disconnected); the work is stored
                if isinstance(result, Exception):
                    w.done.set_exception(result)
                else:
                    w.done.set_result(result)

    checkpoint_every = 1.0       # seconds, while messages are being written

    def _checkpoint_when_due(self) -> None:
        """SQLite's log is copied into the database file in the background, once a second while messages
        come in, instead of by whichever commit happens to fill it (a pause of 10–40 ms for that batch)."""
        loop = asyncio.get_running_loop()
        if self._checkpoint is not None and not self._checkpoint.done():
            return
        if loop.time() - self._checkpointed_at < self.checkpoint_every:
            return
        self._checkpointed_at = loop.time()
        self._checkpoint = asyncio.create_task(self.db.checkpoint())
        self._checkpoint.add_done_callback(_log_checkpoint_failure)

    async def _with_retry(self, items: list[Item]) -> list[list[Reply] | None]:
        """A batch, retried when the database reports a deadlock or a lost connection."""
        for attempt in range(4):
            try:
                return await self.handle_batch(items)
            except Exception as exc:      # noqa: BLE001 - only what storage calls retryable is retried
                if attempt == 3 or not retryable(exc):
                    raise
                log.warning("batch of %d retried after a database error (%s)", len(items), type(exc).__name__)
                await asyncio.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def handle_batch(self, items: list[Item],
                           rehearse: bool = False) -> list[list[Reply] | None]:
        """Process messages in order in one transaction; per item its replies, or None for a duplicate.
        ``rehearse``: the same work, rolled back at the end (the warm-up: nothing is stored)."""
        now = self.now()
        lexicons = lexicon_files.lexicons()   # once a batch: a word taught meanwhile counts from the next
        guesses = ahead.Ahead()                  # the engine's work done before the write lock (bot/ahead.py)
        if not rehearse and self.ahead.now(len(items), self.db.last_waited, time.time):
            guesses = await ahead.guess(self, items, now, lexicons)
        try:
            return await self._batch(items, rehearse, now, lexicons, guesses)
        except _Rehearsed as done:
            return done.results

    async def batch_loaded(self, tx: Tx, wants: list[tuple[str, set[str]]]) -> _Loaded:
        """What a batch's messages need, read once for all of them: last reports offered back (those at the
        menu), the rounds (those who may reach a round question). ``wants``: (area, needs) of each message."""
        previous = await tx.previous_answers([area for area, want in wants if "previous" in want], self._suggesting)
        loaded: _Loaded = {"previous": previous, "notices": []}  # notices: messages to others (bot/access.py)
        if any("rounds" in want for _, want in wants):
            loaded["rounds"] = await tx.all_rounds()
        return loaded

    async def load_wanted(self, tx: Tx, contact: ContactView | None, want: set[str], loaded: _Loaded) -> None:
        """``loaded`` completed for one message, where an earlier message changed what it needs."""
        if contact and "previous" in want and contact.area_code not in loaded["previous"]:
            loaded["previous"].update(await tx.previous_answers([contact.area_code], self._suggesting))
        if "rounds" in want and "rounds" not in loaded:
            loaded["rounds"] = await tx.all_rounds()

    async def _batch(self, items: list[Item], rehearse: bool, now: datetime, lexicons: Any,
                     worked: ahead.Ahead) -> list[list[Reply] | None]:
        async with self.db.session() as s, s.begin():
            tx = Tx(s)
            rows: list[dict[str, Any]] = []
            seen: set[tuple[str, str]] = set()
            for inbound, _ in items:
                if (inbound.channel, inbound.message_id) not in seen:
                    seen.add((inbound.channel, inbound.message_id))
                    rows.append({"channel": inbound.channel, "message_id": inbound.message_id,
                                 "external_id": inbound.sender, "payload": {
                                     "text": inbound.text, "kind": inbound.kind, "photo": inbound.photo,
                                     "location": list(inbound.location) if inbound.location else None}})
            fresh = await tx.record_inbound_many(rows, now)
            keys = [(i.channel, i.sender) for i, _ in items if (i.channel, i.message_id) in fresh]
            sessions, contacts = await tx.sessions_and_contacts(keys, now, worked.sessions)
            # what the batch's messages need, read once for all of them: last reports offered back (those
            # at the menu), the rounds (those who may reach a round question)
            # a message's needs, with the session they were found for: ``_apply`` reuses them while the session
            # is that same object (the person's first message in the batch), else finds them again
            wanted: dict[tuple[str, str], _Known] = {}
            wants: list[tuple[str, set[str]]] = []
            for i, _ in items:
                key = (i.channel, i.sender)
                if (i.channel, i.message_id) in fresh and key in contacts:
                    session = sessions[key][0] or None
                    guessed = worked.guesses.get((i.channel, i.message_id))
                    want = (guessed.want if guessed is not None and guessed.session is session
                            else needs(session, i, True, self._round_forms, self._round_questions))
                    wanted[(i.channel, i.message_id)] = (session, want)
                    wants.append((contacts[key].area_code, want))
            loaded = await self.batch_loaded(tx, wants)
            results: list[list[Reply] | None] = []
            answered: list[tuple[Inbound, str, list[Reply], SavedReport | None,
                                 tuple[Step[dict[str, Any]], ContactView | None]]] = []
            for inbound, media in items:
                ident = (inbound.channel, inbound.message_id)
                if ident not in fresh:
                    log.info("duplicate %s message dropped", inbound.channel)
                    results.append(None)
                    continue
                fresh.discard(ident)              # a second copy in the same batch is a duplicate too
                if media:
                    if len(media) == 4:
                        await tx.add_media(*media, now)
                    else:                         # a 5th item: URL of a pending file, its channel and sender
                        sha256, path, mime, size, url, channel, sender = media
                        await tx.add_media(sha256, path, mime, size, now, url, channel, sender)
                key = (inbound.channel, inbound.sender)
                state, seq = sessions[key]
                known = wanted.pop(ident, None)
                step, contact, saved = await self._apply(tx, s, inbound, state or None, contacts.get(key), loaded,
                                                         now, lexicons, known, worked.guesses.pop(ident, None))
                sessions[key] = (step.session, seq + 1)
                if contact is not None:
                    contacts[key] = contact
                replies = list(step.replies)
                results.append(replies)
                answered.append((inbound, step.session.get("lang", "id"), replies, saved, (step, contact)))
            await tx.flush_reports()              # the batch's reports, written together
            outbox: list[tuple[str, str, dict[str, Any]]] = []
            for inbound, lang, replies, saved, (step, contact) in answered:
                replies[-1:-1] = await access.report_kept_apart(s, saved, contact, self.forms, step.report, lang,
                                                                loaded["notices"])     # before the menu
                if saved is not None and saved.revision > 1 and not saved.competes_with:
                    t = catalog.gettext_for(lang)
                    replies.insert(1, Reply(t("Laporan ini menggantikan laporan yang sama yang dikirim sebelumnya "
                                              "(perbaikan ke-%(n)s). Riwayatnya tetap tersimpan.")
                                            % {"n": saved.revision - 1}))
                outbox += [(inbound.channel, inbound.sender, reply_payload(r, lang)) for r in replies]
            outbox += await notices.fold(s, loaded["notices"], now, notice_payload)   # rate-limited per person
            await tx.save_sessions(sessions, now)
            await tx.enqueue_many(outbox, now)
            if rehearse:
                await s.flush()
                raise _Rehearsed(results)          # leaves the transaction: rolled back
        if outbox:
            wake.ring(self.db.url)                 # committed: the senders go now, not at their next poll
        return results

    async def _advance(self, tx: Tx, s: Session, session: dict[str, Any] | None, inbound: Inbound, ctx: Context,
                       loaded: _Loaded, now: datetime) -> tuple[Context, Step[dict[str, Any]]]:
        """``flows.advance``; context it reached that ``needs`` left out is loaded, and the message taken again
        (advance is pure: the first try left nothing behind). Returns the context used and the step."""
        while True:
            try:
                return ctx, advance(session, inbound, ctx)
            except NotLoaded as more:
                if more.what == "recent":
                    ctx = replace(ctx, recent_reports=await tx.recent_reports(ctx.contact) if ctx.contact else ())
                elif more.what == "rounds":
                    if "rounds" not in loaded:
                        loaded["rounds"] = await tx.all_rounds()
                    ctx = replace(ctx, rounds=of_program(loaded["rounds"], ctx.contact.program_id if ctx.contact
                                                         else None))
                elif more.what == "previous" and ctx.contact is not None:
                    area = ctx.contact.area_code
                    if area not in loaded["previous"]:
                        loaded["previous"].update(await tx.previous_answers([area], self._suggesting))
                    ctx = replace(ctx, previous=programs.previous_of(loaded["previous"].get(area, {}), ctx.contact))
                elif more.what == "loop" and ctx.contact is not None:      # a kader's view picked from the menu
                    from .loop import load
                    await tx.flush_reports()
                    ctx = replace(ctx, loop=await load(s, ctx.contact, now, self.forms, ctx.contact.lang, views=True))
                elif more.what == "invites":
                    ctx = replace(ctx, **await access.context_extras(s, inbound, None, {"invites"}, now))
                if more.what not in ctx.missing:
                    raise
                ctx = replace(ctx, missing=ctx.missing - {more.what})

    async def context_fields(self, tx: Tx, s: Session, inbound: Inbound, contact: ContactView | None, want: set[str],
                             loaded: _Loaded, now: datetime, lexicons: Any, loop: Any) -> dict[str, Any]:
        """What ``advance`` may know for this message (``Context``'s fields), read as far as ``want`` says."""
        previous = loaded["previous"]
        return dict(
            now=now, forms=self.forms, loop=loop, gettext=catalog.gettext_for, contact=contact,
            areas=catalog.area_index() if "areas" in want else None,
            rounds=of_program(loaded["rounds"], contact.program_id if contact else None) if "rounds" in want else (),
            recent_reports=await tx.recent_reports(contact) if contact and "recent" in want else (),
            previous=programs.previous_of(previous.get(contact.area_code, {}), contact) if contact and "previous" in want
            else {},
            lexicons=lexicons if lexicons is not None else lexicon_files.lexicons(),
            missing=(_LAZY - want) | ({"loop"} if loop is None and contact is not None else set()),
            **await access.context_extras(s, inbound, contact, want, now),
            **await programs.context_extras(s, contact, want),
        )

    async def _apply(self, tx: Tx, s: Session, inbound: Inbound, session: dict[str, Any] | None,
                     contact: ContactView | None, loaded: _Loaded, now: datetime, lexicons: Any = None,
                     known: _Known | None = None, guess: ahead.Guess | None = None
                     ) -> tuple[Step[dict[str, Any]], ContactView | None, SavedReport | None]:
        """One message through flows.advance and its side effects; returns (step with all replies, contact,
        the report it completed as a ``SavedReport`` or None). ``loaded``: what the batch has read already
        (previous reports by area, rounds); completed here when an earlier message changed what this needs."""
        if known is not None and known[0] is session and contact is not None:
            want = known[1]
        elif guess is not None and guess.session is session and contact is not None:    # a later message, chained
            want = guess.want
        else:
            want = needs(session, inbound, contact is not None, self._round_forms, self._round_questions)
        await self.load_wanted(tx, contact, want, loaded)
        previous = loaded["previous"]
        lang = (session or {}).get("lang") or (contact.lang if contact else "id")
        loop = None
        from .loop import load, wants_load                # the learning loop's side conversations
        if "loop" in want and contact is not None and wants_load(contact, inbound.text):
            await tx.flush_reports()
            loop = await load(s, contact, now, self.forms, lang, inbound.text)
        fields = await self.context_fields(tx, s, inbound, contact, want, loaded, now, lexicons, loop)
        ctx = guess.ctx if guess is not None and guess.holds(session, fields) else Context(**fields)
        try:
            if guess is not None and ctx is guess.ctx:    # worked out ahead from what is still true
                first = guess.step
            else:
                ctx, first = await self._advance(tx, s, session, inbound, ctx, loaded, now)
            step = await access.settle(s, inbound, session, ctx, first, now, advance)
        except Exception as exc:     # noqa: BLE001 - the error boundary: answered once, never retried for ever
            # the type and where, never the message (the exception's text may quote it)
            log.error("engine failed on a %s message (%s) at %s", inbound.channel, type(exc).__name__,
                      " < ".join(f"{f.name}:{f.lineno}" for f in reversed(traceback.extract_tb(exc.__traceback__))))
            step = failed(session, inbound, ctx)
            await tx.mark_inbound_failed(inbound.channel, inbound.message_id, type(exc).__name__)
        replies = list(step.replies)
        await kata.count_unread(s, step, now)              # an answer not understood, for `pantau kata`
        await access.apply_decisions(s, step, contact, now, loaded["notices"])
        if step.contact:
            contact = await tx.create_contact(inbound.channel, inbound.sender, step.contact, now)
            await access.after_contact(s, contact, now, loaded["notices"])
        if step.language and contact:
            await tx.set_language(contact.id, step.language)
        if step.membership and contact:                  # the program this report is for (bot/programs.py)
            contact = await programs.switch(s, contact, step.membership)
        if step.join and contact:                        # an invite code confirmed: one more membership
            replies.append(await programs.join_by_invite(s, contact, *step.join, now=now))
        saved = None
        if step.report and contact:
            saved = await tx.add_report(step.report, contact.id, now, by=contact)
            previous.pop(step.report.area_code, None)     # read again if this batch starts another report
        if step.actions and contact:
            from .loop import apply_actions
            replies += await apply_actions(s, contact, step.actions, now, self.forms, step.session.get("lang", lang))
        if step.request and contact:                      # heavy ones only recorded: rendered by bot/jobs.py
            from .reports.jobs import handle_request
            await tx.flush_reports()                      # a summary counts the reports sent just before it
            replies += await handle_request(s, step.request, contact, inbound.channel, inbound.sender, now,
                                            self.forms, step.session.get("lang", "id"))
        if len(replies) == len(step.replies):          # nothing added after advance: the step as it is
            return step, contact, saved
        return replace(step, replies=replies), contact, saved

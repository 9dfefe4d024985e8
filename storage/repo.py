"""The queries of one inbound message's transaction, and the few the CLI needs.

``Tx`` wraps one database transaction; bot/pipeline.py drives it and never sees SQL.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVarTuple, cast, overload

import orjson
from sqlalchemy import (Executable, Table, delete, select, update)
from sqlalchemy import insert as insert_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import TypedReturnsRows
from sqlalchemy.util.typing import TupleAny, Unpack

from flows.types import ContactView, NewContact, NewReport, ReportView, RoundView

from . import changes
from . import webhooks
from .completeness import of_program
from .results import affected
from .keys import aware, identity_key
from . import raw
from .batch_sql import _report_upsert, _statements, raw_statements
from .models import (DEFAULT_PROGRAM_ID, Contact, Identity, InboundMessage, Invite, Membership, Report,
                     ReportRevision, Round, StorySelection)
from .repo_outbox import OutboxQueries
from .rollup import draft_of, rollup_columns
from .forms import stored_form_definition, sync_forms  # noqa: F401 - where callers import them from


_Ts = TypeVarTuple("_Ts")
_Params = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None   # one row's values, or many


def report_program(by: ContactView | None) -> int:
    """The program a report is sent for: the sender's program in use (the default for a trusted caller, or
    a forum member of every program)."""
    return by.program_id if by is not None and by.program_id is not None else DEFAULT_PROGRAM_ID


_REVISION_INSERT = insert_(cast(Table, ReportRevision.__table__))
_MEMBERSHIP_INSERT = insert_(cast(Table, Membership.__table__))


@dataclass
class SavedReport:
    """A report added in a batch; ``id`` and ``revision`` are known once the batch's reports are written."""
    id: int = 0
    revision: int = 0
    competes_with: int | None = None    # kept apart: another person's report has this key (storage/access.py)
    owner_id: int | None = None         # that report's sender


class Tx(OutboxQueries):
    def __init__(self, s: AsyncSession):
        self.s = s
        self.postgres = s.get_bind().dialect.name == "postgresql"   # row locks, ON CONFLICT syntax
        self._queued: list[tuple[dict[str, Any], SavedReport]] = []           # reports added, not yet written
        self._editors: dict[int, ContactView] = {}                   # who sent them (may they overwrite?)

    @overload
    async def _core(self, statement: TypedReturnsRows[Unpack[_Ts]], params: _Params = None
                    ) -> CursorResult[Unpack[_Ts]]: ...
    @overload
    async def _core(self, statement: Executable, params: _Params = None) -> CursorResult[Unpack[TupleAny]]: ...
    async def _core(self, statement: Executable, params: _Params = None) -> CursorResult[Unpack[TupleAny]]:
        """A Core statement on the transaction's connection, past the ORM session's execute (its
        per-statement bookkeeping cost more than the statement): for the per-batch statements, whose
        tables no ORM object of the batch is waiting to write (an autoflush would not be needed)."""
        conn = await self.s.connection()
        return await conn.execute(statement, params)

    async def _raw(self, name: str, params: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
        """SQLite: one of the per-batch statements on the driver connection, past SQLAlchemy's execution
        (storage/raw.py: its ~100 µs a statement was most of a quiet hour's message)."""
        conn = await self.s.connection()
        return await raw.run(conn, getattr(raw_statements(conn.dialect), name), params)

    async def _write_many(self, name: str, rows: list[dict[str, Any]]) -> None:
        """A per-batch executemany (``session_update``, ``outbox_insert``): SQLAlchemy's on PostgreSQL, raw on SQLite."""
        if self.postgres:
            await self._core(getattr(_statements(True), name), rows)
        else:
            await self._raw(name, rows)

    # -- inbound and sessions
    async def record_inbound(self, channel: str, message_id: str, external_id: str, payload: dict[str, Any],
                             now: datetime) -> bool:
        """Store the inbound message; False if this (channel, message id) was seen before.

        One INSERT … ON CONFLICT DO NOTHING (SQLite and PostgreSQL), no savepoint."""
        insert = pg_insert if self.postgres else sqlite_insert
        result = await self.s.execute(
            insert(InboundMessage).values(channel=channel, message_id=message_id, external_id=external_id,
                                          payload=payload, received_at=now)
            .on_conflict_do_nothing(index_elements=["channel", "message_id"]))
        return bool(affected(result))

    async def record_inbound_many(self, rows: list[dict[str, Any]], now: datetime) -> set[tuple[str, str]]:
        """Store a batch of inbound messages (dicts: channel, message_id, external_id, payload) in one
        statement; returns the (channel, message id) pairs that were new."""
        if not rows:
            return set()
        if self.postgres:
            result = await self._core(_statements(True).inbound_insert, [{**r, "received_at": now} for r in rows])
            return {(c, m) for c, m in result}
        return {(c, m) for c, m in await self._raw("inbound_insert", {"received_at": now, "rows": orjson.dumps(
            [(r["channel"], r["message_id"], r["external_id"], r["payload"]) for r in rows]).decode()})}

    async def mark_inbound_failed(self, channel: str, message_id: str, error: str) -> None:
        """Note on an inbound message that the engine failed on it (it stays recorded: a retry is a duplicate)."""
        row = await self.s.scalar(select(InboundMessage).where(InboundMessage.channel == channel,
                                                              InboundMessage.message_id == message_id))
        if row is not None:
            row.payload = {**row.payload, "failed": error}

    async def lock_sessions(self, keys: list[tuple[str, str]], now: datetime) -> dict[tuple[str, str], tuple[dict[str, Any], int]]:
        """The sessions of a batch's senders as {key: (state, seq)}, rows created where missing and, on
        PostgreSQL, locked FOR UPDATE in key order (two workers' batches cannot deadlock on existing rows).
        Usually one statement: the rows are read first and only the missing ones inserted."""
        keys = sorted(set(keys))
        if not keys:
            return {}
        q = _statements(self.postgres)
        rows = await self._core(q.session_select, {"keys": keys})
        out = {(c, e): (dict(state or {}), seq or 0) for c, e, state, seq in rows}
        await self._create_missing(keys, out, now)
        return out

    async def _create_missing(self, keys: list[tuple[str, str]], out: dict[tuple[str, str], tuple[dict[str, Any], int]],
                              now: datetime) -> None:
        """First messages: session rows created, then read (and locked) like the others, into ``out``. (Two
        workers creating the same new person while holding others' rows can deadlock: the database picks one,
        and the pipeline retries its batch.)"""
        missing = [k for k in keys if k not in out]
        if missing:
            q = _statements(self.postgres)
            await self._core(q.session_insert, [{"channel": c, "external_id": e, "state": {}, "updated_at": now,
                                                 "seq": 0} for c, e in missing])
            created = await self._core(q.session_select, {"keys": missing})
            out.update({(c, e): (dict(state or {}), seq or 0) for c, e, state, seq in created})

    async def sessions_and_contacts(self, keys: list[tuple[str, str]], now: datetime,
                                    known: Mapping[tuple[str, str], tuple[dict[str, Any], int]] | None = None
                                    ) -> tuple[dict[tuple[str, str], tuple[dict[str, Any], int]],
                                               dict[tuple[str, str], ContactView]]:
        """``lock_sessions`` and ``contacts_for_many`` of a batch's senders: on SQLite one statement for both
        (storage/batch_sql.py), on PostgreSQL two (its sessions are locked FOR UPDATE). ``known``: sessions read
        a moment ago (``peek_sessions_and_contacts``); on SQLite one whose ``seq`` is unchanged is that same
        object, not decoded again (only the pipeline writes a session, always with the next ``seq``)."""
        if self.postgres or not keys:
            return await self.lock_sessions(keys, now), await self.contacts_for_many(keys)
        keys = sorted(set(keys))
        sessions, contacts = await self._sqlite_sessions_and_contacts(keys, known or {})
        await self._create_missing(keys, sessions, now)
        return sessions, contacts

    async def peek_sessions_and_contacts(self, keys: list[tuple[str, str]]
                                         ) -> tuple[dict[tuple[str, str], tuple[dict[str, Any], int]],
                                                    dict[tuple[str, str], ContactView]]:
        """What ``sessions_and_contacts`` reads, as a plain read: no row created (a sender without a session has
        none here), nothing locked (bot/ahead.py works a batch out from it before the batch's write transaction)."""
        keys = sorted(set(keys))
        if not keys:
            return {}, {}
        if not self.postgres:
            return await self._sqlite_sessions_and_contacts(keys, {})
        rows = await self._core(_statements(False).session_select, {"keys": keys})     # without FOR UPDATE
        return {(c, e): (dict(state or {}), seq or 0) for c, e, state, seq in rows}, await self.contacts_for_many(keys)

    async def _sqlite_sessions_and_contacts(self, keys: list[tuple[str, str]],
                                            known: Mapping[tuple[str, str], tuple[dict[str, Any], int]]
                                            ) -> tuple[dict[tuple[str, str], tuple[dict[str, Any], int]],
                                                       dict[tuple[str, str], ContactView]]:
        by_identity = {identity_key(c, e): (c, e) for c, e in keys}
        sessions: dict[tuple[str, str], tuple[dict[str, Any], int]] = {}
        contacts: dict[tuple[str, str], ContactView] = {}
        rows = await self._raw("sessions_and_contacts", {
            "keys": orjson.dumps(keys).decode(), "identities": orjson.dumps(list(by_identity)).decode()})
        for kind, ch, ext, state, seq, cid, name, role, area, lang, verified, disabled, program in rows:
            if kind == "s":
                seen = known.get((ch, ext))
                sessions[(ch, ext)] = (seen if seen is not None and seen[1] == (seq or 0)
                                       else (dict(orjson.loads(state) or {}) if state else {}, seq or 0))
            else:
                contacts[by_identity[(ch, ext)]] = ContactView(cid, name, role, area, lang, bool(verified),
                                                               disabled is None, program)
        return sessions, contacts

    async def save_sessions(self, states: dict[tuple[str, str], tuple[dict[str, Any], int]], now: datetime) -> None:
        """Write a batch's session states back (one executemany)."""
        if not states:
            return
        rows = [{"k_channel": c, "k_external": e, "v_state": state, "v_seq": seq, "v_now": now,
                 **dict(zip(("v_form", "v_area"), draft_of(state)))} for (c, e), (state, seq) in states.items()]
        await self._write_many("session_update", rows)

    async def contacts_for_many(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], ContactView]:
        """The registered contacts among a batch's senders (one query)."""
        by_identity = {identity_key(c, e): (c, e) for c, e in keys}
        if not by_identity:
            return {}
        rows = cast(Iterable[tuple[str, str, int, str, str, str, str, bool, datetime | None, int | None]],
                    await self._core(_statements(self.postgres).contacts_select, {"keys": list(by_identity)}))
        return {by_identity[(ch, ext)]: ContactView(cid, name, role, area, lang, bool(verified), disabled is None,
                                                    program)
                for ch, ext, cid, name, role, area, lang, verified, disabled, program in rows}

    async def enqueue_many(self, rows: list[tuple[str, str, dict[str, Any]]], now: datetime) -> None:
        """Queue replies (channel, external id, payload) in one executemany, in order."""
        if rows:
            values = [{"channel": c, "external_id": e, "payload": p, "status": "pending", "attempts": 0,
                       "created_at": now, "next_attempt_at": now} for c, e, p in rows]
            await self._write_many("outbox_insert", values)

    # -- contacts
    async def contact_for(self, channel: str, external_id: str) -> ContactView | None:
        channel, external_id = identity_key(channel, external_id)
        row = await self.s.scalar(select(Contact).join(Identity, Identity.contact_id == Contact.id)
                                  .where(Identity.channel == channel, Identity.external_id == external_id))
        return (ContactView(row.id, row.name, row.role, row.area_code, row.lang, row.verified, row.disabled_at is None,
                            row.program_id) if row else None)

    async def create_contact(self, channel: str, external_id: str, new: NewContact, now: datetime) -> ContactView:
        contact = Contact(name=new.name, role=new.role, area_code=new.area_code, lang=new.lang, created_at=now,
                          verified=new.verified)
        self.s.add(contact)
        await self.s.flush()
        await self.add_identity(contact.id, channel, external_id)
        if new.invite_code:
            await self.s.execute(update(Invite).where(Invite.code == new.invite_code).values(used_by=contact.id))
            row = (await self.s.execute(select(Invite.agency, Invite.agency_id, Invite.program_id)
                                        .where(Invite.code == new.invite_code))).one()
            contact.agency, contact.agency_id, contact.program_id = row.agency, row.agency_id, row.program_id
        await self.s.execute(_MEMBERSHIP_INSERT, {      # one person in every program (storage/programs.py)
            "contact_id": contact.id, "program_id": contact.program_id, "role": contact.role,
            "area_code": contact.area_code, "agency": contact.agency, "verified": new.verified, "created_at": now})
        return ContactView(contact.id, contact.name, contact.role, contact.area_code, contact.lang, new.verified,
                           program_id=contact.program_id)

    async def add_identity(self, contact_id: int, channel: str, external_id: str) -> None:
        kind, value = identity_key(channel, external_id)
        self.s.add(Identity(channel=kind, external_id=value, contact_id=contact_id))

    async def set_language(self, contact_id: int, lang: str) -> None:
        await self.s.execute(update(Contact).where(Contact.id == contact_id).values(lang=lang))

    # -- reports
    async def save_report(self, new: NewReport, contact_id: int, now: datetime) -> tuple[int, int]:
        """Insert or revise the report with this key now; returns (report id, revision)."""
        saved = await self.add_report(new, contact_id, now)
        await self.flush_reports()
        return saved.id, saved.revision

    async def add_report(self, new: NewReport, contact_id: int, now: datetime, by: ContactView | None = None) -> SavedReport:
        """A completed report, written together with the batch's others by ``flush_reports`` (which every
        read of reports here does first). A correction (``ubah``) is written at once. ``by``: the sender,
        when known — only they or a coordinator of the area may revise a report (else it is kept apart
        as a competing submission)."""
        if by is not None:
            self._editors[contact_id] = by
        if new.report_id:
            await self.flush_reports()
            return SavedReport(*await self._correct_report(new, contact_id, now))
        values = {"form_id": new.form_id, "form_version": new.form_version, "area_code": new.area_code,
                  "key": new.key, "contact_id": contact_id, "answers": new.answers, "revision": 1,
                  "program_id": report_program(by),
                  "created_at": now, "updated_at": now, "verified": by.verified if by else True,
                  "competes_with": None, "conflict": None, **rollup_columns(new.area_code, new.key, new.answers)}
        self._queued.append((values, SavedReport()))
        return self._queued[-1][1]

    async def flush_reports(self) -> None:
        """Write the added reports: one upsert (insert, or revise the report already under the key) and one
        insert of their revisions for all of them. Two reports with one key go in turn, in order."""
        while self._queued:
            wave: list[tuple[dict[str, Any], SavedReport]] = []
            later: list[tuple[dict[str, Any], SavedReport]] = []
            keys = set()
            for values, saved in self._queued:
                key = (values["program_id"], values["form_id"], values["area_code"], values["key"])
                (later if key in keys else wave).append((values, saved))
                keys.add(key)
            self._queued = later
            await self._keep_apart(wave)
            rows = await self.s.execute(_report_upsert(self.postgres), [values for values, _ in wave])
            written = {(program, form, area, key): (report_id, revision)
                       for report_id, revision, program, form, area, key in rows}
            for values, saved in wave:
                saved.id, saved.revision = written[(values["program_id"], values["form_id"], values["area_code"],
                                                    values["key"])]
            await self.s.execute(_REVISION_INSERT, [
                {"report_id": saved.id, "revision": saved.revision, "contact_id": values["contact_id"],
                 "answers": values["answers"], "created_at": values["created_at"]} for values, saved in wave])
            await changes.record(self.s, [(saved.id, values["area_code"]) for values, saved in wave],
                                 wave[0][0]["created_at"])
            await webhooks.reports_saved(self.s, [(saved.id, saved.revision, values) for values, saved in wave],
                                         wave[0][0]["updated_at"])

    async def _keep_apart(self, wave: list[tuple[dict[str, Any], SavedReport]]) -> None:
        """Reports whose key already holds another person's report, sent by someone who may not change
        it, get a key of their own and wait for the fasilitator's choice (competes_with, conflict)."""
        from .access import may_change, owners
        found = await owners(self.s, [(v["form_id"], v["area_code"], v["key"]) for v, _ in wave])
        for values, saved in wave:
            hit = found.get((values["program_id"], values["form_id"], values["area_code"], values["key"]))
            editor = self._editors.get(values["contact_id"])     # None: a trusted caller (CLI, import)
            if hit and hit[1] != values["contact_id"] and editor is not None and not may_change(
                    editor, hit[1], values["area_code"]):
                values.update(key=f"{values['key']}#{values['contact_id']}"[:200], competes_with=hit[0],
                              conflict="pending")
                saved.competes_with, saved.owner_id = hit

    async def _correct_report(self, new: NewReport, contact_id: int, now: datetime) -> tuple[int, int]:
        """A correction (``ubah``): revises the report it started from, or the one whose key it now has."""
        row = await self.s.get(Report, new.report_id)
        if row is not None and "#" in row.key and row.key.split("#", 1)[0] == new.key:
            new = replace(new, key=row.key)   # kept as a meeting of its own by the fasilitator: it stays one
        clash = await self.s.scalar(select(Report).where(
            Report.program_id == (row.program_id if row is not None else report_program(self._editors.get(contact_id))),
            Report.form_id == new.form_id, Report.area_code == new.area_code, Report.key == new.key))
        from .access import may_change
        editor = self._editors.get(contact_id)
        if row is not None and editor is not None and not may_change(editor, row.contact_id, row.area_code,
                                                                     row.program_id):
            row = None    # not theirs to change: sent as a new report (kept apart if the key is taken)
        moved_from = None
        if clash is not None and (row is None or clash.id != row.id):
            moved_from = row
            row = clash   # corrected into the key of another report: that one is revised
        if row is not None and editor is not None and not may_change(editor, row.contact_id, row.area_code,
                                                                     row.program_id):
            row, moved_from = None, None
        if moved_from is not None and row is not None:   # (row: the clash) ... and the report it started from is that meeting now: never counted twice
            moved_from.conflict, moved_from.competes_with, moved_from.updated_at = "merged", row.id, now
        if row is None:
            saved = await self.add_report(replace(new, report_id=None), contact_id, now, editor)
            await self.flush_reports()
            return saved.id, saved.revision
        row.revision += 1
        row.answers, row.key, row.form_version = new.answers, new.key, new.form_version
        row.updated_at = now      # the owner stays; the revision says who changed it
        for name, value in rollup_columns(new.area_code, new.key, new.answers).items():
            setattr(row, name, value)
        self.s.add(ReportRevision(report_id=row.id, revision=row.revision, contact_id=contact_id,
                                  answers=new.answers, created_at=now))
        await self.s.flush()
        await changes.record(self.s, [(row.id, row.area_code)] + ([(moved_from.id, moved_from.area_code)]
                                                                  if moved_from is not None else []), now)
        await webhooks.reports_changed(self.s, [moved_from, row], now)
        return row.id, row.revision

    async def recent_reports(self, contact: ContactView, limit: int = 9) -> tuple[ReportView, ...]:
        await self.flush_reports()
        from .scope import under
        mine = Report.contact_id == contact.id
        if contact.role in ("fasilitator", "koordinator") and contact.verified:   # any report of their area
            mine = under(Report.area_code, contact.area_code)
        rows = list(await self.s.scalars(select(Report).where(mine, Report.conflict.is_(None))
                                         .order_by(Report.updated_at.desc(), Report.id.desc()).limit(limit)))
        returned: dict[int, tuple[str, str]] = {}
        stories = [r.id for r in rows if r.form_id == "cerita"]
        if stories:                         # a panel's question still open: asked after the story's last change
            updated = {r.id: aware(r.updated_at) for r in rows}
            for sel in await self.s.scalars(select(StorySelection).where(StorySelection.report_id.in_(stories))
                                            .order_by(StorySelection.id)):
                if sel.decision == "verifikasi" and aware(sel.at) >= updated[sel.report_id]:
                    returned[sel.report_id] = (sel.level, sel.reason)
                else:
                    returned.pop(sel.report_id, None)
        return tuple(ReportView(r.id, r.form_id, r.form_version, r.area_code, r.answers, aware(r.updated_at),
                                r.revision, r.key, returned.get(r.id)) for r in rows)

    async def previous_answers(self, area_codes: list[str], form_ids: list[str]) -> dict[str, dict[str, dict[str, Any]]]:
        """For each area, the newest report of each of these forms (offers last round's activities back):
        {area: {form id: answers, "form id@program id": answers of that program}}, one query for a whole
        batch (bot/programs.py previous_of picks the person's program)."""
        out: dict[str, dict[str, dict[str, Any]]] = {area: {} for area in area_codes}
        if not area_codes or not form_ids:
            return out
        await self.flush_reports()
        rows = await self.s.execute(_statements(self.postgres).previous_select,
                                    {"areas": sorted(set(area_codes)), "forms": list(form_ids)})
        for area, form_id, answers, program in rows:
            out[area].setdefault(form_id, answers)
            out[area].setdefault(f"{form_id}@{program}", answers)
        return out

    async def rounds(self, program: int | None = None) -> tuple[RoundView, ...]:
        """The rounds of a program (its own and every program's; a name both have is its own); None: every
        round, a name held by several programs once."""
        return of_program(await self.all_rounds(), program)

    async def all_rounds(self) -> tuple[tuple[int | None, RoundView], ...]:
        """Every round with its program (None: every program's), by start."""
        rows = await self.s.scalars(select(Round).order_by(Round.start, Round.id))
        return tuple((r.program_id, RoundView(r.name, r.start, r.due)) for r in rows)


async def create_invite(s: AsyncSession, role: str, area_code: str, now: datetime, agency: str | None = None,
                        days: float = 7, extra: dict[str, Any] | None = None) -> str:
    """A single-use invite code, valid ``days`` (storage/access.py)."""
    from .access import create_invite as create
    return await create(s, role, area_code, now, days, extra, agency=agency)


async def upsert_round(s: AsyncSession, name: str, start: str, due: str, schedule: dict[str, Any] | None = None,
                       program_id: int | None = None) -> None:
    """Add or change a round (of one program; None: of every program)."""
    await s.execute(delete(Round).where(Round.name == name, Round.program_id.is_(None) if program_id is None
                                        else Round.program_id == program_id))
    s.add(Round(name=name, start=start, due=due, schedule=schedule, program_id=program_id))
    await s.commit()

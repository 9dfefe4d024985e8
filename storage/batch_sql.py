"""The per-batch statements of bot/pipeline.py's transaction (storage/repo.py ``Tx`` runs them), built once per
dialect: building them per call cost more than running them."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import (CompoundSelect, Insert, Select, String, Table, Text, Update, bindparam, func, literal_column, null,
                        select, true, tuple_, type_coerce, union_all, update)
from sqlalchemy import insert as insert_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.dml import ReturningInsert
from sqlalchemy.util.typing import TupleAny, Unpack

from .models import Contact, Identity, InboundMessage, Outbox, Report, Session
from .raw import Raw, compile_raw


@lru_cache(maxsize=2)
def _report_upsert(postgres: bool) -> ReturningInsert[int, int, int, str, str, str]:
    """INSERT … ON CONFLICT (program, form, area, key) DO UPDATE … RETURNING id, revision (and the key, to match
    rows of an executemany) — built once per dialect."""
    table = cast(Table, Report.__table__)
    stmt = (pg_insert if postgres else sqlite_insert)(table)
    # the owner (contact_id) stays: the revision row records who sent this version
    kept = ("answers", "form_version", "updated_at", "kab", "period", "men", "women", "verified")
    return stmt.on_conflict_do_update(
        index_elements=["program_id", "form_id", "area_code", "key"],
        set_={"revision": table.c.revision + 1, **{c: stmt.excluded[c] for c in kept}},
    ).returning(table.c.id, table.c.revision, table.c.program_id, table.c.form_id, table.c.area_code, table.c.key)




@dataclass(frozen=True)
class _Statements:
    """The per-batch statements, built once per dialect (building them per call cost more than running them)."""
    inbound_insert: ReturningInsert[str, str]
    session_insert: Insert
    session_select: Select[str, str, dict[str, Any] | None, int | None]
    session_update: Update
    contacts_select: Select[Unpack[TupleAny]]     # ten columns: past what the typing spells out
    previous_select: Select[str, str, dict[str, Any], int]
    outbox_insert: Insert


@lru_cache(maxsize=2)
def _statements(postgres: bool) -> _Statements:
    insert = pg_insert if postgres else sqlite_insert
    inbound, sessions = cast(Table, InboundMessage.__table__), cast(Table, Session.__table__)
    session_select = (select(sessions.c.channel, sessions.c.external_id, sessions.c.state, sessions.c.seq)
                      .where(tuple_(sessions.c.channel, sessions.c.external_id).in_(bindparam("keys", expanding=True)))
                      .order_by(sessions.c.channel, sessions.c.external_id))
    return _Statements(
        # executemany with RETURNING: SQLAlchemy's "insertmanyvalues" turns it into multi-row INSERTs
        inbound_insert=(insert(inbound).on_conflict_do_nothing(index_elements=["channel", "message_id"])
                        .returning(inbound.c.channel, inbound.c.message_id)),
        session_insert=insert(sessions).on_conflict_do_nothing(index_elements=["channel", "external_id"]),
        session_select=session_select.with_for_update() if postgres else session_select,
        session_update=(update(sessions).where(sessions.c.channel == bindparam("k_channel"),
                                               sessions.c.external_id == bindparam("k_external"))
                        .values(state=bindparam("v_state"), seq=bindparam("v_seq"), updated_at=bindparam("v_now"),
                                draft_form=bindparam("v_form"), draft_area=bindparam("v_area"))),
        contacts_select=(select(Identity.channel, Identity.external_id, Contact.id, Contact.name, Contact.role,
                                Contact.area_code, Contact.lang, Contact.verified, Contact.disabled_at, Contact.program_id).join(Contact, Identity.contact_id == Contact.id)
                         .where(tuple_(Identity.channel, Identity.external_id)
                                .in_(bindparam("keys", expanding=True)))),
        previous_select=(select(Report.area_code, Report.form_id, Report.answers, Report.program_id)
                         .where(Report.area_code.in_(bindparam("areas", expanding=True)),
                                Report.form_id.in_(bindparam("forms", expanding=True)))
                         .order_by(Report.updated_at.desc(), Report.id.desc())),
        outbox_insert=insert_(cast(Table, Outbox.__table__)),
    )


def _pairs(name: str) -> Select[str, str]:
    """SQLite: the (channel, external id) pairs of a JSON text parameter (``[[channel, id], …]``), as rows. One
    parameter whatever the batch's size: an expanding IN of 500 pairs was rendered anew for every batch (SQLAlchemy's
    post-compile step), more work on the event loop than SQLite's whole read. SQLite still searches the unique
    index for each pair."""
    pairs = func.json_each(bindparam(name, type_=String())).table_valued("value")
    return select(func.json_extract(pairs.c.value, literal_column("'$[0]'")),
                  func.json_extract(pairs.c.value, literal_column("'$[1]'")))


def inbound_from_json() -> ReturningInsert[str, str]:
    """SQLite: a batch's inbound messages from one JSON text parameter ``rows`` (``[[channel, message id, external
    id, payload], …]``) and ``received_at``; returns the (channel, message id) pairs that were new. One text for
    every batch (an executemany with RETURNING is one multi-row INSERT of the batch's size)."""
    inbound = cast(Table, InboundMessage.__table__)
    rows = func.json_each(bindparam("rows", type_=String())).table_valued("value")
    field = [func.json_extract(rows.c.value, literal_column(f"'$[{i}]'")) for i in range(4)]
    source = select(*field[:3], type_coerce(field[3], Text),
                    bindparam("received_at", type_=inbound.c.received_at.type)).where(true())   # WHERE: SQLite's
    return (sqlite_insert(inbound)         # grammar needs one before ON CONFLICT in an INSERT … SELECT
            .from_select(["channel", "message_id", "external_id", "payload", "received_at"], source)
            .on_conflict_do_nothing(index_elements=["channel", "message_id"])
            .returning(inbound.c.channel, inbound.c.message_id))


@dataclass(frozen=True)
class RawStatements:
    """SQLite: the per-batch statements run past SQLAlchemy's execution (storage/raw.py)."""
    inbound_insert: Raw
    sessions_and_contacts: Raw
    session_update: Raw
    outbox_insert: Raw


OUTBOX_KEYS = ("channel", "external_id", "payload", "status", "attempts", "created_at", "next_attempt_at")


def raw_statements(dialect: Dialect) -> RawStatements:
    """The per-batch statements compiled for an SQLite engine's dialect (its JSON serializer included), once."""
    found: RawStatements | None = getattr(dialect, "_pantau_raw", None)     # on the dialect: gone with its engine
    if found is None:
        q = _statements(False)
        found = RawStatements(
            inbound_insert=compile_raw(inbound_from_json(), dialect),
            sessions_and_contacts=compile_raw(sessions_and_contacts(), dialect),
            session_update=compile_raw(q.session_update, dialect),
            outbox_insert=compile_raw(q.outbox_insert, dialect, OUTBOX_KEYS))
        dialect.__dict__["_pantau_raw"] = found
    return found


@lru_cache(maxsize=1)
def sessions_and_contacts() -> CompoundSelect[Unpack[TupleAny]]:
    """SQLite: a batch's sessions and its senders' contacts in one statement (one trip to SQLite's thread
    instead of two), its parameters ``keys`` and ``identities`` JSON text (``_pairs``), told apart by the first column ('s': channel, external id, state as JSON text, seq; 'c': the identity
    and the contact's columns as ``contacts_select`` reads them). The first SELECT names the types every row is
    read with. PostgreSQL locks the sessions FOR UPDATE, which a UNION cannot carry: it reads them apart."""
    sessions = cast(Table, Session.__table__)
    contact_columns = (Contact.id, Contact.name, Contact.role, Contact.area_code, Contact.lang, Contact.verified,
                       Contact.disabled_at, Contact.program_id)
    first: Select[Unpack[TupleAny]] = (
        select(literal_column("'s'"), sessions.c.channel, sessions.c.external_id,
               type_coerce(sessions.c.state, Text), sessions.c.seq,     # its JSON decoded by the caller, when needed
               *(type_coerce(null(), c.type) for c in contact_columns))
        .where(tuple_(sessions.c.channel, sessions.c.external_id).in_(_pairs("keys"))))
    second: Select[Unpack[TupleAny]] = (
        select(literal_column("'c'"), Identity.channel, Identity.external_id, null(), null(), *contact_columns)
        .join(Contact, Identity.contact_id == Contact.id)
        .where(tuple_(Identity.channel, Identity.external_id).in_(_pairs("identities"))))
    return union_all(first, second)

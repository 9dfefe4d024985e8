"""SQLite's per-batch statements run past SQLAlchemy's execution (storage/raw.py) write what SQLAlchemy writes.

Each statement runs twice on two copies of one database: once as the pipeline runs it now (storage/repo.py ``Tx``),
once through SQLAlchemy's own execution of the same Core statement; the stored rows must be the same, value for value
and SQLite type for SQLite type (a datetime stored in another text form would compare wrongly with every other
query's)."""
from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from storage.batch_sql import OUTBOX_KEYS, _statements
from storage.counting import counting
from storage.db import Database
from storage.repo import Tx

from .conftest import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "sqlite", reason="the raw statements are SQLite's (PostgreSQL: SQLAlchemy's)")

WIT = timezone(timedelta(hours=9))
NOW = datetime(2024, 8, 15, 12, 30, 45, 123456, tzinfo=WIT)       # stored as UTC, whatever the zone given
ODD = {"text": 'L 79 "P" 38 \\ ✓ 🙏 ñ', "n": [1, 2.5, -3, None], "nested": {"a": {"b": [True, False]}}, "empty": "",
       "long": "x" * 3000}
KEYS = [("whatsapp", "+6281234567890"), ("telegram", "123456789"), ("terminal", 'a"b\\c'), ("whatsapp", "Ambon ✓")]


def _copies(sqlite_template, tmp_path) -> tuple[Database, Database]:
    out = []
    for name in ("raw", "sqlalchemy"):
        path = tmp_path / f"{name}.db"
        shutil.copy(sqlite_template, path)
        out.append(Database(f"sqlite+aiosqlite:///{path}"))
    return out[0], out[1]


def _stored(db: Database, sql: str) -> list[tuple]:
    path = db.url.split("///", 1)[1]
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


async def test_sessions_outbox_and_inbound_are_stored_as_sqlalchemy_stores_them(sqlite_template, tmp_path):
    raw_db, reference = _copies(sqlite_template, tmp_path)
    states = {key: ({"mode": "form", "lang": "id", "form": {"id": "pertemuan", "version": 1, "area": "81.05.08.2010",
                                                              "answers": {**ODD, "i": i}}}, i + 1)
              for i, key in enumerate(KEYS)}
    replies = [(c, e, {"text": f"Balasan {i} ✓", "choices": ["Ya", "Tidak"], **ODD}) for i, (c, e) in enumerate(KEYS)]
    inbound = [{"channel": c, "message_id": f"m{i}", "external_id": e, "payload": {**ODD, "i": i}}
               for i, (c, e) in enumerate(KEYS)]
    for db in (raw_db, reference):
        async with db.session() as s, s.begin():
            tx = Tx(s)
            await tx.sessions_and_contacts(list(KEYS), NOW)        # the rows are created (SQLAlchemy's statement)
    async with raw_db.session() as s, s.begin():
        tx = Tx(s)
        assert await tx.record_inbound_many(inbound, NOW) == {(r["channel"], r["message_id"]) for r in inbound}
        await tx.save_sessions(states, NOW)
        await tx.enqueue_many(replies, NOW)
    async with reference.session() as s, s.begin():
        tx = Tx(s)
        q = _statements(False)
        await tx._core(q.inbound_insert, [{**r, "received_at": NOW} for r in inbound])
        await tx._core(q.session_update, [
            {"k_channel": c, "k_external": e, "v_state": state, "v_seq": seq, "v_now": NOW, "v_form": "pertemuan",
             "v_area": "81.05.08.2010"} for (c, e), (state, seq) in states.items()])
        await tx._core(q.outbox_insert, [dict(zip(OUTBOX_KEYS, (c, e, p, "pending", 0, NOW, NOW)))
                                         for c, e, p in replies])
    for sql in ("SELECT channel, external_id, state, typeof(state), updated_at, typeof(updated_at), seq, draft_form, "
                "draft_area FROM sessions ORDER BY channel, external_id",
                "SELECT channel, external_id, payload, status, attempts, created_at, next_attempt_at, typeof(created_at), "
                "sent_at, provider_id, error FROM outbox ORDER BY id",
                "SELECT channel, message_id, external_id, payload, typeof(payload), received_at, typeof(received_at) "
                "FROM inbound ORDER BY id"):
        got, expected = _stored(raw_db, sql), _stored(reference, sql)
        assert got == expected and len(got) == len(KEYS), sql
    assert _stored(raw_db, "SELECT updated_at FROM sessions LIMIT 1") == [("2024-08-15 03:30:45.123456",)]   # UTC
    await raw_db.close()
    await reference.close()


async def test_a_batch_reads_its_sessions_and_contacts_and_the_guard_counts_every_statement(sqlite_template, tmp_path):
    db, _ = _copies(sqlite_template, tmp_path)
    async with db.session() as s, s.begin():
        tx = Tx(s)
        await tx.sessions_and_contacts(list(KEYS), NOW)
        await tx.save_sessions({key: ({"mode": "menu", "n": i}, 7) for i, key in enumerate(KEYS)}, NOW)
    with counting(db) as seen:
        async with db.session() as s, s.begin():
            tx = Tx(s)
            sessions, contacts = await tx.sessions_and_contacts(list(KEYS), NOW)
            await tx.enqueue_many([("whatsapp", "+6281234567890", {"text": "halo"})], NOW)
    assert sessions == {key: ({"mode": "menu", "n": i}, 7) for i, key in enumerate(KEYS)}
    assert contacts == {}
    assert seen == {"SELECT sessions": 1, "INSERT outbox": 1}, seen     # past SQLAlchemy's execution, yet counted
    await db.close()


async def test_a_failed_batch_leaves_nothing_the_raw_statements_wrote(sqlite_template, tmp_path):
    """They run in the session's transaction: a rollback takes them back with the rest."""
    db, _ = _copies(sqlite_template, tmp_path)
    with pytest.raises(RuntimeError):
        async with db.session() as s, s.begin():
            tx = Tx(s)
            await tx.record_inbound_many([{"channel": "whatsapp", "message_id": "m1", "external_id": "+62812",
                                           "payload": {"text": "halo"}}], NOW)
            await tx.enqueue_many([("whatsapp", "+62812", {"text": "halo"})], NOW)
            raise RuntimeError("the engine failed")
    assert _stored(db, "SELECT count(*) FROM inbound") == [(0,)]
    assert _stored(db, "SELECT count(*) FROM outbox") == [(0,)]
    await db.close()


async def test_a_locked_database_is_raised_as_sqlalchemy_raises_it_so_the_batch_is_retried(sqlite_template, tmp_path):
    """storage/db.py ``retryable`` knows SQLAlchemy's exceptions: a raw statement's error is raised as one, its text
    without the values."""
    from storage.db import retryable
    db, _ = _copies(sqlite_template, tmp_path)
    path = db.url.split("///", 1)[1]
    holder = sqlite3.connect(path, timeout=0)
    holder.execute("BEGIN IMMEDIATE")               # another process holds the write lock
    try:
        async with db.session() as s, s.begin():
            conn = await s.connection()
            (await conn.get_raw_connection()).driver_connection._timeout = 0.05     # not 30 s
            with pytest.raises(Exception) as failed:
                await Tx(s).enqueue_many([("whatsapp", "+6281234567890", {"text": "rahasia"})], NOW)
    finally:
        holder.rollback()
        holder.close()
    assert retryable(failed.value), repr(failed.value)
    assert "rahasia" not in str(failed.value) and "6281234567890" not in str(failed.value)
    await db.close()


async def test_an_sqlite_url_with_options_opened_by_aiosqlite_runs_the_same_statements(sqlite_template, tmp_path):
    """storage/db.py leaves an SQLite URL with options to aiosqlite: there the statements go through SQLAlchemy."""
    from flows.types import Inbound

    from .conftest import open_pipeline
    path = tmp_path / "options.db"
    shutil.copy(sqlite_template, path)
    p = await open_pipeline(f"sqlite+aiosqlite:///{path}?timeout=30")
    first = await p.handle(Inbound("terminal", "+6281234567890", "m1", text="halo"))
    again = await p.handle(Inbound("terminal", "+6281234567890", "m1", text="halo"))      # a copy: not new
    name = await p.handle(Inbound("terminal", "+6281234567890", "m2", text="Siti Aminah"))
    await p.db.close()
    assert first and again is None and name and "Siti Aminah" in " ".join(r.text for r in name)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM inbound").fetchone() == (2,)
        assert conn.execute("SELECT seq FROM sessions").fetchall() == [(2,)]
        assert conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == len(first) + len(name)

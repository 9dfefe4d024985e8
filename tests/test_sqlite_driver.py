"""The SQLite connection under SQLAlchemy (storage/sqlite_driver.py): what the rest of Pantau relies on
— rows, counts, errors as SQLAlchemy's, a locked database reported as retryable, a cancelled wait that
leaves the connection usable, and the thread hop count it exists for."""
import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import create_async_engine

from storage import sqlite_driver
from storage.db import Database, retryable


@pytest.fixture
async def db(tmp_path):
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with database.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
    yield database
    await database.close()


async def test_the_engine_uses_it_for_a_database_file(db):
    async with db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        assert isinstance(raw.driver_connection, sqlite_driver.Connection)
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"


async def test_rows_counts_and_returning(db):
    async with db.engine.begin() as conn:
        result = await conn.execute(text("INSERT INTO t (name) VALUES (:n) RETURNING id, name"), {"n": "Kilmury"})
        assert result.all() == [(1, "Kilmury")]
        await conn.execute(text("INSERT INTO t (name) VALUES (:n)"), [{"n": "Waru"}, {"n": "Ambon"}])
        updated = await conn.execute(text("UPDATE t SET name = name || '!' WHERE id > 1"))
        assert updated.rowcount == 2
    async with db.engine.connect() as conn:
        assert (await conn.execute(text("SELECT name FROM t ORDER BY id"))).scalars().all() == \
            ["Kilmury", "Waru!", "Ambon!"]


async def test_a_failed_transaction_is_rolled_back_and_reported_as_sqlalchemys_error(db):
    with pytest.raises(IntegrityError):
        async with db.engine.begin() as conn:
            await conn.execute(text("INSERT INTO t (name) VALUES ('Waru')"))
            await conn.execute(text("INSERT INTO t (name) VALUES ('Waru')"))
    async with db.engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 0


async def test_a_locked_database_is_an_error_the_pipeline_retries(tmp_path):
    path = tmp_path / "locked.db"
    holder = await sqlite_driver.connect(str(path), timeout=30)
    await holder.execute("CREATE TABLE t (x)")
    await holder.execute("BEGIN IMMEDIATE")             # another writer holds the lock
    # SQLAlchemy's own dialect with this connection, waiting 0.1 s for the lock instead of Pantau's 30 s
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}",
                                 async_creator=lambda: sqlite_driver.connect(str(path), timeout=0.1))
    with pytest.raises(OperationalError) as caught:
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t VALUES (1)"))
    assert retryable(caught.value)
    await holder.rollback()
    await holder.close()
    await engine.dispose()


async def test_a_cancelled_wait_leaves_the_connection_usable(tmp_path):
    conn = await sqlite_driver.connect(str(tmp_path / "c.db"))
    slow = asyncio.ensure_future(conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) SELECT sum(i) FROM n"))
    await asyncio.sleep(0)
    slow.cancel()
    with pytest.raises(asyncio.CancelledError):
        await slow
    cursor = await conn.execute("SELECT 40 + 2")
    assert await cursor.fetchall() == [(42,)]
    await conn.close()


async def test_one_trip_to_the_thread_per_statement(db, monkeypatch):
    trips = []
    original = sqlite_driver.Connection._run

    async def counted(self, fn):
        trips.append(fn)
        return await original(self, fn)
    monkeypatch.setattr(sqlite_driver.Connection, "_run", counted)
    async with db.engine.connect() as conn:
        trips.clear()
        await conn.execute(text("SELECT name FROM t"))
        assert len(trips) == 1          # aiosqlite: cursor, execute, fetchall, close

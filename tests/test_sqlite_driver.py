"""The SQLite connection under SQLAlchemy (storage/sqlite_driver.py): what the rest of Pantau relies on
— rows, counts, errors as SQLAlchemy's, a locked database reported as retryable, a cancelled wait that
leaves the connection usable, and the thread hop count it exists for."""
import asyncio
import sqlite3
import time

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


async def test_a_write_waiting_for_the_lock_goes_as_soon_as_it_is_free(tmp_path):
    """SQLite's own busy handler sleeps 1, 2, 5, 10, 15 … ms between tries: a lock held 20 ms cost 33 ms.
    The driver tries every half millisecond: the write goes within a few ms of the release."""
    path = str(tmp_path / "w.db")
    holder = await sqlite_driver.connect(path, timeout=30)
    await holder.execute("PRAGMA journal_mode=WAL")
    await holder.execute("CREATE TABLE t (x)")
    await holder.execute("BEGIN IMMEDIATE")
    writer = await sqlite_driver.connect(path, timeout=30)
    tries = []
    original = sqlite_driver._when_free

    def counted(fn, timeout, conn=None, database=None):
        def tried():
            tries.append(1)
            return fn()
        return original(tried, timeout, conn, database)
    sqlite_driver._when_free = counted
    assert sqlite_driver.last_waited(path) == 0.0          # nobody has waited yet
    try:
        write = asyncio.ensure_future(writer.execute("INSERT INTO t VALUES (1)"))
        await asyncio.sleep(0.05)
        assert not write.done()             # waiting, not failed
        await holder.rollback()
        await write
    finally:
        sqlite_driver._when_free = original
    assert len(tries) > 20                  # tried every 0.5 ms (SQLite's handler: 6 tries in 50 ms)
    # the wait is told to every process writing this database (the pipeline works big batches out ahead then)
    assert time.time() - sqlite_driver.last_waited(path) < 5
    await writer.commit()
    await writer.close()
    await holder.close()


def test_only_a_taken_lock_is_waited_for():
    """Plain SQLITE_BUSY is tried again until the timeout; another error, or a stale snapshot
    (SQLITE_BUSY_SNAPSHOT: waiting cannot help), is raised at once."""
    def busy(code):
        exc = sqlite3.OperationalError("database is locked")
        exc.sqlite_errorcode = code
        return exc
    calls = []

    def twice_busy():
        calls.append(1)
        if len(calls) < 3:
            raise busy(5)
        return "done"
    assert sqlite_driver._when_free(twice_busy, 1.0) == "done" and len(calls) == 3

    def stale():
        calls.append(1)
        raise busy(517)
    calls.clear()
    with pytest.raises(sqlite3.OperationalError):
        sqlite_driver._when_free(stale, 1.0)
    assert len(calls) == 1

    def always():
        raise busy(5)
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError):
        sqlite_driver._when_free(always, 0.05)
    assert 0.05 <= time.monotonic() - started < 1.0


async def test_inside_a_transaction_that_holds_a_snapshot_a_write_fails_at_once_as_before(tmp_path):
    """Waiting cannot help a transaction that read before the other writer committed: SQLite says so at
    once (it does not call its busy handler there), and so does the driver, not after its 30 s."""
    path = str(tmp_path / "s.db")
    holder = await sqlite_driver.connect(path, timeout=30)
    await holder.execute("PRAGMA journal_mode=WAL")
    await holder.execute("CREATE TABLE t (x)")
    reader = await sqlite_driver.connect(path, timeout=30)
    await reader.execute("BEGIN")
    await reader.execute("SELECT count(*) FROM t")          # its snapshot
    await holder.execute("BEGIN IMMEDIATE")
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError):
        await reader.execute("INSERT INTO t VALUES (1)")
    assert time.monotonic() - started < 5
    await reader.rollback()
    await holder.rollback()
    await reader.close()
    await holder.close()


def test_the_wait_marker_has_the_databases_permissions_whoever_waited_first(tmp_path):
    """Made with the first waiter's umask (a root-run `pantau` command, say), the service's own processes could not
    touch it and their waits would stop counting: it is made as SQLite makes -wal and -shm, with the database's
    mode (and owner), and every later wait moves its time on."""
    import os
    import stat
    path = tmp_path / "m.db"
    sqlite3.connect(path).close()
    os.chmod(path, 0o664)
    old_umask = os.umask(0o077)                     # a process that would make it readable by its owner only
    try:
        sqlite_driver._mark_waited(str(path))
    finally:
        os.umask(old_umask)
    marker = sqlite_driver.waited_marker(str(path))
    assert stat.S_IMODE(marker.stat().st_mode) == 0o664
    assert marker.stat().st_uid == path.stat().st_uid
    os.utime(marker, (1_000_000, 1_000_000))
    sqlite_driver._mark_waited(str(path))
    assert time.time() - sqlite_driver.last_waited(str(path)) < 5


def test_the_wait_marker_never_follows_a_link(tmp_path):
    """A link planted where the marker goes (by another user of the folder) is not followed: a root-run command
    would otherwise create, and hand over, the file it points to."""
    import os
    path = tmp_path / "l.db"
    sqlite3.connect(path).close()
    target = tmp_path / "elsewhere"
    os.symlink(target, sqlite_driver.waited_marker(str(path)))
    sqlite_driver._mark_waited(str(path))
    assert not target.exists()

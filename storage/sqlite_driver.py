"""SQLite under SQLAlchemy's asyncio layer with one thread hop per statement instead of four.

SQLAlchemy drives SQLite through aiosqlite: the sqlite3 connection lives in a thread of its own and
every call — open a cursor, execute, fetch the rows, close the cursor — is a round trip between the
event loop and that thread. Under load each round trip is a thread wake-up of 0.1–0.2 ms on a small
server, and they were most of the time a message took. This connection keeps aiosqlite's design (one
thread per connection, every sqlite3 call made there) but runs a statement and fetches its rows in one
trip; the cursor is plain data on the event-loop side.

It is handed to SQLAlchemy's own ``sqlite+aiosqlite`` dialect through ``create_async_engine(...,
async_creator=...)`` (storage/db.py), so SQL, types and pooling are SQLAlchemy's, unchanged. It
offers the part of aiosqlite's connection that the dialect uses, and no more.
"""
from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
import threading
import time
from pathlib import Path
from queue import SimpleQueue
from typing import Any, Callable

_STOP = object()

_Future = asyncio.Future[Any]


def _resolve(future: _Future, ok: bool, value: Any) -> None:
    if not future.done():               # the waiting task may have been cancelled meanwhile
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)


_SQLITE_BUSY = 5       # the plain code: the lock is taken; not SQLITE_BUSY_SNAPSHOT (517), which waiting cannot cure


def waited_marker(database: str) -> Path:
    """A file beside the database whose time is when a connection, of any process, last found the write lock
    taken and waited for it: the processes that write big batches read it (bot/ahead.py ``When``) — SQLite
    does not tell a lock's holder that others wait."""
    return Path(f"{database}-waited")


def last_waited(database: str) -> float:
    """When a connection to ``database`` last waited for its write lock (seconds since the epoch; 0: never)."""
    try:
        return waited_marker(database).stat().st_mtime
    except OSError:
        return 0.0


def _when_free(fn: Callable[[], Any], timeout: float, conn: sqlite3.Connection | None = None,
               database: str | None = None) -> Any:
    """``fn()``, tried again every half millisecond while another connection holds the lock it needs, for up
    to ``timeout`` seconds: SQLite's own busy handler (sqlite3's ``timeout``) sleeps 1, 2, 5, 10, 15, 20, 25 …
    ms between tries, so a write that found the lock taken for 3 ms waited 8, and one that found it taken for
    10 ms waited 18 (BENCHMARKS.md: the senders' and the job worker's short writes made the web process's
    batches wait that way). Only outside a transaction (a statement that begins one) and only plain
    SQLITE_BUSY: then the statement did nothing yet, and SQLite's handler would retry it the same way. Inside
    a transaction SQLite decides as before (its handler, with the same timeout, for one more try: it fails at
    once where the transaction's snapshot is already held, which no waiting can cure)."""
    inside = conn is not None and conn.in_transaction
    deadline = None
    while True:
        try:
            return fn()
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorcode", None) != _SQLITE_BUSY:
                raise
            if inside and conn is not None:
                return _with_sqlites_handler(fn, timeout, conn)
            now = time.monotonic()
            if deadline is None:
                deadline = now + timeout
                if database is not None:
                    _mark_waited(database)
            elif now >= deadline:
                raise
            time.sleep(0.0005 if deadline - now > timeout - 0.1 else 0.005)   # (the first 0.1 s finely)


def _mark_waited(database: str) -> None:
    marker = waited_marker(database)
    try:
        os.utime(marker)
    except FileNotFoundError:
        _create_marker(marker, database)
    except PermissionError:             # made by another user with its umask (before markers took the database's
        try:                            # mode): made again, as this user may write in the database's folder
            marker.unlink()
        except OSError:
            return
        _create_marker(marker, database)
    except OSError:                      # a read-only folder: the waiting itself goes on as before
        pass


def _create_marker(marker: Path, database: str) -> None:
    """The marker made as SQLite makes the database's -wal and -shm files: with the database file's permissions
    and, made by root, its owner. Made with the umask of whichever process waited first (a root-run `pantau`
    command, say), the service's own processes could not touch it, and their waits would stop counting."""
    try:
        st = os.stat(database)
        fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)   # never a link's target
        try:
            if os.geteuid() == 0:
                os.fchown(fd, st.st_uid, st.st_gid)
            os.fchmod(fd, stat.S_IMODE(st.st_mode) & 0o666)
        finally:
            os.close(fd)
    except OSError:
        pass


def _with_sqlites_handler(fn: Callable[[], Any], timeout: float, conn: sqlite3.Connection) -> Any:
    conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    try:
        return fn()
    finally:
        conn.execute("PRAGMA busy_timeout = 0")


def _worker(jobs: SimpleQueue[Any]) -> None:
    while True:
        job = jobs.get()
        if job is _STOP:
            return
        future, fn = job
        try:
            result = fn()
        except BaseException as exc:     # noqa: BLE001 - handed to the awaiting task, raised there
            ok, result = False, exc
        else:
            ok = True
        try:
            future.get_loop().call_soon_threadsafe(_resolve, future, ok, result)
        except RuntimeError:             # the event loop is closed: nobody is waiting any more
            pass
        if result is _STOP:
            return


class _Jobs:
    """``put_nowait((future, fn))`` — the one aiosqlite internal SQLAlchemy's dialect uses directly
    (to set the isolation level in the connection's thread)."""

    def __init__(self, queue: SimpleQueue[Any]):
        self.queue = queue

    def put_nowait(self, job: tuple[_Future, Callable[[], Any]]) -> None:
        self.queue.put(job)


class Cursor:
    """A statement's outcome: description, rowcount, lastrowid and all its rows, fetched in the thread."""

    arraysize = 1

    def __init__(self, connection: "Connection"):
        self._connection = connection
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self._rows: list[Any] = []

    async def __aenter__(self) -> "Cursor":
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def execute(self, sql: str, parameters: Any = ()) -> "Cursor":
        def run() -> tuple[Any, int, int | None, list[Any]]:
            cursor = self._connection._conn.cursor()
            try:
                cursor.execute(sql, parameters)
                rows = cursor.fetchall() if cursor.description else []
                return cursor.description, cursor.rowcount, cursor.lastrowid, rows
            finally:
                cursor.close()
        self.description, self.rowcount, self.lastrowid, self._rows = await self._connection._run(run)
        return self

    async def executemany(self, sql: str, seq_of_parameters: Any) -> "Cursor":
        def run() -> tuple[Any, int, int | None]:
            cursor = self._connection._conn.cursor()
            try:
                cursor.executemany(sql, seq_of_parameters)
                return cursor.description, cursor.rowcount, cursor.lastrowid
            finally:
                cursor.close()
        self.description, self.rowcount, self.lastrowid = await self._connection._run(run)
        self._rows = []
        return self

    async def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        size = size or self.arraysize
        rows, self._rows = self._rows[:size], self._rows[size:]
        return rows

    def __aiter__(self) -> "Cursor":
        return self

    async def __anext__(self) -> Any:
        if not self._rows:
            raise StopAsyncIteration
        return self._rows.pop(0)

    async def close(self) -> None:
        self._rows = []


class Connection:
    """An sqlite3 connection used only from its own daemon thread; every call is one trip there."""

    def __init__(self) -> None:
        self._sqlite: sqlite3.Connection | None = None
        self._database: str | None = None
        self._timeout = 5.0           # sqlite3's default; ``connect(timeout=…)`` sets it
        self._queue: SimpleQueue[Any] = SimpleQueue()
        self._tx = _Jobs(self._queue)
        self._thread = threading.Thread(target=_worker, args=(self._queue,), name="pantau-sqlite", daemon=True)
        self._thread.start()

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._sqlite is None:
            raise ValueError("no active connection")
        return self._sqlite

    @property
    def _connection(self) -> sqlite3.Connection | None:     # the dialect checks it before commit/rollback
        return self._sqlite

    async def _run(self, fn: Callable[[], Any]) -> Any:
        future: _Future = asyncio.get_running_loop().create_future()
        self._queue.put((future, lambda: _when_free(fn, self._timeout, self._sqlite, self._database)))
        return await future

    async def _open(self, database: str, **kwargs: Any) -> "Connection":
        """sqlite3's ``timeout`` (waiting for another connection's lock) is kept here and waited in
        ``_when_free``; sqlite3's own busy handler is off (timeout 0)."""
        self._timeout = float(kwargs.pop("timeout", self._timeout))
        self._database = database if database != ":memory:" and not database.startswith("file:") else None

        def connect() -> None:
            self._sqlite = sqlite3.connect(database, check_same_thread=False, timeout=0, **kwargs)
        await self._run(connect)
        return self

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> Cursor:
        return Cursor(self)

    async def execute(self, sql: str, parameters: Any = ()) -> Cursor:
        return await self.cursor().execute(sql, parameters)

    async def commit(self) -> None:
        await self._run(lambda: self._conn.commit())

    async def rollback(self) -> None:
        await self._run(lambda: self._conn.rollback())

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        await self._run(lambda: self._conn.create_function(*args, **kwargs))

    def _close_and_stop(self) -> object:
        """In the thread: close the sqlite3 connection, then end the thread."""
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = None
        return _STOP

    async def close(self) -> None:
        if self._sqlite is not None:
            await self._run(self._close_and_stop)

    def __del__(self) -> None:
        if self._sqlite is not None:      # dropped without close(): let its thread end
            self.stop()

    def stop(self) -> None:
        """Close without waiting (SQLAlchemy's last resort when a connection is thrown away)."""
        self._queue.put((_Orphan(), self._close_and_stop))


class _Orphan:
    """A stand-in future for a job nobody awaits."""

    def get_loop(self) -> asyncio.AbstractEventLoop:
        raise RuntimeError("nobody waits")


async def connect(database: str, **kwargs: Any) -> Connection:
    """Open ``database`` (a path) with sqlite3's keyword arguments, e.g. ``timeout``."""
    return await Connection()._open(database, **kwargs)

"""Opening the database: SQLite (WAL) by default, PostgreSQL by URL; migrations.

storage/ reads no environment variable: bot/config.py's ``Settings`` reads PANTAU_DATABASE_URL and
PANTAU_DATA_DIR once and hands the URL in (``Database(url)``; ``sqlite_url(folder)`` for the default)."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import event, func, insert, make_url, select, text
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from . import sqlite_driver
from .migrations import HEAD
from .models import Area

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
Session = AsyncSession      # the session type bot/ names in its annotations (bot/ imports no SQLAlchemy)


def sqlite_url(folder: Path) -> str:
    """The embedded default: ``pantau.db`` in ``folder`` (created if missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite+aiosqlite:///{folder / 'pantau.db'}"


def _sqlite_file(url: str) -> str | None:
    """The file of a ``sqlite+aiosqlite:///path`` URL without options, else None (left to aiosqlite)."""
    parsed = make_url(url)
    if parsed.drivername != "sqlite+aiosqlite" or parsed.query or parsed.database in (None, "", ":memory:"):
        return None
    return parsed.database


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


WAL_FALLBACK_PAGES = 10_000


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


class Database:
    def __init__(self, url: str):
        if not url:
            raise ValueError("a database URL is needed (bot/config.py Settings.database_url())")
        self.url = url
        self.is_sqlite = self.url.startswith("sqlite")
        path = self._file = _sqlite_file(self.url)
        kwargs: dict[str, Any]
        if path:        # one thread hop per statement instead of aiosqlite's four (storage/sqlite_driver.py)
            kwargs = {"async_creator": lambda: sqlite_driver.connect(path, timeout=30)}
        else:
            kwargs = {"connect_args": {"timeout": 30}} if self.is_sqlite else {"pool_size": 5}
        # orjson: JSON columns (sessions, answers) are read and written on every message and roll-up
        kwargs.update(json_serializer=_dumps, json_deserializer=orjson.loads)
        # an error's text and SQLAlchemy's INFO lines never carry values (phone numbers, message bodies)
        kwargs.update(hide_parameters=True)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            @event.listens_for(self.engine.sync_engine, "connect")
            def _pragmas(dbapi_conn: Any, _record: Any) -> None:
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
                cur.execute("PRAGMA foreign_keys=ON")
                # the pipeline checkpoints in the background (checkpoint()); a commit does it only as a
                # fallback when the log has grown past ~40 MB
                cur.execute(f"PRAGMA wal_autocheckpoint={WAL_FALLBACK_PAGES}")
                cur.close()
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

    def last_waited(self) -> float | None:
        """SQLite: when a connection of any process last waited for the write lock another held (seconds since the
        epoch, 0: never; storage/sqlite_driver.py). None where this is not known: PostgreSQL, which locks rows, not
        the database, and an SQLite URL with options (opened by aiosqlite, not storage/sqlite_driver.py)."""
        return sqlite_driver.last_waited(self._file) if self._file else None

    async def checkpoint(self) -> None:
        """SQLite: copy the write-ahead log into the database file (PASSIVE: writers go on meanwhile), on
        a connection of its own, so no commit a person waits for does it. PostgreSQL: nothing to do."""
        if self.is_sqlite:
            async with self.engine.connect() as conn:
                await conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    async def migrate(self) -> None:
        """Bring the schema to the newest migration (first run creates everything). A database already at the
        newest one is seen from its version row alone: Alembic (~0.1 s of imports, every migration file read) is
        loaded only when there is something to do, not at every `pantau` command and server start."""
        if await self.at_head():
            return
        from alembic import command
        async with self.engine.begin() as conn:
            await conn.run_sync(lambda sync: command.upgrade(alembic_config(sync), "head"))

    async def at_head(self) -> bool:
        """Whether the schema is the newest migration's (storage/migrations HEAD); False when there is no schema."""
        try:
            async with self.engine.connect() as conn:
                versions: list[str] = list((await conn.execute(text("SELECT version_num FROM alembic_version")))
                                           .scalars())
        except DBAPIError:          # no version table yet: a new database
            return False
        return versions == [HEAD]

    async def seed_areas(self, names: dict[str, str]) -> int:
        """Load the Kemendagri tree once; later calls see it is there and do nothing."""
        async with self.sessionmaker() as s:
            count = await s.scalar(select(func.count()).select_from(Area))
            if count:
                return count
            rows = [{"code": c, "name": n, "level": c.count(".") + 1} for c, n in names.items()]
            for i in range(0, len(rows), 5000):
                await s.execute(insert(Area), rows[i:i + 5000])
            await s.commit()
            return len(rows)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessionmaker() as s:
            yield s

    async def close(self) -> None:
        await self.engine.dispose()


def retryable(exc: BaseException) -> bool:
    """A transaction that failed only because of other transactions or a dropped connection: worth a retry."""
    if not isinstance(exc, DBAPIError):
        return False
    text = str(exc.orig).lower()
    return bool(exc.connection_invalidated or "deadlock" in text or "database is locked" in text
                or "could not serialize" in text)


def outage(exc: BaseException) -> bool:
    """The database as a whole failing (locked, down, unreachable): nothing wrong with the message being
    written, so it is worth trying again however long it takes."""
    return retryable(exc) or isinstance(exc, (OperationalError, InterfaceError))


def never_stored(exc: BaseException) -> bool:
    """A value the database refuses as it is (too long, an encoding it cannot hold): trying again cannot help."""
    return isinstance(exc, DataError)

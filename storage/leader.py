"""One leader among many processes: the one that runs the scheduler and the outbox senders.

PostgreSQL: a session-level advisory lock held on a dedicated connection — if the leader dies, its
connection closes, the lock is freed and another process takes over at its next try. SQLite (one
machine): an exclusive ``flock`` on a file next to the database, freed by the kernel on exit.
"""
from __future__ import annotations

import asyncio
import fcntl
import hashlib
import os
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from .db import Database


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for pg_try_advisory_lock."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class Leadership:
    def __init__(self, db: Database, name: str = "pantau-leader"):
        self.db, self.name = db, name
        self._conn: AsyncConnection | None = None
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._conn is not None or self._fd is not None

    async def try_acquire(self) -> bool:
        if self.held:
            return True
        if self.db.is_sqlite:
            path = Path(self.db.engine.url.database or "pantau.db").with_suffix(f".{self.name}.lock")
            fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                return False
            self._fd = fd
            return True
        conn = await self.db.engine.connect()
        got = await conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": lock_key(self.name)})
        await conn.commit()
        if not got:
            await conn.close()
            return False
        self._conn = conn
        return True

    async def still_held(self) -> bool:
        """False if the lock's connection is gone (the database restarted): stop leading, try again."""
        if self._fd is not None:
            return True
        if self._conn is None:
            return False
        try:
            await self._conn.scalar(text("SELECT 1"))
            await self._conn.commit()
            return True
        except Exception:   # noqa: BLE001 - any failure means the lock may be lost
            await self.release()
            return False

    async def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)   # closing the descriptor drops the flock
            self._fd = None
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:   # bounded: a connection left mid-query by a cancelled task must not hold up shutdown
                await asyncio.wait_for(conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key(self.name)}), 3)
                await asyncio.wait_for(conn.close(), 3)
            except Exception:   # noqa: BLE001 - closing the connection releases the lock anyway
                await conn.invalidate()

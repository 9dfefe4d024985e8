"""Media rows fetched after their message's commit: pending → stored (or failed), tried again with backoff."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .results import affected
from .models import Media


async def due_media(s: AsyncSession, now: datetime, older_than: float, prefix: str = "", limit: int = 50
                    ) -> list[tuple[str, str, int]]:
    """(id, url, attempts) of pending rows due for a try whose URL starts with ``prefix`` (one fetcher's):
    created more than ``older_than`` seconds ago (the first try runs in the receiving process) and past
    their backoff."""
    rows = await s.execute(select(Media.sha256, Media.url, Media.attempts)
                           .where(Media.status == "pending", Media.created_at < now - timedelta(seconds=older_than),
                                  Media.url.startswith(prefix, autoescape=True),
                                  (Media.fetch_after.is_(None)) | (Media.fetch_after <= now))
                           .order_by(Media.created_at).limit(limit))
    return [(k, u, a) for k, u, a in rows if u is not None]   # never None: it starts with prefix


async def media_stored(s: AsyncSession, key: str, path: str, mime: str, size: int, content_sha256: str) -> None:
    await s.execute(update(Media).where(Media.sha256 == key)
                    .values(status="stored", path=path, mime=mime, size=size, content_sha256=content_sha256,
                            error=None))


async def media_failed(s: AsyncSession, key: str, error: str) -> tuple[str, str] | None:
    """A pending row that will never be fetched: failed. Returns who sent it, (channel, external_id),
    the one time the row turns failed (to tell them once), else None."""
    done = await s.execute(update(Media).where(Media.sha256 == key, Media.status == "pending")
                           .values(status="failed", error=error[:300]))
    if not affected(done):
        return None
    row = (await s.execute(select(Media.channel, Media.external_id).where(Media.sha256 == key))).first()
    return (row[0], row[1]) if row and row[0] and row[1] else None


async def failed_media(s: AsyncSession, keys: list[str]) -> set[str]:
    """Those of ``keys`` whose file will never arrive: a report shows them as not received, not as photos."""
    if not keys:
        return set()
    return set(await s.scalars(select(Media.sha256).where(Media.sha256.in_(keys), Media.status == "failed")))


async def media_retry_later(s: AsyncSession, key: str, attempts: int, retry_at: datetime) -> None:
    await s.execute(update(Media).where(Media.sha256 == key).values(attempts=attempts, fetch_after=retry_at))

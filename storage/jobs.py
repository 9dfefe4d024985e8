"""Coordinator jobs: recorded in the message's transaction, claimed and finished by the job worker."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Contact, Job

if TYPE_CHECKING:
    from flows.types import ContactView


@dataclass(frozen=True)
class JobView:
    id: int
    kind: str
    channel: str
    external_id: str
    contact_id: int
    lang: str
    attempts: int
    created_at: datetime


async def add_job(s: AsyncSession, kind: str, channel: str, external_id: str, contact_id: int, lang: str,
                  now: datetime) -> None:
    s.add(Job(kind=kind, channel=channel, external_id=external_id, contact_id=contact_id, lang=lang,
              status="pending", attempts=0, created_at=now))


async def claim_jobs(s: AsyncSession, now: datetime, stale: timedelta, limit: int = 5) -> list[JobView]:
    """Pending jobs, and running ones whose worker died (started longer than ``stale`` ago), marked running."""
    q = (select(Job).where(or_(Job.status == "pending",
                               (Job.status == "running") & (Job.started_at < now - stale)))
         .order_by(Job.id).limit(limit))
    if s.bind is not None and s.bind.dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True)
    jobs = list(await s.scalars(q))
    if jobs:
        await s.execute(update(Job).where(Job.id.in_([j.id for j in jobs]))
                        .values(status="running", started_at=now, attempts=Job.attempts + 1))
    return [JobView(j.id, j.kind, j.channel, j.external_id, j.contact_id, j.lang, j.attempts + 1, j.created_at)
            for j in jobs]


async def finish_job(s: AsyncSession, job_id: int, status: str = "done", error: str | None = None) -> None:
    await s.execute(update(Job).where(Job.id == job_id).values(status=status, error=(error or None) and error[:500]))


async def contact_of(s: AsyncSession, contact_id: int) -> ContactView | None:
    from flows.types import ContactView
    c = await s.get(Contact, contact_id)
    return ContactView(c.id, c.name, c.role, c.area_code, c.lang, program_id=c.program_id) if c else None

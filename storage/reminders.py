"""Queries of the reminder runner: who to remind, and queueing each reminder exactly once."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from flows.schedule import Person
from flows.types import RoundView

from .models import Contact, Identity, Outbox, Round, SentReminder, Session

# identity kind → the channel whose sender delivers to it
DELIVERY_CHANNEL = {"phone": "whatsapp", "telegram": "telegram", "terminal": "terminal"}


async def rounds_with_schedule(s: AsyncSession) -> list[tuple[RoundView, dict | None]]:
    return [(RoundView(r.name, r.start, r.due), r.schedule) for r in await s.scalars(select(Round))]


async def people(s: AsyncSession, role: str) -> list[Person]:
    rows = await s.execute(select(Contact.id, Contact.name, Contact.area_code).where(Contact.role == role))
    return [Person(i, n, a) for i, n, a in rows]


async def claim(s: AsyncSession, key: str, contact_id: int, payloads: list[dict], now: datetime) -> bool:
    """Record the reminder and queue its messages in one step; False if it was queued before (by anyone)."""
    try:
        async with s.begin_nested():
            s.add(SentReminder(key=key, contact_id=contact_id, queued_at=now))
            await s.flush()
    except IntegrityError:
        return False
    identity = await s.scalar(select(Identity).where(Identity.contact_id == contact_id).order_by(Identity.id))
    if identity is None:
        return True
    channel = DELIVERY_CHANNEL.get(identity.channel, identity.channel)
    for payload in payloads:
        s.add(Outbox(channel=channel, external_id=identity.external_id, payload=payload, status="pending",
                     attempts=0, created_at=now, next_attempt_at=now))
    return True


async def silent_drafts(s: AsyncSession, silent_since: datetime, not_before: datetime
                        ) -> list[tuple[str, str, dict, datetime, int]]:
    """Sessions with a draft whose last message came between ``not_before`` and ``silent_since``, with their
    contact: (channel, external id, state, last message time, contact id)."""
    from .repo import identity_key
    rows = (await s.execute(select(Session.channel, Session.external_id, Session.state, Session.updated_at)
                            .where(Session.draft_form.is_not(None), Session.updated_at <= silent_since,
                                   Session.updated_at > not_before))).all()
    out = []
    for channel, external_id, state, updated in rows:
        kind, value = identity_key(channel, external_id)
        contact_id = await s.scalar(select(Identity.contact_id).where(Identity.channel == kind,
                                                                      Identity.external_id == value))
        if contact_id is not None:
            out.append((channel, external_id, state, updated, contact_id))
    return out


async def claim_to(s: AsyncSession, key: str, contact_id: int, channel: str, external_id: str,
                   payloads: list[dict], now: datetime) -> bool:
    """As ``claim``, to the channel identity a session belongs to."""
    try:
        async with s.begin_nested():
            s.add(SentReminder(key=key, contact_id=contact_id, queued_at=now))
            await s.flush()
    except IntegrityError:
        return False
    for payload in payloads:
        s.add(Outbox(channel=channel, external_id=external_id, payload=payload, status="pending",
                     attempts=0, created_at=now, next_attempt_at=now))
    return True

"""Reading the outbox for people (`pantau outbox`): rows by status and recipient, with the contact they reach."""
from __future__ import annotations

from typing import Any

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Contact, Identity, Outbox
from .keys import aware


@dataclass(frozen=True)
class OutboxLine:
    id: int
    created_at: datetime
    channel: str
    external_id: str
    status: str
    payload: dict[str, Any]
    error: str | None
    contact_id: int | None
    contact_name: str | None
    area_code: str | None


async def outbox_lines(s: AsyncSession, statuses: tuple[str, ...] | None, to: str | None, limit: int,
                       phone: str | None = None) -> list[OutboxLine]:
    """Newest first. ``to``: a contact id, or an external id (``phone``: the same number normalized)."""
    q = select(Outbox).order_by(Outbox.id.desc()).limit(max(1, limit))
    if statuses:
        q = q.where(Outbox.status.in_(statuses))
    if to:
        targets = {to, *([phone] if phone else [])}
        if to.isdigit() and len(to) < 9:
            targets |= set(await s.scalars(select(Identity.external_id).where(Identity.contact_id == int(to))))
        q = q.where(Outbox.external_id.in_(targets))
    rows = list(await s.scalars(q))
    contacts: dict[str, Contact | None] = {}
    for e in {r.external_id for r in rows}:
        value = e
        contacts[e] = await s.scalar(select(Contact).join(Identity, Identity.contact_id == Contact.id)
                                     .where(Identity.external_id == value).limit(1))
    out = []
    for r in rows:
        c = contacts.get(r.external_id)
        out.append(OutboxLine(r.id, aware(r.created_at), r.channel, r.external_id, r.status, r.payload or {},
                              r.error, c.id if c else None, c.name if c else None, c.area_code if c else None))
    return out


async def contact_names(s: AsyncSession, ids: set[int]) -> dict[int, tuple[str, str]]:
    """id → (name, role)."""
    if not ids:
        return {}
    return {i: (n, r) for i, n, r in await s.execute(select(Contact.id, Contact.name, Contact.role)
                                                   .where(Contact.id.in_(ids)))}

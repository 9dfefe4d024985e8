"""Queries of the reminder runner: who to remind, and queueing each reminder exactly once."""
from __future__ import annotations

from typing import Any

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from flows.schedule import Person
from flows.types import RoundView

from .models import Contact, Identity, Membership, Outbox, Round, SentReminder, Session
from .routing import last_written, registered

async def rounds_with_schedule(s: AsyncSession, program: int | None = None
                               ) -> list[tuple[RoundView, dict[str, Any] | None, int | None]]:
    """Every round with its schedule and its program (of one program: its own rounds and those of every
    program)."""
    q = select(Round)
    if program is not None:
        q = q.where(or_(Round.program_id == program, Round.program_id.is_(None)))
    return [(RoundView(r.name, r.start, r.due), r.schedule, r.program_id) for r in await s.scalars(q)]


async def people(s: AsyncSession, role: str, program: int | None = None, every: bool = False) -> list[Person]:
    """Active contacts of a role (of one program: its members, with the area of that membership; ``every``:
    the members of every program, the forum)."""
    if every:
        rows = await s.execute(select(Contact.id, Contact.name, Membership.area_code)
                               .join(Contact, Contact.id == Membership.contact_id)
                               .where(Membership.role == role, Membership.program_id.is_(None),
                                      Membership.disabled_at.is_(None), Contact.disabled_at.is_(None)))
    elif program is None:
        rows = await s.execute(select(Contact.id, Contact.name, Contact.area_code)
                               .where(Contact.role == role, Contact.disabled_at.is_(None)))   # removed: not reminded
    else:
        rows = await s.execute(select(Contact.id, Contact.name, Membership.area_code)
                               .join(Contact, Contact.id == Membership.contact_id)
                               .where(Membership.role == role, Membership.program_id == program,
                                      Membership.disabled_at.is_(None), Contact.disabled_at.is_(None)))
    return [Person(i, n, a) for i, n, a in rows]


async def delivery(s: AsyncSession, contact_id: int) -> tuple[str, str] | None:
    """(channel, external id) a reminder reaches: the channel the contact wrote on most recently. A phone
    number known from the roster, never used, reaches no one; a Telegram chat or terminal name is theirs
    even before they write. None: no channel they use."""
    return await last_written(s, contact_id) or await registered(s, contact_id, phones=False)


@dataclass
class Planned:
    """One reminder or summary that is (or, in a dry run, would be) queued."""
    key: str
    contact_id: int
    target: tuple[str, str] | None      # None: the contact uses no channel: nothing queued
    payloads: list[dict[str, Any]]
    why: str = ""


async def _mark_sent(s: AsyncSession, key: str, contact_id: int, now: datetime) -> bool:
    """Record reminder ``key`` as queued; False when it was queued before (by anyone: the key is unique)."""
    try:
        async with s.begin_nested():
            s.add(SentReminder(key=key, contact_id=contact_id, queued_at=now))
            await s.flush()
    except IntegrityError:
        return False
    return True


def _queue(s: AsyncSession, channel: str, external_id: str, payloads: list[dict[str, Any]], now: datetime) -> None:
    for payload in payloads:
        s.add(Outbox(channel=channel, external_id=external_id, payload=payload, status="pending",
                     attempts=0, created_at=now, next_attempt_at=now))


async def claim(s: AsyncSession, key: str, contact_id: int, payloads: list[dict[str, Any]], now: datetime,
                plan: list[Planned] | None = None, why: str = "", dry_run: bool = False) -> bool:
    """Record the reminder and queue its messages in one step; False if it was queued before (by anyone).
    A contact without a channel they use gets nothing queued (and is in ``plan`` with target None).
    ``dry_run``: only what would happen goes into ``plan``; nothing is written."""
    if dry_run:
        if await s.get(SentReminder, key) is not None:
            return False
        if plan is not None:
            plan.append(Planned(key, contact_id, await delivery(s, contact_id), payloads, why))
        return True
    if not await _mark_sent(s, key, contact_id, now):
        return False
    target = await delivery(s, contact_id)
    if plan is not None:
        plan.append(Planned(key, contact_id, target, payloads, why))
    if target is None:
        return True
    channel, external_id = target
    _queue(s, channel, external_id, payloads, now)
    return True


async def silent_drafts(s: AsyncSession, silent_since: datetime, not_before: datetime
                        ) -> list[tuple[str, str, dict[str, Any], datetime, int]]:
    """Sessions with a draft whose last message came between ``not_before`` and ``silent_since``, with their
    contact: (channel, external id, state, last message time, contact id)."""
    from .keys import identity_key
    q: Select[str, str, dict[str, Any], datetime] = (
        select(Session.channel, Session.external_id, Session.state, Session.updated_at)
        .where(Session.draft_form.is_not(None), Session.updated_at <= silent_since, Session.updated_at > not_before))
    rows = (await s.execute(q)).all()
    out: list[tuple[str, str, dict[str, Any], datetime, int]] = []
    for channel, external_id, state, updated in rows:
        kind, value = identity_key(channel, external_id)
        contact_id = await s.scalar(select(Identity.contact_id).where(Identity.channel == kind,
                                                                      Identity.external_id == value))
        if contact_id is not None:
            out.append((channel, external_id, state, updated, contact_id))
    return out


async def claim_to(s: AsyncSession, key: str, contact_id: int, channel: str, external_id: str,
                   payloads: list[dict[str, Any]], now: datetime) -> bool:
    """As ``claim``, to the channel identity a session belongs to."""
    if not await _mark_sent(s, key, contact_id, now):
        return False
    _queue(s, channel, external_id, payloads, now)
    return True

"""One routing rule for every message to a person who did not just write (reminders, approval requests,
follow-up and story news): the channel they last wrote on; else, for notices, the channel their first
identity is registered on."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .keys import aware, delivery_channel, routing
from .models import Identity, Session

NEVER = datetime.min.replace(tzinfo=timezone.utc)


async def last_written(s: AsyncSession, contact_id: int) -> tuple[str, str] | None:
    """(channel, external id) the contact wrote on most recently. A phone number counts only on the channels
    it has written from; a Telegram chat or terminal name is theirs by writing. None: they never wrote."""
    options: list[tuple[datetime, str, str]] = []
    for ident in await s.scalars(select(Identity).where(Identity.contact_id == contact_id).order_by(Identity.id)):
        if ident.channel == "phone":
            rows = await s.execute(select(Session.channel, Session.updated_at).where(
                Session.external_id == ident.external_id, Session.channel.in_(routing().phone_channels)))
            options += [(aware(at) if at else NEVER, ch, ident.external_id) for ch, at in rows]
        else:
            at = await s.scalar(select(Session.updated_at).where(Session.channel == ident.channel,
                                                                   Session.external_id == ident.external_id))
            if at is not None:
                options.append((aware(at), ident.channel, ident.external_id))
    if not options:
        return None
    _, channel, external_id = max(options, key=lambda o: o[0])
    return channel, external_id


async def registered(s: AsyncSession, contact_id: int, phones: bool = True) -> tuple[str, str] | None:
    """The channel of the contact's first identity (a phone number: the channel that reaches numbers;
    ``phones=False``: the first identity that is not a phone number)."""
    q = select(Identity).where(Identity.contact_id == contact_id)
    if not phones:
        q = q.where(Identity.channel != "phone")
    ident = await s.scalar(q.order_by(Identity.id).limit(1))
    if ident is None:
        return None
    channel = delivery_channel(ident.channel)
    return (channel, ident.external_id) if channel else None


async def reach(s: AsyncSession, contact_id: int) -> tuple[str, str] | None:
    """Where a notice to this contact goes: the channel they last wrote on, else their registered one."""
    return await last_written(s, contact_id) or await registered(s, contact_id)


async def reach_many(s: AsyncSession, contact_ids: list[int]) -> dict[int, tuple[str, str] | None]:
    """``reach`` for many contacts in three queries (a page listing the kader of a kabupaten)."""
    idents: dict[int, list[tuple[str, str]]] = {}
    for cid, kind, ext in await s.execute(select(Identity.contact_id, Identity.channel, Identity.external_id)
                                          .where(Identity.contact_id.in_(contact_ids)).order_by(Identity.id)):
        idents.setdefault(cid, []).append((kind, ext))
    externals = sorted({ext for found in idents.values() for _, ext in found})
    written: dict[tuple[str, str], datetime] = {}
    if externals:
        for channel, ext, at in await s.execute(select(Session.channel, Session.external_id, Session.updated_at)
                                                .where(Session.external_id.in_(externals))):
            written[(channel, ext)] = aware(at) if at else NEVER
    phone_channels = sorted(routing().phone_channels)
    out: dict[int, tuple[str, str] | None] = {}
    for cid in contact_ids:
        found = idents.get(cid, [])
        options = [(written[(ch, ext)], ch, ext) for kind, ext in found
                   for ch in (phone_channels if kind == "phone" else [kind]) if (ch, ext) in written]
        if options:
            _, channel, ext = max(options, key=lambda o: o[0])
            out[cid] = (channel, ext)
            continue
        first = delivery_channel(found[0][0]) if found else None
        out[cid] = (first, found[0][1]) if first else None
    return out

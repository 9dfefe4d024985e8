"""One routing rule for every message to a person who did not just write (reminders, approval requests,
follow-up and story news): the channel they last wrote on; else, for notices, the channel their first
identity is registered on."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .keys import aware, delivery_channel, routing
from .models import Identity, InboundMessage, Session

NEVER = datetime.min.replace(tzinfo=timezone.utc)


async def last_written(s: AsyncSession, contact_id: int) -> tuple[str, str] | None:
    """(channel, external id) the contact wrote on most recently. A phone number counts only on the channels
    it has written from; a Telegram chat or terminal name is theirs by writing. None: they never wrote."""
    return (await _last_written_many(s, [contact_id]))[contact_id]


async def _identities(s: AsyncSession, contact_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """(kind, external id) of each contact's identities, the first registered first."""
    out: dict[int, list[tuple[str, str]]] = {cid: [] for cid in contact_ids}
    for cid, kind, ext in await s.execute(select(Identity.contact_id, Identity.channel, Identity.external_id)
                                          .where(Identity.contact_id.in_(contact_ids)).order_by(Identity.id)):
        out[cid].append((kind, ext))
    return out


async def _last_written_many(s: AsyncSession, contact_ids: list[int],
                             idents: dict[int, list[tuple[str, str]]] | None = None
                             ) -> dict[int, tuple[str, str] | None]:
    """``last_written`` for many contacts in three queries. The latest session wins; two sessions of the same
    instant (a fixed clock, two hosts whose clocks differ) are told apart by the order their messages were
    recorded in."""
    idents = idents if idents is not None else await _identities(s, contact_ids)
    externals = sorted({ext for found in idents.values() for _, ext in found})
    written: dict[tuple[str, str], datetime] = {}
    recorded: dict[tuple[str, str], int] = {}
    if externals:
        for channel, ext, at in await s.execute(select(Session.channel, Session.external_id, Session.updated_at)
                                                .where(Session.external_id.in_(externals))):
            written[(channel, ext)] = aware(at) if at else NEVER
        for channel, ext, last in await s.execute(
                select(InboundMessage.channel, InboundMessage.external_id, func.max(InboundMessage.id))
                .where(InboundMessage.external_id.in_(externals))
                .group_by(InboundMessage.channel, InboundMessage.external_id)):
            recorded[(channel, ext)] = last
    phone_channels = sorted(routing().phone_channels)
    out: dict[int, tuple[str, str] | None] = {}
    for cid in contact_ids:
        options = [(written[(ch, ext)], recorded.get((ch, ext), 0), ch, ext) for kind, ext in idents.get(cid, [])
                   for ch in (phone_channels if kind == "phone" else [kind]) if (ch, ext) in written]
        best = max(options, key=lambda o: (o[0], o[1])) if options else None
        out[cid] = (best[2], best[3]) if best else None
    return out


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
    """``reach`` for many contacts at once (a page listing the kader of a kabupaten), in four queries."""
    idents = await _identities(s, contact_ids)
    written = await _last_written_many(s, contact_ids, idents)
    out: dict[int, tuple[str, str] | None] = {}
    for cid in contact_ids:
        first = idents[cid][0] if idents[cid] else None
        channel = delivery_channel(first[0]) if first else None
        out[cid] = written[cid] or ((channel, first[1]) if first and channel else None)
    return out

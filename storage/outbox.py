"""Queries of the one outbox loop (bot/outbox.py): open rows in order, claiming and releasing."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .results import affected
from .models import Outbox

OPEN = ("pending", "sending")


async def open_rows(s: AsyncSession, channel: str, limit: int = 500) -> list[Outbox]:
    """The channel's open rows (pending or sending), oldest first: the loop keeps each recipient's order."""
    q = select(Outbox).where(Outbox.channel == channel, Outbox.status.in_(OPEN)).order_by(Outbox.id).limit(limit)
    if s.bind is not None and s.bind.dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True)
    return list(await s.scalars(q))


async def claim(s: AsyncSession, ids: list[int], now: datetime) -> None:
    """Marked "sending" (claimed at ``now``), committed before anything leaves."""
    await s.execute(update(Outbox).where(Outbox.id.in_(ids)).values(status="sending", next_attempt_at=now))


async def release(s: AsyncSession, ids: list[int]) -> None:
    """Claimed rows that were not tried: pending again (still due), nothing else changed."""
    await s.execute(update(Outbox).where(Outbox.id.in_(ids), Outbox.status == "sending").values(status="pending"))


async def settle_sent(s: AsyncSession, row_id: int, now: datetime, provider_id: str) -> bool:
    """An in-doubt row found at the platform: sent — only if it is still in doubt (a status callback may
    have confirmed it meanwhile)."""
    result = await s.execute(update(Outbox).where(Outbox.id == row_id, Outbox.status == "sending")
                             .values(status="sent", sent_at=now, provider_id=provider_id))
    return bool(affected(result))


async def resend_in_place(s: AsyncSession, row_id: int, now: datetime, error: str) -> bool:
    """An in-doubt row not found at the platform: pending again, due now, still the recipient's oldest —
    only if nothing confirmed it meanwhile."""
    result = await s.execute(update(Outbox).where(Outbox.id == row_id, Outbox.status == "sending")
                             .values(status="pending", next_attempt_at=now, error=error[:500]))
    return bool(affected(result))


async def provider_id_owner(s: AsyncSession, provider_id: str) -> int | None:
    """The row a provider's message id is recorded for, if any."""
    return await s.scalar(select(Outbox.id).where(Outbox.provider_id == provider_id).limit(1))


async def hold_channel(s: AsyncSession, channel: str, until: datetime) -> int:
    """A channel-wide hold written down: every pending row of ``channel`` due earlier waits until ``until``
    (in-flight rows answered later are scheduled behind it by the loop; a restart keeps the hold)."""
    result = await s.execute(update(Outbox).where(Outbox.channel == channel, Outbox.status == "pending",
                                                  Outbox.next_attempt_at < until).values(next_attempt_at=until))
    return int(affected(result) or 0)


async def record_outcomes(s: AsyncSession, channel: str, writes: list[tuple[str, int, Any]], now: datetime) -> None:
    """A batch of the loop's outcomes written in one transaction, in the order they happened. Each is
    ``(kind, row id, value)``: ``sent`` (provider id), ``failed`` / ``dead`` (error), ``doubt`` (claimed-at
    to set), ``retry`` ((attempts, at, error)), ``hold`` (the channel held until). Only rows still
    "sending" change: a status callback that confirmed a row meanwhile is not undone."""
    table = cast(Table, Outbox.__table__)
    sending = table.c.status == "sending"
    sent = [{"b_id": row_id, "b_pid": value} for kind, row_id, value in writes if kind == "sent"]
    if sent:       # most of every batch: one statement for all of them
        await s.execute(update(table).where(table.c.id == bindparam("b_id"), sending)
                        .values(status="sent", sent_at=now, provider_id=bindparam("b_pid")), sent)
    for kind, row_id, value in writes:
        mine = (table.c.id == row_id, sending)
        if kind in ("failed", "dead"):
            await s.execute(update(table).where(*mine).values(status=kind, error=value[:500]))
        elif kind == "doubt":
            await s.execute(update(table).where(*mine).values(next_attempt_at=value))
        elif kind == "retry":
            attempts, at, error = value
            await s.execute(update(table).where(*mine).values(status="pending", attempts=attempts,
                                                              next_attempt_at=at, error=error[:500]))
        elif kind == "hold":
            await hold_channel(s, channel, value)


async def oldest_open(s: AsyncSession, channel: str, recipients: Iterable[str]) -> dict[str, int]:
    """Per recipient, the id of their oldest open row (pending or sending)."""
    who = sorted(set(recipients))
    if not who:
        return {}
    rows = await s.execute(select(Outbox.external_id, func.min(Outbox.id))
                           .where(Outbox.channel == channel, Outbox.status.in_(OPEN), Outbox.external_id.in_(who))
                           .group_by(Outbox.external_id))
    return {external_id: row_id for external_id, row_id in rows.all()}

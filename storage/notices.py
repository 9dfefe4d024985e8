"""What was queued lately for one person as a notice (a message about someone else: an approval to decide,
a competing report), so bot/notices.py can limit how many reach them."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Outbox


async def recent_notices(s: AsyncSession, channel: str, external_id: str, since: datetime) -> list[dict[str, Any]]:
    """The payloads of the notices queued for (``channel``, ``external_id``) since ``since``, oldest first."""
    rows = await s.execute(select(Outbox.payload).where(
        Outbox.channel == channel, Outbox.external_id == external_id, Outbox.created_at >= since)
        .order_by(Outbox.id))
    return [p for (p,) in rows if isinstance(p, dict) and p.get("template") == "notice"]

"""The outbox and media queries of ``Tx`` (storage/repo.py), kept apart so each module stays short.

``OutboxQueries`` is a mixin: ``Tx`` holds the transaction (``s``) and knows the dialect (``postgres``).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .keys import aware
from .models import InboundMessage, Media, Outbox
from .results import affected


class OutboxQueries:
    s: AsyncSession
    postgres: bool

    # -- outbox
    async def enqueue(self, channel: str, external_id: str, payload: dict[str, Any], now: datetime) -> None:
        self.s.add(Outbox(channel=channel, external_id=external_id, payload=payload, status="pending",
                          attempts=0, created_at=now, next_attempt_at=now))

    async def in_doubt(self, channel: str, claimed_before: datetime, limit: int = 200) -> list[Outbox]:
        """Rows claimed for sending longer ago than any send can take: their sender died in between."""
        q = (select(Outbox).where(Outbox.channel == channel, Outbox.status == "sending",
                                  Outbox.next_attempt_at < claimed_before).order_by(Outbox.id).limit(limit))
        if self.postgres:
            q = q.with_for_update(skip_locked=True)
        return list(await self.s.scalars(q))

    async def confirm_sent(self, outbox_id: int, provider_id: str, now: datetime) -> bool:
        """The provider told us (status callback) it accepted this row: sent, whatever our sender recorded."""
        result = await self.s.execute(update(Outbox).where(Outbox.id == outbox_id,
                                                           Outbox.status.in_(("pending", "sending")))
                                      .values(status="sent", sent_at=now, provider_id=provider_id))
        return bool(affected(result))

    async def callback_failed(self, outbox_id: int, provider_id: str, status: str, error: str | None) -> bool:
        """The provider told us (status callback) this row's message failed: recorded by the row id, unless
        the row is known under another message id."""
        values: dict[str, Any] = {"status": status, "provider_id": provider_id}
        if error:
            values["error"] = error[:500]
        result = await self.s.execute(update(Outbox).where(
            Outbox.id == outbox_id, or_(Outbox.provider_id.is_(None), Outbox.provider_id == provider_id))
            .values(**values))
        return bool(affected(result))

    async def set_delivery_status(self, provider_id: str, status: str, error: str | None) -> bool:
        """A provider's status callback (sent, delivered, read, failed, undelivered)."""
        values: dict[str, Any] = {"status": status}
        if error:
            values["error"] = error[:500]
        result = await self.s.execute(update(Outbox).where(Outbox.provider_id == provider_id).values(**values))
        return bool(affected(result))

    async def last_inbound_many(self, channel: str, external_ids: Iterable[str]) -> dict[str, datetime]:
        """Per sender, when their last message came (one query for a sending round; absent: never)."""
        ids = sorted(set(external_ids))
        if not ids:
            return {}
        rows = await self.s.execute(select(InboundMessage.external_id, func.max(InboundMessage.received_at))
                                    .where(InboundMessage.channel == channel, InboundMessage.external_id.in_(ids))
                                    .group_by(InboundMessage.external_id))
        return {who: aware(at) for who, at in rows.all() if at is not None}

    # -- media
    async def add_media(self, sha256: str, path: str, mime: str, size: int, now: datetime,
                        url: str | None = None, channel: str | None = None, external_id: str | None = None) -> None:
        """A stored file, or with ``url`` a pending one, fetched after the commit (storage/media.py) from
        the message of ``channel``/``external_id`` (told when it never arrives)."""
        if await self.s.get(Media, sha256) is None:
            self.s.add(Media(sha256=sha256, path=path, mime=mime, size=size, created_at=now,
                             status="pending" if url else "stored", url=url, attempts=0, channel=channel,
                             external_id=external_id))

"""Signed webhooks as an outbox channel: each outbox row of the channel "webhook" is one event for one
subscription (storage/webhooks.py wrote it in the transaction of the change; ``WebhookLoop`` moves it into the
outbox in commit order before each round, storage/webhook_queue.py), POSTed as JSON and signed
the Standard Webhooks way (``webhook-id``, ``webhook-timestamp``, ``webhook-signature``; the
``standardwebhooks`` package). The one outbox loop (bot/outbox.py) owns order per subscription, retries with
backoff, dead letters and `pantau outbox`; this module only says what one POST did:

- 2xx → ``Sent``;
- 429 or 503 with ``Retry-After`` → ``RetryAfter`` that long (capped at an hour); without it, the loop's backoff;
- any other 4xx, and a 3xx (redirects are not followed) → ``Failed`` (refused for good);
- 5xx, a timeout, a refused connection → retried with backoff (the receiver dedupes by ``webhook-id``, which
  stays the same on every try), dead-lettered after ``PANTAU_OUTBOX_MAX_ATTEMPTS``.

A row of a removed subscription fails ("webhook dihapus") instead of leaving. The signing secret and the
body are never logged."""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any
from email.utils import parsedate_to_datetime

import httpx
from standardwebhooks.webhooks import Webhook

from storage.db import Database
from storage.models import Outbox
from storage.repo import Tx
from storage.webhook_queue import release, waiting
from storage.webhooks import CHANNEL, signing_targets, subscription_of

from ..clock import clock, wall
from ..outbox import Failed, Outcome, OutboxLoop, RetryAfter, Sent
from .registry import ChannelSpec, N_, register

log = logging.getLogger("pantau.webhook")
register(ChannelSpec(CHANNEL, N_("Webhook")))

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
MAX_RETRY_AFTER = 3600.0
USER_AGENT = "Pantau-Webhooks/1"


def retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds from a ``Retry-After`` header (seconds or an HTTP date), or None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            at = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if at.tzinfo is None:
            at = at.replace(tzinfo=timezone.utc)
        seconds = (at - now).total_seconds()
    return max(0.0, min(MAX_RETRY_AFTER, seconds))


def body_of(payload: dict[str, Any]) -> str:
    """The JSON a receiver gets: the event without the delivery's own id (that travels as ``webhook-id``)."""
    return json.dumps({k: v for k, v in payload.items() if k != "webhook_id"}, ensure_ascii=False,
                      separators=(",", ":"))


class WebhookChannel:
    name = CHANNEL

    def __init__(self, client: httpx.AsyncClient | None = None, clock: Callable[[], datetime] | None = None):
        self.client = client or httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False,
                                                  headers={"user-agent": USER_AGENT})
        self.clock = clock or wall      # webhook-timestamp: the moment the request leaves
        self.targets: dict[int, tuple[str, str, bool]] = {}

    async def prepare(self, tx: Tx, rows: list[Outbox], now: datetime) -> None:
        ids = [i for i in (subscription_of(r.external_id) for r in rows) if i is not None]
        self.targets = await signing_targets(tx.s, ids)

    def ready(self, recipient: str) -> bool:
        return True

    async def send(self, row: Outbox) -> Outcome:
        sub_id = subscription_of(row.external_id)
        target = self.targets.get(sub_id) if sub_id is not None else None
        if target is None or not target[2]:
            return Failed("webhook dihapus")
        url, secret, _ = target
        now = self.clock()
        msg_id = str(row.payload.get("webhook_id") or f"msg_outbox_{row.id}")
        body = body_of(row.payload)
        signature = Webhook(secret).sign(msg_id, now, body)
        headers = {"content-type": "application/json", "webhook-id": msg_id,
                   "webhook-timestamp": str(int(now.timestamp())), "webhook-signature": signature}
        try:      # streamed and closed unread: a receiver's answer body is never loaded
            async with self.client.stream("POST", url, content=body.encode("utf-8"), headers=headers) as response:
                code, wait = response.status_code, response.headers.get("retry-after")
        except httpx.TimeoutException:
            return RetryAfter(None, "timeout")
        except httpx.HTTPError as exc:
            return RetryAfter(None, f"{type(exc).__name__}")
        log.debug("webhook #%s %s: HTTP %d", sub_id, row.payload.get("type"), code)
        if 200 <= code < 300:
            return Sent()
        if code in (429, 503):
            return RetryAfter(retry_after(wait, now), f"HTTP {code}")
        if 300 <= code < 500:        # a redirect is not followed: the URL is to be corrected (`pantau webhook`)
            return Failed(f"HTTP {code}")
        return RetryAfter(None, f"HTTP {code}")

    async def settle(self, tx: Tx, row: Outbox) -> str | None:
        return None          # a receiver cannot be asked: sent again (same webhook-id, the receiver dedupes)

    async def close(self) -> None:
        await self.client.aclose()


class WebhookLoop(OutboxLoop):
    """The one outbox loop for webhooks: each round first moves the committed events into the outbox, in the
    order they committed; then sends as every channel does."""

    async def round(self, now: datetime | None = None) -> int:
        at = now or clock()
        async with self.db.session() as s:
            due = await waiting(s)
        if due:
            async with self.db.session() as s, s.begin():
                await release(s, at)
        return await super().round(now)


async def send_now(db: Database) -> int:
    """One round of the webhook sender (`pantau webhook test`): every due delivery, in order."""
    channel = WebhookChannel()
    try:
        return await WebhookLoop(db, channel).round()
    finally:
        await channel.close()


async def run_sender(db: Database, every: float = 1.0) -> None:
    """The webhook sender of `pantau serve` (bot/background.py): the one outbox loop with this channel."""
    channel = WebhookChannel()
    try:
        await WebhookLoop(db, channel, concurrency=4).run_forever(every)
    finally:
        await asyncio.shield(channel.close())

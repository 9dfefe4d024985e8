"""Webhook events into the outbox in commit order (issue 26).

``emit`` (storage/webhooks.py) writes each event as a ``webhook_events`` row in the transaction of its change;
the sender calls ``release`` before every round of the outbox loop, which moves the rows it can see into the
outbox, by their ids, in one transaction. The outbox keeps each subscription's rows in id order (bot/outbox.py),
so the order is fixed when an event is released, and it is the order of the commits:

- An event released in one call committed before that call's statement ran; an event released in a later
  call was not visible then, so it committed after. Calls are serialized (an advisory lock on PostgreSQL, the
  one writer on SQLite), and the outbox ids of a later call are higher.
- Within one call, events go by their own ids. A transaction that waited for another one's row (two changes
  of one report) wrote its event after that one committed, so with a higher id: it stays behind.

Had events gone into the outbox directly, an event of a transaction that took its outbox id first but
committed last would, once visible, be the subscription's oldest open row and jump ahead of an event that
committed before it (and was waiting for a retry). Ordering by the change feed's (txid, id) below the snapshot's
``xmin`` would not do either: a transaction's txid is taken at its first write, so one that started earlier but
committed later (waiting for the other's row) would go first, and one long transaction would hold every
delivery back until it ends. On SQLite the ids already follow commit order and nothing waits.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, exists, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Outbox, WebhookEvent

CHANNEL = "webhook"
LOCK = 0x7061_6E74_6175_0026      # pg_advisory_xact_lock key of the release ("pantau", issue 26)
BATCH = 2000


async def waiting(s: AsyncSession) -> bool:
    """Is any event waiting to be released (one cheap read, so an idle sender writes nothing)?"""
    return bool(await s.scalar(select(exists().where(WebhookEvent.id > 0))))


async def count_waiting(s: AsyncSession) -> int:
    """How many events wait to be released (`pantau outbox` shows the number: they are not rows yet)."""
    return int(await s.scalar(select(func.count()).select_from(WebhookEvent)) or 0)


async def release(s: AsyncSession, now: datetime, limit: int = BATCH) -> int:
    """Move up to ``limit`` visible events into the outbox, oldest id first, in the caller's transaction;
    returns how many. Serialized with every other release."""
    if s.get_bind().dialect.name == "postgresql":
        await s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK})
    first = select(WebhookEvent.id).order_by(WebhookEvent.id).limit(limit).scalar_subquery()
    rows = (await s.execute(delete(WebhookEvent).where(WebhookEvent.id.in_(first)).returning(
        WebhookEvent.id, WebhookEvent.subscription_id, WebhookEvent.payload, WebhookEvent.created_at))).all()
    if not rows:
        return 0
    await s.execute(insert(Outbox), [
        {"channel": CHANNEL, "external_id": f"{CHANNEL}:{sub_id}", "payload": payload, "status": "pending",
         "attempts": 0, "created_at": created, "next_attempt_at": now}
        for _, sub_id, payload, created in sorted(rows, key=lambda r: r[0])])
    return len(rows)


"""Delivering the outbox. The terminal channel delivers by printing; other channels add their own sender."""
from __future__ import annotations

from storage.db import Database
from storage.keys import aware
from storage.repo import Tx

from .clock import clock


async def take_terminal_replies(db: Database, sender: str) -> list[dict]:
    """Pending terminal replies for one person that are due (a reminder held back until quiet hours end
    waits), oldest first and stopping at the first that is not due: marked sent in the same transaction
    (printed right after)."""
    now = clock()
    async with db.session() as s, s.begin():
        tx = Tx(s)
        out = []
        for row in await tx.pending_outbox("terminal", sender):
            if row.next_attempt_at is not None and aware(row.next_attempt_at) > now:
                break                       # later rows wait behind it: the person's order is kept
            await tx.mark_sent(row.id, now)
            out.append(dict(row.payload))
        return out

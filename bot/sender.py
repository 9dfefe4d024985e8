"""Delivering the outbox. The terminal channel delivers by printing; other channels add their own sender."""
from __future__ import annotations

from storage.db import Database
from storage.repo import Tx

from .pipeline import clock


async def take_terminal_replies(db: Database, sender: str) -> list[dict]:
    """Pending terminal replies for one person, marked sent in the same transaction (printed right after)."""
    async with db.session() as s, s.begin():
        tx = Tx(s)
        rows = await tx.pending_outbox("terminal", sender)
        for row in rows:
            await tx.mark_sent(row.id, clock())
        return [dict(row.payload) for row in rows]

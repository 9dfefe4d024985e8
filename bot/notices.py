"""Notices to one person are rate-limited and folded into a digest (issue 28: a registration flood pushed
15 strangers' names to a fasilitator in 2 seconds).

A notice is a message about someone else (a kader waiting for approval, a competing report, a decision).
Per person at most ``PER_WINDOW`` notices are sent in full within ``WINDOW``; the rest of that window is
folded into one short digest that names no one and points to "menunggu", where every item still waits.
Nothing is decided by a notice, so nothing is lost by folding one: the items stay in the database.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flows.types import Reply
from storage.notices import recent_notices

from . import catalog

WINDOW = timedelta(minutes=10)
PER_WINDOW = 3

Payload = Callable[[Reply], dict[str, Any]]
# the database session (storage's AsyncSession: bot/ does not import SQLAlchemy, tests/test_architecture.py)
Session = Any


def digest_reply(count: int) -> Reply:
    t = catalog.gettext_for("id")
    return Reply(t("Ada %(count)s pemberitahuan lain untuk Anda. Ketik \"menunggu\" untuk melihat yang menunggu "
                   "keputusan Anda.") % {"count": count})


async def fold(s: Session, notices: list[tuple[str, str, Reply]], now: datetime,
               payload: Payload) -> list[tuple[str, str, dict[str, Any]]]:
    """The outbox rows for ``notices`` (channel, external id, reply), in order: per person the first that fit in
    the window in full, then at most one digest per window for the rest."""
    by_person: dict[tuple[str, str], list[Reply]] = {}
    for channel, external, reply in notices:
        by_person.setdefault((channel, external), []).append(reply)
    rows: list[tuple[str, str, dict[str, Any]]] = []
    for (channel, external), replies in by_person.items():
        earlier = await recent_notices(s, channel, external, now - WINDOW)
        room = max(0, PER_WINDOW - sum(1 for p in earlier if not p.get("digest")))
        rows += [(channel, external, payload(r)) for r in replies[:room]]
        rest = replies[room:]
        if rest and not any(p.get("digest") for p in earlier):
            rows.append((channel, external, {**payload(digest_reply(len(rest))), "digest": True}))
    return rows

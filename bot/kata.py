"""`pantau kata`'s part of the message path: an answer the engine could not read is counted (question, desa,
day, normalised text -- never who sent it)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flows.dates import zone_for_area
from storage import unread


async def count_unread(s: Any, step: Any, now: datetime) -> None:
    if not step.unread:
        return
    question, area, text = step.unread
    await unread.record(s, question, area, now.astimezone(zone_for_area(area)).date().isoformat(), text)

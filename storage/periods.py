"""Where a report falls in time, apart from the roll-up (storage/summary.py): the day a report was begun, and
the round a consolidating report (a kecamatan meeting) belongs to."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flows.dates import zone_for_area


def started_day(form: Any, area_code: str, key: str, created: datetime | None = None) -> date | None:
    """The local day a report was begun (its ``$started`` key part), else the day it was first saved."""
    moment = None
    if "$started" in form.key:
        parts = key.split("|")
        try:
            moment = datetime.fromisoformat(parts[form.key.index("$started")])
        except (ValueError, IndexError):
            moment = None
    moment = moment or created
    if moment is None:
        return None
    if moment.tzinfo is None:
        from datetime import timezone
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(zone_for_area(area_code)).date()


def consolidated(starts: tuple[tuple[date, str], ...], day: str) -> str | None:
    """The round a consolidating report of ``day`` (ISO) belongs to: the last one begun by then (``starts``:
    every round's (start, name), by start)."""
    found = None
    for start, name in starts:
        if start.isoformat() > day:
            break
        found = name
    return found


def next_start(starts: tuple[tuple[date, str], ...], name: str) -> date | None:
    """The start of the round after ``name`` (None: it is the last one)."""
    names = [n for _, n in starts]
    i = names.index(name) + 1 if name in names else len(names)
    return starts[i][0] if i < len(starts) else None

"""Where time comes from: now(), or the fixed time in PANTAU_NOW. Nothing else reads the clock."""
from __future__ import annotations

from datetime import datetime, timezone


def clock() -> datetime:
    """Now, or the fixed time in PANTAU_NOW (ISO, for scripted tests; without an offset it is UTC), always
    aware and in UTC: a PANTAU_NOW given in WIB, WITA or WIT is the same instant and changes nothing."""
    from .config import settings
    fixed = settings().fixed_now
    if fixed:
        value = datetime.fromisoformat(fixed)
        return value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.now(timezone.utc)


def wall() -> datetime:
    """The real time, even under a fixed PANTAU_NOW: for what must follow the world's clock — waits and retries
    (a scripted clock stands still, so a retry "in 10 s" would never come), and webhook timestamps (receivers
    check them against replays)."""
    return datetime.now(timezone.utc)

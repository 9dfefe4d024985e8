"""Where time comes from: now(), or the fixed time in PANTAU_NOW. Nothing else reads the clock."""
from __future__ import annotations

from datetime import datetime, timezone


def clock() -> datetime:
    """Now, or the fixed time in PANTAU_NOW (ISO, for scripted tests)."""
    from .config import settings
    fixed = settings().fixed_now
    if fixed:
        value = datetime.fromisoformat(fixed)
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.now(timezone.utc)

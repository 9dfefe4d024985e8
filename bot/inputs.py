"""Field values from the platforms checked at the edge: text the database can store, numbers that are
numbers, ids that fit their columns. A value that can never be stored is refused (400, or dropped with
a log line), never left to fail deep inside a transaction."""
from __future__ import annotations

import math

ID_MAX = 80          # the length of inbound.message_id / external_id (storage/models/messages.py)


def clean_text(text: str) -> str:
    """Text as UTF-8 can carry it: lone surrogates (which JSON allows and no database encoding does)
    become U+FFFD; NUL characters are removed (PostgreSQL text cannot hold them)."""
    if text.isascii():
        return text.replace("\x00", "")
    fixed = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return fixed.replace("\x00", "")


def fits_id(value: str) -> bool:
    return 0 < len(value) <= ID_MAX


def count(value: str | None) -> int | None:
    """A count field such as NumMedia: a non-negative integer, 0 when absent, None when malformed."""
    if value is None or value == "":
        return 0
    value = value.strip()
    if not value.isdigit() or len(value) > 3:
        return None
    return int(value)


def coordinates(lat: str | None, lon: str | None) -> tuple[float, float] | None:
    """A real latitude/longitude pair, or None (absent, not numbers, nan/inf, out of range)."""
    try:
        a, b = float(lat or ""), float(lon or "")
    except ValueError:
        return None
    if not (math.isfinite(a) and math.isfinite(b)) or not (-90 <= a <= 90 and -180 <= b <= 180):
        return None
    return a, b

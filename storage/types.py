"""The one DateTime column type: every stored moment is UTC, every moment read back is aware UTC.

SQLite has no time zone type: SQLAlchemy's DateTime writes an aware value as its wall time and drops the
offset, so 10:00+09:00 was stored as "10:00" and read back as 10:00 UTC, nine hours late. This type
converts a value to UTC before the driver sees it, on SQLite and PostgreSQL alike, and gives back an aware
UTC value whatever the driver returns (naive UTC from SQLite, the session's zone from PostgreSQL).

A naive value is refused (``NaiveDateTimeError``): it cannot say which moment it means, and guessing would
store something wrong silently. Every clock in Pantau is aware (bot/clock.py).

The stored form on SQLite is unchanged ("YYYY-MM-DD HH:MM:SS.ffffff" in UTC, what earlier versions wrote
with their UTC clock), so existing databases keep their meaning and need no data migration.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class NaiveDateTimeError(ValueError):
    """A datetime without a zone was about to be stored or compared with a stored moment."""


def to_utc(value: datetime) -> datetime:
    """``value`` as the same moment in UTC; a naive value is refused."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise NaiveDateTimeError(f"a datetime without a time zone cannot be stored: {value!r}")
    return value.astimezone(timezone.utc)


class UtcDateTime(TypeDecorator[datetime]):
    """``DateTime(timezone=True)`` that binds UTC and returns aware UTC (see the module's docstring)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        """SQLAlchemy's processor (``process_bind_param``, then the driver's form), remembering the last value:
        a batch binds the same ``now`` to every row it writes (inbound, sessions, outbox: about five times a
        message), so it is converted once. A datetime is immutable and the one kept cannot be reused by
        another object while kept, so ``is`` is a safe test; the pair is replaced in one assignment."""
        inner = super().bind_processor(dialect)
        if inner is None:
            return None
        convert: Callable[[Any], Any] = inner
        last: list[tuple[Any, Any]] = [(None, None)]

        def process(value: Any) -> Any:
            seen, out = last[0]
            if value is seen and value is not None:
                return out
            out = convert(value)
            last[0] = (value, out)
            return out
        return process

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"a datetime is needed, not {type(value).__name__}")
        return to_utc(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        if moment.tzinfo is None:         # SQLite: the UTC wall time written by process_bind_param
            return moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc)

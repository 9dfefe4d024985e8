"""Counting the SQL statements a piece of work sends (the performance guard, bench/guard.py).

Only storage/ imports SQLAlchemy, so the hook lives here: ``counting(db)`` listens to the engine's
``before_cursor_execute`` — one event per statement sent to the driver (an executemany is one), and
the statements storage/raw.py sends past SQLAlchemy's execution — and gives a ``Counter`` of statements by their first words, e.g. ``"SELECT sessions"``."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from . import raw
from .db import Database

_TABLE = re.compile(r"\b(?:FROM|INTO|UPDATE)\s+\"?(\w+)", re.IGNORECASE)


def _label(statement: str) -> str:
    """``SELECT sessions``, ``INSERT outbox``, ``UPDATE reports``: the verb and the first table named."""
    verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "?"
    table = _TABLE.search(statement)
    return f"{verb} {table.group(1)}" if table else verb


@contextmanager
def counting(db: Database) -> Iterator[Counter[str]]:
    """Statements sent through ``db`` while the block runs, counted by label (``sum(c.values())``: all)."""
    seen: Counter[str] = Counter()

    def count(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        seen[_label(statement)] += 1

    engine = db.engine.sync_engine

    def count_raw(sent_by: Any, statement: str) -> None:
        if sent_by is engine:
            seen[_label(statement)] += 1

    event.listen(engine, "before_cursor_execute", count)
    raw.OBSERVERS.append(count_raw)
    try:
        yield seen
    finally:
        raw.OBSERVERS.remove(count_raw)
        event.remove(engine, "before_cursor_execute", count)

"""SQLite: a batch's hot statements run on the driver connection itself, past SQLAlchemy's execution.

SQLAlchemy's work for one statement (the compiled cache, an execution context, the result's set-up, a greenlet
switch) costs ~100 µs of event-loop CPU, three times what SQLite's own thread spends on these statements; a message
at a quiet hour is a batch of its own and pays it for each of its statements (BENCHMARKS.md). Here a Core statement
is compiled once per dialect by SQLAlchemy, and its SQL text and every parameter's bind processor are SQLAlchemy's
own: what is written is what SQLAlchemy would write (tests/test_raw.py compares the stored rows). Only statements
whose results need no type conversion back (strings and integers) are run this way; the transaction is the
session's (the same sqlite3 connection, already checked out). A connection opened by aiosqlite (an SQLite URL with
options: storage/db.py) runs the same statements through SQLAlchemy. What runs here is not seen by SQLAlchemy's
``echo``, its logging or its ``before_cursor_execute`` event (storage/counting.py counts it through ``OBSERVERS``).
"""
from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ClauseElement, Executable
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler

from .sqlite_driver import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

#: called with (engine, SQL text) for each statement run here: storage/counting.py counts them as it counts
#: SQLAlchemy's own ``before_cursor_execute`` events
OBSERVERS: list[Callable[[Any, str], None]] = []


@dataclass(frozen=True)
class Raw:
    """A statement compiled for one dialect: its SQL text, its positional parameters' names and their processors."""

    sql: str
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]
    statement: Executable             # run through SQLAlchemy where the driver is not storage/sqlite_driver.py

    def row(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(value if process is None else process(value)
                     for process, value in zip(self.processors, [params[n] for n in self.names]))


def compile_raw(statement: Executable, dialect: Dialect, keys: Sequence[str] | None = None) -> Raw:
    """``statement`` as SQLAlchemy compiles it for ``dialect`` (``keys``: an INSERT's or UPDATE's columns given)."""
    if not isinstance(statement, ClauseElement):
        raise TypeError("not a Core statement")
    compiled = statement.compile(dialect=dialect, column_keys=list(keys) if keys is not None else None)
    if not isinstance(compiled, SQLCompiler):
        raise TypeError("not an SQL statement")
    names = tuple(compiled.positiontup or ())
    if compiled.string.count("?") != len(names):
        raise ValueError("not a statement with plain positional parameters")
    processors = tuple(compiled.binds[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names)
    return Raw(compiled.string, names, processors, statement)


async def run(conn: AsyncConnection, raw: Raw, params: Mapping[str, Any] | Sequence[Mapping[str, Any]]
              ) -> list[tuple[Any, ...]]:
    """Run ``raw`` in ``conn``'s transaction: one row of parameters (rows returned) or many (an executemany)."""
    driver = (await conn.get_raw_connection()).driver_connection
    if not isinstance(driver, Connection):     # an SQLite URL with options, or :memory:, opened by aiosqlite
        result = await conn.execute(raw.statement, params)
        return [tuple(row) for row in result] if result.returns_rows else []
    for observe in OBSERVERS:
        observe(conn.sync_engine, raw.sql)
    cursor = driver.cursor()
    try:
        if isinstance(params, Mapping):
            await cursor.execute(raw.sql, raw.row(params))
            rows: list[tuple[Any, ...]] = await cursor.fetchall()
            return rows
        await cursor.executemany(raw.sql, [raw.row(p) for p in params])
        return []
    except sqlite3.Error as exc:
        # SQLAlchemy's own exception for it (OperationalError, IntegrityError, …), as its execution raises: the
        # pipeline retries a locked database by it (storage/db.py retryable), and its text never shows the values
        raise DBAPIError.instance(raw.sql, params, exc, sqlite3.Error, hide_parameters=True, dialect=conn.dialect) from exc

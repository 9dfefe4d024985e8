"""The PostgreSQL test database: one per test process (per pytest-xdist worker), migrated and seeded once, and
emptied between tests by deleting only the rows a test wrote.

A TRUNCATE of all ~35 tables costs PostgreSQL about a second per test (new files for every table and index,
then a flush); Alembic per test adds more. Most tests write to a handful of tables, so the reset asks which
tables hold rows (one query), deletes those rows children-first, restarts every sequence that was used (ids
start at 1 again, as TRUNCATE ... RESTART IDENTITY did) and puts back the default program (migration 0017),
all in one round trip. The area tree is loaded once and kept, as before.
"""
from __future__ import annotations

import asyncio
import graphlib
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

KEPT = {"areas", "alembic_version"}      # loaded once per session; never written by the tests
ALWAYS = {"programs"}                    # holds the default program: emptied and refilled every time


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def worker_url(base: str, worker: str) -> str:
    """``base`` itself outside pytest-xdist; under it, a database of the worker's own beside it (test_gw0)."""
    if not worker:
        return base
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"{parts.path}_{worker}"))


def _name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


async def _admin(base: str, *statements: str) -> None:
    import asyncpg
    conn = await asyncpg.connect(_dsn(base))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def create(base: str, url: str) -> None:
    """A new empty database for ``url``, made over a connection to ``base`` (a leftover of a killed run goes)."""
    name = _name(url).replace('"', '""')
    asyncio.run(_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'))


def drop(base: str, url: str) -> None:
    name = _name(url).replace('"', '""')
    asyncio.run(_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@dataclass
class State:
    url: str
    tables: list[str]            # children before parents: the order rows can be deleted in
    default_program: str

    def reset(self) -> None:
        asyncio.run(self._reset())

    async def _reset(self) -> None:
        import asyncpg
        conn = await asyncpg.connect(_dsn(self.url))
        try:
            probe = " UNION ALL ".join(f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in self.tables)
            dirty = {r[0] for r in await conn.fetch(probe)} | ALWAYS
            deletes = "".join(f'DELETE FROM "{t}";' for t in self.tables if t in dirty)
            # the statements run as one transaction (simple query protocol); nobody waits on its flush
            await conn.execute(
                "BEGIN; SET LOCAL synchronous_commit = off;" + deletes +
                "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, 1, false) "
                "FROM pg_sequences WHERE last_value IS NOT NULL;" + self.default_program + "; COMMIT;")
        finally:
            await conn.close()


def prepare(url: str, area_names: dict[str, str]) -> State:
    """Migrate, load the area tree, empty every other table (a run before may have left rows), and learn the
    order in which the tables' rows can be deleted."""
    from storage.db import Database
    from storage.programs import DEFAULT_PROGRAM_SQL

    async def build() -> list[str]:
        db = Database(url)
        try:
            await db.migrate()
            await db.seed_areas(area_names)
        finally:
            await db.close()
        import asyncpg
        conn = await asyncpg.connect(_dsn(url))
        try:
            tables = [r[0] for r in await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'") if r[0] not in KEPT]
            edges = await conn.fetch(
                "SELECT c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent "
                "FROM pg_constraint c WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace")
            await conn.execute(f"TRUNCATE {', '.join(f'{chr(34)}{t}{chr(34)}' for t in tables)} "
                               f"RESTART IDENTITY CASCADE; {DEFAULT_PROGRAM_SQL}")
        finally:
            await conn.close()
        # a parent comes after every table referring to it; a table referring to itself is emptied in one go
        graph: dict[str, set[str]] = {t: set() for t in tables}
        for e in edges:
            child, parent = e["child"].strip('"'), e["parent"].strip('"')
            if child != parent and parent in graph and child in graph:
                graph[parent].add(child)
        return list(graphlib.TopologicalSorter(graph).static_order())

    return State(url, asyncio.run(build()), DEFAULT_PROGRAM_SQL)

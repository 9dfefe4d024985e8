"""What the benchmarks share: a database opened fresh (PostgreSQL: emptied) and kader in bulk."""
from __future__ import annotations

import asyncio
import concurrent.futures
import os
from datetime import datetime, timezone
from typing import Callable

#: the PostgreSQL benchmarks' database: a database of their own, as they empty every table (never ``test``, which
#: the test suite and CI use); created on first use
PG = os.environ.get("PANTAU_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/pantau_bench")


def postgres_url() -> str:
    """``PG``, created when it does not exist yet; refused when it names the database ``test``."""
    from sqlalchemy.engine import make_url
    url = make_url(PG)
    if url.database == "test":
        raise SystemExit("bench: refusing to empty the database 'test' (the tests' and CI's); set "
                         "PANTAU_BENCH_POSTGRES_URL to a database of its own, e.g. .../pantau_bench")

    async def create() -> None:
        import asyncpg
        conn = await asyncpg.connect(user=url.username, password=url.password, host=url.host, port=url.port or 5432,
                                     database="postgres")
        try:
            if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", url.database):
                await conn.execute(f'CREATE DATABASE "{url.database}"')
        finally:
            await conn.close()
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(create())
    else:                          # called from a coroutine (bench.webhooks): on a loop of its own
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, create()).result()
    return PG


async def open_fresh(url: str, postgres: bool):
    """A ready Pipeline on ``url``; on PostgreSQL its tables are emptied first (a fresh SQLite file is
    empty anyway)."""
    from sqlalchemy import text

    from bot.pipeline import Pipeline
    from storage.db import Database
    from storage.models import Base
    from storage.programs import DEFAULT_PROGRAM_SQL

    db = Database(url)
    if postgres:
        await db.migrate()
        names = [t.name for t in Base.metadata.sorted_tables if t.name not in ("areas", "form_versions")]
        async with db.engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
            await conn.execute(text(DEFAULT_PROGRAM_SQL))   # the default program (migration 0015)
    return await Pipeline.open(db)


def all_desa() -> list[str]:
    from bot import catalog
    return [c for c in catalog.area_names() if c.count(".") == 3]


async def add_kader(db, areas: list[str], channel: str | None = None,
                    external_id: Callable[[int], str] | None = None, chunk: int = 5000) -> None:
    """One kader per area (contact ids 1…n), with an identity ``external_id(i)`` on ``channel`` if given."""
    from sqlalchemy import insert

    from storage.models import Contact, Identity
    now = datetime.now(timezone.utc)
    async with db.engine.begin() as conn:
        for start in range(0, len(areas), chunk):
            part = list(enumerate(areas[start:start + chunk], start))
            await conn.execute(insert(Contact), [{"id": i + 1, "name": f"Kader {i}", "role": "kader", "area_code": code,
                                                  "lang": "id", "created_at": now} for i, code in part])
            if channel:
                await conn.execute(insert(Identity), [{"channel": channel, "external_id": external_id(i),
                                                       "contact_id": i + 1} for i, _ in part])

"""A database already at the newest migration is opened without loading Alembic (every `pantau` command and server
start did, ~0.1 s); one behind it, or a new one, is still migrated."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from storage.db import MIGRATIONS, Database, alembic_config
from storage.migrations import HEAD

ROOT = Path(__file__).resolve().parent.parent

OPEN = """
import asyncio, sys
from storage.db import Database
db = Database(sys.argv[1])
asyncio.run(db.migrate())
print("alembic" in sys.modules)
"""


def test_head_is_alembics_newest_revision():
    from alembic.script import ScriptDirectory
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert heads == [HEAD], f"storage/migrations/__init__.py HEAD is {HEAD}; the newest migration in {MIGRATIONS} is {heads}"


def _opened_loads_alembic(url: str) -> bool:
    out = subprocess.run([sys.executable, "-c", OPEN, url], capture_output=True, text=True, cwd=ROOT, check=True)
    return out.stdout.strip() == "True"


async def _version(url: str) -> list[str]:
    db = Database(url)
    async with db.engine.connect() as conn:
        versions = list((await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars())
    await db.close()
    return versions


async def test_a_new_database_is_migrated_and_one_at_the_head_is_opened_without_alembic(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'new.db'}"
    assert _opened_loads_alembic(url), "a new database needs its schema"
    assert await _version(url) == [HEAD]
    assert not _opened_loads_alembic(url), "a database at the newest migration was migrated again"


async def test_a_database_one_migration_behind_is_brought_to_the_head(db_url):
    from alembic import command
    db = Database(db_url)
    async with db.engine.begin() as conn:
        await conn.run_sync(lambda sync: command.downgrade(alembic_config(sync), "-1"))
    assert not await db.at_head()
    await db.migrate()
    assert await db.at_head()
    await db.close()
    assert await _version(db_url) == [HEAD]

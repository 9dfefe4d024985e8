"""What a `pantau` command loads at its start (issue 29): every command, and every server restart, paid ~0.3 s for
libraries only some of them use. Deterministic, like the perf guard: which modules are imported, not how long."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# loaded where they are used: migrations to run, a photo to fetch, an unusual date, an area search, an Excel file
LATER = ("alembic", "httpx", "dateparser", "numpy", "openpyxl", "matplotlib")

LOADED = """
import json, sys
{setup}
print(json.dumps(sorted(m for m in {later!r} if m in sys.modules)))
"""


def _loaded(setup: str) -> list[str]:
    code = LOADED.format(setup=setup, later=LATER)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(out.stdout)


def test_the_pantau_command_and_the_pipeline_load_none_of_them():
    assert _loaded("import bot.cli.main, bot.pipeline, bot.cli.run") == []


@pytest.mark.parametrize("what, setup, loads", [
    ("a photo fetched", "from bot import media; media._tls()", ["httpx"]),
    ("a date dateparser reads", "from flows import dates; dates.load()", ["dateparser"]),
    ("the area search tables", "from bot import catalog; catalog.area_index().prepare()", ["numpy"]),
])
def test_each_is_loaded_when_it_is_first_needed(what, setup, loads):
    assert set(loads) <= set(_loaded(setup)), what


def test_the_web_app_is_built_without_openpyxl(tmp_path):
    setup = f"""
import asyncio
from bot.background import Background
from bot.pipeline import Pipeline
from bot.server import build_app
from storage.db import Database
async def main():
    db = Database("sqlite+aiosqlite:///{tmp_path / 'p.db'}")
    await db.migrate()
    build_app(await Pipeline.open(db), {{}}, run_senders=False, background=Background(scheduler=False))
    await db.close()
asyncio.run(main())
"""
    assert "openpyxl" not in _loaded(setup)

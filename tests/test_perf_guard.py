"""The performance guard (issue 29): SQL statements and Python function calls per message of a fixed
scripted batch, counted — not timed, so it cannot flake on a loaded machine — must not grow by more
than 10 % over the figures committed in bench/guard.json. A change that costs more on purpose records
its new figures (``python -m bench.guard --write``) with a line in BENCHMARKS.md saying why."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ALLOWED_GROWTH = 1.10


@pytest.fixture(scope="module")
def measured(sqlite_template, tmp_path_factory) -> dict:
    """bench/guard.py in a process of its own (no other test's caches or patches; one hash seed)."""
    path = tmp_path_factory.mktemp("guard") / "pantau.db"
    shutil.copy(sqlite_template, path)
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    out = subprocess.run([sys.executable, "-m", "bench.guard", "--url", f"sqlite+aiosqlite:///{path}"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout)


def committed() -> dict:
    return json.loads((ROOT / "bench" / "guard.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("scenario", ["batched", "single"])
@pytest.mark.parametrize("count", ["sql_per_message", "calls_per_message"])
def test_work_per_message_does_not_grow(measured, scenario, count):
    now, limit = measured[scenario][count], committed()[scenario][count]
    assert measured[scenario]["messages"] == committed()[scenario]["messages"], "the script changed: --write"
    assert now <= limit * ALLOWED_GROWTH, (
        f"{scenario}: {count} grew from {limit} to {now} (more than 10 %). If this cost is intended, run "
        f"`python -m bench.guard --write` and say why in BENCHMARKS.md; `--detail` shows where it went.")


def test_the_counts_are_the_same_run_to_run(measured, sqlite_template, tmp_path):
    """The guard can only be trusted if it cannot flake: a second run counts exactly the same."""
    path = tmp_path / "again.db"
    shutil.copy(sqlite_template, path)
    again = subprocess.run([sys.executable, "-m", "bench.guard", "--url", f"sqlite+aiosqlite:///{path}"],
                           cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": "0"}, capture_output=True, text=True,
                           timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert json.loads(again.stdout) == measured

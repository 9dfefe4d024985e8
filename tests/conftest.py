"""Shared fixtures: a fixed clock, the engine in memory, and a migrated database (SQLite or PostgreSQL).

The database backend comes from PANTAU_TEST_DB (sqlite, the default, or postgres). PostgreSQL is
taken from PANTAU_TEST_POSTGRES_URL (default 127.0.0.1:5432, user postgres, database test); where it
cannot be reached the tests that need it skip with the reason.
"""
from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot import catalog, lexicon_files
from flows.engine import advance
from flows.types import Context, ContactView, Inbound, RoundView

NOW = datetime(2024, 8, 15, 3, 0, tzinfo=timezone.utc)   # Thursday 10:00 WIB
PG_URL = os.environ.get("PANTAU_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
BACKEND = os.environ.get("PANTAU_TEST_DB", "sqlite")
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")   # gw0, gw1, … under pytest-xdist (-n)
ROOT = Path(__file__).resolve().parent.parent


def postgres_reachable() -> str | None:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return None
    except OSError as exc:
        return f"PostgreSQL not reachable at 127.0.0.1:5432 ({exc})"


class Chat:
    """A person talking to the pure engine: keeps session, contact and saved reports like the pipeline does."""

    def __init__(self, forms, now=NOW, rounds=(), contact=None, invites=None):
        self.forms, self.now, self.rounds = forms, now, tuple(rounds)
        self.session, self.contact, self.reports, self.invites = None, contact, [], invites or {}
        self.previous: dict = {}
        self.recent: tuple = ()

    def ctx(self) -> Context:
        return Context(now=self.now, forms=self.forms, gettext=catalog.gettext_for, contact=self.contact,
                       areas=catalog.area_index(), invites=self.invites, rounds=self.rounds,
                       previous=self.previous, recent_reports=self.recent, lexicons=lexicon_files.lexicons())

    def step(self, text: str = "", **kw):
        step = advance(self.session, Inbound("test", "u", "m", text=text, **kw), self.ctx())
        self.session = step.session
        if step.contact:
            self.contact = ContactView(1, step.contact.name, step.contact.role, step.contact.area_code,
                                       step.contact.lang)
        if step.language and self.contact:
            self.contact = replace(self.contact, lang=step.language)
        if step.report:
            self.reports.append(step.report)
        return step

    def say(self, text: str = "", **kw) -> str:
        """All reply texts (with numbered choices) as one string, as a user would read them."""
        out = []
        for r in self.step(text, **kw).replies:
            out.append(r.text)
            out += [f"{i}. {c}" for i, c in enumerate(r.choices, 1)]
        return "\n".join(out)


# modules marked as a whole (pytest -m "not slow" is the quick loop; README "Tests")
MODULE_MARKS = {
    "test_crash": ("crash", "slow"), "test_crash_telegram": ("crash", "slow"),
    "test_web_browser": ("browser", "slow"), "test_programs_browser": ("browser", "slow"),
    "test_cli_e2e": ("slow",), "test_api_cli": ("slow",), "test_programs_cli": ("slow",), "test_telegram": ("slow",),
    "test_whatsapp": ("slow",), "test_loop_cycle_peers": ("slow",),
    # `pantau` as a subprocess per step (each start imports the app and builds the area index) or `pantau serve`
    "test_access_e2e": ("slow",), "test_background": ("slow",),
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1]
        for mark in MODULE_MARKS.get(module, ()):
            item.add_marker(mark)
        # .ci/run collects only tests/test_crash*.py for its `-m crash` runs: a crash test elsewhere would run nowhere
        if item.get_closest_marker("crash") and not module.startswith("test_crash"):
            raise pytest.UsageError(f"{item.nodeid}: crash tests live in tests/test_crash*.py (.ci/run)")
    # the long ones first: under pytest-xdist a 30-second test handed out last keeps the run waiting on one worker
    items.sort(key=lambda item: not (item.get_closest_marker("slow") or item.module.__name__.endswith(LONG)))


LONG = ("test_perf_guard", "test_loop_cycle", "test_engine_fuzz")     # long tests not marked slow


@pytest.fixture(autouse=True)
def fresh_settings(tmp_path, monkeypatch):
    """Settings are read once per process; each test reads them again (after its own monkeypatch.setenv).
    Data and media (charts, Excel files, photos) go under the test's own folder, never the home directory."""
    from bot import config
    monkeypatch.setenv("PANTAU_DATA_DIR", str(tmp_path / "pantau-data"))
    monkeypatch.setenv("PANTAU_MEDIA_DIR", str(tmp_path / "pantau-data" / "media"))
    config._current = None
    yield
    config._current = None


@pytest.fixture(scope="session", autouse=True)
def _no_program_forms(tmp_path_factory):
    """The tests see the built-in forms only, never the forms folder of the machine running them."""
    os.environ["PANTAU_FORMS_DIR"] = str(tmp_path_factory.mktemp("program-forms"))


@pytest.fixture(scope="session")
def forms():
    return catalog.load_forms()


@pytest.fixture
def kader(forms):
    contact = ContactView(1, "Siti Aminah", "kader", "81.05.08.2010", "id")   # Desa Kilmury
    return Chat(forms, contact=contact, rounds=[RoundView("Juli 2024", "2024-07-01", "2024-08-31")])


# ------------------------------------------------------------------ databases

@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """One migrated SQLite file with the area tree; each test gets a copy (seeding takes seconds)."""
    from storage.db import Database
    path = tmp_path_factory.mktemp("template") / "pantau.db"

    async def build():
        db = Database(f"sqlite+aiosqlite:///{path}")
        await db.migrate()
        await db.seed_areas(catalog.area_names())
        async with db.engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        await db.close()
    asyncio.run(build())
    return path


@pytest.fixture(scope="session")
def postgres_db():
    """The PostgreSQL database of this test process, migrated and seeded once; ``db_url`` empties it per test.
    Under pytest-xdist each worker has its own, created beside PANTAU_TEST_POSTGRES_URL's (its name + _gw0, …)
    and dropped at the end."""
    from . import pg_reset
    reason = postgres_reachable()
    if reason:
        pytest.skip(reason)
    url = pg_reset.worker_url(PG_URL, WORKER)
    if url != PG_URL:
        pg_reset.create(PG_URL, url)
    try:
        state = pg_reset.prepare(url, catalog.area_names())
        yield state
    finally:
        if url != PG_URL:
            pg_reset.drop(PG_URL, url)


@pytest.fixture
def db_url(request, tmp_path) -> str:
    """A fresh, migrated database with the area tree, on the backend under test."""
    if BACKEND == "postgres":
        state = request.getfixturevalue("postgres_db")
        state.reset()
        return state.url
    path = tmp_path / "pantau.db"
    shutil.copy(request.getfixturevalue("sqlite_template"), path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def cli_env(tmp_path, db_url) -> dict:
    env = dict(os.environ)
    env.update(PANTAU_DATABASE_URL=db_url, PANTAU_DATA_DIR=str(tmp_path / "data"),
               PANTAU_NOW=NOW.isoformat(), PANTAU_LOG_LEVEL="WARNING")
    return env


async def open_pipeline(url: str, now=NOW, **kw):
    """The pipeline over the database at ``url`` on a fixed clock: ``now`` is an instant (NOW by default) or a
    callable for a clock the test moves. The test closes it (``await p.db.close()``)."""
    from bot.pipeline import Pipeline
    from storage.db import Database
    return await Pipeline.open(Database(url), now=now if callable(now) else (lambda: now), **kw)


@pytest.fixture(scope="session")
def _emulator_process():
    """One telegram-test-api Bot API emulator (tests/telegram/emulator.js) per test process, on a free port:
    starting node costs ~0.8 s, and about forty tests use it."""
    from .twilio_peer import free_port
    port = free_port()
    with subprocess.Popen(["node", str(ROOT / "tests" / "telegram" / "emulator.js"), str(port)],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT) as proc:
        _read_until(proc, b"ready")
        yield proc, f"http://127.0.0.1:{port}"
        proc.terminate()
        proc.wait(10)


@pytest.fixture
def emulator(_emulator_process):
    """The emulator's base URL, emptied for this test (no update or message of an earlier test; ids from 1).
    Tests that use it carry ``tests.telegram.harness.needs_emulator``."""
    proc, url = _emulator_process
    proc.stdin.write(b"reset\n")
    proc.stdin.flush()
    _read_until(proc, b"reset")
    return url


def _read_until(proc: subprocess.Popen, line: bytes) -> None:
    """Wait for the emulator to print ``line`` (anything node prints before it, a warning, is passed over)."""
    seen = []
    while (got := proc.stdout.readline()).strip() != line:
        assert got, b"".join(seen).decode(errors="replace")    # the emulator ended
        seen.append(got)

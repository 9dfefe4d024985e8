"""The performance guard: SQL statements and Python function calls per message for a fixed scripted batch.

    python -m bench.guard            # print the counts (JSON) and compare them with bench/guard.json
    python -m bench.guard --write    # record the counts in bench/guard.json (say why in BENCHMARKS.md)

Wall-clock figures depend on the machine and on what else runs on it; these counts do not. A fixed
script (each person registers, sends a meeting report and a monitoring report of two activities, then
looks at "ubah") runs through the real ``Pipeline`` on a fresh SQLite database with the clock fixed,
the people's n-th messages together in one batch (as the group commit takes them under load). A first
group of people warms the process up (caches, SQLAlchemy's compiled statements); the counts are taken
on a second group: statements sent to the database (storage/counting.py) and Python function calls
made in the event loop's thread (``sys.setprofile``; the event loop's own machinery — asyncio,
selectors, threading — is left out, as its count depends on when the database thread answers).
tests/test_perf_guard.py runs this in a fresh process (PYTHONHASHSEED=0) and fails when either count
grows by more than 10 % over bench/guard.json.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

GUARD_FILE = Path(__file__).with_name("guard.json")
NOW = datetime(2024, 8, 15, 3, 0, tzinfo=timezone.utc)
#: people (name, desa as typed): each search finds exactly one desa; the first WARM ones warm up
PEOPLE = [("Keude Bakongan", "Keude Bakongan, Bakongan"), ("Ujung Kampung", "Ujung Kampung, Samadua"),
          ("Blang Poroh", "Blang Poroh, Labuhanhaji Barat"), ("Lawe Tua", "Lawe Tua Gabungan, Lawe Sigala-Gala"),
          ("Peranginan", "Peranginan, Badar"), ("Bambel Baru", "Bambel Baru, Bukit Tusam"),
          ("Lawe Hakhum", "Lawe Hakhum, Deleng Pokhkisen"), ("Bagok Panah", "Bagok Panah Sa, Darul Aman"),
          ("Paya Bili", "Paya Bili Sa, Birem Bayeun"), ("Alue Rambong", "Alue Rambong, Peureulak"),
          ("Lueng Dua", "Lueng Dua, Madat"), ("Seuneubok Jalan", "Seuneubok Jalan, Peureulak Timur")]
WARM = 4
MEETING = ["1", "1", "kemarin", "Balai desa", "L 79 P 38", "20", "2", "lewati", "lewati", "kirim"]
MONITORING = ["2", "Kebun sayur", "1", "3", "bibit terlambat", "1, 4", "bibit sayur", "L 10 P 25",
              "Tenun ikat", "4", "1", "5", "L 3 P 12", "selesai", "kirim"]
#: loop machinery whose call count depends on thread timing, not on the work
_SKIP = ("/asyncio/", "/selectors.py", "/threading.py", "/queue.py", "/concurrent/")


def script(name: str, desa: str) -> list[str]:
    return ["halo", f"Kader {name}", "1", desa, "ya", *MEETING, *MONITORING, "ubah", "menu"]


class CallCounter:
    """Python function calls (and coroutine resumptions) in this thread while ``on``, by module file."""

    def __init__(self):
        self.by_file: Counter = Counter()
        self._skip: dict[str, bool] = {}

    def _profile(self, frame, event, arg):
        if event == "call":
            name = frame.f_code.co_filename
            skip = self._skip.get(name)
            if skip is None:
                skip = self._skip[name] = any(part in name for part in _SKIP)
            if not skip:
                self.by_file[name] += 1

    def __enter__(self):
        sys.setprofile(self._profile)
        return self

    def __exit__(self, *exc):
        sys.setprofile(None)


class Profiled(CallCounter):
    """The same measured work under cProfile instead (``--profile FILE``: where the calls are, by function)."""

    def __init__(self, profiler):
        super().__init__()
        self.profiler = profiler

    def __enter__(self):
        self.profiler.enable()
        return self

    def __exit__(self, *exc):
        self.profiler.disable()


async def run(url: str, profiler=None) -> dict:
    from bot.pipeline import Pipeline
    from flows.types import Inbound
    from storage.counting import counting
    from storage.db import Database
    from storage.repo import upsert_round

    from bot import catalog
    from storage import webhooks
    # the webhook subscriptions are read again every few seconds of wall clock: counted, that read would
    # depend on how fast the machine is; the guard counts the steady state between two reads
    webhooks.CACHE_SECONDS = float("inf")
    # the built-in forms only, never the forms folder of the machine it runs on
    pipeline = await Pipeline.open(Database(url), form_dirs=[catalog.FORMS_DIR], now=lambda: NOW)
    async with pipeline.db.session() as s:
        await upsert_round(s, "Juli 2024", "2024-07-01", "2024-08-31")

    async def send(people: list[int], together: bool, calls: CallCounter | None) -> None:
        """Each person's script; their n-th messages in one batch (``together``) or each in its own."""
        for j in range(len(script(*PEOPLE[0]))):
            batch = [(Inbound("terminal", f"+62812000000{u:02d}", f"u{u}-{j}", text=script(*PEOPLE[u])[j]), None)
                     for u in people]
            for part in [batch] if together else [[item] for item in batch]:
                if calls is None:
                    await pipeline.handle_batch(part)
                else:
                    with calls:
                        await pipeline.handle_batch(part)

    await send(list(range(WARM // 2)), True, None)
    await send(list(range(WARM // 2, WARM)), False, None)
    out: dict = {}
    half = (len(PEOPLE) - WARM) // 2
    for name, people, together in (("batched", range(WARM, WARM + half), True),
                                   ("single", range(WARM + half, len(PEOPLE)), False)):
        calls = CallCounter() if profiler is None else Profiled(profiler)
        with counting(pipeline.db) as statements:
            await send(list(people), together, calls)
        messages = len(people) * len(script(*PEOPLE[0]))
        out[name] = {"messages": messages,
                     "sql_per_message": round(sum(statements.values()) / messages, 2),
                     "calls_per_message": round(sum(calls.by_file.values()) / messages, 1),
                     "statements": dict(sorted(statements.items())),
                     "calls_by_module": {_short(f): n for f, n in calls.by_file.most_common(25)}}
    reports = await _count_reports(pipeline)
    await pipeline.db.close()
    if reports != 2 * len(PEOPLE):       # the script must still reach both "tersimpan"
        raise SystemExit(f"the script no longer sends its reports ({reports}): fix bench/guard.py")
    return out


def _short(path: str) -> str:
    for root in ("site-packages/", "/wt-perf/", "/lib/python"):
        if root in path:
            return path.split(root, 1)[1]
    return path


async def _count_reports(pipeline) -> int:
    from sqlalchemy import func, select

    from storage.models import Report
    async with pipeline.db.session() as s:
        return await s.scalar(select(func.count()).select_from(Report))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", help="a migrated database with the area tree (default: a fresh SQLite file)")
    ap.add_argument("--write", action="store_true", help="record the counts in bench/guard.json")
    ap.add_argument("--detail", action="store_true", help="print statements and calls by module too")
    ap.add_argument("--profile", metavar="FILE", help="profile the measured work with cProfile into FILE instead")
    a = ap.parse_args()
    url = a.url or f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/guard.db"
    profiler = None
    if a.profile:
        import cProfile
        profiler = cProfile.Profile()
    result = asyncio.run(run(url, profiler))
    if profiler is not None:
        profiler.dump_stats(a.profile)
        return
    keep = {name: {k: r[k] for k in ("messages", "sql_per_message", "calls_per_message")}
            for name, r in result.items()}
    print(json.dumps(result if a.detail else keep, indent=1))
    if a.write:
        GUARD_FILE.write_text(json.dumps(keep, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

"""The data API's pulls: a full pull of every report through the cursor, page after page, and an incremental
pull of the last 1,000 changes through /api/v1/changes.

    python -m bench.api --db sqlite|postgres [--desa 2000] [--limit 1000]

Loads the reports of bench.rollup (15 per desa: 12 meetings, 3 monitoring rounds; all 83,762 desa ≈ 1.26 M),
one ``changes`` row per report, and keys for the whole country, for the largest province and for one program;
then pulls over HTTP (httpx on the ASGI app: routing, key check, audit row, query, JSON) and prints the page
p50/p99/max (and the p99 of the deepest tenth of the pages), rows per second, the process's CPU per page, the
full garbage collections during the pull and the machine's load average; then the last 1,000 changes
(whole country, and through a key of one program). Targets: page p99 ≤ 50 ms at any depth (no OFFSET), full
pull ≥ 20,000 rows/s on SQLite. The reports go in by bulk inserts of 20,000 (bench.rollup ``load``): all
83,762 desa (1.26 M reports) load in a few minutes. The start-up heap is frozen before the pulls, as
`pantau serve` does (``--no-settle``: not, as this bench did before 5 December 2026).
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import tempfile
import time
from datetime import datetime, timezone

import orjson

from bench.rollup import load, postgres_url


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


CPU: list[float] = []       # the process's CPU seconds of each page of the last pull (the driver thread's too)
FULL_GC: list[float] = []   # seconds of each full (generation 2) collection of the garbage collector
_gc_started = [0.0]


def _watch_gc(phase: str, info: dict[str, int]) -> None:
    if info["generation"] == 2:
        if phase == "start":
            _gc_started[0] = time.process_time()
        else:
            FULL_GC.append(time.process_time() - _gc_started[0])


async def pull(http, path: str, key: str, limit: int, cursor: str | None = None, pages: int | None = None
               ) -> tuple[int, list[float], float]:
    rows, times = 0, []
    CPU.clear()
    t0 = time.perf_counter()
    while pages is None or len(times) < pages:
        params = {"limit": str(limit), **({"cursor": cursor} if cursor else {})}
        t, c = time.perf_counter(), time.process_time()
        r = await http.get(path, params=params, headers={"Authorization": f"Bearer {key}"})
        times.append(time.perf_counter() - t)
        CPU.append(time.process_time() - c)
        assert r.status_code == 200, r.text
        body = orjson.loads(r.content)     # the client's own parsing is not the server's page
        rows += len(body["data"])
        cursor = body["next_cursor"]
        if not body["data"] or not cursor or (path.endswith("changes") and not body["more"]):
            break
    return rows, times, time.perf_counter() - t0


async def measure(url: str, limit: int, settle: bool = True) -> dict[str, float]:
    import httpx
    from sqlalchemy import func, select, text
    from starlette.applications import Starlette

    from bot.web.api import RateLimit, routes
    from bot.web.api.cursor import encode
    from bot.pipeline import Pipeline, settle_heap
    from storage.api_clients import create_client
    from storage.db import Database
    from storage.models import Change

    p = await Pipeline.open(Database(url))
    now = datetime.now(timezone.utc)
    async with p.db.session() as s:
        if not await s.scalar(select(func.count()).select_from(Change)):      # a reused database has them
            await s.execute(text("INSERT INTO changes (txid, report_id, area_code, kab, op, at) "
                                 "SELECT 0, id, area_code, substr(area_code, 1, 5), 'upsert', updated_at FROM reports "
                                 "ORDER BY id"))
        _, key = await create_client(s, "bench", [""], ["read:reports"], 1, now)
        province = await s.scalar(text("SELECT substr(area_code, 1, 2) FROM reports GROUP BY 1 ORDER BY count(*) DESC"))
        _, province_key = await create_client(s, "bench province", [province], ["read:reports"], 1, now)
        _, program_key = await create_client(s, "bench program", [""], ["read:reports"], 1, now, [1])
        kab = await s.scalar(text("SELECT substr(area_code, 1, 5) FROM reports GROUP BY 1 ORDER BY count(*) DESC"))
        _, kab_key = await create_client(s, "bench kabupaten", [kab], ["read:reports"], 1, now)
        await s.commit()
        last = int(await s.scalar(select(func.max(Change.id))) or 0)
    app = Starlette(routes=routes(p, RateLimit(10_000_000)))
    if settle:      # as `pantau serve` does once warm (bot/server.py): else every full collection walks the
        settle_heap()       # start-up heap (forms, areas, libraries): 70-90 ms of CPU, the slowest 1 % of pages
    out: dict[str, float] = {}
    gc.callbacks.append(_watch_gc)
    FULL_GC.clear()
    out["load_average_before"] = os.getloadavg()[0]     # other processes on the machine: wall times depend on it
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as http:
        rows, times, took = await pull(http, "/api/v1/reports", key, limit)
        out.update(full_pull_full_gcs=len(FULL_GC), full_gc_cpu_max_ms=max(FULL_GC, default=0) * 1000)
        deep = times[len(times) * 9 // 10:] or times
        out.update(full_rows=rows, full_pages=len(times), full_rows_per_s=rows / took,
                   page_p50_ms=statistics.median(times) * 1000, page_p99_ms=percentile(times, 99) * 1000,
                   page_max_ms=max(times) * 1000, deepest_tenth_p99_ms=percentile(deep, 99) * 1000,
                   first_page_ms=times[0] * 1000, last_page_ms=times[-2 if len(times) > 1 else -1] * 1000,
                   full_rows_per_cpu_s=rows / sum(CPU), page_cpu_p50_ms=statistics.median(CPU) * 1000,
                   page_cpu_p99_ms=percentile(CPU, 99) * 1000)
        rows, times, took = await pull(http, "/api/v1/reports", province_key, limit)
        out.update(province_rows=rows, province_page_p50_ms=statistics.median(times) * 1000,
                   province_page_p99_ms=percentile(times, 99) * 1000, province_page_cpu_p99_ms=percentile(CPU, 99) * 1000)
        start = encode("changes", [0, max(0, last - 1000)])
        rows, times, took = await pull(http, "/api/v1/changes", key, 500, start)
        out.update(incremental_rows=rows, incremental_ms=took * 1000,
                   changes_page_p99_ms=percentile(times, 99) * 1000)
        rows, times, took = await pull(http, "/api/v1/changes", program_key, 500, start)
        out.update(program_incremental_rows=rows, program_incremental_ms=took * 1000)
        rows, times, took = await pull(http, "/api/v1/changes", kab_key, 500)      # a kabupaten's whole feed
        out.update(kab_feed_rows=rows, kab_feed_page_p99_ms=percentile(times, 99) * 1000,
                   kab_feed_page_cpu_p99_ms=percentile(CPU, 99) * 1000)
    out["load_average_after"] = os.getloadavg()[0]
    gc.callbacks.remove(_watch_gc)
    await p.db.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--desa", type=int, default=2000, help="desa loaded (15 reports each; all 83,762 ≈ 1.26 M)")
    ap.add_argument("--limit", type=int, default=1000, help="rows per page")
    ap.add_argument("--no-settle", action="store_true", help="leave the start-up heap to the garbage collector "
                    "(as before 5 December 2026; `pantau serve` freezes it)")
    ap.add_argument("--file", help="SQLite: the database file; one that exists is measured again without loading")
    a = ap.parse_args()
    path = a.file or f"{tempfile.mkdtemp()}/api.db"
    url = postgres_url() if a.db == "postgres" else f"sqlite+aiosqlite:///{path}"
    if a.db == "postgres" or not os.path.exists(path):
        desa, took = asyncio.run(load(url, a.db == "postgres", a.desa))
        print(f"loaded {len(desa):,} desa, {len(desa) * 15:,} reports in {took:.1f} s ({a.db}; {path})")
    for name, value in asyncio.run(measure(url, a.limit, not a.no_settle)).items():
        print(f"{name:22} {value:,.1f}")


if __name__ == "__main__":
    main()

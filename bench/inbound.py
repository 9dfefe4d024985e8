"""Inbound throughput through the real path (inbound record, session, engine, report, outbox), durably.

    python -m bench.inbound --users 1000 --db sqlite|postgres [--concurrency 16]

Each simulated kader (registered beforehand) sends a 6-message meeting report
("1", "1", "kemarin", "Balai desa", "L 79 P 38", then the rest up to "kirim"); users are interleaved.
Prints one line: throughput_msgs_per_s=… p50_ms=… p99_ms=… reports=…
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time

from bot import catalog
from bot.pipeline import Pipeline
from flows.types import Inbound, NewContact
from storage.db import Database
from storage.repo import Tx

PG = os.environ.get("PANTAU_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
SCRIPT = ["menu", "1", "1", "kemarin", "Balai desa", "L 79 P 38", "20", "2", "lewati", "lewati", "kirim"]


async def main(users: int, db_kind: str, concurrency: int) -> None:
    if db_kind == "postgres":
        url = PG
        from sqlalchemy import text
        db = Database(url)
        await db.migrate()
        async with db.engine.begin() as conn:
            await conn.execute(text("TRUNCATE inbound, outbox, sessions, report_revisions, reports, identities, "
                                    "sent_reminders, contacts RESTART IDENTITY CASCADE"))
        await db.close()
    else:
        url = f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db"
    pipeline = await Pipeline.open(Database(url))
    desa = [c for c in catalog.area_names() if c.count(".") == 3][:users]
    async with pipeline.db.session() as s, s.begin():
        tx = Tx(s)
        for i, code in enumerate(desa):
            await tx.create_contact("bench", f"u{i}", NewContact(f"Kader {i}", "kader", code, "id"),
                                    pipeline.now())
    queues = [[Inbound("bench", f"u{i}", f"u{i}-{j}", text=t) for j, t in enumerate(SCRIPT)] for i in range(users)]
    latencies: list[float] = []
    sem = asyncio.Semaphore(concurrency)

    async def user(messages):
        for m in messages:          # one person's messages in order; people interleave
            async with sem:
                t0 = time.perf_counter()
                await pipeline.handle(m)
                latencies.append(time.perf_counter() - t0)

    start = time.perf_counter()
    await asyncio.gather(*(user(q) for q in queues))
    elapsed = time.perf_counter() - start
    async with pipeline.db.session() as s:
        from sqlalchemy import func, select

        from storage.models import Report
        reports = await s.scalar(select(func.count()).select_from(Report))
    await pipeline.db.close()
    lat = sorted(latencies)
    print(f"throughput_msgs_per_s={len(lat) / elapsed:.0f} p50_ms={statistics.median(lat) * 1000:.1f} "
          f"p99_ms={lat[int(len(lat) * 0.99) - 1] * 1000:.1f} reports={reports} db={db_kind} users={users}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=500)
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--concurrency", type=int, default=16)
    a = ap.parse_args()
    asyncio.run(main(a.users, a.db, a.concurrency))

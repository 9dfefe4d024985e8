"""Inbound throughput through the real path (inbound record, session, engine, report, outbox), durably.

    python -m bench.inbound --users 10000 --db sqlite|postgres [--workers N] [--rate MSGS_PER_S]
                            [--baseline ptb] [--profile FILE]

Each simulated kader (registered beforehand) sends a 11-message meeting report ("menu", "1", "1",
"kemarin", "Balai desa", "L 79 P 38", … "kirim"), one message after the reply to the one before,
people interleaved. Without --rate as many people type at once as --concurrency allows (closed
loop: the most the server does); with --rate messages are offered at that pace (open loop: the
latency a person sees at that load). --workers N runs N processes, each with its own pipeline and
connection pool, splitting the people between them. Prints one line:
throughput_msgs_per_s=… p50_ms=… p99_ms=… reports=…
``--baseline ptb`` then runs python-telegram-bot's in-memory ConversationHandler on the same people and
script in the same run (bench/ptb_baseline.py) and prints its line and the ratio. ``--profile FILE`` runs
the one worker in this process under cProfile and writes its statistics to FILE (pstats).
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import multiprocessing as mp
import os
import random
import statistics
import tempfile
import time

from bench.setup import postgres_url

SCRIPT = ["menu", "1", "1", "kemarin", "Balai desa", "L 79 P 38", "20", "2", "lewati", "lewati", "kirim"]


async def prepare(url: str, users: int, fresh_pg: bool) -> None:
    """Schema, areas, forms and ``users`` registered kader (one per desa), written in bulk."""
    from bench.setup import add_kader, all_desa, open_fresh
    pipeline = await open_fresh(url, fresh_pg)
    await add_kader(pipeline.db, all_desa()[:users], "bench", lambda n: f"u{n}")
    await pipeline.db.close()


class Gate:
    """At most ``n`` holders, the others waiting in order: ``asyncio.Semaphore`` with an O(1) release.
    (Python 3.11's semaphore scans its waiters on every release, skipping those woken but not yet run: with
    1,500 people waiting at ``--users 2000`` that scan was a tenth of the run's CPU, the bench's own.)"""

    def __init__(self, n: int):
        self.free = n
        self.waiting: collections.deque[asyncio.Future] = collections.deque()

    async def __aenter__(self) -> None:
        if self.free > 0 and not self.waiting:
            self.free -= 1
            return
        fut = asyncio.get_running_loop().create_future()
        self.waiting.append(fut)
        await fut                      # the releaser handed its place over (``free`` unchanged)

    async def __aexit__(self, *exc) -> None:
        if self.waiting:
            self.waiting.popleft().set_result(None)
        else:
            self.free += 1


async def drive(url: str, people: list[int], concurrency: int, rate: float, start_at: float, ahead: bool = False
                ) -> tuple[list[float], int, float]:
    from bot.pipeline import Pipeline, settle_heap
    from flows.types import Inbound
    from storage.db import Database

    pipeline = await Pipeline.open(Database(url))
    pipeline.ahead.always = ahead          # bench.split --ahead: as while another process waits for the lock
    settle_heap()                          # as a server process does once it has started
    batches = 0
    original = pipeline.handle_batch

    async def counted(items):
        nonlocal batches
        batches += 1
        return await original(items)
    pipeline.handle_batch = counted
    latencies: list[float] = []
    while time.time() < start_at:          # all workers start together
        await asyncio.sleep(0.005)
    cpu = time.process_time()              # this process's CPU during the run (all its threads)
    if rate:
        # open loop: message k of the run is offered at k / rate seconds; a person's next message waits
        # for the reply to the previous one (as on a phone), so the offered pace is an upper bound
        # people start at different moments and type at their own pace: a random interleaving that
        # keeps each person's order
        rng, order, nxt = random.Random(7), [], {u: 0 for u in people}
        pool = [u for u in people for _ in SCRIPT]
        rng.shuffle(pool)
        for u in pool:
            order.append((u, nxt[u]))
            nxt[u] += 1
        step_done: dict[tuple[int, int], asyncio.Event] = {}

        async def one(u: int, j: int, at: float):
            if j:
                await step_done[(u, j - 1)].wait()
            t0 = max(at, time.perf_counter()) if j == 0 else time.perf_counter()
            await pipeline.handle(Inbound("bench", f"u{u}", f"u{u}-{j}", text=SCRIPT[j]))
            latencies.append(time.perf_counter() - t0)
            step_done[(u, j)].set()
            step_done.pop((u, j - 1), None)
        # each message becomes a task when it is offered (as a request reaches a server), so only the
        # messages in flight are held — not the whole run's 20,000 waiting coroutines, which the garbage
        # collector would walk and which no server holds
        running: set[asyncio.Task] = set()
        begin = time.perf_counter()
        for k, (u, j) in enumerate(order):
            at = begin + k / rate
            if at > time.perf_counter():
                await asyncio.sleep(at - time.perf_counter())
            step_done[(u, j)] = asyncio.Event()
            task = asyncio.create_task(one(u, j, at))
            running.add(task)
            task.add_done_callback(running.discard)
        while running:
            await asyncio.gather(*running)
    else:
        sem = Gate(concurrency)

        async def person(u: int):
            for j, t in enumerate(SCRIPT):      # one person's messages in order; people interleave
                async with sem:
                    t0 = time.perf_counter()
                    await pipeline.handle(Inbound("bench", f"u{u}", f"u{u}-{j}", text=t))
                    latencies.append(time.perf_counter() - t0)
        await asyncio.gather(*(person(u) for u in people))
    cpu = time.process_time() - cpu
    await pipeline.db.close()
    return latencies, batches, cpu


def worker(url, people, concurrency, rate, start_at, out):
    latencies, batches, cpu = asyncio.run(drive(url, people, concurrency, rate, start_at))
    out.put((latencies, batches, time.time(), cpu))


async def count_reports(url: str) -> int:
    from sqlalchemy import func, select

    from storage.db import Database
    from storage.models import Report
    db = Database(url)
    async with db.session() as s:
        n = await s.scalar(select(func.count()).select_from(Report))
    await db.close()
    return n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=10000)
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--concurrency", type=int, default=500, help="people typing at once, per worker (closed loop)")
    ap.add_argument("--rate", type=float, default=0, help="messages offered per second in all (open loop)")
    ap.add_argument("--baseline", choices=["ptb"], help="also run python-telegram-bot's in-memory baseline")
    ap.add_argument("--profile", metavar="FILE", help="run the worker in this process under cProfile")
    a = ap.parse_args()
    url = postgres_url() if a.db == "postgres" else f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db"
    asyncio.run(prepare(url, a.users, a.db == "postgres"))
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    start_at = time.time() + 3 + 2 * a.workers     # time for the workers to import and open
    if a.profile:                                  # in this process, one worker, under the profiler
        import cProfile
        profiler = cProfile.Profile()
        profiler.runcall(worker, url, list(range(a.users)), a.concurrency, a.rate, start_at, out)
        profiler.dump_stats(a.profile)
        results = [out.get()]
        procs = []
    else:
        procs = [ctx.Process(target=worker, args=(url, list(range(w, a.users, a.workers)), a.concurrency,
                                                  a.rate / a.workers, start_at, out)) for w in range(a.workers)]
        for p in procs:
            p.start()
        results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    lat = sorted(x for r in results for x in r[0])
    batches = sum(r[1] for r in results)
    elapsed = max(r[2] for r in results) - start_at
    reports = asyncio.run(count_reports(url))
    print(f"throughput_msgs_per_s={len(lat) / elapsed:.0f} p50_ms={statistics.median(lat) * 1000:.1f} "
          f"p99_ms={lat[int(len(lat) * 0.99) - 1] * 1000:.1f} reports={reports} db={a.db} users={a.users} "
          f"workers={a.workers} rate={a.rate or 'max'} messages={len(lat)} "
          f"avg_batch={len(lat) / max(batches, 1):.1f} cpus={os.cpu_count()} "
          f"cpu_us_per_msg={sum(r[3] for r in results) / len(lat) * 1e6:.0f}")
    if a.baseline == "ptb":
        from bench import ptb_baseline
        print(ptb_baseline.line(a.users, SCRIPT, a.concurrency), f"pantau/ptb={len(lat) / elapsed / ptb_baseline.last:.2f}")


if __name__ == "__main__":
    main()

"""Where the closed loop's wall time goes: the event loop's thread (Python: the engine, SQLAlchemy, the pipeline)
against SQLite's thread (statements and commits), for bench.inbound's script with every person typing at once.

    python -m bench.split [--users 2000] [--ahead]

Runs bench.inbound's driver in this process on a fresh SQLite file, timing every call the SQLite connection's
thread makes (storage/sqlite_driver.py). Prints msg/s, the event-loop thread's CPU and SQLite's busy time, each
per message and as a share of the wall time. While SQLite works the batch waits (the next batch is taken when the
previous one has committed), so the two shares add up to about the whole.
"""
from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from queue import SimpleQueue
from typing import Any

import storage.sqlite_driver as driver
from bench import inbound

BUSY = {"seconds": 0.0, "calls": 0}


def timed_worker(jobs: SimpleQueue[Any]) -> None:
    """storage.sqlite_driver._worker, with each call's time added to BUSY."""
    while True:
        job = jobs.get()
        if job is driver._STOP:
            return
        future, fn = job
        start = time.perf_counter()
        try:
            result, ok = fn(), True
        except BaseException as exc:     # noqa: BLE001 - handed to the awaiting task, as the driver does
            result, ok = exc, False
        BUSY["seconds"] += time.perf_counter() - start
        BUSY["calls"] += 1
        try:
            future.get_loop().call_soon_threadsafe(driver._resolve, future, ok, result)
        except RuntimeError:
            pass
        if result is driver._STOP:
            return


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=500)
    ap.add_argument("--ahead", action="store_true", help="work every batch out ahead of its write (bot/ahead.py), "
                    "as a worker does while another waits for the lock")
    a = ap.parse_args()
    driver._worker = timed_worker
    url = f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/split.db"
    asyncio.run(inbound.prepare(url, a.users, False))
    BUSY.update(seconds=0.0, calls=0)
    wall0, cpu0 = time.perf_counter(), time.thread_time()
    latencies, batches, _ = asyncio.run(inbound.drive(url, list(range(a.users)), a.concurrency, 0, time.time(),
                                                            a.ahead))
    wall, cpu = time.perf_counter() - wall0, time.thread_time() - cpu0
    n, busy = len(latencies), BUSY["seconds"]
    print(f"throughput_msgs_per_s={n / wall:.0f} loop_cpu_us_per_msg={cpu / n * 1e6:.0f} loop_share={cpu / wall:.0%} "
          f"sqlite_busy_us_per_msg={busy / n * 1e6:.0f} sqlite_share={busy / wall:.0%} sqlite_calls={BUSY['calls']} "
          f"batches={batches} messages={n}")


if __name__ == "__main__":
    main()

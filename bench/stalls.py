"""Name the event-loop stalls of a server process: run it under a loop-lag probe.

    BENCH_SERVER_PYTHON_ARGS="-m bench.stalls" STALLS_REPORT=/tmp/stalls.txt \\
        .venv/bin/python -m bench.webhooks --db sqlite --rate 500 --mix 0.01

(``python -m bench.stalls -m bot.cli serve …``: the rest of the command line is the module to run.)
Once the server has warmed up (``settle_heap``), a task ticks every 2 ms on its event loop and a
watchdog thread looks every 2 ms: while a tick is late by more than ``STALLS_MS`` (10 ms), it samples
the event-loop thread's stack, so every stall is named by where the loop was. Garbage collections are
timed through ``gc.callbacks`` (thread CPU time); each late tick's CPU time tells work (the loop busy)
from a machine that did not run the process. The report (written at exit and every 5 s) lists the lag histogram,
collections by generation, and the stalls grouped by the innermost frames of Pantau's code.
"""
from __future__ import annotations

import asyncio
import atexit
import collections
import gc
import os
import runpy
import sys
import threading
import time
import traceback
from typing import Any

THRESHOLD = float(os.environ.get("STALLS_MS", "10")) / 1000
REPORT = os.environ.get("STALLS_REPORT", "/tmp/stalls.txt")

_lags: list[float] = []
_cpu: list[float] = []     # the event-loop thread's CPU time between two ticks
_gc: dict[int, list[float]] = collections.defaultdict(list)
_gc_start = [0.0]
_full: list[tuple[float, int, int]] = []      # full collections: seconds, objects freed, gen2 size after
_stalls: collections.Counter[str] = collections.Counter()
_stall_ms: collections.Counter[str] = collections.Counter()
_beat = [time.perf_counter()]
_main = threading.get_ident()
_started = [False]


def _on_gc(phase: str, info: dict[str, int]) -> None:
    if threading.get_ident() != _main:
        return
    if phase == "start":
        _gc_start[0] = time.thread_time()
    else:
        _gc[info["generation"]].append(time.thread_time() - _gc_start[0])
        if info["generation"] == 2:
            _full.append((round(time.thread_time() - _gc_start[0], 4), info["collected"], len(gc.get_objects(2))))


def _where(frame: object) -> str:
    stack = traceback.extract_stack(frame)            # type: ignore[arg-type]
    ours = [f for f in stack if "/bot/" in f.filename or "/storage/" in f.filename or "/flows/" in f.filename]
    inner = stack[-1]
    tail = [f"{f.filename.rsplit('/', 2)[-2]}/{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in ours[-3:]]
    return " < ".join(reversed(tail)) + f"  [innermost {inner.filename.rsplit('/', 1)[-1]}:{inner.lineno} {inner.name}]"


def _watch() -> None:
    sampled_for = 0.0
    while True:
        time.sleep(0.002)
        beat = _beat[0]
        late = time.perf_counter() - beat
        if late > THRESHOLD and sampled_for != beat:
            sampled_for = beat
            frame = sys._current_frames().get(_main)
            if frame is not None:
                where = _where(frame)
                _stalls[where] += 1
                _stall_ms[where] += 0          # the length is added when the tick comes
                _last[0] = where


_last: list[str | None] = [None]


async def _tick() -> None:
    loop = asyncio.get_running_loop()
    cpu = time.thread_time()
    while True:
        t = loop.time()
        await asyncio.sleep(0.002)
        now = time.perf_counter()
        lag = loop.time() - t - 0.002
        used = time.thread_time() - cpu
        cpu += used
        _lags.append(lag)
        _cpu.append(used)
        if _last[0] is not None:
            _stall_ms[_last[0]] += round(used * 1000)
            _last[0] = None
        _beat[0] = now


def _report() -> None:
    if not _started[0]:
        return
    lags = sorted(_lags)
    lines = [f"ticks={len(lags)}"]
    if lags:
        for q in (0.5, 0.9, 0.99, 0.999):
            lines.append(f"lag p{q * 100:g} = {lags[int(len(lags) * q)] * 1000:.1f} ms")
        lines.append(f"lag max = {lags[-1] * 1000:.1f} ms; ticks late > 10 ms: {sum(1 for x in lags if x > 0.01)}, "
                     f"> 20 ms: {sum(1 for x in lags if x > 0.02)}, > 40 ms: {sum(1 for x in lags if x > 0.04)}")
    busy = sorted(_cpu)
    if busy:
        lines.append(f"CPU between ticks: p99 {busy[int(len(busy) * 0.99)] * 1000:.1f} ms, p99.9 "
                     f"{busy[int(len(busy) * 0.999)] * 1000:.1f} ms, max {busy[-1] * 1000:.1f} ms; > 10 ms: "
                     f"{sum(1 for x in busy if x > 0.01)}, > 20 ms: {sum(1 for x in busy if x > 0.02)}")
    for gen, times in sorted(_gc.items()):
        if times:
            lines.append(f"gc gen{gen}: {len(times)} collections, max {max(times) * 1000:.1f} ms, "
                         f"total {sum(times) * 1000:.0f} ms, > 10 ms: {sum(1 for x in times if x > 0.01)}")
    lines.append(f"full collections (s, freed, gen2 objects after): {_full}; frozen: {gc.get_freeze_count()}, "
                 f"thresholds {gc.get_threshold()}")
    if _garbage:
        lines.append(f"cyclic garbage by type ({sum(_garbage.values())} objects): {_garbage.most_common(30)}")
        lines.append(f"frames in it: {_frames.most_common(20)}")
    lines.append(f"SQLite driver jobs {_sql_n[0]}; slower than 5 ms (count, summed ms, statement): "
                 f"{[(n, _slow_sql_ms[k], k) for k, n in _slow_sql.most_common(12)]}")
    lines.append("stalls (count, summed CPU ms of the late ticks, where the loop was):")
    for where, n in _stalls.most_common(40):
        lines.append(f"  {n:5d} {_stall_ms[where]:6d}  {where}")
    with open(REPORT, "w") as f:
        f.write("\n".join(lines) + "\n")


_garbage: collections.Counter[str] = collections.Counter()
_frames: collections.Counter[str] = collections.Counter()


def _count_garbage() -> None:
    """STALLS_GARBAGE=1: what the collector frees (``DEBUG_SAVEALL``), counted by type, then let go."""
    for o in gc.garbage:
        _garbage[type(o).__name__] += 1
        if type(o).__name__ == "frame":
            _frames[f"{o.f_code.co_filename.rsplit('/', 1)[-1]}:{o.f_code.co_name}"] += 1
    gc.garbage.clear()


async def _report_every() -> None:
    while True:
        await asyncio.sleep(5)
        if os.environ.get("STALLS_GARBAGE"):
            _count_garbage()
        _report()


_slow_sql: collections.Counter[str] = collections.Counter()
_slow_sql_ms: collections.Counter[str] = collections.Counter()
_sql_n = [0]


def _time_statements() -> None:
    """Each job of the SQLite driver's thread timed there: statements slower than 5 ms, by their first words
    (a write waiting for another process's lock shows here: SQLite's busy handler sleeps 1, 2, 5, 10 … ms)."""
    from storage import sqlite_driver
    run = sqlite_driver.Connection._run

    async def timed(self: Any, fn: Any) -> Any:
        sql = next((c.cell_contents for c in (fn.__closure__ or ()) if isinstance(c.cell_contents, str)),
                   getattr(fn, "__name__", "?"))

        def job() -> Any:
            t = time.perf_counter()
            try:
                return fn()
            finally:
                took = time.perf_counter() - t
                _sql_n[0] += 1
                if took > 0.005:
                    key = " ".join(str(sql).split()[:4])[:60]
                    _slow_sql[key] += 1
                    _slow_sql_ms[key] += round(took * 1000)
        return await run(self, job)
    sqlite_driver.Connection._run = timed      # type: ignore[method-assign]


def _install() -> None:
    import bot.pipeline
    import bot.server
    _time_statements()
    settle = bot.pipeline.settle_heap

    def settle_and_probe() -> None:
        settle()
        _started[0] = True
        gc.callbacks.append(_on_gc)
        if os.environ.get("STALLS_GARBAGE"):
            gc.set_debug(gc.DEBUG_SAVEALL)
        loop = asyncio.get_running_loop()
        _tasks.extend([loop.create_task(_tick()), loop.create_task(_report_every())])
        threading.Thread(target=_watch, daemon=True).start()

    bot.pipeline.settle_heap = settle_and_probe
    bot.server.settle_heap = settle_and_probe       # (imported by name)


_tasks: list[asyncio.Task[None]] = []


def main() -> None:
    args = sys.argv[1:]
    if args[:1] != ["-m"] or len(args) < 2:
        raise SystemExit("usage: python -m bench.stalls -m MODULE [ARGS…]")
    _install()
    atexit.register(_report)
    sys.argv = [args[1], *args[2:]]
    runpy.run_module(args[1], run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()

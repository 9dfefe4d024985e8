"""The processes `pantau serve` runs beside its web server, so webhooks keep a core of their own.

    pantau serve ─┬─ web process(es): webhooks, dashboard, files (uvicorn; ``--workers N``: N of them)
                  ├─ ``bot.background senders``: each configured channel's outbox loop and media fetcher
                  │   (its ``Runtime.senders``, bot/channels/registry.py), the webhooks' sender
                  │   and the scheduler, each while this machine holds its leadership (bot/leader.py)
                  └─ ``bot.background jobs``: coordinators' charts and Excel files (bot/jobs.py), while
                      elected, at nice 10; its renders at the lowest priority (SCHED_IDLE on Linux)

One Python process has one interpreter lock: sending a reply through a platform's client costs about as
much as answering a webhook, and a chart or an Excel file takes a core for a tenth of a second or more,
so in the web process they delayed the 200 that kader wait for (BENCHMARKS.md). The web process only
stores messages and queues replies; these processes read the queue. Nothing passes between them but
the database: a child that dies loses nothing (its rows stay pending, or in doubt and are settled),
and is started again by the web server's supervisor thread. A child stops with the server (SIGTERM,
graceful: its loops cancelled, its leadership released) and also when the server dies without a word
(Linux: the parent-death signal; elsewhere a check of its parent every second).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Awaitable, Callable

if TYPE_CHECKING:
    from flows.forms import FormVersions
    from storage.db import Database

    from .channels.registry import Job

log = logging.getLogger("pantau.background")
ROLES = ("senders", "jobs")
JOBS_NICE = 10                       # renders take what the webhooks and the senders leave
Work = list[tuple[str, list[Callable[[], Awaitable[None]]]]]     # (leadership name, what runs while elected)


def work(role: str, db: Database, forms: FormVersions, senders: Sequence[Job] = (), scheduler: bool = False,
         webhooks: bool = False) -> Work:
    """What a role runs, each group under its own leadership (one process in the whole deployment runs
    it): the channels' ``senders`` (their ``Runtime.senders``), the webhooks' sender, the scheduler. The same
    list runs inside the web process when it is asked to (tests: ``build_app``)."""
    if role == "jobs":
        from .reports.jobs import run_forever as run_jobs
        return [("pantau-jobs", [lambda: run_jobs(db, forms)])]
    loops = list(senders)
    if webhooks:
        from .channels.webhook import run_sender as run_webhook_sender
        loops.append(lambda: run_webhook_sender(db))
    out: Work = [("pantau-senders", loops)] if loops else []
    if scheduler:
        from .reminders import run_forever as run_reminders
        out.append(("pantau-scheduler", [lambda: run_reminders(db, forms)]))
    return out


async def channel_senders(stack: contextlib.AsyncExitStack, db: Database, channels: Iterable[tuple[str, Any, Any]]) \
        -> list[Job]:
    """The background loops of each (name, configuration, opened or None) channel, their contexts entered on
    ``stack`` (closed with it)."""
    from .channels.registry import runtime
    jobs: list[Job] = []
    for name, config, opened in channels:
        run = runtime(name)
        if run is not None and run.senders is not None:
            jobs += await stack.enter_async_context(run.senders(db, config, opened))
    return jobs


def lead_all(db: Database, groups: Work) -> list[asyncio.Task[Any]]:
    from .leader import lead
    return [asyncio.create_task(lead(db, jobs, name=name)) for name, jobs in groups]


# ---------------------------------------------------------------- the parent's side

class Background:
    """The child processes of one `pantau serve`, started again when one dies, stopped with it."""

    def __init__(self, scheduler: bool, roles: tuple[str, ...] = ROLES, restart_after: float = 1.0):
        self.scheduler, self.roles, self.restart_after = scheduler, roles, restart_after
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._watcher: threading.Thread | None = None

    def command(self, role: str) -> list[str]:
        return [sys.executable, "-m", "bot.background", role, str(os.getpid())]

    def _env(self) -> dict[str, str]:
        from .config import child_environment
        return child_environment(PANTAU_SCHEDULER="1" if self.scheduler else "0")

    def _spawn(self, role: str) -> None:
        proc = subprocess.Popen(self.command(role), env=self._env(), stdin=subprocess.DEVNULL)
        if role == "jobs":            # before it has loaded anything (lowering a child's priority needs no right)
            os.setpriority(os.PRIO_PROCESS, proc.pid, os.getpriority(os.PRIO_PROCESS, 0) + JOBS_NICE)
        self.procs[role] = proc

    def start(self) -> None:
        with self._lock:
            for role in self.roles:
                self._spawn(role)
        self._watcher = threading.Thread(target=self._watch, name="pantau-background", daemon=True)
        self._watcher.start()

    def _watch(self) -> None:
        failures: dict[str, int] = {}
        while not self._stopping.wait(0.5):
            with self._lock:
                dead = [(role, proc.returncode) for role, proc in self.procs.items() if proc.poll() is not None]
            for role, code in dead:
                failures[role] = failures.get(role, 0) + 1
                log.error("background process %s exited (%s); starting it again", role, code)
                if self._stopping.wait(min(30.0, self.restart_after * 2 ** (failures[role] - 1))):
                    return
                with self._lock:
                    if self._stopping.is_set():
                        return
                    self._spawn(role)

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM to every child, then wait; one that does not end in ``timeout`` seconds is killed."""
        self._stopping.set()
        with self._lock:
            procs = list(self.procs.values())
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + timeout
        for proc in procs:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("background process %d did not stop in %.0f s; killed", proc.pid, timeout)
                proc.kill()
                proc.wait()
        if self._watcher is not None:
            self._watcher.join(5)


# ---------------------------------------------------------------- the child's side

def _die_with_parent(parent: int) -> None:
    """SIGTERM when the parent dies (Linux: PR_SET_PDEATHSIG; a check of ``getppid`` as well)."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)      # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:           # it died before the line above
        os.kill(os.getpid(), signal.SIGTERM)


async def _watch_parent(parent: int, stop: asyncio.Event) -> None:
    while os.getppid() == parent:
        await asyncio.sleep(1)
    stop.set()


async def run(role: str, parent: int) -> None:
    from .config import database, settings
    from .pipeline import Pipeline, settle_heap
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    signal.signal(signal.SIGINT, signal.SIG_IGN)     # a Ctrl-C reaches the server, which stops us in order
    _die_with_parent(parent)
    s = settings()
    channels = s.channels() if role == "senders" else {}
    db = database()
    try:
        async with contextlib.AsyncExitStack() as stack:      # the channels' connections, closed before the database
            # forms (and the area tree) only where they are used: the jobs, the scheduler
            forms = (await Pipeline.open(db)).forms if role == "jobs" or s.scheduler else {}
            senders = await channel_senders(stack, db, ((name, config, None) for name, config in channels.items()))
            groups = work(role, db, forms, senders, scheduler=role == "senders" and s.scheduler,
                          webhooks=role == "senders")
            if role == "jobs":
                from .reports.jobs import warm_up
                try:
                    await asyncio.to_thread(warm_up)
                except Exception:   # noqa: BLE001 - warming is an optimisation
                    log.warning("job worker warm-up did not complete", exc_info=True)
            settle_heap()                     # after the warm-up: what it loaded lives as long as the process
            tasks = lead_all(db, groups) + [asyncio.create_task(_watch_parent(parent, stop))]
            await stop.wait()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        await db.close()


def main(argv: list[str] | None = None) -> int:
    from .config import settings
    from .logsafe import install
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] not in ROLES or not args[1].isdigit():
        print("dipakai oleh `pantau serve`: python -m bot.background senders|jobs PID_INDUK", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings().log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    install()
    from .eventloop import run as run_loop
    run_loop(run(args[0], int(args[1])))
    return 0


if __name__ == "__main__":
    sys.exit(main())

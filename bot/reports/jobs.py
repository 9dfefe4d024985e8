"""Coordinators' heavy requests (``ringkasan``: a chart; ``unduh``: an Excel file) rendered off the hot path.

The message's transaction only records the request as a job and answers "being prepared"; the job
worker (run by the elected leader of `pantau serve`, or right after the message by `pantau chat`)
renders it in a thread of its own — its own event loop and database connection, so neither the
shared write batch nor the webhooks' event loop waits for matplotlib or openpyxl — and appends the
reply to the outbox. A job whose worker died is taken up again; after ``MAX_ATTEMPTS`` the person
gets an apology instead."""
from __future__ import annotations

import asyncio
import logging
import os
import threading
from concurrent.futures import Future
from datetime import datetime, timedelta

from flows.forms import FormVersions
from flows.types import ContactView, Reply
from storage.db import Database, Session
from storage.jobs import JobView, add_job, claim_jobs, contact_of, finish_job
from storage.keys import aware
from storage.repo import Tx

from .. import catalog, wake
from ..clock import clock
from ..payloads import reply_payload

log = logging.getLogger("pantau.jobs")
HEAVY = {"summary", "export"}
MAX_ATTEMPTS = 3
STALE = timedelta(minutes=10)       # a running job older than this lost its worker


async def handle_request(s: Session, what: str, contact: ContactView, channel: str, sender: str, now: datetime,
                         forms: FormVersions, lang: str) -> list[Reply]:
    """Inside the message's transaction: light requests answered at once, heavy ones recorded as a job."""
    t = catalog.gettext_for(lang)
    if what not in HEAVY:
        from .coordinator import fulfil
        return await fulfil(s, what, contact, now, forms, lang)
    await add_job(s, what, channel, sender, contact.id, lang, now)
    if what == "summary":
        return [Reply(t("Ringkasan sedang disiapkan. Mohon tunggu sebentar, hasilnya segera dikirim."))]
    return [Reply(t("Berkas Excel sedang disiapkan. Mohon tunggu sebentar, berkasnya segera dikirim."))]


def idle_priority() -> bool:
    """The calling thread (and the threads it starts) runs only on CPU time nothing else wants: Linux's
    SCHED_IDLE, so a render never delays a webhook or a reply. Only the render thread: the job worker's
    writes (claim, reply, done) stay at its normal priority, so it never sits on SQLite's write lock
    while starved of CPU. True if it was set."""
    policy = getattr(os, "SCHED_IDLE", None)
    if policy is None or not hasattr(os, "sched_setscheduler"):
        return False
    try:
        os.sched_setscheduler(0, policy, os.sched_param(0))    # 0: this thread (Linux schedules threads)
    except OSError:
        return False
    return True


class Renderer:
    """One thread with its own event loop and its own connection to the database, where jobs render;
    ``idle``: at SCHED_IDLE (the job worker of `pantau serve`)."""

    def __init__(self, url: str, forms: FormVersions, idle: bool = False):
        self.url, self.forms = url, forms
        self.loop = asyncio.new_event_loop()

        def run() -> None:
            if idle:
                idle_priority()
            self.loop.run_forever()
        self.thread = threading.Thread(target=run, name="pantau-jobs", daemon=True)
        self.thread.start()
        self.db: Database | None = None

    async def _render(self, job: JobView, contact: ContactView, now: datetime) -> list[Reply]:
        from .coordinator import fulfil
        if self.db is None:
            self.db = Database(self.url)
        async with self.db.session() as s:
            return await fulfil(s, job.kind, contact, now, self.forms, job.lang)

    async def render(self, job: JobView, contact: ContactView, now: datetime) -> list[Reply]:
        future: Future[list[Reply]] = asyncio.run_coroutine_threadsafe(self._render(job, contact, now), self.loop)
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        async def shut() -> None:
            if self.db is not None:
                await self.db.close()
        if self.thread.is_alive():
            asyncio.run_coroutine_threadsafe(shut(), self.loop).result(30)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(30)
        self.loop.close()


async def run_due(db: Database, forms: FormVersions, renderer: Renderer | None = None) -> int:
    """Render every job waiting now; returns how many replies were queued. Without ``renderer`` a thread
    is started only when there is a job, and stopped after."""
    own: Renderer | None = None
    done = 0
    try:
        while True:
            now = clock()
            async with db.session() as s, s.begin():
                jobs = await claim_jobs(s, now, STALE)
            if not jobs:
                return done
            if renderer is None:
                renderer = own = Renderer(db.url, forms)
            for job in jobs:        # as of the request: its round, its reports; queued at its time
                done += await _run_one(db, renderer, job, aware(job.created_at))
    finally:
        if own is not None:
            await asyncio.to_thread(own.close)


async def _run_one(db: Database, renderer: Renderer, job: JobView, now: datetime) -> int:
    async with db.session() as s:
        contact = await contact_of(s, job.contact_id)
    t = catalog.gettext_for(job.lang)
    try:
        if contact is None:
            raise LookupError("contact gone")
        if job.attempts > MAX_ATTEMPTS:
            raise RuntimeError(f"gave up after {job.attempts - 1} attempts")
        replies = await renderer.render(job, contact, now)
        status, error = "done", None
    except Exception as exc:   # noqa: BLE001 - the person hears of it; the worker goes on
        log.warning("coordinator job %d (%s) failed: %s", job.id, job.kind, type(exc).__name__)
        replies = [Reply(t("Maaf, permintaan Anda belum bisa kami siapkan. Silakan coba lagi nanti."))]
        status, error = "failed", f"{type(exc).__name__}: {exc}"
    async with db.session() as s, s.begin():
        await Tx(s).enqueue_many([(job.channel, job.external_id, reply_payload(r, job.lang)) for r in replies],
                                 now)
        await finish_job(s, job.id, status, error)
    wake.ring(db.url)                      # the coordinator's file leaves now, not at the senders' next poll
    return len(replies)


def warm_up() -> None:
    """matplotlib, its fonts and openpyxl loaded, one tiny chart and workbook made, before the first
    coordinator waits: the first render used to take a core for about a second."""
    import io

    from openpyxl import Workbook

    from .charts import summary_figure
    summary_figure({"1": (1, 1)}, {"1": {"berjalan": 1}}, {"1": "1"}, catalog.gettext_for("id")).savefig(
        io.BytesIO(), format="png")
    book = Workbook()
    book.active.append(["1", 1])
    book.save(io.BytesIO())


async def run_forever(db: Database, forms: FormVersions, every: float = 0.3) -> None:
    renderer = Renderer(db.url, forms, idle=True)
    try:
        while True:
            try:
                await run_due(db, forms, renderer)
            except Exception:   # noqa: BLE001 - the loop must survive; jobs stay pending
                log.exception("job round failed")
            await asyncio.sleep(every)
    finally:
        await asyncio.to_thread(renderer.close)

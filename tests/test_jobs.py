"""A coordinator's `ringkasan` no longer renders inside the shared write batch: the message's transaction
records a job and answers "being prepared"; the job worker renders in its own thread while everyone
else's messages go on being stored and answered; the chart then follows in the coordinator's outbox,
after the acknowledgement."""
from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from sqlalchemy import select

from bot.reports import charts
from bot.reports.jobs import run_due, run_forever
from flows.types import Inbound, NewContact
from storage.models import Job, Outbox
from storage.repo import Tx

from .conftest import NOW, open_pipeline


async def test_ringkasan_renders_off_the_batch_while_others_are_answered(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("PANTAU_MEDIA_DIR", str(tmp_path / "media"))
    pipeline = await open_pipeline(db_url)
    async with pipeline.db.session() as s, s.begin():
        await Tx(s).create_contact("whatsapp", "+6281111111111", NewContact("Pak Koordinator", "koordinator",
                                                                            "81.05", "id"), NOW)
    release, rendering = threading.Event(), threading.Event()
    threads = []
    real_chart = charts.summary_chart

    def slow_chart(*args, **kw):          # a chart that takes as long as the test wants
        threads.append(threading.current_thread().name)
        rendering.set()
        release.wait(20)
        return real_chart(*args, **kw)
    monkeypatch.setattr(charts, "summary_chart", slow_chart)

    ack = await asyncio.wait_for(pipeline.handle(Inbound("whatsapp", "+6281111111111", "c1", text="ringkasan")), 10)
    assert "Ringkasan sedang disiapkan" in ack[-1].text and not rendering.is_set()   # only recorded
    worker = asyncio.create_task(run_forever(pipeline.db, pipeline.forms, every=0.05))
    try:
        assert await asyncio.to_thread(rendering.wait, 20)
        # the chart is being drawn: a kader's messages are stored and answered meanwhile
        for i, text in enumerate(["halo", "Siti Aminah", "1"]):
            replies = await asyncio.wait_for(pipeline.handle(Inbound("whatsapp", "+6281234567890", f"k{i}",
                                                                     text=text)), 10)
            assert replies
        release.set()
        for _ in range(400):
            async with pipeline.db.session() as s:
                job = await s.scalar(select(Job))
            if job.status == "done":
                break
            await asyncio.sleep(0.05)
        assert job.status == "done" and job.kind == "summary"
    finally:
        release.set()
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
    assert threads == ["pantau-jobs"]                 # rendered in the worker's thread, not the event loop's
    async with pipeline.db.session() as s:
        rows = list(await s.scalars(select(Outbox).where(Outbox.external_id == "+6281111111111").order_by(Outbox.id)))
    assert "sedang disiapkan" in rows[0].payload["text"]
    assert rows[-1].payload["text"].startswith("Ringkasan Kab. Seram Bagian Timur") and rows[-1].payload["image"]
    assert Path(rows[-1].payload["image"]).read_bytes()[:4] == b"\x89PNG"
    await pipeline.db.close()


async def test_a_job_that_fails_to_render_sends_an_apology(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("PANTAU_MEDIA_DIR", str(tmp_path / "media"))
    pipeline = await open_pipeline(db_url)
    async with pipeline.db.session() as s, s.begin():
        await Tx(s).create_contact("terminal", "koord", NewContact("Bu Koordinator", "koordinator", "81.05", "id"),
                                   NOW)

    def broken(*args, **kw):
        raise OSError("disk full")
    monkeypatch.setattr(charts, "summary_chart", broken)
    await pipeline.handle(Inbound("terminal", "koord", "c1", text="ringkasan"))
    assert await run_due(pipeline.db, pipeline.forms) == 1
    async with pipeline.db.session() as s:
        job = await s.scalar(select(Job))
        last = (await s.scalars(select(Outbox).order_by(Outbox.id.desc()))).first()
    assert job.status == "failed" and "disk full" in job.error
    assert "belum bisa kami siapkan" in last.payload["text"]
    await pipeline.db.close()

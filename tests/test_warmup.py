"""The warm-up at start walks a whole conversation through the real pipeline and stores nothing."""
from __future__ import annotations

from sqlalchemy import func, select

from bot.warmup import REGISTRATION, REPORT, warm_up
from flows.types import Inbound
from storage.models import Contact, InboundMessage, Outbox, Report, ReportRevision, Session

from .conftest import open_pipeline

TABLES = (Contact, InboundMessage, Outbox, Report, ReportRevision, Session)


async def counts(db) -> dict[str, int]:
    async with db.session() as s:
        return {t.__tablename__: await s.scalar(select(func.count()).select_from(t)) for t in TABLES}


async def test_the_warm_up_rehearses_a_report_and_leaves_no_trace(db_url):
    pipeline = await open_pipeline(db_url)
    try:
        # someone real first: the warm-up must not touch their data either
        assert (await pipeline.handle(Inbound("whatsapp", "+6281200000001", "m1", text="halo")))
        before = await counts(pipeline.db)
        assert await warm_up(pipeline) > 0
        assert await counts(pipeline.db) == before
        # the rehearsal really went through registration and a saved report (not stopped at an error)
        texts = REGISTRATION + ("menu",) + REPORT + ("kirim",)
        replies = await pipeline.handle_batch([(Inbound("warmup", "warmup", f"r{i}", text=t), None)
                                               for i, t in enumerate(texts)], rehearse=True)
        assert "nama" in replies[0][-1].text
        summary = replies[len(texts) - 2][-1].text
        assert "117" in summary or "79" in summary           # the check screen shows the numbers
        assert any("tersimpan" in r.text.lower() or "terima kasih" in r.text.lower() for r in replies[-1])
        assert await counts(pipeline.db) == before
        # and the next real message is served as usual
        assert await pipeline.handle(Inbound("whatsapp", "+6281200000002", "m2", text="halo"))
        assert (await counts(pipeline.db))["inbound"] == before["inbound"] + 1
    finally:
        await pipeline.db.close()

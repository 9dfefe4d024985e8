"""The change feed follows a fasilitator's decisions and approvals (storage/access.py): a competing report waits
apart (never in /reports), the one chosen revises the first report (an upsert), and approving a kader marks
their reports verified (upserts) — each written in the decision's own transaction."""
from __future__ import annotations

from sqlalchemy import select

from flows.types import ContactView, NewContact, NewReport
from storage.access import approve_contact, decide
from storage.models import Report
from storage.repo import Tx
from tests.api_world import changes_after, open_world
from tests.conftest import NOW
from tests.test_api import world  # noqa: F401 - the fixture

BULA = "81.05.01.2003"


async def _changes_since(world, key, cursor, expect=1):  # noqa: F811
    return await changes_after(world, key, cursor, expect)


async def test_a_competing_report_waits_apart_and_the_choice_revises_the_first(world):  # noqa: F811
    key = await world.key()
    _, cursor = await _changes_since(world, key, None, 12)
    async with world.pipeline.db.session() as s, s.begin():
        tx = Tx(s)
        first = await s.scalar(select(Report).where(Report.area_code == BULA, Report.form_id == "pertemuan")
                               .order_by(Report.id).limit(1))
        other = await tx.create_contact("terminal", "kader-dua", NewContact("Kader Dua", "kader", BULA, "id"), NOW)
        saved = await tx.add_report(NewReport("pertemuan", 1, BULA, first.key, {**first.answers, "women": 99}),
                                    other.id, NOW, by=other)
        await tx.flush_reports()
        first_id, competing = first.id, saved.id
    assert saved.competes_with == first_id
    assert competing not in {r["id"] for r in await world.pull("/reports", key)}
    seen, cursor = await _changes_since(world, key, cursor)
    assert [(c["report_id"], c["op"]) for c in seen] == [(competing, "delete")]   # not in the data: nothing to show
    fasil = ContactView(7, "Fasil Bula", "fasilitator", "81.05.01")
    async with world.pipeline.db.session() as s, s.begin():
        await decide(s, fasil, "conflict", competing, "second", NOW)
    seen, cursor = await _changes_since(world, key, cursor)
    upserts = [c for c in seen if c["op"] == "upsert"]
    assert [c["report_id"] for c in upserts] == [first_id] and upserts[0]["report"]["answers"]["women"] == 99
    assert competing not in {r["id"] for r in await world.pull("/reports", key)}


async def test_approving_a_kader_sends_their_reports_again_as_verified(db_url):
    w = await open_world(db_url)
    try:
        key = await w.key()
        _, cursor = await _changes_since(w, key, None, 12)
        async with w.pipeline.db.session() as s, s.begin():
            tx = Tx(s)
            new = await tx.create_contact("terminal", "kader-baru", NewContact("Kader Baru", "kader", BULA, "id",
                                                                               verified=False), NOW)
            saved = await tx.add_report(NewReport("pertemuan", 1, BULA, "musdes|2024-08-12|", {
                "kind": "musdes", "date": "2024-08-12", "men": 1, "women": 2, "total": 3}), new.id, NOW, by=new)
            await tx.flush_reports()
        seen, cursor = await _changes_since(w, key, cursor)
        assert [(c["report_id"], c["report"]["verified"]) for c in seen] == [(saved.id, False)]
        async with w.pipeline.db.session() as s, s.begin():
            assert await approve_contact(s, new.id, NOW)
        seen, cursor = await _changes_since(w, key, cursor)
        assert [(c["report_id"], c["op"], c["report"]["verified"]) for c in seen] == [(saved.id, "upsert", True)]
    finally:
        await w.http.aclose()
        await w.pipeline.db.close()

"""Webhook events leave in the order their changes committed, also with several PostgreSQL workers: two
transactions write events, the one that wrote first commits last; a receiver that verifies every signature gets
them in commit order, even while the first waits for a retry (with events straight in the outbox, the late
commit's smaller id made it the oldest open row and it jumped ahead)."""
from __future__ import annotations

from datetime import timedelta

import pytest
import pytest_asyncio
from sqlalchemy import select

from bot.channels.webhook import WebhookChannel, WebhookLoop
from flows.types import NewContact, NewReport
from storage.models import Outbox
from storage.repo import Tx
from storage.webhooks import add_subscription, forget_cache

from .conftest import BACKEND, NOW, open_pipeline, postgres_reachable
from .webhook_receiver import Receiver

pytestmark = pytest.mark.skipif(BACKEND != "postgres", reason="out-of-order commits need PostgreSQL "
                                "(PANTAU_TEST_DB=postgres); SQLite has one writer at a time")


def meeting(day: str) -> dict:
    return {"kind": "musdes", "date": day, "place": "Balai desa", "men": 3, "women": 4, "total": 7}


@pytest_asyncio.fixture(loop_scope="function")
async def receiver():
    r = await Receiver().start()
    yield r
    await r.stop()


async def round_at(db, at) -> None:
    channel = WebhookChannel()
    try:
        await WebhookLoop(db, channel).round(at)
    finally:
        await channel.close()


async def test_events_leave_in_commit_order_even_behind_a_retry(db_url, receiver):
    if postgres_reachable():
        pytest.skip(postgres_reachable())
    forget_cache()
    p = await open_pipeline(db_url)
    try:
        async with p.db.session() as s, s.begin():
            _, receiver.secret = await add_subscription(s, receiver.url, ["report.saved"], "81.05", NOW)
            kader = await Tx(s).create_contact("terminal", "k", NewContact("Kader", "kader", "81.05.01.2003", "id"),
                                               NOW)
        receiver.script = [(503, {"Retry-After": "30"})]          # the first delivery is asked to wait
        early, late = p.db.session(), p.db.session()
        async with early as s1, late as s2:
            await s1.begin()
            await s2.begin()
            slow = await Tx(s1).save_report(NewReport("pertemuan", 1, "81.05.01.2004", "musdes|2024-08-01|",
                                                      meeting("2024-08-01")), kader.id, NOW)   # written first
            fast = await Tx(s2).save_report(NewReport("pertemuan", 1, "81.05.01.2003", "musdes|2024-08-03|",
                                                      meeting("2024-08-03")), kader.id, NOW)
            await s2.commit()                                                               # ... committed first
            await round_at(p.db, NOW)                 # fast's event is tried and must wait 30 s
            assert [e for _, e in receiver.seen] == ["report.saved"] and receiver.accepted == []
            await s1.commit()
        await round_at(p.db, NOW + timedelta(seconds=10))   # slow's event is in now, behind fast's: nothing yet
        assert receiver.accepted == [] and len(receiver.seen) == 1
        await round_at(p.db, NOW + timedelta(seconds=31))
        assert [e["data"]["report_id"] for e in receiver.accepted] == [fast[0], slow[0]]
        assert receiver.forged == 0
        assert receiver.seen[0][0] == receiver.seen[1][0]     # the retry kept its webhook-id
        async with p.db.session() as s:
            rows = list(await s.scalars(select(Outbox).where(Outbox.channel == "webhook").order_by(Outbox.id)))
        assert [(r.payload["data"]["report_id"], r.status) for r in rows] == [(fast[0], "sent"), (slow[0], "sent")]
    finally:
        await p.db.close()
        forget_cache()


async def test_a_transaction_still_open_holds_nothing_back(db_url, receiver):
    """Events committed meanwhile leave while another transaction with an earlier event is still running (no
    horizon to wait for); its event follows once it commits."""
    if postgres_reachable():
        pytest.skip(postgres_reachable())
    forget_cache()
    p = await open_pipeline(db_url)
    try:
        async with p.db.session() as s, s.begin():
            _, receiver.secret = await add_subscription(s, receiver.url, [], "", NOW)
            kader = await Tx(s).create_contact("terminal", "k", NewContact("Kader", "kader", "81.05.01.2003", "id"),
                                               NOW)
        async with p.db.session() as s1:
            await s1.begin()
            slow = await Tx(s1).save_report(NewReport("pertemuan", 1, "81.05.01.2004", "musdes|2024-08-01|",
                                                      meeting("2024-08-01")), kader.id, NOW)
            done = []
            for day in ("2024-08-02", "2024-08-03"):
                async with p.db.session() as s, s.begin():
                    done.append(await Tx(s).save_report(NewReport("pertemuan", 1, "81.05.01.2003",
                                                                  f"musdes|{day}|", meeting(day)), kader.id, NOW))
            await round_at(p.db, NOW)
            assert [e["data"]["report_id"] for e in receiver.accepted] == [d[0] for d in done]
            await s1.commit()
        await round_at(p.db, NOW + timedelta(seconds=1))
        assert [e["data"]["report_id"] for e in receiver.accepted] == [d[0] for d in done] + [slow[0]]
        assert receiver.forged == 0
    finally:
        await p.db.close()
        forget_cache()

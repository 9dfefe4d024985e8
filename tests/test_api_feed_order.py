"""The change feed never skips a late commit: on PostgreSQL two workers' transactions commit out of order (the
one that wrote its change row first commits last); a reader polling in between must still get both."""
from __future__ import annotations

import pytest

from flows.types import NewReport
from storage import changes
from storage.repo import Tx
from tests.conftest import BACKEND, NOW, postgres_reachable
from tests.api_world import changes_after, open_world

pytestmark = pytest.mark.skipif(BACKEND != "postgres", reason="out-of-order commits need PostgreSQL "
                                "(PANTAU_TEST_DB=postgres); SQLite has one writer at a time")


def meeting(day: str) -> dict:
    return {"kind": "musdes", "date": day, "place": "Balai desa", "men": 3, "women": 4, "total": 7}


async def test_a_transaction_committing_late_is_served_after_and_never_skipped(db_url):
    if postgres_reachable():
        pytest.skip(postgres_reachable())
    w = await open_world(db_url)
    try:
        key = await w.key()
        _, cursor = await changes_after(w, key, None, expect=12)
        early, late = w.pipeline.db.session(), w.pipeline.db.session()
        async with early as s1, late as s2:
            await s1.begin()
            await s2.begin()
            slow = await Tx(s1).save_report(NewReport("pertemuan", 1, "81.05.01.2004", "musdes|2024-08-01|",
                                                      meeting("2024-08-01")), 1, NOW)   # change row written first
            fast = await Tx(s2).save_report(NewReport("pertemuan", 1, "81.05.01.2003", "musdes|2024-08-03|",
                                                      meeting("2024-08-03")), 1, NOW)
            await s2.commit()                                                          # ... committed first
            seen = (await w.get("/changes", key, cursor=cursor)).json()
            assert seen["data"] == [] and seen["next_cursor"] == cursor, \
                "nothing past a running transaction is served: the cursor would jump over it"
            async with w.pipeline.db.session() as s:
                rows = await changes.read(s, (0, 0), [""], 10_000)
            assert slow[0] not in {r.report_id for r in rows}
            await s1.commit()
        data, next_cursor = await changes_after(w, key, cursor, expect=2)
        assert sorted(c["report_id"] for c in data) == sorted([slow[0], fast[0]])
        assert all(c["op"] == "upsert" for c in data)
        assert (await w.get("/changes", key, cursor=next_cursor)).json()["data"] == []
    finally:
        await w.http.aclose()
        await w.pipeline.db.close()

"""The pages of /api/v1/reports and /changes are JSON written by the database itself (SQLite json_object,
PostgreSQL json_build_object): the same reports, fields and values as the rows read in Python, timestamps in
RFC 3339 UTC to the second, yes/no as true/false, the answers as they were saved."""
from __future__ import annotations

import orjson
import pytest

from storage.api_read import START, reports_by_id, reports_json_by_id, reports_json_page, reports_page
from tests.api_world import open_world



@pytest.fixture
async def world(db_url):
    w = await open_world(db_url)
    yield w
    await w.http.aclose()
    await w.pipeline.db.close()


@pytest.mark.parametrize("areas", [[""], ["81.05"], ["81.05.01", "81.01"]])
async def test_the_database_writes_the_same_reports_as_python_reads(world, areas):
    async with world.pipeline.db.session() as s:
        expected = await reports_page(s, areas, START, 10_000)
        fragments, last = await reports_json_page(s, areas, START, 10_000)
        got = [orjson.loads(orjson.dumps(f)) for f in fragments]
        assert got == expected and expected, "same reports, same order, same fields and values"
        assert last == (got[-1]["area"], got[-1]["form"], got[-1]["id"])
        ids = [r["id"] for r in expected]
        by_id = {i: orjson.loads(orjson.dumps(f)) for i, f in (await reports_json_by_id(s, ids)).items()}
        assert by_id == await reports_by_id(s, ids)
        half, _ = await reports_json_page(s, areas, last, 10)
        assert half == []
    for r in got:
        assert r["created_at"].endswith("Z") and len(r["created_at"]) == 20 and isinstance(r["verified"], bool)
        assert isinstance(r["answers"], dict)

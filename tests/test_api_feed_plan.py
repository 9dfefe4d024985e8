"""The change feed stays a range of an index however deep and however narrow the key: a key for a kabupaten
(or below) reads its kabupaten's range of (kab, txid, id), never every change of the country; the whole
country reads by id. Checked on SQLite's query plan of the statement the feed really runs."""
from __future__ import annotations

import pytest
from sqlalchemy import event

from storage import changes
from storage.db import Database
from tests.conftest import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's EXPLAIN QUERY PLAN")


async def plan_of_read(db: Database, areas: list[str]) -> str:
    seen: list[tuple[str, object]] = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        if "FROM changes" in statement:
            seen.append((statement, parameters))
    event.listen(db.engine.sync_engine, "before_cursor_execute", grab)
    try:
        async with db.session() as s:
            await changes.read(s, (0, 10), areas, 500)
            (statement, parameters), = seen
            conn = await s.connection()
            rows = await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            return " | ".join(str(r[-1]) for r in rows)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", grab)


async def test_a_kabupaten_key_reads_its_own_range_and_the_country_reads_by_id(db_url):
    db = Database(db_url)
    await db.migrate()
    try:
        kab = await plan_of_read(db, ["81.05"])
        assert "ix_changes_kab" in kab and "kab=?" in kab and "TEMP B-TREE" not in kab, kab
        desa = await plan_of_read(db, ["81.05.01.2003"])
        assert "ix_changes_kab" in desa, desa
        country = await plan_of_read(db, [""])
        assert "SCAN" not in country and "TEMP B-TREE" not in country, country
    finally:
        await db.close()

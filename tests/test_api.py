"""The data API (/api/v1) as a client sees it: a key for one kabupaten pulls everything, then only what changed
(an edit and a deletion included), and never sees the other kabupaten; bad keys, scopes and rates refused."""
from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from sqlalchemy import select

from flows.types import NewReport
from storage.api_clients import calls, revoke_client
from storage.models import Report
from storage.repo import Tx
from tests.api_world import changes_after, open_world
from tests.conftest import NOW

OTHER = "81.01"      # Kab. Maluku Tengah: the key below is for 81.05 (Seram Bagian Timur) only


@pytest.fixture
async def world(db_url):
    w = await open_world(db_url)
    yield w
    await w.http.aclose()
    await w.pipeline.db.close()


ENDPOINTS = [("/areas", {}), ("/areas", {"level": "4"}), ("/forms", {}), ("/rounds", {}), ("/reports", {}),
             ("/reports", {"form": "pemantauan"}), ("/changes", {}), ("/summary", {}),
             ("/summary", {"round": "Juli 2024"}), ("/aggregates", {}), ("/aggregates", {"round": "Juli 2024"}),
             ("/recommendations", {}), ("/forms/pertemuan/reports.csv", {}),
             ("/forms/pemantauan/repeats/activities.csv", {"sep": ";"})]


@pytest.mark.parametrize("path,params", ENDPOINTS)
async def test_every_endpoint_stays_inside_the_key_area(world, path, params):
    key = await world.key()
    r = await world.get(path, key, **params)
    assert r.status_code == 200, r.text
    assert OTHER + "." not in r.text and "Tamilouw" not in r.text and "Pakan ternak" not in r.text
    if path in ("/reports", "/changes", "/recommendations", "/aggregates"):
        assert r.json()["data"], "the kabupaten's own rows are there"


async def test_full_pull_pages_by_cursor_and_matches_the_database(world):
    key = await world.key()
    rows = await world.pull("/reports", key, limit="2")
    async with world.pipeline.db.session() as s:
        expected = set(await s.scalars(select(Report.id).where(Report.area_code.startswith("81.05"))))
    assert sorted(r["id"] for r in rows) == sorted(expected) and len(rows) == len(expected)
    assert [(r["area"], r["form"], r["id"]) for r in rows] == sorted((r["area"], r["form"], r["id"]) for r in rows)
    assert all(r["area"].startswith("81.05.") for r in rows)
    assert all(r["updated_at"].endswith("Z") for r in rows)


async def _edit_and_delete(world) -> tuple[int, int]:
    """An edit of one meeting in Bula, and a meeting corrected into another's date (merged: gone), plus an edit
    in the other kabupaten the key must not see. Returns (edited id, deleted id)."""
    async with world.pipeline.db.session() as s, s.begin():
        tx = Tx(s)
        bula = (await s.scalars(select(Report).where(Report.area_code == "81.05.01.2003", Report.form_id == "pertemuan")
                                .order_by(Report.id))).all()
        first, second = bula[0], bula[1]
        await tx.save_report(NewReport("pertemuan", 1, first.area_code, first.key, {**first.answers, "men": 31}),
                             first.contact_id, NOW)
    async with world.pipeline.db.session() as s, s.begin():     # (a batch of its own: the rows read afresh)
        tx = Tx(s)
        first, second = await s.get(Report, first.id), await s.get(Report, second.id)
        await tx.save_report(NewReport("pertemuan", 1, second.area_code, first.key, first.answers,
                                       report_id=second.id), second.contact_id, NOW)
        other = await s.scalar(select(Report).where(Report.area_code.startswith(OTHER)).limit(1))
        await tx.save_report(NewReport(other.form_id, 1, other.area_code, other.key, other.answers), other.contact_id,
                             NOW)
        return first.id, second.id


async def test_changes_after_a_full_pull_carry_the_edit_and_the_deletion_only(world):
    key = await world.key()
    data, cursor = await changes_after(world, key, None, expect=12)
    assert len(data) == 12 and {c["op"] for c in data} == {"upsert"}      # every report of the kabupaten
    again = await world.get("/changes", key, cursor=cursor)
    assert again.json()["data"] == [] and again.json()["next_cursor"] == cursor     # nothing new: same cursor
    edited, deleted = await _edit_and_delete(world)
    r = {"data": (await changes_after(world, key, cursor, expect=3))[0]}
    ops = {(c["report_id"], c["op"]) for c in r["data"]}
    assert (edited, "upsert") in ops and (deleted, "delete") in ops
    assert {rid for rid, _ in ops} == {edited, deleted}           # the other kabupaten's edit is not there
    upsert = next(c for c in r["data"] if c["op"] == "upsert" and c["report_id"] == edited)
    assert upsert["report"]["answers"]["men"] == 31 and upsert["report"]["revision"] >= 2
    pulled = await world.pull("/reports", key)
    assert deleted not in {x["id"] for x in pulled}


async def test_bad_keys_are_refused_with_a_clear_message(world):
    key = await world.key()
    r = await world.get("/reports", None)
    assert r.status_code == 401 and r.json()["error"]["code"] == "missing_key"
    assert "Authorization: Bearer" in r.json()["error"]["message"]
    r = await world.get("/reports", "pantau_tebakan")
    assert r.status_code == 401 and r.json()["error"]["code"] == "bad_key"
    assert r.json()["error"]["message"] == "Kunci API tidak dikenal. Periksa kembali kunci yang Anda pakai."
    old = await world.key(days=1, now=NOW - timedelta(days=2))
    r = await world.get("/reports", old)
    assert r.status_code == 401 and r.json()["error"]["code"] == "expired_key"
    assert "kedaluwarsa" in r.json()["error"]["message"]
    async with world.pipeline.db.session() as s:
        await revoke_client(s, 1, NOW)
        await s.commit()
    r = await world.get("/reports", key)
    assert r.status_code == 401 and r.json()["error"]["code"] == "revoked_key"
    r = await world.http.get("/api/v1/reports", headers={"Authorization": f"Bearer {key}", "Accept-Language": "en"})
    assert r.json()["error"]["message"].startswith("This API key has been revoked")


async def test_the_key_works_as_the_basic_password_as_excel_sends_it(world):
    key = await world.key()
    basic = base64.b64encode(f"excel:{key}".encode()).decode()
    r = await world.http.get("/api/v1/rounds", headers={"Authorization": f"Basic {basic}"})
    assert r.status_code == 200 and [x["name"] for x in r.json()["data"]] == ["Juli 2024", "Oktober 2024"]


async def test_a_scope_not_granted_is_403_and_names_come_only_with_read_people(world):
    key = await world.key(scopes=["read:reports"])
    r = await world.get("/summary", key)
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden_scope"
    assert "read:aggregates" in r.json()["error"]["message"]
    rows = (await world.get("/reports", key)).json()["data"]
    assert rows and all("sender" not in x for x in rows) and "Kader Bula" not in str(rows)
    people = await world.key(scopes=["read:reports", "read:people"])
    rows = (await world.get("/reports", people)).json()["data"]
    assert {x["sender"]["name"] for x in rows} >= {"Kader Bula"}
    r = await world.get("/reports", key, area="81.01.01")
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden_area"


async def test_rate_limit_answers_429_with_retry_after(db_url):
    w = await open_world(db_url, per_minute=3)
    try:
        key = await w.key()
        codes = [(await w.get("/rounds", key)).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        r = await w.get("/rounds", key)
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
        assert r.json()["error"]["code"] == "rate_limited"
    finally:
        await w.http.aclose()
        await w.pipeline.db.close()


async def test_every_call_is_audited_and_last_used_moves(world):
    key = await world.key()
    await world.get("/reports", key, form="pertemuan")
    await world.get("/summary", key)
    async with world.pipeline.db.session() as s:
        audit = await calls(s, 1)
        from storage.api_clients import list_clients
        [client] = await list_clients(s)
    assert [(c.endpoint, c.status) for c in audit] == [("reports", 200), ("summary", 200)]
    assert audit[0].filters == {"form": "pertemuan"} and audit[0].rows == 6
    assert client.last_used_at == NOW


async def test_csv_has_a_bom_a_semicolon_variant_and_child_rows_keyed_to_the_parent(world):
    key = await world.key()
    r = await world.get("/forms/pemantauan/reports.csv", key)
    assert r.content.startswith("\ufeff".encode()) and r.headers["content-type"].startswith("text/csv")
    assert r.headers["x-content-type-options"] == "nosniff" and "no-cache" in r.headers["cache-control"]
    parents = r.content.decode("utf-8-sig").splitlines()
    assert parents[0].startswith("report_id,form_version,area,")
    ids = {line.split(",")[0] for line in parents[1:]}
    child = (await world.get("/forms/pemantauan/repeats/activities.csv", key, sep=";")).content.decode("utf-8-sig")
    lines = child.splitlines()
    assert lines[0].startswith("report_id;item;activity;")
    assert {line.split(";")[0] for line in lines[1:]} <= ids and len(lines) == 1 + 6   # six activities in SBT
    assert any(";Tenun ikat;" in line for line in lines)


@pytest.mark.parametrize("path", ["/summary", "/aggregates", "/forms/pertemuan/reports.csv", "/datapackage.zip"])
async def test_polling_gets_304_until_something_changes(world, path):
    key = await world.key()
    r = await world.get(path, key)
    tag = r.headers["ETag"]
    headers = {"Authorization": f"Bearer {key}", "If-None-Match": tag}
    again = await world.http.get("/api/v1" + path, headers=headers)
    assert again.status_code == 304
    await _edit_and_delete(world)
    changed = await world.http.get("/api/v1" + path, headers=headers)
    assert changed.status_code == 200 and changed.headers["ETag"] != tag


async def test_aggregates_are_long_with_zeros_for_desa_without_data(world):
    key = await world.key(areas=["81.05.02"])
    rows = (await world.get("/aggregates", key)).json()["data"]
    kiltay = [x for x in rows if x["area"] == "81.05.02.2002"]
    assert kiltay and all(x["value"] == 0 for x in kiltay if x["indicator"] != "monitoring.desa_expected")
    assert {"meetings.meetings", "meetings.participants", "monitoring.activities"} <= {x["indicator"] for x in kiltay}
    geser = {(x["indicator"], x["disaggregation"]): x["value"] for x in rows if x["area"] == "81.05.02.2001"}
    assert any(v > 0 for v in geser.values())
    assert set(rows[0]) == {"area", "area_name", "period", "indicator", "disaggregation", "value"}


async def test_summary_is_the_same_as_pantau_summary_json(world):
    from storage.summary import Filters, summarize
    key = await world.key()
    got = (await world.get("/summary", key, round="Juli 2024")).json()
    async with world.pipeline.db.session() as s:
        want = await summarize(s, Filters("81.05", round="Juli 2024"), world.pipeline.forms)
    assert got == __import__("json").loads(__import__("json").dumps(want))


async def test_areas_name_their_decree_and_forms_carry_table_schemas(world):
    key = await world.key(areas=["81.05.01"])
    body = (await world.get("/areas", key)).json()
    assert "300.2.2-2138" in body["source"]["title"]
    assert body["data"][0]["code"] == "81.05.01" and all(a["code"].startswith("81.05.01") for a in body["data"])
    forms = (await world.get("/forms", key)).json()["data"]
    monitoring = next(f for f in forms if f["id"] == "pemantauan" and f["version"] == 1)
    assert "activities" in monitoring["repeats"]
    assert monitoring["repeats"]["activities"]["foreignKeys"][0]["fields"] == "report_id"


async def test_a_cursor_made_up_by_hand_is_refused(world):
    key = await world.key()
    r = await world.get("/reports", key, cursor="bukan-kursor")
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_cursor"


async def test_a_mistyped_path_or_a_write_is_refused(world):
    key = await world.key()
    r = await world.get("/laporan", key)
    assert r.status_code == 404 and r.json()["error"] == {"code": "not_found", "message": "Data tidak ditemukan."}
    r = await world.http.post("/api/v1/reports", headers={"Authorization": f"Bearer {key}"}, json={})
    assert r.status_code == 405

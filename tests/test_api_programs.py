"""Keys narrowed to programs as well as areas (issues 25 and 26): in Kab. Seram Bagian Timur PKH and Kotaku
both report from desa Bula; a key for PKH never sees Kotaku's reports or figures on any endpoint, a key without
programs sees both."""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import replace

import pytest
from sqlalchemy import select, update

from flows.types import NewReport
from storage import programs
from storage.models import IssueItem, ProgramForm, Recommendation, Report
from storage.repo import Tx
from tests import summary_world as W
from tests.api_world import open_world
from tests.conftest import NOW

BULA = "81.05.01.2003"
KOTAKU_MEETING = W.meeting("musdes", "2024-07-05", 101, 99)     # the same musdes as PKH's, other numbers


@pytest.fixture
async def world(db_url):
    w = await open_world(db_url)
    async with w.pipeline.db.session() as s, s.begin():
        pkh, _ = await programs.add_program(s, "pkh", "Program Keluarga Harapan", NOW)
        kotaku, _ = await programs.add_program(s, "kotaku", "Kotaku", NOW)
        await s.execute(update(Report).values(program_id=pkh))          # the world's reports are PKH's
        await s.execute(update(IssueItem).values(program_id=pkh))
    w.pkh, w.kotaku = pkh, kotaku
    yield w
    await w.http.aclose()
    await w.pipeline.db.close()


async def _kotaku_reports(w) -> set[int]:
    """Kotaku's kader in Bula sends the same musdes and the July monitoring; a Kotaku issue item joins the
    Bula recommendation and another recommendation is Kotaku's alone. Returns Kotaku's report ids."""
    async with w.pipeline.db.session() as s, s.begin():
        tx = Tx(s)
        from flows.types import NewContact
        kader = await tx.create_contact("terminal", "kotaku-bula", NewContact("Kader Kotaku", "kader", BULA, "id"),
                                        W.at(2024, 6, 1))
        kader = replace(kader, program_id=w.kotaku)
        meeting = await tx.add_report(NewReport("pertemuan", 1, BULA, "musdes|2024-07-05|", KOTAKU_MEETING),
                                      kader.id, W.at(2024, 7, 6), kader)
        acts = [W.activity("Jalan lingkungan", "infrastruktur", "belum", "Semen terlambat", ("kabupaten",), "semen")]
        monitoring = await tx.add_report(NewReport("pemantauan", 1, BULA, "Juli 2024",
                                                   {"round": "Juli 2024", "activities": acts}),
                                         kader.id, W.at(2024, 7, 29), kader)
        await tx.flush_reports()
        bula_rec = await s.scalar(select(Recommendation.id).where(Recommendation.kec == "81.05.01"))
        alone = Recommendation(kec="81.05.01", text="Semen dari dinas PU", level="kabupaten", status="usulan",
                               created_by=1, created_at=W.at(2024, 8, 3), updated_at=W.at(2024, 8, 3))
        s.add(alone)
        await s.flush()
        for rec, index in ((bula_rec, 7), (alone.id, 8)):
            s.add(IssueItem(report_id=monitoring.id, activity_index=index, area_code=BULA, round="Juli 2024",
                            activity="Jalan lingkungan", problem="Semen terlambat", support="semen",
                            recommendation_id=rec, created_at=W.at(2024, 8, 3), program_id=w.kotaku))
        rows = (await s.execute(select(Report.id, Report.program_id).where(
            Report.id.in_([meeting.id, monitoring.id])))).all()
        assert {p for _, p in rows} == {w.kotaku}
    return {meeting.id, monitoring.id}


def _csv_ids(text: str) -> set[int]:
    return {int(r["report_id"]) for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}


def _package_ids(data: bytes) -> set[int]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {int(r["report_id"]) for n in zf.namelist() if n.startswith("data/") and n != "data/areas.csv"
                for r in csv.DictReader(io.StringIO(zf.read(n).decode()))}


async def _changes(w, key) -> set[int]:
    ids, cursor = set(), None
    while True:
        body = (await w.get("/changes", key, **({"cursor": cursor} if cursor else {}))).json()
        ids |= {c["report_id"] for c in body["data"]}
        cursor = body["next_cursor"]
        if not body["more"]:
            return ids


async def _seen(w, key) -> dict:
    """Everything a key reads of the kabupaten: report ids per endpoint, and the figures."""
    out = {"reports": {r["id"] for r in await w.pull("/reports", key)},
           "changes": await _changes(w, key),
           "meetings.csv": _csv_ids((await w.get("/forms/pertemuan/reports.csv", key)).text),
           "activities.csv": _csv_ids((await w.get("/forms/pemantauan/repeats/activities.csv", key)).text)}
    package = await w.get("/datapackage.zip", key)
    assert package.status_code == 200, package.text
    out["datapackage"] = _package_ids(package.content)
    for path in ("/summary", "/aggregates"):
        r = await w.get(path, key, round="Juli 2024")
        assert r.status_code == 200, r.text
        out[path] = r.json()
    recs = await w.pull("/recommendations", key)
    out["recommendations"] = {(r["text"], tuple(i["activity"] for i in r["issues"])) for r in recs}
    return out


async def test_a_program_key_never_sees_another_programs_reports_of_the_same_desa(world):
    w = world
    pkh_key = await w.key(programs=[w.pkh])
    every_key = await w.key()
    before = await _seen(w, pkh_key)
    kotaku = await _kotaku_reports(w)
    after, every = await _seen(w, pkh_key), await _seen(w, every_key)
    for name in ("reports", "changes", "meetings.csv", "activities.csv", "datapackage"):
        assert not after[name] & kotaku, name
        assert kotaku <= every[name] if name in ("reports", "changes", "datapackage") else kotaku & every[name], name
    assert after["/summary"] == before["/summary"] and after["/aggregates"] == before["/aggregates"], \
        "Kotaku's reports move no figure of PKH's key"
    assert every["/summary"] != after["/summary"] and every["/aggregates"] != after["/aggregates"]
    men = {(a["area"], a["indicator"], a["disaggregation"]): a["value"] for a in every["/aggregates"]["data"]}
    pkh_men = {(a["area"], a["indicator"], a["disaggregation"]): a["value"] for a in after["/aggregates"]["data"]}
    assert any(men[k] - pkh_men[k] == 101 for k in pkh_men), "the all-program key counts Kotaku's 101 men"
    assert ("Semen dari dinas PU", ("Jalan lingkungan",)) in every["recommendations"]
    assert all(r[0] != "Semen dari dinas PU" and "Jalan lingkungan" not in r[1] for r in after["recommendations"])
    assert ("Modal tenun ikat dari BUMDes", ()) in before["recommendations"], "a recommendation of no items stays"


async def test_program_parameter_narrows_and_never_widens(world):
    w = world
    kotaku = await _kotaku_reports(w)
    both = await w.key(programs=[w.pkh, w.kotaku])
    only_kotaku = {r["id"] for r in await w.pull("/reports", both, program="kotaku")}
    assert only_kotaku == kotaku
    r = await w.get("/summary", both)
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_parameter" and "program" in r.text
    assert (await w.get("/summary", both, program="kotaku")).status_code == 200
    pkh_key = await w.key(programs=[w.pkh])
    for path in ("/reports", "/summary", "/changes", "/datapackage.zip", "/forms/pertemuan/reports.csv"):
        r = await w.get(path, pkh_key, program="kotaku")
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden_program", path
        assert "Program kotaku di luar program kunci API ini." == r.json()["error"]["message"]
    r = await w.get("/reports", pkh_key, program="atlantis")
    assert r.status_code == 400


async def test_forms_enabled_per_program(world):
    w = world
    async with w.pipeline.db.session() as s, s.begin():
        s.add(ProgramForm(program_id=w.kotaku, form_id="pertemuan", role="kader"))
    kotaku_forms = {f["id"] for f in (await w.get("/forms", await w.key(programs=[w.kotaku]))).json()["data"]}
    pkh_forms = {f["id"] for f in (await w.get("/forms", await w.key(programs=[w.pkh]))).json()["data"]}
    assert kotaku_forms == {"pertemuan"}
    assert {"pertemuan", "pemantauan", "cerita"} <= pkh_forms, "a program with no list of its own uses every form"


async def test_the_data_package_is_served_validated_and_inside_the_key(world):
    w = world
    key = await w.key()
    r = await w.get("/datapackage.zip", key, round="Juli 2024")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        import json
        descriptor = json.loads(zf.read("datapackage.json"))
        areas = zf.read("data/areas.csv").decode()
    assert descriptor["name"] == "pantau-81-05" and "Juli 2024" in descriptor["title"]
    assert "81.05.01.2003" in areas and "81.01" not in areas
    no_reports = await w.key(scopes=["read:aggregates"])
    assert (await w.get("/datapackage.zip", no_reports)).status_code == 403
    outside = await w.get("/datapackage.zip", key, area="81.01")
    assert outside.status_code == 403 and outside.json()["error"]["code"] == "forbidden_area"

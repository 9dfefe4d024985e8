"""`pantau export --format datapackage` (issue 26): a Frictionless Data Package zip — datapackage.json, a CSV with a
Table Schema per form version (repeats as child CSVs), areas.csv with Kemendagri codes — validated before it is
written; one that would not validate is refused and nothing is written."""
from __future__ import annotations

import asyncio
import csv
import io
import json
import zipfile

import pytest
from frictionless import Package

from bot.cli.main import main
from bot.reports import datapackage

from .test_dhis2 import KILMURY, OTHER_KAB, seed


@pytest.fixture
def env(cli_env, monkeypatch, db_url):
    for key, value in cli_env.items():
        monkeypatch.setenv(key, value)
    asyncio.run(seed(db_url))


def rows(zf, path):
    return list(csv.DictReader(io.StringIO(zf.read(path).decode("utf-8"))))


def test_the_package_validates_and_holds_every_counted_report(env, tmp_path, capsys):
    out = tmp_path / "sbt.zip"
    assert main(["export", "--format", "datapackage", "--area", "81.05", "--from", "2024-07-01",
                 "--to", "2024-08-31", "--out", str(out)]) == 0
    assert "sudah divalidasi" in capsys.readouterr().out
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        assert {"datapackage.json", "data/areas.csv", "data/pertemuan_v1.csv", "data/pemantauan_v2.csv",
                "data/pemantauan_v2_activities.csv"} <= names
        meta = json.loads(zf.read("datapackage.json"))
        assert meta["licenses"][0]["name"] == "CC-BY-4.0" and "Kepmendagri" in meta["sources"][0]["title"]
        assert meta["created"].endswith("Z")
        meetings = rows(zf, "data/pertemuan_v1.csv")
        assert sorted((m["area_code"], m["men"], m["women"]) for m in meetings) == [
            ("81.05.08.2001", "5", "6"), (KILMURY, "10", "25"), (KILMURY, "3", "3"), (KILMURY, "7", "9")]
        assert all(m["created_at"] == "2024-08-15T03:00:00Z" for m in meetings)
        activities = rows(zf, "data/pemantauan_v2_activities.csv")
        assert [(a["item"], a["status"], a["beneficiaries_women"]) for a in activities] == [
            ("1", "jalan", "11"), ("2", "belum", "2")]
        areas = {a["code"]: a for a in rows(zf, "data/areas.csv")}
        assert areas[KILMURY]["name"] == "Kilmury" and areas[KILMURY]["parent_code"] == "81.05.08"
        assert OTHER_KAB not in areas and "81.05" in areas
        text = b"".join(zf.read(n) for n in names).decode("utf-8")
        assert "Siti Aminah" not in text and "Yohana" not in text      # no reporter names
        schema = next(r for r in meta["resources"] if r["name"] == "pertemuan-v1")["schema"]
        types = {f["name"]: f["type"] for f in schema["fields"]}
        assert (types["men"], types["date"], types["kind"]) == ("integer", "date", "string")
        assert "musdes = Musyawarah desa" in next(f for f in schema["fields"] if f["name"] == "kind")["description"]
        zf.extractall(tmp_path / "unzipped")
    assert Package(str(tmp_path / "unzipped" / "datapackage.json")).validate().valid   # anyone can check it


def test_a_package_that_would_not_validate_is_refused_in_indonesian(env, tmp_path, capsys, db_url):
    from sqlalchemy import update

    from storage.db import Database
    from storage.models import Report

    async def spoil():
        db = Database(db_url)
        async with db.session() as s, s.begin():
            await s.execute(update(Report).where(Report.area_code == KILMURY, Report.period == "2024-08-05")
                            .values(answers={"kind": "musdes", "date": "2024-08-05", "men": "banyak", "women": 3}))
        await db.close()
    asyncio.run(spoil())
    out = tmp_path / "sbt.zip"
    assert main(["export", "--format", "datapackage", "--area", "81.05", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "tidak valid menurut Frictionless" in err and "type-error" in err and not out.exists()


async def test_build_returns_the_zip_bytes_for_the_api(db_url):
    await seed(db_url)
    from storage.summary import Filters

    from .conftest import open_pipeline
    p = await open_pipeline(db_url)
    try:
        async with p.db.session() as s:
            data = await datapackage.build(s, Filters("81.05.08.2010"), p.forms)
    finally:
        await p.db.close()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert json.loads(zf.read("datapackage.json"))["name"] == "pantau-81-05-08-2010"
        assert {a["code"] for a in rows(zf, "data/areas.csv")} == {KILMURY}

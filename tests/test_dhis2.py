"""`pantau export --format dhis2` (issue 26): the aggregates as a DHIS2 dataValueSets JSON with Kemendagri codes as
org-unit codes, and a mapping file the user edits and passes back."""
from __future__ import annotations

import asyncio
import json

import pytest

from bot.cli.main import main
from flows.types import NewContact
from storage.db import Database
from storage.models import Report, Round
from storage.repo import Tx

from .conftest import NOW

KILMURY, SELOR, OTHER_KAB = "81.05.08.2010", "81.05.08.2001", "81.06.01.2008"


def meeting(contact, area, day, men, women, youth=None, kind="musdes", **kw):
    answers = {"kind": kind, "date": day, "men": men, "women": women, "place": "Balai desa Ibu Siti"}
    if youth is not None:
        answers["youth"] = youth
    return Report(form_id="pertemuan", form_version=1, area_code=area, key=f"{kind}|{day}", contact_id=contact,
                  answers=answers, created_at=NOW, updated_at=NOW, period=day, men=men, women=women, **kw)


def monitoring(contact, area, activities):
    return Report(form_id="pemantauan", form_version=2, area_code=area, key="Juli 2024", contact_id=contact,
                  answers={"round": "Juli 2024", "activities": activities}, created_at=NOW, updated_at=NOW,
                  period="Juli 2024")


async def seed(url):
    db = Database(url)
    async with db.session() as s, s.begin():
        s.add(Round(name="Juli 2024", start="2024-07-01", due="2024-08-31"))
        tx = Tx(s)
        a = (await tx.create_contact("terminal", "a", NewContact("Siti Aminah", "kader", KILMURY, "id"), NOW)).id
        b = (await tx.create_contact("terminal", "b", NewContact("Yohana", "kader", SELOR, "id"), NOW)).id
        c = (await tx.create_contact("terminal", "c", NewContact("Lain", "kader", OTHER_KAB, "id"), NOW)).id
        await s.flush()
        s.add_all([
            meeting(a, KILMURY, "2024-08-05", 10, 25, youth=4), meeting(a, KILMURY, "2024-08-12", 7, 9, kind="kelompok"),
            meeting(a, KILMURY, "2024-07-30", 3, 3, kind="pelatihan"),
            meeting(b, SELOR, "2024-08-06", 5, 6),
            meeting(b, SELOR, "2024-08-07", 50, 50, kind="kelompok", conflict="pending"),   # waits for the fasilitator
            meeting(b, SELOR, "2024-08-08", 40, 40, kind="pelatihan", verified=False),      # sender not approved
            meeting(c, OTHER_KAB, "2024-08-05", 99, 99),
            monitoring(a, KILMURY, [{"name": "Tenun", "status": "jalan", "beneficiaries_men": 4,
                                     "beneficiaries_women": 11},
                                    {"name": "Sumur", "status": "belum", "beneficiaries_women": 2}]),
        ])
    await db.close()


def values(doc):
    return {(v["dataElement"], v["period"], v["orgUnit"], v.get("categoryOptionCombo", "")): v["value"]
            for v in doc["dataValues"]}


@pytest.fixture
def env(cli_env, monkeypatch, db_url):
    for key, value in cli_env.items():
        monkeypatch.setenv(key, value)
    asyncio.run(seed(db_url))


def test_dhis2_export_sums_per_area_month_and_sex_and_writes_a_mapping(env, tmp_path, capsys):
    out = tmp_path / "sbt.json"
    assert main(["export", "--format", "dhis2", "--area", "81.05", "--from", "2024-07-01", "--to", "2024-08-31",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "sbt.mapping.csv" in printed and "idScheme=CODE" in printed
    got = values(json.loads(out.read_text(encoding="utf-8")))
    assert got[("PANTAU_PERTEMUAN_LAPORAN", "202408", KILMURY, "")] == "2"
    assert got[("PANTAU_PERTEMUAN_PESERTA", "202408", KILMURY, "LAKI_LAKI")] == "17"
    assert got[("PANTAU_PERTEMUAN_PESERTA", "202408", KILMURY, "PEREMPUAN")] == "34"
    assert got[("PANTAU_PERTEMUAN_PESERTA", "202407", KILMURY, "PEREMPUAN")] == "3"
    assert got[("PANTAU_PERTEMUAN_YOUTH", "202408", KILMURY, "")] == "4"
    assert got[("PANTAU_PERTEMUAN_PESERTA", "202408", SELOR, "LAKI_LAKI")] == "5"   # not the waiting or unapproved
    assert got[("PANTAU_PEMANTAUAN_LAPORAN", "202408", KILMURY, "")] == "1"        # the round's due month
    assert got[("PANTAU_PEMANTAUAN_ACTIVITIES_BENEFICIARIES", "202408", KILMURY, "PEREMPUAN")] == "13"
    assert not any(org.startswith("81.06") for _, _, org, _ in got)                  # another kabupaten
    assert not any(de.endswith("BATCH") for de, *_ in got)                           # part of the key, not a count
    mapping = (tmp_path / "sbt.mapping.csv").read_text(encoding="utf-8-sig")
    assert mapping.splitlines()[0].startswith("pantau_item;dataElement;categoryOptionCombo")
    assert "pertemuan.men;PANTAU_PERTEMUAN_PESERTA;LAKI_LAKI;;Laporan pertemuan: " in mapping


def test_an_edited_mapping_renames_merges_and_leaves_out(env, tmp_path, capsys):
    out = tmp_path / "sbt.json"
    mapping = tmp_path / "mine.csv"
    mapping.write_text("pantau_item,dataElement,categoryOptionCombo,attributeOptionCombo\n"
                       "pertemuan.men,DE_HADIR,L,\npertemuan.women,DE_HADIR,P,\n"
                       "pertemuan.youth,DE_HADIR,L,\npertemuan.reports,,,\n", encoding="utf-8")
    assert main(["export", "--format", "dhis2", "--area", "81.05.08.2010", "--round", "Juli 2024",
                 "--out", str(out), "--mapping", str(mapping)]) == 0
    captured = capsys.readouterr()
    assert "pemantauan.reports" in captured.err and "tidak ada di berkas pemetaan" in captured.err
    assert "mapping.csv" not in captured.out
    got = values(json.loads(out.read_text(encoding="utf-8")))
    assert set(got) == {("DE_HADIR", "202408", KILMURY, "L"), ("DE_HADIR", "202408", KILMURY, "P"),
                        ("DE_HADIR", "202407", KILMURY, "L"), ("DE_HADIR", "202407", KILMURY, "P")}
    assert got[("DE_HADIR", "202408", KILMURY, "L")] == "21"             # men 17 + youth 4, as mapped


@pytest.mark.parametrize("content,words", [
    ("item;de\nx;y\n", "harus diawali kolom"),
    ("pantau_item;dataElement;categoryOptionCombo\npertemuan.orang;DE;\n", "bukan item Pantau"),
    ("pantau_item;dataElement;categoryOptionCombo\npertemuan.men;A;\npertemuan.men;B;\n", "dua kali"),
])
def test_a_wrong_mapping_is_refused_in_indonesian_and_nothing_is_written(env, tmp_path, capsys, content, words):
    mapping = tmp_path / "m.csv"
    mapping.write_text(content, encoding="utf-8")
    out = tmp_path / "x.json"
    assert main(["export", "--format", "dhis2", "--area", "81.05", "--out", str(out), "--mapping", str(mapping)]) == 2
    assert words in capsys.readouterr().err and not out.exists()


@pytest.mark.parametrize("argv,words", [
    (["--format", "dhis2", "--out", "x.xlsx"], "menulis berkas .json"),
    (["--format", "dhis2", "--out", "x.json", "--mapping", "nope.csv"], "berkas pemetaan tidak ada"),
    (["--format", "dhis2", "--out", "x.json", "--sheet", "Pertemuan"], "--sheet hanya untuk Excel"),
    (["--format", "datapackage", "--out", "x.zip", "--mapping", "m.csv"], "hanya untuk --format dhis2"),
])
def test_wrong_options_are_explained(env, tmp_path, capsys, monkeypatch, argv, words):
    monkeypatch.chdir(tmp_path)
    assert main(["export", "--area", "81.05", *argv]) == 2
    assert words in capsys.readouterr().err

"""Coordinators' numbers on a fixed two-kabupaten, two-round scenario (tests/summary_world.py): goldens per
level, which date filters which kind, the per-child breakdown, and the area resolver.

Regenerate the goldens after a deliberate change with PANTAU_UPDATE_GOLDEN=1 and read the diff."""
import asyncio
import json
import os
from datetime import date
from pathlib import Path

import pytest

from bot import catalog
from bot.pipeline import Pipeline
from bot.reports.summary_text import render_summary
from flows.areas import resolve
from storage.db import Database
from storage.summary import Filters, UnknownRound, rollup, summarize
from tests import summary_world as W

GOLDEN = Path(__file__).parent / "golden"
LEVELS = ("81", "81.05", "81.05.01", "81.05.01.2003")


def with_world(db_url, scenario):
    async def go():
        p = await Pipeline.open(Database(db_url))
        try:
            await W.build(p.db)
            return await scenario(p)
        finally:
            await p.db.close()
    return asyncio.run(go())


async def _summary(p, f):
    async with p.db.session() as s:
        data = await summarize(s, f, p.forms)
    return data, render_summary(data, p.forms, catalog.area_index(), catalog.gettext_for("id"))


@pytest.mark.parametrize("area", LEVELS)
def test_golden_summaries_per_level(db_url, area):
    async def go(p):
        for name, f in (("all", Filters(area)), ("juli", Filters(area, round="Juli 2024"))):
            data, text = await _summary(p, f)
            base = GOLDEN / f"summary-{area}-{name}"
            if os.environ.get("PANTAU_UPDATE_GOLDEN"):
                base.with_name(base.name + ".json").write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
                base.with_name(base.name + ".txt").write_text(text + "\n")
            assert json.loads(base.with_name(base.name + ".json").read_text()) == json.loads(json.dumps(data))
            assert base.with_name(base.name + ".txt").read_text() == text + "\n"
    with_world(db_url, go)


def test_each_kind_is_filtered_by_its_own_date(db_url):
    async def go(p):
        juli, _ = await _summary(p, Filters("81.05", round="Juli 2024"))
        # meetings by their own date: 5 Jul, 20 Jul and the kecamatan meeting of 25 Jul; not 2 Aug, 13 Aug, 10 Oct
        assert juli["meetings"]["total"]["meetings"] == 3 and juli["meetings"]["total"]["participants"] == 50 + 47 + 17
        # monitoring by its round (Salas sent on 15 August: still the July round, late)
        assert juli["monitoring"]["desa_reported"] == 3 and juli["monitoring"]["timeliness"]["terlambat"] == 1
        # stories by the day they were told: 18 July yes, 18 August no
        assert juli["stories"] == {"total": 1, "by_level": {"komunitas": 1}}
        days, text = await _summary(p, Filters("81.05", date(2024, 8, 13), date(2024, 8, 14)))
        assert days["meetings"]["total"]["meetings"] == 1                 # Geser, 13 August
        assert days["monitoring"]["desa_reported"] == 0                    # no round is due in those days
        assert days["stories"]["total"] == 0                               # the story of 18 August is not in
        assert "dari 13 Agustus 2024, sampai 14 Agustus 2024" in text
        october, _ = await _summary(p, Filters("81.05", date(2024, 10, 1), date(2024, 10, 31)))
        assert october["monitoring"]["desa_reported"] == 1                 # the October round is due in October
        async with p.db.session() as s:
            with pytest.raises(UnknownRound) as exc:
                await summarize(s, Filters("81.05", round="September"), p.forms)
        assert exc.value.known == ["Juli 2024", "Oktober 2024"]
    with_world(db_url, go)


def test_children_add_up_to_their_parent_at_every_level(db_url):
    async def go(p):
        for area in LEVELS[:3]:
            for f in (Filters(area), Filters(area, round="Juli 2024")):
                async with p.db.session() as s:
                    r = await rollup(s, f, p.forms)
                for figure in ("meetings", "participants", "men", "women", "youth", "disabled"):
                    assert sum(c.sections["meetings"][figure] for c in r.children) == \
                        r.area.sections["meetings"][figure], (area, figure)
                for figure in ("desa_reported", "desa_expected", "activities"):
                    assert sum(c.sections["monitoring"][figure] for c in r.children) == \
                        r.area.sections["monitoring"][figure], (area, figure)
        async with p.db.session() as s:
            r = await rollup(s, Filters("81.05", round="Juli 2024"), p.forms)
        bula, seram_timur = r.children[0], r.children[1]
        assert (bula.code, bula.name, seram_timur.code) == ("81.05.01", "Bula", "81.05.02")
        assert bula.sections["meetings"] == {"meetings": 3, "men": 64, "women": 50, "youth": 18, "disabled": 3,
                                             "participants": 114, "percent_women": 43.9}
        assert bula.sections["monitoring"]["desa_reported"] == 2 and bula.sections["monitoring"]["desa_expected"] == 2
        assert seram_timur.sections["monitoring"]["by_status"] == {"berhenti": 1}
        assert seram_timur.sections["monitoring"]["timeliness"] == {"tepat_waktu": 1, "terlambat": 0,
                                                                     "sedang_diisi": 0, "belum": 1}
    with_world(db_url, go)


AREAS = [  # typed → the one area, or the candidates listed (never one of them silently)
    ("81.05", "81.05", None),
    ("Seram Bagian Timur", "81.05", None),
    ("Kab. Bogor", "32.01", None),
    ("Kabupaten Bogor", "32.01", None),
    ("kabupaten   BOGOR", "32.01", None),
    ("Kota Bogor", "32.71", None),
    ("Bogor", None, {"32.01", "32.71"}),
    ("Kec. Bula", "81.05.01", None),
    ("Kecamatan Bula", "81.05.01", None),
    ("Desa Bula", "81.05.01.2003", None),
    ("Bula", None, {"81.05.01", "81.05.01.2003"}),
    ("Kec. Sukamaju", "73.22.06", None),
    ("Kilmury, Kilmury", "81.05.08.2010", None),
    ("Maluku", "81", None),
]


@pytest.mark.parametrize("typed,code,candidates", AREAS)
def test_the_area_resolver(typed, code, candidates):
    found = resolve(catalog.area_index(), typed)
    assert found.code == code
    if candidates:
        assert found.ambiguous and candidates <= set(found.candidates)


def test_sukamaju_lists_every_candidate_with_codes():
    found = resolve(catalog.area_index(), "Sukamaju")
    assert found.code is None and found.ambiguous and len(found.candidates) > 50
    assert resolve(catalog.area_index(), "Bogr").code is None      # a typo is suggested, never picked

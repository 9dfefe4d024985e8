"""A repeat inside a repeat (issue 27): a household roster with its members inside each household, imported
from XLSForm, filled over the chat (golden transcript tests/golden/xlsform/household_roster.in), exported to
XLSForm and Excel and read back."""
from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from openpyxl import load_workbook

from bot import catalog
from bot.cli.forms import read_xlsform
from bot.pipeline import Pipeline
from bot.reports.export import Progress, write
from flows.forms import parse_form
from flows.positions import clean_answers
from flows.state import Pos, State
from flows.types import ContactView, NewContact, NewReport
from flows.xlsform_export import to_xlsform
from flows.xlsform_sheets import XLSFormError
from storage.db import Database
from storage.repo import Tx
from storage.summary import Filters
from tests import summary_world as W

from .conftest import Chat
from .test_golden import CLOCKS, UPDATE, transcript
from .xlsforms import EN, ID, ROSTER_CHOICES, ROSTER_SETTINGS, ROSTER_SURVEY, write_book

GOLDEN = Path(__file__).parent / "golden" / "xlsform"


@pytest.fixture(scope="module")
def roster(tmp_path_factory):
    path = write_book(tmp_path_factory.mktemp("roster") / "roster.xlsx", ROSTER_SURVEY, ROSTER_CHOICES,
                      ROSTER_SETTINGS)
    return parse_form(read_xlsform(path).data, "roster")


def _fill(kader, roster, clock="utc"):
    forms = dict(catalog.load_forms([catalog.FORMS_DIR]))
    forms[(roster.id, roster.version)] = roster
    kader.forms = forms
    kader.now = kader.now.astimezone(CLOCKS[clock])
    return transcript(kader, (GOLDEN / "household_roster.in").read_text(encoding="utf-8"))


@pytest.mark.parametrize("clock", CLOCKS)
def test_a_household_roster_with_members_inside_households_is_filled_over_the_chat(kader, roster, clock):
    got = _fill(kader, roster, clock)
    out = GOLDEN / "household_roster.out"
    if (UPDATE or not out.exists()) and clock == "utc":
        out.write_text(got, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"{out.name} was missing and has been written: review it and commit it")
    assert got == out.read_text(encoding="utf-8"), "differs (PANTAU_UPDATE_GOLDEN=1 to regenerate)"


def test_the_roster_exported_to_xlsform_imports_as_the_same_form(roster, tmp_path):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in to_xlsform(roster).items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(tmp_path / "again.xlsx")
    again = parse_form(read_xlsform(tmp_path / "again.xlsx").data, "again")
    members = again.question("members")
    assert again.question("households").questions[3] == members and members.repeat_count == "hh_size"
    assert [q.name for q in members.questions] == ["m_name", "m_age", "m_school", "m_farm"]
    assert members.questions[3].relevant == "has_land == 'ya' and m_age >= 15"       # the parent item's answer
    assert replace(again, source=roster.source, summary=roster.summary) == roster


def test_a_repeat_three_deep_is_still_refused_with_a_reason(tmp_path):
    survey = [*ROSTER_SURVEY[:8], ["begin_repeat", "visits", "Kunjungan", "Visit"],
              ["text", "v_note", "Catatan?", "Note?", "yes"], ["end_repeat", "visits"], *ROSTER_SURVEY[8:]]
    path = write_book(tmp_path / "deep.xlsx", survey, ROSTER_CHOICES, ROSTER_SETTINGS)
    with pytest.raises(XLSFormError) as err:
        read_xlsform(path)
    assert "repeat di dalam repeat di dalam repeat belum didukung" in str(err.value)


def test_a_draft_inside_a_nested_repeat_is_saved_and_read_back_and_an_old_draft_still_loads():
    pos = Pos("members", 1, "m_age", ("households", 0))
    assert pos.to_json() == ["members", 1, "m_age", "households", 0]
    assert Pos.from_json(pos.to_json()) == pos
    old = {"schema": 3, "mode": "form", "lang": "id", "form": {
        "id": "pemantauan", "version": 1, "area": "81.05.08.2010", "answers": {"activities": [{"name": "Kebun"}]},
        "pos": ["activities", 0, "sector"], "history": [["activities", 0, "name"]], "edit_of": None,
        "started": "2024-08-15T03:00:00+00:00", "auto": [], "suggest": {}}}
    state = State.from_json(old)
    assert state.the_form().pos == Pos("activities", 0, "sector") and state.to_json()["form"]["pos"] == [
        "activities", 0, "sector"]


def test_stored_answers_drop_a_member_question_no_longer_relevant(roster):
    answers = {"dusun": "X", "households": [{"hh_head": "Pak A", "has_land": "tidak", "hh_size": 1, "members": [
        {"m_name": "Ani", "m_age": 30, "m_farm": "ya"}, {"m_name": "extra", "m_age": 3}]}]}
    clean = clean_answers(roster, answers)
    assert clean["households"][0]["members"] == [{"m_name": "Ani", "m_age": 30}]      # no land, one member counted
    assert clean["households"][0]["n_members"] == 2 and clean["people"] == 2


def test_the_excel_export_has_a_row_per_member_beside_its_household(db_url, tmp_path, roster):
    async def go():
        p = await Pipeline.open(Database(db_url))
        try:
            await W.build(p.db)
            async with p.db.session() as s, s.begin():
                tx = Tx(s)
                c = await tx.create_contact("terminal", "r", NewContact("Rini", "kader", "81.05.02.2002", "id"),
                                            W.at(2024, 6, 1))
                await tx.save_report(NewReport(roster.id, 1, "81.05.02.2002", "k1", {
                    "dusun": "Sukamaju", "people": 3, "households": [
                        {"hh_head": "Pak Darto", "has_land": "ya", "hh_size": 2, "n_members": 2, "members": [
                            {"m_name": "Ibu Sri", "m_age": 41, "m_farm": "tidak"},
                            {"m_name": "Andi", "m_age": 12, "m_school": "ya"}]},
                        {"hh_head": "Bu Minah", "has_land": "tidak", "hh_size": 1, "n_members": 1,
                         "members": [{"m_name": "Rina", "m_age": 19}]}]}), c.id, W.at(2024, 7, 4))
            forms = {**p.forms, (roster.id, roster.version): roster}
            async with p.db.session() as s:
                await write(s, tmp_path / "x.xlsx", Filters("81.05"), forms, catalog.area_index(), Progress(False))
        finally:
            await p.db.close()
    asyncio.run(go())
    sheet = load_workbook(tmp_path / "x.xlsx")["Daftar rumah tangga"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    names = rows[0]
    got = [(r[names.index("hh_head")], r[names.index("m_name")], r[names.index("m_age")], r[names.index("m_farm")])
           for r in rows[2:]]
    assert got == [("Pak Darto", "Ibu Sri", 41, "Tidak"), ("Pak Darto", "Andi", 12, None), ("Bu Minah", "Rina", 19, None)]


def test_plots_inside_a_farm_end_each_with_tambah_lagi_and_a_member_question_reads_the_farm(tmp_path):
    survey = [["type", "name", f"label::{ID}", f"label::{EN}", "required", "relevant", "constraint",
               f"constraint_message::{ID}", f"constraint_message::{EN}"],
              ["begin_repeat", "farms", "Kebun", "Farm"],
              ["text", "farmer", "Nama petani?", "Farmer?", "yes"],
              ["integer", "max_ha", "Luas kebun (ha)?", "Farm size (ha)?", "yes"],
              ["begin_repeat", "plots", "Petak", "Plot"],
              ["integer", "ha", "Luas petak (ha)?", "Plot size (ha)?", "yes", "", ". <= ${max_ha}",
               "Petak tidak boleh lebih luas dari kebun ${farmer}.", "Too big."],
              ["end_repeat", "plots"],
              ["end_repeat", "farms"]]
    settings = [["form_title", "form_id", "version", "default_language"], ["Kebun", "kebun", "1", ID]]
    form = parse_form(read_xlsform(write_book(tmp_path / "kebun.xlsx", survey, None, settings)).data, "kebun")
    contact = ContactView(1, "Siti Aminah", "kader", "81.05.08.2010", "id")
    forms = {**dict(catalog.load_forms([catalog.FORMS_DIR])), (form.id, form.version): form}
    chat = Chat(forms, contact=contact)
    chat.say("halo")
    assert chat.say("4").endswith("Nama petani?")
    chat.say("Pak Yos")
    assert chat.say("3") == "[Pak Yos › Petak 1] Luas petak (ha)?"
    assert chat.say("5").startswith("Petak tidak boleh lebih luas dari kebun Pak Yos.")   # the parent's answer
    assert "Tambah satu petak lagi?" in chat.say("2")
    chat.say("ya")
    chat.say("1")
    assert chat.say("tidak").startswith("Kebun: 1 sudah dicatat.\nNama petani?")
    summary = chat.say("selesai")
    assert "1. Pak Yos — Luas kebun (ha): 3; Petak: [1. Luas petak (ha): 2] [2. Luas petak (ha): 1]" in summary
    chat.say("kirim")
    assert chat.reports[-1].answers["farms"] == [{"farmer": "Pak Yos", "max_ha": 3,
                                                  "plots": [{"ha": 2}, {"ha": 1}]}]


def test_the_dashboard_shows_each_member_under_its_household(roster):
    from bot.web.present import answer_rows
    rows = answer_rows(roster, {"dusun": "X", "households": [{"hh_head": "Pak A", "members": [
        {"m_name": "Ani", "m_age": 30}]}]}, "id", lambda s: s)
    assert ("Rumah tangga 1 — Anggota 1 — Nama anggota?", "Ani") in rows

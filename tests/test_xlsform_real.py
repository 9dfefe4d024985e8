"""Real XLSForms (tests/xlsforms/real, sources and licences in its README): what pyxform accepts and a chat can
run imports, round-trips through `pantau form export` and fills over the chat; the rest is refused, one line
per problem, naming what a chat cannot do yet."""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from bot import catalog
from bot.cli.forms import read_xlsform
from flows.forms import parse_form
from flows.types import ContactView
from flows.xlsform import XLSFormError
from flows.xlsform_export import to_xlsform

from .conftest import Chat

REAL = Path(__file__).parent / "xlsforms" / "real"
ACCEPTED = ["choice_filter_test", "group", "or_other", "specify_other", "yes_or_no_question", "text_and_integer",
            "ODKValidateWarnings", "xl_date_ambiguous", "field-list", "extra_columns", "pull_data",
            "cascading_select_test_equivalent"]
REFUSED = {
    "UCL_Biomass_Plot_Form": ["survey, baris 16, kolom type (A): berkas UCL_regions.csv tidak ada: lampirkan dengan",
                              "survey, baris 26, kolom calculation (N): fungsi atan() belum didukung Pantau"],
    # a long real survey (199 rows, 79 relevant/constraint cells): its district list names one choice twice
    "liberiaCoverage": ["choices, baris 126: On the 'choices' sheet, the 'name' value is invalid. Choice names must "
                        "be unique for each choice list."],
    "xlsform_spec_test": ["survey, baris 32, kolom type (A): jenis 'time' belum didukung Pantau",
                          "survey, baris 37, kolom type (A): jenis 'audio' belum didukung Pantau",
                          "survey, baris 21, kolom name (B): nama 'label-test' hanya boleh huruf, angka dan _"],
}


def _path(name: str) -> Path:
    return next(REAL.glob(f"{name}.xls*"))


def test_every_real_form_is_listed_here():
    assert sorted(p.stem for p in REAL.glob("*.xls*")) == sorted([*ACCEPTED, *REFUSED])


@pytest.mark.parametrize("name", ACCEPTED)
def test_a_real_form_imports_and_round_trips(tmp_path, name):
    data = read_xlsform(_path(name)).data
    for file_name, text in (data.get("xlsform") or {}).get("files", {}).items():
        (tmp_path / file_name).write_text(text, encoding="utf-8")       # its attachments beside the export
    form = parse_form(data, name)
    book = openpyxl.Workbook()
    book.remove(book.active)
    for sheet, rows in to_xlsform(form, data.get("summary"), data.get("xlsform")).items():
        ws = book.create_sheet(sheet)
        for row in rows:
            ws.append(row)
    book.save(tmp_path / "export.xlsx")
    again = read_xlsform(tmp_path / "export.xlsx").data
    assert parse_form(again, name) == form and again.get("xlsform") == data.get("xlsform")


@pytest.mark.parametrize("name,expected", REFUSED.items())
def test_a_real_form_a_chat_cannot_run_yet_is_refused_saying_why(name, expected):
    with pytest.raises(XLSFormError) as exc:
        read_xlsform(_path(name))
    for line in expected:
        assert any(p.startswith(line) for p in exc.value.problems), (line, exc.value.problems)


def test_cascading_selects_with_a_county_name_in_two_states_over_chat():
    data = read_xlsform(REAL / "choice_filter_test.xlsx").data
    forms = dict(catalog.load_forms([catalog.FORMS_DIR]))
    form = parse_form(data, "real")
    forms[(form.id, form.version)] = form
    chat = Chat(forms, contact=ContactView(1, "Siti Aminah", "kader", "81.05.08.2010", "id"))
    chat.say("halo")
    assert "1. Texas\n2. Washington" in chat.say("4")
    assert "1. King\n2. Pierce" in chat.say("2")                    # Washington's counties
    assert "1. Dumont\n2. Finney\n3. Seattle\n4. Redmond" in chat.say("King")
    out = chat.say("3")
    assert "- state: Washington" in out and "- county: King" in out and "- city: Seattle" in out
    chat.say("kirim")
    assert chat.reports[-1].answers["county"] == "king"


def test_pyxforms_cascading_selects_through_calculations_over_chat():
    """Zone → state → LGA, each step a calculate that relevant conditions read (a calculation may use the one
    before it)."""
    data = read_xlsform(_path("cascading_select_test_equivalent")).data
    forms = dict(catalog.load_forms([catalog.FORMS_DIR]))
    form = parse_form(data, "real")
    forms[(form.id, form.version)] = form
    chat = Chat(forms, contact=ContactView(1, "Siti Aminah", "kader", "81.05.08.2010", "id"))
    chat.say("halo")
    out = chat.say("4")
    assert "Choose your zone:" in out
    out = chat.say("2")
    assert "Choose your state:" in out
    state = out.split("\n")[-1]
    out = chat.say("1")
    assert "Choose your lga:" in out, (state, out)
    chat.say("1")
    chat.say("kirim")
    answers = chat.reports[-1].answers
    assert answers["mylga_zone"] == "zone_2" and answers["mylga_state"] == answers["mylga_state_in_zone_2"]
    assert answers["mylga"] not in (None, "ERROR")


def test_the_long_liberia_form_with_its_duplicate_choices_allowed_imports_round_trips_and_opens_over_chat(tmp_path):
    """The one setting pyxform asks for (allow_choice_duplicates) added to a copy: the rest of the 199-row form
    imports unchanged (its calculations with a relevant, its item calculations read by the remeasure group, its
    team list compared with numbers), is exported by `pantau form export` and imports again."""
    book = openpyxl.load_workbook(REAL / "liberiaCoverage.xlsx")
    book["settings"].cell(1, 8, "allow_choice_duplicates")
    book["settings"].cell(2, 8, "yes")
    book.save(tmp_path / "liberia.xlsx")
    data = read_xlsform(tmp_path / "liberia.xlsx").data
    form = parse_form(data, "real")
    assert sum(1 for _ in form.all_questions()) > 100
    assert len(form.calculate) + sum(len(q.calculate) for q in form.questions) > 50
    out = openpyxl.Workbook()
    out.remove(out.active)
    for sheet, rows in to_xlsform(form, data.get("summary"), data.get("xlsform")).items():
        ws = out.create_sheet(sheet)
        for row in rows:
            ws.append(row)
    out.save(tmp_path / "export.xlsx")
    again_data = read_xlsform(tmp_path / "export.xlsx").data
    again = parse_form(again_data, "real")
    # the very same form ("sama persis"): every expression as it was (a group's relevant joined to its questions'
    # written one way; random() named by where it is, not by the order of the rows), and 3.79386e-07 in its WHZ
    # formulas written as XPath can read it
    assert again_data == data and again == form
    tiny = {c: e for c, e in form.question("child_repeat").calculate if "e-0" in e}     # 3.79386e-07 * age...
    assert len(tiny) >= 8 and {c: dict(again.question("child_repeat").calculate)[c] for c in tiny} == tiny
    forms = dict(catalog.load_forms([catalog.FORMS_DIR]))
    forms[(form.id, form.version)] = form
    chat = Chat(forms, contact=ContactView(1, "Siti Aminah", "kader", "81.05.08.2010", "id"))
    chat.say("halo")
    assert "Date of data collection" in chat.say("4")
    assert "1. Urban Montserrado\n2. Grand Bassa" in chat.say("kemarin")
    chat.say("1")
    chat.say("1")
    assert "Survey team ID" in chat.say("1")
    assert "Household ID" in chat.say("3")                 # team 3 of 1 to 6: '. >= 1 and . <= 6' holds

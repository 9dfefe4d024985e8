"""The question types table (flows/qtypes/): every type has a golden transcript that a kader would recognise,
and every type's reader and display agree (what is read is shown back as the person wrote it)."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

from flows.forms import Form, Question, parse_form
from flows.problem import Problem
from flows.qtypes import TABLE, Typed
from flows.results import Accepted, Confirm
from flows.state import Draft

GOLDEN = Path(__file__).parent / "golden"
NOW = datetime(2024, 8, 15, 3, 0, tzinfo=timezone.utc)
PHOTO = "3f79bb7b435b05321651daefd374cdc681dc06faa65e374e38337b88ca046dea"


def _form(name: str) -> Form:
    path = GOLDEN / f"type_{name}.yaml"
    return parse_form(yaml.safe_load(path.read_text(encoding="utf-8")), path.name)


def _reports(name: str) -> list[dict]:
    out = (GOLDEN / f"type_{name}.out").read_text(encoding="utf-8")
    return [json.loads(line.split("= report ", 1)[1]) for line in out.splitlines() if line.startswith("  = report ")]


@pytest.mark.parametrize("name", sorted(TABLE))
def test_every_question_type_has_a_golden_transcript(name):
    """tests/golden/type_NAME.{yaml,in,out}: a form with the type, a conversation through it, a report sent
    with its answer. A type added to the table without them fails here (write the .in and the form, run
    tests/test_golden.py once to write the .out, and read it)."""
    for ext in ("yaml", "in", "out"):
        assert (GOLDEN / f"type_{name}.{ext}").exists(), f"no tests/golden/type_{name}.{ext} for the {name} type"
    form = _form(name)
    questions = [q for q in form.all_questions() if q.type == name]
    assert questions, f"type_{name}.yaml has no {name} question"
    reports = [r for r in _reports(name) if r["form"] == form.id]
    assert reports, f"type_{name}.out sends no report of its form"
    answered = [q for q in questions if TABLE[name].read is not None or q.questions]   # a note is never stored
    assert not answered or any(r["answers"].get(q.name) not in (None, "", []) for q in answered for r in reports), \
        f"type_{name}.out never answers a {name} question"


def _typed(form: Form, q: Question, text: str, photo: str | None = None) -> Typed:
    draft = Draft(form.id, form.version, "81.05.08.2010")
    options = [(c.value, [c.label["id"], *c.label.values(), c.value]) for c in q.choices]
    return Typed(form, draft, q, text, "id", NOW, photo, None, form.questions, lambda updates: updates,
                 lambda: options, lambda _options: None)


def _read(name: str, text: str, photo: str | None = None) -> tuple[Question, object]:
    form = _form(name)
    q = next(q for q in form.all_questions() if q.type == name)
    reader = TABLE[name].read
    assert reader is not None
    got = reader(_typed(form, q, text, photo))
    assert isinstance(got, (Accepted, Confirm)), f"{name}: {text!r} was not read: {got}"
    return q, got.updates[q.name]


# what a kader types → what the summary shows back (the Indonesian display)
ROUND_TRIPS = {
    "text": [("  Kebun   sayur kelompok ", "Kebun sayur kelompok"), ("Posyandu balita", "Posyandu balita")],
    "integer": [("79", "79"), ("tujuh puluh sembilan", "79"), ("1.250 orang", "1.250")],
    "decimal": [("2,5", "2,5"), ("1.250,75", "1.250,75"), ("tujuh", "7"), ("-0,5 kg", "-0,5")],
    "date": [("10/8/2024", "10 Agustus 2024"), ("6 Agustus 2024", "6 Agustus 2024")],
    "select_one": [("1", "Balai desa"), ("sekolah", "Sekolah")],
    "select_multiple": [("1, 3", "Gizi, Sekolah"), ("air bersih", "Air bersih")],
    "photo": [("", "foto terlampir")],
    "location": [("-3.12345, 130.54321", "-3.12345, 130.54321"), ("-3,5 130,25", "-3.50000, 130.25000")],
}


def test_every_type_that_reads_an_answer_has_round_trip_cases():
    assert set(ROUND_TRIPS) == {name for name, qtype in TABLE.items() if qtype.read is not None}


@pytest.mark.parametrize("name,typed,shown", [(n, typed, shown) for n, cases in ROUND_TRIPS.items()
                                              for typed, shown in cases])
def test_an_answer_read_is_shown_back_as_written(name, typed, shown):
    q, value = _read(name, typed, PHOTO if TABLE[name].file else None)
    assert TABLE[name].show(q, value, "id", lambda s: s) == shown
    if not TABLE[name].file:            # and what is shown reads back as the same answer
        assert _read(name, shown)[1] == value


def test_a_type_refuses_what_it_cannot_read():
    form = _form("location")
    q = form.question("point")
    assert isinstance(TABLE["location"].read(_typed(form, q, "di kebun")), Problem)
    form = _form("decimal")
    assert isinstance(TABLE["decimal"].read(_typed(form, form.question("harvest"), "1.250")), Problem)


@pytest.mark.parametrize("name", sorted(TABLE))
def test_a_type_exported_to_xlsform_and_imported_back_is_the_same_question(name, tmp_path):
    """Each type's XLSForm names and its own columns (flows/qtypes: xls_in, xls_out, xls_read, xls_write) agree
    through pyxform: the golden's form exported and imported again has the same questions."""
    import openpyxl

    from bot.cli.forms import read_xlsform
    from flows.xlsform_export import to_xlsform

    form = _form(name)
    book = openpyxl.Workbook()
    book.remove(book.active)
    for sheet_name, rows in to_xlsform(form).items():
        sheet = book.create_sheet(sheet_name)
        for row in rows:
            sheet.append(row)
    book.save(tmp_path / f"{form.id}.xlsx")
    back = parse_form(read_xlsform(tmp_path / f"{form.id}.xlsx").data, form.source)
    assert back.questions == form.questions

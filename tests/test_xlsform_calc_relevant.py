"""Calculations with a relevant, and an item's calculation read by a relevant in its repeat (issue 27; both found
in a long real form, tests/xlsforms/real/liberiaCoverage.xlsx: its `flag` is 1 only when a measurement is out of
range, and the remeasure group of each child reads it)."""
from __future__ import annotations

import pytest

from bot import catalog
from bot.cli.forms import read_xlsform
from flows.forms import parse_form
from flows.types import ContactView

from . import xlsforms as X
from .conftest import Chat

SETTINGS = [["form_id", "version"], ["tes", "1"]]
SURVEY = [
    ["type", "name", "label", "relevant", "calculation", "required"],
    ["integer", "jumlah", "Berapa anak?", "", "", "yes"],
    ["calculate", "banyak", "", "${jumlah} > 2", "1"],
    ["begin_repeat", "anak", "Anak"],
    ["text", "nama", "Nama anak?", "", "", "yes"],
    ["integer", "lila", "LILA anak (mm)?", "", "", "yes"],
    ["calculate", "flag", "", "${lila} < 115", "1"],
    ["begin_group", "ulang", "Ukur ulang", "${flag} = '1'"],
    ["integer", "lila2", "LILA anak, ukur ulang (mm)?", "", "", "yes"],
    ["end_group", "ulang"],
    ["end_repeat", "anak"],
    ["text", "catatan", "Catatan keluarga besar?", "${banyak} = '1'", "", "yes"]]


def _form(tmp_path):
    data = read_xlsform(X.write_book(tmp_path / "form.xlsx", SURVEY, None, SETTINGS)).data
    return data, parse_form(data, "tes")


def test_a_calculation_with_a_relevant_is_empty_where_it_does_not_hold(tmp_path):
    data, _ = _form(tmp_path)
    assert data["calculate"] == {"banyak": "1 if jumlah > 2 else ''"}
    assert data["questions"][1]["calculate"] == {"flag": "1 if lila < 115 else ''"}


@pytest.mark.parametrize("lila,remeasured", [("100", True), ("130", False)])
def test_an_item_calculation_decides_a_group_of_the_same_child(tmp_path, lila, remeasured):
    _, form = _form(tmp_path)
    forms = dict(catalog.load_forms([catalog.FORMS_DIR]))
    forms[(form.id, form.version)] = form
    chat = Chat(forms, contact=ContactView(1, "Siti Aminah", "kader", "81.05.08.2010", "id"))
    chat.say("halo")
    chat.say("4")
    chat.say("1")
    chat.say("Ani")
    out = chat.say(lila)
    assert ("LILA anak, ukur ulang (mm)?" in out) == remeasured, out
    if remeasured:
        out = chat.say("112")
    assert "Catatan keluarga besar?" not in out           # one child: `banyak` is empty, its question skipped


@pytest.mark.parametrize("expr,values,result", [
    ("flag == '1'", {"flag": 1}, True),                 # ODK's calculation 1 read as '1'
    ("flag != '1'", {"flag": 1}, False),
    ("flag == '1'", {"flag": ""}, False),               # not relevant: empty
    ("team >= 1", {"team": "3"}, True),                 # a choice named 3
    ("team <= 6", {"team": "7"}, False),
    ("team == 1", {"team": "satu"}, False),             # a text that is no number stays a text
    ("team == 'satu'", {"team": "satu"}, True),
])
def test_a_number_and_a_text_that_is_a_number_compare_as_numbers(expr, values, result):
    from flows.expr import evaluate
    assert evaluate(expr, values) is result


def test_a_select_one_named_by_numbers_may_be_compared_with_a_number_and_a_text_one_may_not(tmp_path):
    survey = [["type", "name", "label", "constraint", "constraint_message"],
              ["select_one team", "team", "Tim survei?", ".>= 1 and .<= 2", "Tim 1 sampai 2"]]
    choices = [["list_name", "name", "label"], ["team", "1", "Satu"], ["team", "2", "Dua"], ["team", "3", "Tiga"]]
    data = read_xlsform(X.write_book(tmp_path / "a.xlsx", survey, choices, SETTINGS)).data
    form = parse_form(data, "tes")
    forms = dict(catalog.load_forms([catalog.FORMS_DIR]))
    forms[(form.id, form.version)] = form
    chat = Chat(forms, contact=ContactView(1, "Siti Aminah", "kader", "81.05.08.2010", "id"))
    chat.say("halo")
    chat.say("4")
    assert "Tim 1 sampai 2" in chat.say("3")
    assert "Tim 1 sampai 2" not in chat.say("2")
    named = [["list_name", "name", "label"], ["team", "satu", "Satu"], ["team", "dua", "Dua"]]
    with pytest.raises(Exception, match="compares a number with text"):
        read_xlsform(X.write_book(tmp_path / "b.xlsx", survey, named, SETTINGS))


@pytest.mark.parametrize("value,written", [(3.79386e-07, "0.000000379386"), (2.5, "2.5"), (1e20, "100000000000000000000.0"),
                                           (39.95107423, "39.95107423")])
def test_a_small_or_large_number_is_exported_as_xpath_reads_it_and_reads_back_the_same(value, written):
    from flows.xpath import _literal, to_expr
    assert _literal(value) == written
    assert to_expr(written) == repr(value)

"""XPath functions of real XLSForms (issue 27): each translated, run, written back for export, and read again
the same; then a form using them filled over the chat."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.cli.forms import read_xlsform
from flows.expr import check, evaluate
from flows.expr_funcs import as_days, to_date
from flows.forms import parse_form
from flows.xpath import Scope, XPathError, to_expr, to_xpath

from . import xlsforms as X

SCOPE = Scope(repeat_of={"umur": "anggota", "nama": "anggota"}, repeats={"anggota"},
              labels={"jenis": {"sumur": "Sumur gali", "pam": "Air PAM"}},
              lists={"desa": [{"name": "d1", "label": "Waai", "kec": "salahutu", "jiwa": "1200"},
                              {"name": "d2", "label": "Liang", "kec": "salahutu", "jiwa": "3400"},
                              {"name": "d3", "label": "Hila", "kec": "leihitu", "jiwa": "900"}]})
ANSWERS = {"anggota": [{"nama": "Ani", "umur": 34}, {"nama": "Budi", "umur": 7}, {"nama": "Citra"}]}
VALUES = {"jenis": "pam", "desa": "d2", "kunjungan": "2024-08-10", "$today": "2024-08-15", "$answers": ANSWERS,
          "$seed": "2024-08-15T09:00:00+09:00"}


@pytest.mark.parametrize("xpath,values,result", [
    # sum(), join(), count() over a repeat's answers, from outside the repeat
    ("sum(${umur})", {}, 41),
    ("sum(${umur}) div count(${anggota})", {}, 41 / 3),
    ("join(', ', ${nama})", {}, "Ani, Budi, Citra"),
    ("count(${anggota})", {}, 3),
    ("max(${umur})", {}, None),                       # one item unanswered: not known yet
    # indexed-repeat() and position(..)
    ("indexed-repeat(${nama}, ${anggota}, 2)", {}, "Budi"),
    ("indexed-repeat(${nama}, ${anggota}, 9)", {}, None),
    ("position(..)", {"$position": 2}, 2),
    ("position(..) = 1", {"$position": 1}, True),
    # jr:choice-name()
    ("jr:choice-name(${jenis}, '${jenis}')", {}, "Air PAM"),
    ("jr:choice-name('sumur', '${jenis}')", {}, "Sumur gali"),
    ("jr:choice-name(${tidak_ada}, '${jenis}')", {}, ""),
    # the form's own choice lists
    ("instance('desa')/root/item[name = ${desa}]/label", {}, "Liang"),
    ("instance('desa')/root/item[name = ${desa}]/jiwa * 2", {}, 6800.0),
    ("instance('desa')/root/item[name = 'd9']/label", {}, None),
    ("count(instance('desa')/root/item[kec = 'salahutu'])", {}, 2),
    ("count(instance('desa')/root/item[kec = 'salahutu' and jiwa > 2000])", {}, 1),
    ("sum(instance('desa')/root/item/jiwa)", {}, 5500),
    ("join(' ', instance('desa')/root/item[kec = 'salahutu']/label)", {}, "Waai Liang"),
    # dates
    ("today()", {}, "2024-08-15"),
    ("today() - 7", {}, as_days("2024-08-08")),
    ("date(today() - 7)", {}, "2024-08-08"),
    ("${kunjungan} >= today() - 7", {}, True),
    ("${kunjungan} >= today() - 3", {}, False),
    ("today() - ${kunjungan}", {}, 5.0),
    ("int((today() - date('2020-08-15')) div 365.25)", {}, 4),
    ("decimal-date-time(${kunjungan})", {}, 19945.0),
    ("decimal-date-time('1970-01-02T12:00:00')", {}, 1.5),
    ("date(19945)", {}, "2024-08-10"),
    ("format-date(${kunjungan}, '%d/%m/%Y')", {}, "10/08/2024"),
    ("format-date(${kunjungan}, '%e %b %y (%a)')", {}, "10 Agu 24 (Sab)"),
    ("format-date-time('2024-08-10T07:05:09', '%H:%M:%S')", {}, "07:05:09"),
    ("format-date(${tidak_ada}, '%Y')", {}, None),
    ("now()", {}, "2024-08-15"),
    # once(), random(), true()/false() and bare true/false/null
    ("once(random()) >= 0 and once(random()) < 1", {}, True),
    ("true() and not(false())", {}, True),
    ("${jenis} != null", {}, True),
    ("${tidak_ada} = null", {}, True),
    ("if(true, 'ya', 'tidak')", {}, "ya"),
    ("if(false, 'ya', 'tidak')", {}, "tidak"),
])
def test_each_xpath_function_runs_and_round_trips(xpath, values, result):
    expr = to_expr(xpath, scope=SCOPE)
    check(expr, {"kunjungan": "date", "umur": "number"})
    got = evaluate(expr, {**VALUES, **values})
    assert got == pytest.approx(result) if isinstance(result, float) else got == result
    back = to_xpath(expr)
    again = to_expr(back, scope=Scope(**{**SCOPE.__dict__, "randoms": 0}))
    assert evaluate(again, {**VALUES, **values}) == got       # exported as XLSForm and read back: the same


def test_random_is_fixed_for_a_report_and_differs_between_reports_and_calls():
    first, second = to_expr("random()", scope=SCOPE), to_expr("random()", scope=SCOPE)
    assert first != second                                    # two random() in a form are two numbers
    a = evaluate(first, VALUES)
    assert evaluate(first, VALUES) == a != evaluate(second, VALUES)
    assert evaluate(first, {**VALUES, "$seed": "another report"}) != a
    assert 0 <= a < 1


@pytest.mark.parametrize("xpath,fragment", [
    ("position(${umur})", "position() hanya didukung sebagai position(..)"),
    ("indexed-repeat(${jenis}, ${anggota}, 1)", "indexed-repeat() perlu sebuah pertanyaan di dalam repeat"),
    ("jr:choice-name(${jenis}, 'jenis')", "jr:choice-name() perlu nama pertanyaan pilihan"),
    ("instance('kota')/root/item[name = ${jenis}]/label", "instance('kota') bukan daftar pilihan formulir ini"),
    ("random(3)", "random() tidak memakai argumen"),
    ("format-date(today())", "format-date() perlu 2 argumen"),
])
def test_functions_used_wrongly_are_refused_saying_how(xpath, fragment):
    with pytest.raises(XPathError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        to_expr(xpath, scope=SCOPE)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)), st.integers(-5000, 5000))
def test_date_arithmetic_agrees_with_the_calendar(day, shift):
    expr = to_expr(f"date(${{d}} + {shift})" if shift >= 0 else f"date(${{d}} - {-shift})")
    assert evaluate(expr, {"d": day.isoformat()}) == (day + timedelta(days=shift)).isoformat()
    assert evaluate(to_expr("date(decimal-date-time(${d}))"), {"d": day.isoformat()}) == day.isoformat()
    assert evaluate(to_expr("format-date(${d}, '%Y-%m-%d')"), {"d": day.isoformat()}) == day.isoformat()


@given(st.lists(st.one_of(st.none(), st.integers(-10**6, 10**6)), max_size=12))
def test_sum_of_a_repeat_is_the_sum_of_its_answered_items(ages):
    answers = {"anggota": [{"umur": a} for a in ages]}
    assert evaluate(to_expr("sum(${umur})", scope=SCOPE), {"$answers": answers}) == sum(a for a in ages if a)
    assert evaluate(to_expr("count(${anggota})", scope=SCOPE), {"$answers": answers}) == len(ages)
    for i in range(len(ages)):
        got = evaluate(to_expr(f"indexed-repeat(${{umur}}, ${{anggota}}, {i + 1})", scope=SCOPE), {"$answers": answers})
        assert got == ages[i]


@given(st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12) | st.none())
def test_date_functions_never_fail(value):
    for fn in ("date(${x})", "decimal-date-time(${x})", "format-date(${x}, '%Y %b %e')", "${x} - today()",
               "${x} < today() - 3"):
        evaluate(to_expr(fn), {"x": value, "$today": "2024-08-15"})
    assert to_date(value) is None or len(str(to_date(value))) >= 10


# ------------------------------------------------------------------ a form using them, over the chat

HOUSEHOLD = [
    ["type", "name", "label", "required", "relevant", "constraint", "calculation", "default"],
    ["select_one desa", "desa", "Desa?", "yes"],
    ["calculate", "nama_desa", "", "", "", "", "instance('desa')/root/item[name = ${desa}]/label"],
    ["date", "kunjungan", "Tanggal kunjungan?", "yes", "", ". >= today() - 30 and . <= today()", "",
     "today() - 1"],
    ["begin_repeat", "anggota", "Anggota keluarga"],
    ["text", "nama", "Nama anggota?", "yes"],
    ["integer", "umur", "Umur ${nama}?", "yes", "", ". >= 0 and . < 120"],
    ["note", "urutan", "Anggota ke-${no} dari desa ${nama_desa}.", "", "", "", ""],
    ["calculate", "no", "", "", "", "", "position(..)"],
    ["note", "sebelum", "Sebelumnya: ${sebelumnya}.", "", "position(..) > 1"],
    ["calculate", "sebelumnya", "", "", "", "", "indexed-repeat(${nama}, ${anggota}, position(..) - 1)"],
    ["end_repeat", "anggota"],
    ["calculate", "total_umur", "", "", "", "", "sum(${umur})"],
    ["calculate", "semua", "", "", "", "", "join(', ', ${nama})"],
    ["note", "ringkas", "${semua}: jumlah umur ${total_umur}; tercatat ${tgl}.", "", "", "", ""],
    ["calculate", "tgl", "", "", "", "", "format-date(${kunjungan}, '%e %b %Y')"],
]
DESA = [["list_name", "name", "label", "kec"], ["desa", "d1", "Waai", "salahutu"], ["desa", "d2", "Liang", "salahutu"]]


def test_a_household_form_with_these_functions_fills_over_the_chat(tmp_path):
    from bot import catalog
    from flows.types import ContactView

    from .conftest import Chat
    imported = read_xlsform(X.write_book(tmp_path / "rt.xlsx", HOUSEHOLD, DESA, [["form_id", "version"], ["rt", "1"]]))
    form = parse_form(imported.data, "rt")
    forms = dict(catalog.load_forms([catalog.FORMS_DIR]))
    forms[(form.id, form.version)] = form
    chat = Chat(forms, contact=ContactView(1, "Siti Aminah", "kader", "81.05.08.2010", "id"))
    chat.say("halo")
    chat.say("4")
    asked = chat.say("Liang")
    assert "Tanggal kunjungan?" in asked and "bawaan: 14 Agustus 2024" in asked      # today() - 1
    assert "Tanggal kunjungan?" in chat.say("1 Januari 2024")                     # older than 30 days: refused
    assert "Nama anggota?" in chat.say("sama")
    out = chat.say("Ani")
    assert "Umur Ani?" in out
    out = chat.say("34")
    assert "Anggota ke-1 dari desa Liang." in out and "Sebelumnya" not in out
    chat.say("Budi")
    out = chat.say("7")
    assert "Anggota ke-2 dari desa Liang." in out and "Sebelumnya: Ani." in out
    out = chat.say("selesai")
    assert "Ani, Budi: jumlah umur 41; tercatat 14 Agu 2024." in out


def test_random_in_a_repeat_draws_one_number_per_item_as_odk_does():
    """A repeat's calculation ``random()`` (a household roster picking a member at random) gave every item the
    same number; ODK draws one per item. Each item keeps its own number while the report is filled."""
    from flows.forms import parse_form
    from flows.positions import item_values
    from flows.state import Pos
    form = parse_form({"id": "x", "version": 1, "title": {"id": "X", "en": "X"}, "questions": [
        {"name": "anggota", "type": "repeat", "label": {"id": "Anggota", "en": "Members"},
         "calculate": {"undian": to_expr("random()", scope=SCOPE)},
         "questions": [{"name": "nama", "type": "text", "label": {"id": "Nama?", "en": "Name?"}}]}]}, "x.yaml")
    answers = {"$seed": "2024-08-15T00:00:00+00:00", "anggota": [{"nama": "Ani"}, {"nama": "Budi"}, {"nama": "Cici"}]}
    draws = [item_values(form, answers, Pos("anggota", i, "nama"))["undian"] for i in range(3)]
    assert len(set(draws)) == 3 and all(0 <= d < 1 for d in draws)
    assert draws == [item_values(form, answers, Pos("anggota", i, "nama"))["undian"] for i in range(3)]


@pytest.mark.parametrize("days, expected", [
    (2_932_896, "9999-12-31"), (2_932_897, None), (2_999_999, None),      # past year 9999: no date, no error
    (-719_162, "0001-01-01"), (-719_163, None), (1e300, None),
])
def test_a_number_of_days_outside_the_calendar_is_no_date(days, expected):
    assert to_date(days) == expected
    evaluate(to_expr("format-date(${x}, '%Y %b %e')"), {"x": days, "$today": "2024-08-15"})

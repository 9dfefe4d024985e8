"""Form files are validated when loaded, with an error that names the file, the question and the problem."""
import pytest

from flows.expr import evaluate
from flows.forms import FormError, parse_form

BASE = {"id": "x", "version": 1, "title": {"id": "X", "en": "X"}}


def q(**kw):
    return {"name": "a", "type": "text", "label": {"id": "A?", "en": "A?"}, **kw}


@pytest.mark.parametrize("questions,fragment", [
    ([q(type="number")], "type 'number' is not one of"),
    ([q(label="A?")], "label needs a text per language"),
    ([q(label={"id": "A?"})], "non-empty texts for id, en"),
    ([q(type="select_one")], "select_one needs choices"),
    ([q(relevant="b == 1")], "relevant uses unknown question(s): b"),
    ([q(relevant="__import__('os')")], "not allowed"),
    ([q(), q()], "the name is used twice"),
    ([q(name="bad name")], "simple identifier"),
    ([q(colour="red")], "unknown field(s): colour"),
    ([q(type="integer", constraint="a < 5")], "constraint_message needs"),
])
def test_bad_form_is_refused_naming_file_and_question(questions, fragment):
    with pytest.raises(FormError) as err:
        parse_form({**BASE, "questions": questions}, "rapat.yaml")
    assert "rapat.yaml" in str(err.value) and fragment in str(err.value)


MSG = {"constraint_message": {"id": "Salah.", "en": "Wrong."}}
NUM = q(name="n", type="integer")
PICK = q(name="s", type="select_one", choices=[{"value": "x", "label": {"id": "X", "en": "X"}}])


@pytest.mark.parametrize("questions,where,fragment", [
    ([PICK, q(relevant="selected(s)")], "question 'a'", "selected() takes 2 arguments"),
    ([PICK, q(relevant="count(s, 'x') > 1")], "question 'a'", "count() takes 1 argument"),
    ([NUM, q(name="m", type="integer", constraint="m <= n / 0", **MSG)], "question 'm'", "division by zero"),
    ([NUM, q(relevant="n == 'lima'")], "question 'a'", "compares a number with text"),
    ([PICK, q(relevant="s > 3")], "question 'a'", "compares a number with text"),
    ([PICK, q(relevant="s + 1 > 3")], "question 'a'", "arithmetic on text"),
])
def test_an_expression_that_would_fail_at_run_time_is_refused_at_load(questions, where, fragment):
    with pytest.raises(FormError) as err:
        parse_form({**BASE, "questions": questions}, "rapat.yaml")
    assert f"rapat.yaml: {where}" in str(err.value) and fragment in str(err.value)


@pytest.mark.parametrize("expr,values", [("a / b > 1", {"a": 3, "b": 0}), ("a < 3", {"a": "teks"}),
                                         ("selected(a)", {"a": "x"})])
def test_expressions_never_raise_at_run_time(expr, values):
    assert evaluate(expr, values) is None


def test_key_must_name_a_question():
    with pytest.raises(FormError, match="key field 'tanggal'"):
        parse_form({**BASE, "key": ["tanggal"], "questions": [q()]}, "f.yaml")


def test_version_is_required():
    with pytest.raises(FormError, match="version"):
        parse_form({**BASE, "version": "satu", "questions": [q()]}, "f.yaml")


@pytest.mark.parametrize("expr,values,expected", [
    ("youth <= men + women", {"youth": 5, "men": 3, "women": 3}, True),
    ("youth <= men + women", {"youth": 7, "men": 3, "women": 3}, False),
    ("youth <= men + women", {"men": 3}, None),
    ("status != 'berjalan'", {"status": "belum"}, True),
    ("not selected(s, 'tidak_perlu')", {"s": ["desa", "tidak_perlu"]}, False),
    ("count(s) >= 2", {"s": ["a", "b"]}, True),
])
def test_expressions(expr, values, expected):
    assert evaluate(expr, values) is expected

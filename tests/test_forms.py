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

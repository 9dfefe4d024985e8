"""The summary an imported form gets from its questions when its XLSForm declares none."""
import pytest

from flows.forms import parse_form
from flows.xlsform_summary import default_summary

SELECT = {"name": "kind", "type": "select_one", "label": {"id": "Jenis?", "en": "Kind?"},
          "choices": [{"value": "a", "label": {"id": "A", "en": "A"}}]}
FAMILIES = {"name": "families", "type": "integer", "label": {"id": "Berapa keluarga?", "en": "How many families?"}}


def _form(*questions):
    return {"id": "sumur", "version": 1, "title": {"id": "Pendataan sumur", "en": "Wells"},
            "key": ["$started"], "questions": list(questions)}


@pytest.mark.parametrize("questions,expected", [
    # no figure questions: only the number of reports
    ([{"name": "note", "type": "text", "label": {"id": "Catatan?", "en": "Note?"}}],
     {"count": "reports", "headline": {"id": "PENDATAAN SUMUR: {reports} laporan", "en": "WELLS: {reports} reports"}}),
    # an integer is summed and titled by its short label when it has one, without the question mark otherwise
    ([FAMILIES, {**FAMILIES, "name": "kids", "short": {"id": "Anak", "en": "Children"}}],
     {"sums": ["families", "kids"],
      "headline": {"id": "PENDATAAN SUMUR: {reports} laporan; Berapa keluarga: {families}; Anak: {kids}",
                   "en": "WELLS: {reports} reports; How many families: {families}; Children: {kids}"}}),
    # selects are counted per choice, with the question as the line's label
    ([SELECT], {"answers": [{"name": "by_kind", "count": "kind", "label": {"id": "Jenis", "en": "Kind"}}]}),
    # a question named like a figure does not collide with it
    ([{**FAMILIES, "name": "reports"}], {"count": "reports_count", "sums": ["reports"]}),
    # placeholders in a label are left out of the title
    ([{**FAMILIES, "label": {"id": "Berapa keluarga di {desa}?", "en": "Families in {desa}?"}}],
     {"labels_families": {"id": "Berapa keluarga di", "en": "Families in"}}),
    # an integer named like an id, code, age, year or number is not summed; one marked as a count is
    ([{**FAMILIES, "count": False},
      *({**FAMILIES, "name": n, "count": False} for n in ("umur", "kode_desa", "tahun_lahir", "no_hp", "age", "rt")),
      {**FAMILIES, "name": "umur_kader"}],                       # pantau_count: yes (count stays true)
     {"sums": ["families", "umur_kader"]}),
    # questions inside a repeat are not summed
    ([{"name": "items", "type": "repeat", "label": {"id": "Barang", "en": "Items"}, "questions": [{"name": "item", "type": "text", "label": {"id": "Nama?", "en": "Name?"}}, FAMILIES]}],
     {"sums": None}),
])
def test_default_summary_from_the_questions(questions, expected):
    data = _form(*questions)
    summary = default_summary(data)
    assert summary["section"] == "sumur" and summary["title"] == {"id": "Pendataan sumur", "en": "Wells"}
    for key, value in expected.items():
        if key == "headline":
            assert summary["text"]["headline"] == value
        elif key.startswith("labels_"):
            assert summary["labels"][key[7:]] == value
        else:
            assert summary.get(key) == value
    form = parse_form({**data, "summary": summary}, "sumur.yaml")      # valid in the summary schema
    assert form.summary is not None and form.summary.section == "sumur"

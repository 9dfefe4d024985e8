"""A form file's `summary:` section, when it is wrong, is explained in Indonesian like every other problem of a
form file (they reached program officers in English)."""
import pytest

from flows.form_messages import said
from flows.forms import FormError, parse_form

FORM = {"id": "rapat", "version": 1, "title": {"id": "Rapat", "en": "Meeting"}, "questions": [
    {"name": "tanggal", "type": "date", "label": {"id": "Tanggal?", "en": "Date?"}},
    {"name": "laki", "type": "integer", "label": {"id": "Laki-laki?", "en": "Men?"}},
    {"name": "catatan", "type": "text", "label": {"id": "Catatan?", "en": "Notes?"}}]}


def section(**kw):
    return {"section": "rapat", **kw}


@pytest.mark.parametrize("summary,expected", [
    ({"title": "Rapat"}, "summary perlu nama section"),
    (section(warna="merah"), "summary: kolom tidak dikenal: warna"),
    (section(sums="laki"), "summary: sums harus berupa daftar nama pertanyaan"),
    (section(period="minggu"), "summary: period harus {date: PERTANYAAN}, {round: PERTANYAAN} atau started"),
    (section(consolidates={"a": "b"}), "summary: consolidates perlu period {date: PERTANYAAN}"),
    (section(sums=["laki"], totals={"semua": ["laki", "perempuan"]}),
     "summary: totals semua hanya boleh menjumlahkan angka dari sums atau count; yang bukan: perempuan"),
    (section(sums=["laki"], percent={"persen": ["laki"]}), "summary: percent persen perlu [bagian, keseluruhan]"),
    (section(answers=[{"name": "x"}]), "summary: setiap isi answers perlu name dan salah satu dari count"),
    (section(answers=[{"name": "x", "top": "catatan", "limit": 0}]), "summary: limit top x harus bilangan bulat >= 1"),
    (section(sums=["perempuan"]), "summary: sums menyebut 'perempuan', yang bukan pertanyaan formulir ini"),
    (section(sums=["catatan"]), "summary: sums 'catatan' harus pertanyaan berjenis integer, bukan text"),
    (section(answers=[{"name": "x", "count": "laki"}]),
     "summary: count 'laki' harus pertanyaan berjenis select_one atau select_multiple, bukan integer"),
    (section(items={"count": "n"}), "summary: items perlu {repeat: PERTANYAAN, count: NAMA}"),
    (section(text={"judul": {"id": "a", "en": "b"}}), "summary: text hanya boleh berisi headline, by dan child"),
    (section(title="Rapat"), "summary: title perlu teks untuk tiap bahasa"),
])
def test_a_wrong_summary_section_is_explained_in_indonesian(summary, expected):
    with pytest.raises(FormError) as err:
        parse_form({**FORM, "summary": summary}, "rapat.yaml")
    text = said(err.value)
    assert expected in text, text
    for english in ("needs", "must be", "unknown field", "which is not", " or "):
        assert english not in text, text

"""The styling ODK lets a form's texts carry (Markdown and an HTML subset) as a chat shows it: bold *x* and
emphasis _x_ as WhatsApp writes them, other tags dropped with their text kept, nothing else touched."""
from __future__ import annotations

import pytest

from flows.display import format_values
from flows.markup import chat_text

CASES = [
    ("We are from the <strong>Liberian Institute</strong>.", "We are from the *Liberian Institute*."),
    ("<b>Ya</b> atau <B>tidak</B>", "*Ya* atau *tidak*"),
    ("Please **thank mother / carer** and **move on**", "Please *thank mother / carer* and *move on*"),
    ("__tebal__ saja", "*tebal* saja"),
    ("{name} is malnourished. *{refer_action}*", "{name} is malnourished. _{refer_action}_"),
    ("<em>catatan</em> dan <i>miring</i>", "_catatan_ dan _miring_"),
    ('<span style="color:red">Awas</span>: panas', "Awas: panas"),
    ('<font color="#ff0000">merah</font>', "merah"),
    ("Baris satu<br>baris dua<br/>tiga", "Baris satu\nbaris dua\ntiga"),
    ("<p>Satu</p><p>Dua</p>", "Satu\nDua\n"),
    ("# Bagian A\nIsi", "*Bagian A*\nIsi"),
    ("Lihat [panduan](https://example.org/p)", "Lihat panduan (https://example.org/p)"),
    ("Air &amp; sanitasi", "Air & sanitasi"),
    (r"harga \*tanpa\* pajak", "harga *tanpa* pajak"),
    # left as they are: comparisons, arithmetic, lone marks, unknown tags, names with underscores
    ("umur <5 tahun atau a < b", "umur <5 tahun atau a < b"),
    ("2 * 3 * 4 = 24", "2 * 3 * 4 = 24"),
    ("nilai <x> tetap", "nilai <x> tetap"),
    ("{child_name} dan {mother_name}", "{child_name} dan {mother_name}"),
    ("Berapa anggota keluarga?", "Berapa anggota keluarga?"),
    ("#1 di daftar", "#1 di daftar"),
]


@pytest.mark.parametrize("given,shown", CASES)
def test_form_text_styling_as_chat_text(given, shown):
    assert chat_text(given) == shown


def test_an_answer_filled_into_a_label_is_never_restyled():
    assert format_values("Nama: <b>{name}</b>", {"name": "**Siti** <i>A</i>"}, "id") == "Nama: ***Siti** <i>A</i>*"

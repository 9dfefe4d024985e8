"""The three built-in forms exported to XLSForm and imported back give the same conversations.

The transcripts (inputs → replies + the session afterwards, on the fixed clock) are kept in
tests/golden/xlsform_roundtrip.txt; regenerate with PANTAU_UPDATE_GOLDEN=1 and review the diff.
"""
from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from bot import catalog
from bot.cli.forms import read_xlsform
from flows.forms import parse_form
from flows.types import ContactView, RoundView
from flows.xlsform_export import to_xlsform

from .conftest import Chat

GOLDEN = Path(__file__).parent / "golden" / "xlsform_roundtrip.txt"
SCRIPTS = {
    "pertemuan": ["halo", "1", "musdes", "kemarin", "Balai desa Kilmury", "L 79 P 38", "200", "20", "2", "lewati",
                  "lewati", "2", "4", "L 50 P 30", "kirim",
                  "1", "kelompok", "10/8/2024", "2", "Rumah Pak RT", "12", "15", "0", "0", "lewati", "Kelas belajar",
                  "kirim"],
    "pemantauan": ["halo", "2", "Kebun sayur kelompok wanita", "pertanian", "sebagian", "bibit terlambat", "1, 4",
                   "bibit sayur", "L 10 P 25", "Tenun ikat", "4", "1", "tidak perlu", "lewati", "kembali",
                   "lewati", "selesai", "kirim"],
    "cerita": ["halo", "3", "komunitas", "Ibu-ibu kini ikut musyawarah desa.", "Kelompok tenun",
               "Suara kami didengar.", "Januari sampai Juli 2024", "1", "saya sendiri", "bantuan", "lewati", "kirim"],
}


def _round_tripped(tmp_path: Path) -> dict:
    raw = catalog.read_forms([catalog.FORMS_DIR])
    forms = catalog.build_forms(raw)
    out = {}
    for key, form in forms.items():
        book = openpyxl.Workbook()
        book.remove(book.active)
        for name, rows in to_xlsform(form, raw[key].get("summary")).items():
            sheet = book.create_sheet(name)
            for row in rows:
                sheet.append(row)
        path = tmp_path / f"{form.id}.xlsx"
        book.save(path)
        imported = read_xlsform(path)
        assert imported.notes == []
        assert imported.data.get("summary") == raw[key].get("summary")     # the summary section too
        out[key] = parse_form(imported.data, form.source)
    return out


def _transcript(forms: dict, name: str) -> str:
    contact = ContactView(1, "Siti Aminah", "kader", "81.05.08.2010", "id")
    chat = Chat(forms, contact=contact, rounds=[RoundView("Juli 2024", "2024-07-01", "2024-08-31")])
    lines = [f"## {name}"]
    for text in SCRIPTS[name]:
        lines.append(f"👤 {text}")
        lines += ["🤖 " + reply.replace("\n", "\n   ") for reply in chat.say(text).split("\n\n")]
        lines.append("   session: " + json.dumps(chat.session.get("form"), ensure_ascii=False, sort_keys=True))
    lines += ["   report: " + json.dumps(r.answers, ensure_ascii=False, sort_keys=True) for r in chat.reports]
    return "\n".join(lines)


def test_builtin_forms_survive_export_and_import_unchanged(tmp_path):
    original = catalog.load_forms([catalog.FORMS_DIR])
    again = _round_tripped(tmp_path)
    assert {k: replace(f, source="") for k, f in again.items()} == {k: replace(f, source="")
                                                                    for k, f in original.items()}


def test_round_tripped_forms_give_the_same_conversations(tmp_path):
    original = catalog.load_forms([catalog.FORMS_DIR])
    again = _round_tripped(tmp_path)
    transcripts = [_transcript(original, name) for name in SCRIPTS]
    assert [_transcript(again, name) for name in SCRIPTS] == transcripts
    text = "\n\n".join(transcripts) + "\n"
    if os.environ.get("PANTAU_UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    if not GOLDEN.exists():
        pytest.fail(f"{GOLDEN} missing: run with PANTAU_UPDATE_GOLDEN=1 and review it")
    assert text == GOLDEN.read_text(encoding="utf-8")

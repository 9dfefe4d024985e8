"""XLSForm import size guards (issue 28): a zip bomb, a huge file, too many rows or choices are refused
before they cost memory or time, and a long shared choice list is stored once."""
from __future__ import annotations

import os
import zipfile

import pytest
import yaml

from bot.cli import forms as forms_cli
from bot.xlsform_limits import MAX_CHOICE_ROWS, MAX_SURVEY_ROWS
from flows.forms import parse_form
from flows.xlsform import XLSFormError
from flows.xlsform_export import to_xlsform

from . import xlsforms as X

SURVEY = [["type", "name", "label"], ["text", "nama", "Nama?"]]
SETTINGS = [["form_id", "version", "form_title"], ["uji", "1", "Uji"]]


def _never(*args, **kwargs):
    raise AssertionError("the workbook was opened")


def _refusal(path) -> str:
    with pytest.raises(XLSFormError) as exc:
        forms_cli.read_xlsform(path)
    return "\n".join(exc.value.problems)


def test_a_zip_bomb_is_refused_before_openpyxl_opens_it(tmp_path, monkeypatch):
    book = X.write_book(tmp_path / "bom.xlsx", SURVEY, None, SETTINGS)
    with zipfile.ZipFile(book, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings2.xml", " " * (60 * 1024 * 1024))    # 60 MB of spaces
    assert book.stat().st_size < 1024 * 1024
    monkeypatch.setattr("pyxform.xls2json_backends.get_xlsform", _never)
    assert "isinya 60 MB setelah dibuka, lebih dari batas 40 MB" in _refusal(book)


def test_a_file_over_five_megabytes_is_refused(tmp_path, monkeypatch):
    book = X.write_book(tmp_path / "besar.xlsx", SURVEY, None, SETTINGS)
    with zipfile.ZipFile(book, "a", zipfile.ZIP_STORED) as archive:
        archive.writestr("xl/media/image1.png", os.urandom(6 * 1024 * 1024))
    monkeypatch.setattr("pyxform.xls2json_backends.get_xlsform", _never)
    assert "lebih besar dari batas 5 MB" in _refusal(book)


def test_a_broken_zip_is_refused_in_indonesian(tmp_path):
    path = tmp_path / "rusak.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    assert "bukan berkas Excel .xlsx yang utuh" in _refusal(path)


def test_too_many_choices_are_refused_before_pyxform_converts_them(tmp_path, monkeypatch):
    choices = [["list_name", "name", "label"]] + [["desa", f"d{i}", f"Desa {i}"] for i in range(MAX_CHOICE_ROWS + 1)]
    book = X.write_book(tmp_path / "desa.xlsx", [*SURVEY, ["select_one desa", "desa", "Desa?"]], choices, SETTINGS)
    monkeypatch.setattr("pyxform.xls2json.workbook_to_json", _never)
    assert _refusal(book) == ("choices: 20.001 pilihan, lebih dari batas 20.000. Daftar sepanjang itu tidak bisa "
                              "dipilih lewat chat; persempit daftarnya (misalnya hanya desa di kabupaten program).")


def test_too_many_survey_rows_are_refused(tmp_path, monkeypatch):
    survey = [SURVEY[0]] + [["integer", f"q{i}", f"Pertanyaan {i}?"] for i in range(MAX_SURVEY_ROWS + 1)]
    book = X.write_book(tmp_path / "panjang.xlsx", survey, None, SETTINGS)
    monkeypatch.setattr("pyxform.xls2json.workbook_to_json", _never)
    assert "survey: 3.001 baris, lebih dari batas 3.000 baris" in _refusal(book)


def test_a_long_list_many_questions_offer_is_stored_once(tmp_path):
    survey = [["type", "name", "label"]] + [["select_one desa", f"desa{i}", f"Desa ke-{i}?"] for i in range(60)]
    survey += [["select_one yn", "ok", "Sudah?"]]
    choices = [["list_name", "name", "label"]] + [["desa", f"d{i}", f"Desa {i}"] for i in range(2000)]
    choices += [["yn", "ya", "Ya"], ["yn", "tidak", "Tidak"]]
    data = forms_cli.read_xlsform(X.write_book(tmp_path / "desa.xlsx", survey, choices, SETTINGS)).data
    assert list(data["choice_lists"]) == ["desa"] and len(data["choice_lists"]["desa"]) == 2000
    assert data["questions"][0]["choices"] == "desa" and isinstance(data["questions"][-1]["choices"], list)
    assert len(yaml.safe_dump(data, allow_unicode=True)) < 300_000        # was 60 copies of the list: 9 MB
    form = parse_form(data, "uji")
    assert form.questions[0].choices is form.questions[59].choices         # one list in memory too
    assert form.questions[7].choices[1999].label["id"] == "Desa 1999"
    sheets = to_xlsform(form)                                              # exported: the list written once
    assert len(sheets["choices"]) == 1 + 2000 + 2
    assert sheets["survey"][1][:2] == ["select_one desa", "desa0"]
    again = forms_cli.read_xlsform(X.write_book(tmp_path / "lagi.xlsx", sheets["survey"], sheets["choices"],
                                                sheets["settings"])).data
    assert again["choice_lists"] == data["choice_lists"]


def test_a_form_file_read_once_starts_from_its_compiled_copy(tmp_path, monkeypatch):
    from bot import catalog
    folder = tmp_path / "forms"
    folder.mkdir()
    survey = [*SURVEY, ["select_one desa", "desa", "Desa?"]]
    choices = [["list_name", "name", "label"]] + [["desa", f"d{i}", f"Desa nomor {i}"] for i in range(1500)]
    data = forms_cli.read_xlsform(X.write_book(tmp_path / "uji.xlsx", survey, choices, SETTINGS)).data
    (folder / "uji.v1.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert (folder / "uji.v1.yaml").stat().st_size > catalog.CACHE_FROM_BYTES
    first = catalog.read_forms([folder])
    assert list((tmp_path / "pantau-data" / "cache" / "forms").glob("*.json"))
    load = catalog.yaml.load
    monkeypatch.setattr(catalog.yaml, "load", _never)               # a start reads the compiled copy, no YAML
    assert catalog.read_forms([folder]) == first
    monkeypatch.setattr(catalog.yaml, "load", load)
    data["questions"][0]["label"]["id"] = "Nama lengkap?"             # an edited file is read again
    (folder / "uji.v1.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert catalog.read_forms([folder])[("uji", 1)]["questions"][0]["label"]["id"] == "Nama lengkap?"

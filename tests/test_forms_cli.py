"""`pantau form import|check|list|export` through the real command, and an imported form over `pantau chat`."""
from __future__ import annotations

import json
from datetime import timedelta

import openpyxl

from . import xlsforms as X
from .conftest import NOW
from .test_cli_e2e import chat, run, text

KADER = "081234567890"
REGISTER = ["halo", "Siti Aminah", "1", "Kilmury, Kilmury", "ya"]
SURVEY_V1 = [["type", "name", "label::Indonesian (id)", "label::English (en)", "required", "constraint",
              "constraint_message::Indonesian (id)"],
             ["text", "well", "Nama sumur?", "Name of the well?", "yes"],
             ["decimal", "depth", "Berapa meter dalamnya?", "How deep (m)?", "yes", ". > 0 and . < 200",
              "Kedalaman 0 sampai 200 meter."],
             ["geopoint", "where", "Di mana sumurnya?", "Where is it?", "yes"]]
SETTINGS_V1 = [["form_id", "version", "form_title", "pantau_roles"], ["sumur", "1", "Pendataan sumur", "kader"]]


def test_import_list_chat_and_export(cli_env, tmp_path):
    env = {**cli_env, "PANTAU_FORMS_DIR": str(tmp_path / "forms")}
    book = X.write_book(tmp_path / "sumur.xlsx", SURVEY_V1, None, SETTINGS_V1)
    out = run(env, "form", "check", str(book)).stdout
    assert "Formulir 'sumur' versi 1: Pendataan sumur" in out and "Formulir bisa dipakai." in out
    assert not (tmp_path / "forms").exists()                       # check writes nothing
    out = run(env, "form", "import", str(book)).stdout
    assert "3 pertanyaan (1 decimal, 1 location, 1 text)" in out and "Tersimpan:" in out
    assert "  - depth (decimal wajib; aturan: depth > 0 and depth < 200): Berapa meter dalamnya?" in out
    assert (tmp_path / "forms" / "sumur.v1.yaml").exists()
    assert "sumur\tversi 1\tPendataan sumur\t3 pertanyaan\tkader" in run(env, "form", "list").stdout
    assert "sudah ada dan sama persis" in run(env, "form", "import", str(book)).stdout

    r = chat(env, KADER, *REGISTER, "4", "Sumur Pak Lurah", "2,5", json.dumps({"location": {"lat": -3.3, "lon": 130.1}}))
    assert "4. Pendataan sumur" in text(r[4])
    assert "Berapa meter dalamnya?" in text(r[6])
    assert "- Berapa meter dalamnya: 2,5" in text(r[8]) and "- Di mana sumurnya: -3.30000, 130.10000" in text(r[8])

    # a new version while a conversation is running: the running one keeps version 1, new ones get version 2
    chat(env, KADER, "kirim", "4", "Sumur Bu Ani")
    survey_v2 = [row[:] for row in SURVEY_V1]
    survey_v2[2][2] = "Sumurnya berapa meter?"
    book2 = X.write_book(tmp_path / "sumur2.xlsx", survey_v2, None, [SETTINGS_V1[0], ["sumur", "2", "Pendataan sumur",
                                                                                       "kader"]])
    imported = run(env, "form", "import", str(book2), "--id", "sumur", check=False)
    assert imported.returncode == 0, imported.stderr
    assert "versi sebelumnya (1) tetap dipakai" in imported.stdout
    r = chat(env, KADER, "2,5", "-3.3, 130.1", "kirim", "4", "Sumur desa")
    assert "Berapa meter dalamnya?" not in text(r[0]) and "Di mana sumurnya?" in text(r[0])
    assert "Sumurnya berapa meter?" in text(r[4])

    out_file = tmp_path / "export.xlsx"
    assert "formulir 'sumur' versi 2" in run(env, "form", "export", "sumur", "--out", str(out_file)).stdout
    sheet = openpyxl.load_workbook(out_file)["survey"]
    assert [c.value for c in sheet[3]][:3] == ["decimal", "depth", "Sumurnya berapa meter?"]
    assert "Formulir bisa dipakai." in run(env, "form", "check", str(out_file)).stdout


def test_a_changed_form_with_the_same_version_is_refused(cli_env, tmp_path):
    env = {**cli_env, "PANTAU_FORMS_DIR": str(tmp_path / "forms")}
    run(env, "form", "import", str(X.write_book(tmp_path / "a.xlsx", SURVEY_V1, None, SETTINGS_V1)))
    changed = [row[:] for row in SURVEY_V1]
    changed[1][2] = "Sumur siapa?"
    proc = run(env, "form", "import", str(X.write_book(tmp_path / "b.xlsx", changed, None, SETTINGS_V1)), check=False)
    assert proc.returncode == 1
    assert "settings, baris 2, kolom version: formulir 'sumur' versi 1 sudah ada dan isinya berbeda" in proc.stderr
    assert sorted(p.name for p in (tmp_path / "forms").iterdir()) == ["sumur.v1.yaml"]
    # version 1 was used (the database keeps it); its file removed, a different version 1 is still refused
    chat(env, KADER, *REGISTER)
    (tmp_path / "forms" / "sumur.v1.yaml").unlink()
    proc = run(env, "form", "import", str(tmp_path / "b.xlsx"), check=False)
    assert proc.returncode == 1 and "versi 1 sudah pernah dipakai dengan isi lain" in proc.stderr
    assert not any((tmp_path / "forms").iterdir())


def test_a_broken_form_is_refused_and_nothing_is_written(cli_env, tmp_path):
    env = {**cli_env, "PANTAU_FORMS_DIR": str(tmp_path / "forms")}
    broken = SURVEY_V1 + [["range", "score", "Nilai?", "Score?"], ["text", "t", "Catatan?", "Notes?", "", "pulldata('a')"]]
    proc = run(env, "form", "import", str(X.write_book(tmp_path / "x.xlsx", broken, None, SETTINGS_V1)), check=False)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        "survey, baris 5, kolom type (A): jenis 'range' belum didukung Pantau",
        "survey, baris 6, kolom constraint (F): pulldata() perlu 4 argumen: 'berkas', 'kolom', 'kolom kunci', nilai "
        "(dalam \"pulldata('a')\")",
        "2 masalah; tidak ada yang diimpor."]
    assert not (tmp_path / "forms").exists()
    missing = run(env, "form", "export", "tidakada", "--out", str(tmp_path / "x.xlsx"), check=False)
    assert missing.returncode == 2 and "Formulir 'tidakada' tidak ada" in missing.stderr


WELLS_SURVEY = [["type", "name", "label::Indonesian (id)", "label::English (en)", "required"],
                ["select_one jenis", "jenis", "Jenis sumber air?", "Kind of water source?", "yes"],
                ["integer", "keluarga", "Berapa keluarga yang memakai?", "How many families use it?", "yes"],
                ["select_multiple guna", "guna", "Dipakai untuk apa?", "Used for what?", "yes"]]
WELLS_CHOICES = [["list_name", "name", "label::Indonesian (id)", "label::English (en)"],
                 ["jenis", "sumur", "Sumur gali", "Dug well"], ["jenis", "mata_air", "Mata air", "Spring"],
                 ["guna", "minum", "Minum", "Drinking"], ["guna", "cuci", "Mencuci", "Washing"]]
WELLS_SETTINGS = [["form_id", "version", "form_title", "pantau_title::English (en)", "pantau_roles"],
                  ["sumber_air", "1", "Pendataan sumber air", "Water sources", "kader"]]


def test_an_imported_form_without_pantau_summary_is_summarised_from_its_questions(cli_env, tmp_path):
    env = {**cli_env, "PANTAU_FORMS_DIR": str(tmp_path / "forms")}
    book = X.write_book(tmp_path / "sumber_air.xlsx", WELLS_SURVEY, WELLS_CHOICES, WELLS_SETTINGS)
    out = run(env, "form", "import", str(book)).stdout
    assert "ringkasan dibuat dari pertanyaan" in out
    chat(env, KADER, *REGISTER)
    assert "Siti Aminah (kader, Desa Kilmury" in run(env, "contact", "approve", "Siti Aminah").stdout
    r = chat(env, KADER, "4", "sumur", "12", "1, 2", "kirim")
    assert "tersimpan" in text(r[-1])
    next_day = {**env, "PANTAU_NOW": (NOW + timedelta(days=1)).isoformat()}     # a second report, not a correction
    r = chat(next_day, KADER, "4", "mata air", "30", "1", "kirim")
    assert "tersimpan" in text(r[-1]) and "perbaikan" not in text(r[-1])
    summary = json.loads(run(next_day, "summary", "--area", "Seram Bagian Timur", "--json").stdout)
    assert summary["sumber_air"] == {"reports": 2, "keluarga": 42, "by_jenis": {"sumur": 1, "mata_air": 1},
                                     "by_guna": {"minum": 2, "cuci": 1}}
    printed = run(next_day, "summary", "--area", "Seram Bagian Timur").stdout
    assert "PENDATAAN SUMBER AIR: 2 laporan; Berapa keluarga yang memakai: 42" in printed
    assert "- Jenis sumber air: Mata air 1, Sumur gali 1" in printed
    assert "- Dipakai untuk apa: Minum 2, Mencuci 1" in printed
    assert "pendataan sumber air 2" in printed                     # its part of the line per kecamatan


def test_pages_groups_defaults_numbers_and_item_calculations_over_the_terminal(cli_env, tmp_path):
    """Issue 16's chat additions through `pantau form import` and `pantau chat` (the terminal channel)."""
    from .test_xlsform import FIELD_CHAT
    env = {**cli_env, "PANTAU_FORMS_DIR": str(tmp_path / "forms")}
    book = X.write_book(tmp_path / "lapangan.xlsx", X.FIELD_SURVEY, X.FIELD_CHOICES, X.FIELD_SETTINGS)
    out = run(env, "form", "import", str(book)).stdout
    assert "Tersimpan:" in out
    replies = chat(env, KADER, *REGISTER, *[message for message, _, _ in FIELD_CHAT])
    assert "4. Kunjungan lapangan" in text(replies[len(REGISTER) - 1])
    for (message, expected, absent), reply in zip(FIELD_CHAT, replies[len(REGISTER):]):
        assert expected in text(reply), (message, text(reply))
        assert absent is None or absent not in text(reply), (message, text(reply))
    run(env, "contact", "approve", "Siti Aminah")                # an approved kader's report is counted
    summary = json.loads(run(env, "summary", "--area", "Seram Bagian Timur", "--json").stdout)
    assert summary["lapangan"]["reports"] == 1 and summary["lapangan"]["by_crops"] == {"singkong": 1, "kopi": 1,
                                                                                        "pisang": 1}


def test_export_writes_a_label_starting_with_equals_as_text_not_a_formula(cli_env, tmp_path):
    forms = tmp_path / "forms"
    forms.mkdir()
    label = {"id": '=HYPERLINK("http://contoh.invalid","klik")', "en": "=1+1"}
    (forms / "rumus.v1.yaml").write_text(json.dumps({
        "id": "rumus", "version": 1, "title": {"id": "=SUM(A1:A9)", "en": "Formula"},
        "questions": [{"name": "nama", "type": "text", "label": label},
                      {"name": "pilih", "type": "select_one", "label": {"id": "Pilih?", "en": "Pick?"},
                       "choices": [{"value": "a", "label": {"id": "=A1", "en": "+A1"}}]}]}), encoding="utf-8")
    env = {**cli_env, "PANTAU_FORMS_DIR": str(forms)}
    out_file = tmp_path / "rumus.xlsx"
    run(env, "form", "export", "rumus", "--out", str(out_file))
    book = openpyxl.load_workbook(out_file)
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row if str(c.value or "").startswith("=")]
    assert {c.value for c in cells} == {label["id"], "=1+1", "=A1", "=SUM(A1:A9)"}
    assert {c.data_type for c in cells} == {"s"}                  # text cells: Excel shows them, never runs them
    assert "Formulir bisa dipakai." in run(env, "form", "check", str(out_file)).stdout


def test_a_version_written_as_a_hash_is_compared_as_given(cli_env, tmp_path):
    env = {**cli_env, "PANTAU_FORMS_DIR": str(tmp_path / "forms")}
    first = X.write_book(tmp_path / "a.xlsx", SURVEY_V1, None, [["form_id", "version"], ["sumur", "a1b2c3d"]])
    assert "Tersimpan:" in run(env, "form", "import", str(first)).stdout
    assert "sudah ada dan sama persis" in run(env, "form", "import", str(first)).stdout
    changed = [row[:] for row in SURVEY_V1]
    changed[1][2] = "Sumur siapa?"
    second = X.write_book(tmp_path / "b.xlsx", changed, None, [["form_id", "version"], ["sumur", "e5f6a7b"]])
    assert "versi sebelumnya (1)" in run(env, "form", "import", str(second)).stdout
    assert sorted(p.name for p in (tmp_path / "forms").iterdir()) == ["sumur.v1.yaml", "sumur.v2.yaml"]
    assert "sudah ada dan sama persis" in run(env, "form", "import", str(first)).stdout     # a1b2c3d is still v1
    again = X.write_book(tmp_path / "c.xlsx", changed, None, [["form_id", "version"], ["sumur", "a1b2c3d"]])
    refused = run(env, "form", "import", str(again), check=False)
    assert refused.returncode == 1 and "formulir 'sumur' versi 1 sudah ada dan isinya berbeda" in refused.stderr
    out = tmp_path / "keluar.xlsx"
    run(env, "form", "export", "sumur", "--out", str(out))
    assert openpyxl.load_workbook(out)["settings"]["B2"].value == "e5f6a7b"


def test_a_broken_form_file_is_explained_in_indonesian(cli_env, tmp_path):
    """parse_form's problems reach a program officer as the XLSForm ones do: in Indonesian, naming the question."""
    bad = tmp_path / "sumur.yaml"
    bad.write_text(json.dumps({
        "id": "sumur", "version": 1, "title": {"id": "Sumur", "en": "Wells"},
        "questions": [{"name": "jenis", "type": "select_one", "label": {"id": "Jenis?", "en": "Kind?"},
                       "choices": [{"value": "gali", "label": {"id": "Gali", "en": "Dug"}}], "default": "bor"},
                      {"name": "dalam", "type": "integer", "label": {"id": "Dalam?", "en": "Depth?"},
                       "relevant": "jenis_sumur == 'gali'"}]}), encoding="utf-8")
    result = run(cli_env, "form", "check", str(bad), check=False)
    assert "pertanyaan 'jenis': jawaban bawaan 'bor' tidak ada di antara pilihan" in result.stderr
    assert "is not one of" not in result.stderr and "1 masalah" in result.stderr

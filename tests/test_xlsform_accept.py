"""What pyxform accepts, Pantau accepts (issue 27): aliased and ignored columns, ODK form ids and dated
versions, read_only, acknowledge, a calculation on a question; and what it keeps for export."""
from __future__ import annotations

import pytest

from bot.cli.forms import read_xlsform
from flows.forms import parse_form
from flows.xlsform_export import to_xlsform

from . import xlsforms as X

SETTINGS = [["form_id", "version"], ["tes", "1"]]


def _import(tmp_path, survey, settings=SETTINGS, choices=None):
    result = read_xlsform(X.write_book(tmp_path / "form.xlsx", survey, choices, settings))
    return result.data, result.notes


def _q(data, name):
    return next(q for q in data["questions"] if q["name"] == name)


def test_legacy_bind_columns_trigger_and_unknown_columns(tmp_path):
    data, notes = _import(tmp_path, [
        ["type", "name", "label", "bind:relevant", "bind::constraint", "trigger", "catatan_tim", "relevance"],
        ["integer", "a", "A?"],
        ["integer", "b", "B?", "${a} > 1", ". > 0", "", "cek lagi"],
        ["text", "c", "C?", "", "", "${a}", "", "${b} > 2"]])
    assert _q(data, "b")["relevant"] == "a > 1" and _q(data, "b")["constraint"] == "b > 0"
    assert _q(data, "c")["relevant"] == "b > 2"
    assert "survey: kolom trigger (F) tidak berpengaruh di chat; diabaikan" in notes
    assert "survey: kolom catatan_tim (G) tidak dikenal XLSForm maupun Pantau; diabaikan" in notes


def test_a_misspelt_pantau_column_is_still_refused(tmp_path):
    with pytest.raises(ValueError, match="kolom 'pantau_cout' tidak dikenal Pantau"):
        _import(tmp_path, [["type", "name", "label", "pantau_cout"], ["integer", "a", "A?", "yes"]])


@pytest.mark.parametrize("given,form_id", [
    ("Household-Survey", "household_survey"),
    ("2024_WASH", "f_2024_wash"),
    ("rapid_needs_assessment_of_flood_affected_households_2024", "rapid_needs_assessment_of_flood_18caadf6"),
])
def test_an_odk_form_id_is_normalised_and_kept_for_export(tmp_path, given, form_id):
    data, notes = _import(tmp_path, [["type", "name", "label"], ["text", "a", "A?"]],
                          [["form_id", "version"], [given, "3"]])
    assert data["id"] == form_id and data["xlsform"] == {"form_id": given}
    assert f"settings: form_id {given!r} dipakai sebagai {form_id!r} di Pantau; diekspor lagi sebagai {given!r}" \
        in notes
    sheets = to_xlsform(parse_form(data, "x"), None, data["xlsform"])
    assert sheets["settings"][1][:2] == [given, "3"]


@pytest.mark.parametrize("version,number", [("2024-08-15", 20240815), ("2024-08-15 10:30", 202408151030),
                                            ("20240815T103000Z", 20240815103000),
                                            ("2022-04-11 16:26:28.971000", 20220411162628)])
def test_a_dated_version_is_accepted_and_exported_as_written(tmp_path, version, number):
    data, _ = _import(tmp_path, [["type", "name", "label"], ["text", "a", "A?"]],
                      [["form_id", "version"], ["tes", version]])
    assert data["version"] == number and data["xlsform"] == {"version": version}
    assert to_xlsform(parse_form(data, "x"), None, data["xlsform"])["settings"][1][1] == version


def test_settings_title_and_title_per_language(tmp_path):
    data, _ = _import(tmp_path, [["type", "name", "label"], ["text", "a", "A?"]],
                      [["form_id", "title", "label::Indonesian (id)", "label::English (en)"],
                       ["tes", "Survei", "Survei air bersih", "Clean water survey"]])
    assert data["title"] == {"id": "Survei air bersih", "en": "Clean water survey"}
    data, _ = _import(tmp_path, [["type", "name", "label"], ["text", "a", "A?"]], [["form_id", "title"], ["tes", "Survei"]])
    assert data["title"] == {"id": "Survei", "en": "Survei"}


def test_read_only_acknowledge_and_a_calculation_on_a_question(tmp_path):
    data, notes = _import(tmp_path, [
        ["type", "name", "label", "read_only", "calculation", "default"],
        ["integer", "a", "Jumlah anggota?"],
        ["integer", "double", "Dua kali lipat", "yes", "${a} * 2"],
        ["text", "kode", "Kode desa", "true()", "", "DS-01"],
        ["acknowledge", "setuju", "Anda setuju diwawancarai?"],
        ["integer", "anak", "Berapa anak?", "", "${a} - 1"]])
    assert data["calculate"] == {"double": "a * 2"}
    assert _q(data, "double_note") == {"name": "double_note", "type": "note",
                                       "label": {"id": "Dua kali lipat: {double}", "en": "Dua kali lipat: {double}"}}
    assert _q(data, "kode")["type"] == "note" and _q(data, "kode")["label"]["id"] == "Kode desa: DS-01"
    assert _q(data, "setuju")["type"] == "select_one" and _q(data, "setuju")["choices"][0]["value"] == "OK"
    assert _q(data, "anak")["default_expr"] == "a - 1"
    assert any("calculation pada pertanyaan anak dipakai sebagai jawaban bawaan" in n for n in notes)
    parse_form(data, "x")


@pytest.mark.parametrize("survey,expected", [
    ([["txet", "a", "A?"]], ["survey: jenis pertanyaan 'txet' tidak dikenal XLSForm (salah ketik?)"]),
    ([["text", "a", "A?"], ["text", "a", "B?"]],
     ["survey, baris 3: nama 'a' dipakai lebih dari sekali di grup yang sama; setiap nama harus unik di dalam grupnya"]),
    ([["begin_group", "g", "G"], ["text", "a", "A?"]], ["survey, baris 2: begin_group 'g' tidak punya pasangan end_group"]),
    ([["text", "a", "A?", "${zz} = 1"]],
     ["survey, baris 2: kolom relevant memakai ${zz}, padahal tidak ada pertanyaan bernama 'zz'"]),
    ([["text", "", "A?"]], ["survey, baris 2: pertanyaan atau grup tanpa nama (kolom name kosong)"]),
])
def test_pyxform_messages_reach_the_user_in_indonesian_one_line_each(tmp_path, survey, expected):
    with pytest.raises(ValueError) as exc:
        _import(tmp_path, [["type", "name", "label", "relevant"], *survey])
    assert exc.value.problems == expected


def test_with_lang_en_pyxform_messages_come_as_pyxform_wrote_them_one_line_each(tmp_path, monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValueError) as exc:
        _import(tmp_path, [["type", "name", "label", "relevant"], ["text", "a", "A?"], ["text", "a", "B?"]])
    (line,) = exc.value.problems
    assert line.startswith("survey, row 3: ") and "'a'" in line and "baris" not in line and "dipakai" not in line


def test_several_problems_in_one_pyxform_message_are_counted_one_each():
    from flows.xlsform_messages import pyxform_problems
    assert pyxform_problems("[row : 3] Unknown question type 'txet'.\n[row : 5] Question or group with no name.") == [
        "survey, baris 3: jenis pertanyaan 'txet' tidak dikenal XLSForm (salah ketik?)",
        "survey, baris 5: pertanyaan atau grup tanpa nama (kolom name kosong)"]


def test_openpyxl_warnings_are_not_printed(tmp_path):
    import warnings
    import zipfile
    book = X.write_book(tmp_path / "a.xlsx", [["type", "name", "label"], ["text", "a", "A?"]], None, SETTINGS)
    styled = tmp_path / "tanpa-gaya.xlsx"            # as some tools save it: no default style
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(styled, "w") as out:
        for member in src.infolist():
            data = src.read(member)
            if member.filename == "xl/styles.xml":
                data = (b'<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                        b'2006/main"><cellXfs count="0"/></styleSheet>')
            out.writestr(member, data)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert read_xlsform(styled).data["id"] == "tes"
    assert [str(w.message) for w in caught] == []


@pytest.mark.parametrize("xpath,values,result", [
    ("int(${a} div 3)", {"a": 10}, 3),
    ("round(${a}, 1)", {"a": 2.25}, 2.3),
    ("round(${a})", {"a": 2.5}, 3),
    ("floor(${a}) + ceiling(${a})", {"a": 1.5}, 3),
    ("abs(${a})", {"a": -4}, 4),
    ("max(${a}, ${b}, 3)", {"a": 1, "b": 7}, 7),
    ("min(${a}, ${b})", {"a": 1, "b": None}, None),
    ("number('2,5') * 2", {}, 5.0),
    ("concat(${nama}, ' (', string(${umur}), ')')", {"nama": "Ani", "umur": 3.0}, "Ani (3)"),
    ("substr(${kode}, 0, 2)", {"kode": "DS-01"}, "DS"),
    ("contains(${kode}, '-') and starts-with(${kode}, 'DS') and ends-with(${kode}, '01')", {"kode": "DS-01"}, True),
    ("regex(${hp}, '^08[0-9]{8,11}$')", {"hp": "081234567890"}, True),
    ("regex(${hp}, '^08[0-9]{8,11}$')", {"hp": "12345"}, False),
    ("coalesce(${a}, 'kosong')", {"a": None}, "kosong"),
    ("selected-at(${sumber}, 1)", {"sumber": ["sumur", "pam"]}, "pam"),
    ("once(today())", {"$today": "2024-08-15"}, "2024-08-15"),
])
def test_xpath_functions_of_real_forms_run(xpath, values, result):
    from flows.expr import check, evaluate
    from flows.xpath import to_expr, to_xpath
    expr = to_expr(xpath)
    check(expr, {})
    assert evaluate(expr, values) == result
    assert to_expr(to_xpath(expr)) == expr                    # exported as XLSForm and read back: the same


def test_a_broken_regex_pattern_is_refused_when_the_form_loads():
    from flows.expr import ExprError, check
    from flows.xpath import to_expr
    with pytest.raises(ExprError, match="regex"):
        check(to_expr("regex(., '[a-')", "hp"), {})


def test_a_household_repeat_is_spoken_of_by_its_own_label_never_as_kegiatan(tmp_path):
    from bot import catalog
    from flows.types import ContactView

    from .conftest import Chat
    data, _ = _import(tmp_path, [
        ["type", "name", "label", "required"],
        ["begin_repeat", "anggota", "Anggota keluarga"],
        ["text", "nama", "Nama anggota keluarga?", "yes"],
        ["integer", "umur", "Umur (tahun)?", "yes"],
        ["end_repeat", "anggota"]])
    forms = dict(catalog.load_forms([catalog.FORMS_DIR]))
    form = parse_form(data, "tes")
    forms[(form.id, form.version)] = form
    chat = Chat(forms, contact=ContactView(1, "Siti Aminah", "kader", "81.05.08.2010", "id"))
    chat.say("halo")
    said = [chat.say("4"), chat.say("selesai"), chat.say("12"), chat.say("Ani"), chat.say("34")]
    assert "Laporan ini perlu minimal satu isian" in said[1] and "Mohon tulis namanya dengan huruf." in said[2]
    assert "Anggota keluarga: 1 sudah dicatat.\nNama anggota keluarga?" in said[4]
    assert "Selesai, tidak ada lagi" in said[4]
    said.append(chat.say("selesai"))
    assert "1. Ani — Umur (tahun): 34" in said[5]
    said.append(chat.say("2"))                                   # change an answer: the list of answers
    assert "Anggota keluarga: 1 tercatat" in said[6]
    assert not any("kegiatan" in s.lower() for s in said), said


def test_a_long_select_multiple_breaking_its_rule_at_selesai_keeps_the_picks(tmp_path):
    from bot import catalog
    from flows.types import ContactView

    from .conftest import Chat
    data, _ = _import(tmp_path, [
        ["type", "name", "label", "constraint", "constraint_message"],
        ["select_multiple crop", "crops", "Tanaman apa saja?", "count-selected(.) <= 2", "Pilih paling banyak dua."],
        ["text", "catatan", "Catatan?"]], choices=[["list_name", "name", "label"], *X.CROP_CHOICES])
    forms = dict(catalog.load_forms([catalog.FORMS_DIR]))
    form = parse_form(data, "tes")
    forms[(form.id, form.version)] = form
    chat = Chat(forms, contact=ContactView(1, "Siti Aminah", "kader", "81.05.08.2010", "id"))
    chat.say("halo")
    chat.say("4")
    chat.say("1, 3, 5")
    out = chat.say("selesai")
    assert out.startswith("Pilih paling banyak dua. Pilihan Anda tetap tersimpan. Ketik nomor pilihan yang ingin "
                          "dibatalkan, lalu \"selesai\".")
    assert "Sudah dipilih: Padi, Singkong, Kelapa." in out
    assert "Dibatalkan: Kelapa." in chat.say("5")
    assert "Catatan?" in chat.say("selesai")
    assert "- Tanaman apa saja: Padi, Singkong" in chat.say("lewati")


@pytest.mark.parametrize("id_column,en_column", [("label::id", "label::en"), ("label::Bahasa", "label::English"),
                                                 ("label::Indonesian (id)", "label::English (en)"),
                                                 ("label::id-ID", "label::en-US")])
def test_indonesian_labels_are_found_without_default_language(tmp_path, id_column, en_column):
    data, _ = _import(tmp_path, [["type", "name", en_column, id_column], ["text", "a", "Name?", "Nama?"]])
    assert data["questions"][0]["label"] == {"id": "Nama?", "en": "Name?"}


def test_metadata_rows_are_kept_for_export(tmp_path):
    data, _ = _import(tmp_path, [["type", "name", "label"], ["start", "mulai"], ["end", "selesai"],
                                 ["deviceid", "perangkat"], ["text", "a", "A?"], ["today", "hari_ini"]])
    assert data["xlsform"] == {"metadata": [["start", "mulai"], ["end", "selesai"], ["deviceid", "perangkat"],
                                            ["today", "hari_ini"]]}
    survey = to_xlsform(parse_form(data, "x"), None, data["xlsform"])["survey"]
    assert [row[:2] for row in survey[1:6]] == [["start", "mulai"], ["end", "selesai"], ["deviceid", "perangkat"],
                                                ["today", "hari_ini"], ["text", "a"]]
    again, _ = _import(tmp_path, survey, [["form_id", "version"], ["tes", "1"]])
    assert again["xlsform"] == data["xlsform"]


def test_appearance_is_kept_for_export(tmp_path):
    data, notes = _import(tmp_path, [["type", "name", "label", "appearance"], ["integer", "a", "A?", "numbers"],
                                     ["select_one yn", "b", "B?", "minimal"]],
                          choices=[["list_name", "name", "label"], ["yn", "ya", "Ya"], ["yn", "tidak", "Tidak"]])
    assert [q.get("appearance") for q in data["questions"]] == ["numbers", "minimal"]
    assert "survey baris 2: kolom appearance (numbers) diabaikan di chat" in notes
    sheets = to_xlsform(parse_form(data, "x"), None, data.get("xlsform"))
    col = sheets["survey"][0].index("appearance")
    assert [row[col] for row in sheets["survey"][1:]] == ["numbers", "minimal"]


def test_the_same_name_in_two_groups_or_repeats_is_scoped_by_its_group_and_exported_as_given(tmp_path):
    data, notes = _import(tmp_path, [
        ["type", "name", "label"],
        ["begin_group", "ibu", "Ibu"], ["integer", "umur", "Umur ibu?"], ["end_group", "ibu"],
        ["begin_group", "ayah", "Ayah"], ["integer", "umur", "Umur ayah?"], ["end_group", "ayah"],
        ["begin_repeat", "anak", "Anak", ], ["text", "nama", "Nama anak?"], ["integer", "umur", "Umur anak?"],
        ["end_repeat", "anak"]])
    assert [q["name"] for q in data["questions"]] == ["umur", "ayah_umur", "anak"]
    assert [q["name"] for q in _q(data, "anak")["questions"]] == ["nama", "anak_umur"]
    assert "survey baris 6: nama 'umur' juga dipakai di grup lain; di Pantau disimpan sebagai 'ayah_umur' " \
        "(diekspor lagi sebagai 'umur')" in notes
    sheets = to_xlsform(parse_form(data, "x"), None, data["xlsform"])
    names = [row[1] for row in sheets["survey"][1:]]
    assert names == ["ibu", "umur", "ibu", "ayah", "umur", "ayah", "anak", "nama", "umur", "anak"]


def test_the_same_name_twice_at_the_top_is_still_refused(tmp_path):
    with pytest.raises(ValueError, match="nama 'a' dipakai lebih dari sekali"):
        _import(tmp_path, [["type", "name", "label"], ["text", "a", "A?"], ["text", "a", "A lagi?"]])


def test_a_repeat_without_count_whose_first_question_is_a_number_asks_for_one_more(tmp_path):
    from bot import catalog
    from flows.types import ContactView

    from .conftest import Chat
    data, _ = _import(tmp_path, [
        ["type", "name", "label", "required"],
        ["begin_repeat", "timbang", "Penimbangan"],
        ["decimal", "berat", "Berat badan (kg)?", "yes"],
        ["select_one jk", "jk", "Jenis kelamin?", "yes"],
        ["end_repeat", "timbang"],
        ["text", "catatan", "Catatan?"]], choices=[["list_name", "name", "label"], ["jk", "l", "Laki-laki"],
                                                    ["jk", "p", "Perempuan"]])
    assert _q(data, "timbang")["ask_more"] is True
    form = parse_form(data, "tes")
    forms = dict(catalog.load_forms([catalog.FORMS_DIR]))
    forms[(form.id, form.version)] = form
    chat = Chat(forms, contact=ContactView(1, "Siti Aminah", "kader", "81.05.08.2010", "id"))
    chat.say("halo")
    assert "[Penimbangan 1] Berat badan (kg)?" in chat.say("4")
    chat.say("7,5")
    out = chat.say("perempuan")
    assert "Tambah satu penimbangan lagi?" in out and "1. Ya" in out and "2. Tidak" in out
    assert "[Penimbangan 2] Berat badan (kg)?" in chat.say("ya")
    chat.say("9")
    assert "Tambah satu penimbangan lagi?" in chat.say("laki-laki")
    out = chat.say("tidak")
    assert "Catatan?" in out
    out = chat.say("lewati")
    assert "Penimbangan 1: Berat badan (kg): 7,5; Jenis kelamin: Perempuan" in out
    assert "Penimbangan 2: Berat badan (kg): 9; Jenis kelamin: Laki-laki" in out and "Tambah" not in out
    sheets = to_xlsform(form, None, data.get("xlsform"))
    assert [r[1] for r in sheets["survey"][1:]] == ["timbang", "berat", "jk", "timbang", "catatan"]


def test_languages_the_chat_does_not_speak_are_kept_and_exported(tmp_path):
    sw, en = "Swahili (sw)", "English (en)"
    data, notes = _import(tmp_path, [
        ["type", "name", f"label::{en}", f"label::{sw}", f"hint::{sw}", "label::Indonesian (id)"],
        ["begin_group", "g", "Trees", "Miti", "", "Pohon"],
        ["select_one health", "health", "Health?", "Afya?", "Chagua moja", "Kesehatan?"],
        ["end_group", "g"]], choices=[["list_name", "name", f"label::{en}", f"label::{sw}", "label::Indonesian (id)"],
                                      ["health", "alive", "Alive", "Hai", "Hidup"],
                                      ["health", "dead", "Dead", "Mkavu", "Mati"]])
    assert _q(data, "health")["label"] == {"id": "Kesehatan?", "en": "Health?"}
    assert "bahasa Swahili (sw) tidak dipakai di chat (Pantau memakai id dan en); disimpan untuk ekspor" in notes
    sheets = to_xlsform(parse_form(data, "x"), data["summary"], data["xlsform"])
    header = sheets["survey"][0]
    rows = {r[1]: dict(zip(header, r)) for r in sheets["survey"][1:] if not str(r[0]).startswith("end")}
    assert rows["g"][f"label::{sw}"] == "Miti" and rows["health"][f"label::{sw}"] == "Afya?"
    assert rows["health"][f"hint::{sw}"] == "Chagua moja"
    choices = {r[1]: dict(zip(sheets["choices"][0], r)) for r in sheets["choices"][1:]}
    assert choices["dead"][f"label::{sw}"] == "Mkavu"
    book = tmp_path / "export.xlsx"
    X.write_book(book, sheets["survey"], sheets["choices"], sheets["settings"])
    again = read_xlsform(book).data
    assert again["xlsform"] == data["xlsform"] and parse_form(again, "x") == parse_form(data, "x")


def test_a_stored_report_of_a_repeat_asking_for_one_more_is_valid_without_the_question(tmp_path):
    from flows.validate import first_invalid
    data, _ = _import(tmp_path, [["type", "name", "label", "required"], ["begin_repeat", "timbang", "Penimbangan"],
                                 ["decimal", "berat", "Berat (kg)?", "yes"], ["end_repeat", "timbang"]])
    form = parse_form(data, "tes")
    assert first_invalid(form, {"timbang": [{"berat": 7.5}, {"berat": 9}]}, "id") is None   # as stored: no $more
    assert first_invalid(form, {"timbang": [{}]}, "id") is not None

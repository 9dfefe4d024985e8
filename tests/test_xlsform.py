"""Forms authored in Excel (XLSForm): expressions, answers of the new kinds, whole conversations, refusals."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from bot import catalog
from bot.cli.forms import read_xlsform
from flows.answer_types import parse_coordinates, parse_decimal, take_paged
from flows.expr import evaluate
from flows.forms import FormError, parse_form
from flows.problem import Problem
from flows.types import ContactView, RoundView
from flows.xlsform import XLSFormError, from_xlsform
from flows.xlsform_export import to_xlsform
from flows.xpath import XPathError, to_expr, to_xpath

from . import xlsforms as X
from .conftest import NOW, Chat

# ------------------------------------------------------------------ expressions


@pytest.mark.parametrize("xpath,expr", [
    ("${age} >= 18 and selected(${fr}, 'apel')", "age >= 18 and selected(fr, 'apel')"),
    (". >= 0 and . < 120", "me >= 0 and me < 120"),
    ("count-selected(.) <= 2", "count(me) <= 2"),
    ("if(${a} > 1, 'besar', 'kecil')", "'besar' if a > 1 else 'kecil'"),
    ("not(${a} = 'ya') or ${b} != 2", "not a == 'ya' or b != 2"),
    ("${a} div (${b} - 1) mod 3", "a / (b - 1) % 3"),
    ("selected(../ok, 'other')", "selected(ok, 'other')"),
    ("string-length(.) > 2", "string_length(me) > 2"),
    (". <= today()", "me <= today()"),
    ("${a} = ''", "not filled(a)"),
    ("${a} != ''", "filled(a)"),
    ("${a} = 1 or ${b} = 2 and ${c} = 3", "a == 1 or (b == 2 and c == 3)"),
    ("-(${a} + 1) * 2", "-(a + 1) * 2"),
    ("true() and not(false())", "True and (not False)"),
])
def test_xlsform_expressions_translate_and_back(xpath, expr):
    assert to_expr(xpath, "me") == expr
    assert to_expr(to_xpath(expr, "me"), "me") == expr


def test_choice_filter_names_are_choice_columns():
    assert to_expr("kab = ${kabupaten}", choice_columns=True) == "choice('kab') == kabupaten"
    assert to_xpath("choice('kab') == kabupaten") == "kab = ${kabupaten}"


@pytest.mark.parametrize("xpath,fragment", [
    ("pulldata('x', 'y', 'z', ${a})", "pulldata(): berkas x.csv tidak ada; lampirkan dengan --attach x.csv"),
    ("jr:choice-name(${a}, '${a}')", "jr:choice-name() perlu nama pertanyaan pilihan"),
    ("position(${a})", "position() hanya didukung sebagai position(..)"),
    ("instance('desa')/root/item[name = ${a}]/label", "instance('desa') bukan daftar pilihan formulir ini"),
    ("${a} = ", "terpotong"),
    ("age > 3", "harus ditulis sebagai ${age}"),
    ("selected(${a})", "selected() perlu 2 argumen"),
    ("${a} | ${b}", "tidak bisa dibaca"),
])
def test_unsupported_expressions_are_refused_saying_what(xpath, fragment):
    with pytest.raises(XPathError) as err:
        to_expr(xpath, "me")
    assert fragment in str(err.value)


@pytest.mark.parametrize("expr,values,expected", [
    ("a / b", {"a": 1, "b": 0}, None),                  # evaluation is total: no ZeroDivisionError
    ("a + b", {"a": 1, "b": "x"}, None),
    ("a < b", {"a": 1, "b": "x"}, None),
    ("'besar' if a > 5 else 'kecil'", {"a": 6}, "besar"),
    ("a % 3", {"a": 7}, 1),
    ("string_length(a) >= 3", {"a": "Budi"}, True),
    ("string_length(a)", {}, 0),
    ("d <= today()", {"d": "2024-08-14", "$today": "2024-08-15"}, True),
    ("d <= today()", {"d": "2024-08-16", "$today": "2024-08-15"}, False),
    ("choice('kab') == kab", {"kab": "sbt", "$choice": {"kab": "sbt"}}, True),
])
def test_new_expression_functions(expr, values, expected):
    assert evaluate(expr, values) == expected


# ------------------------------------------------------------------ answers of the new kinds


@pytest.mark.parametrize("text,expected", [
    ("2,5", 2.5), ("2.5", 2.5), ("0,75 ha", 0.75), ("-1,5", -1.5), ("12", 12.0), ("1.250,75", 1250.75),
    ("1,250.75", 1250.75), ("1.250.000", 1250000.0), ("tujuh", 7.0), ("0.250", 0.25),
    ("1.250", "Maksud Anda 1250 atau 1,25?"), ("1,2,3", "belum bisa dibaca"), ("banyak", "Mohon tulis angkanya"),
])
def test_decimal_answers(text, expected):
    value = parse_decimal(text)
    if isinstance(expected, str):
        assert isinstance(value, Problem) and expected in value.render(lambda s: s)
    else:
        assert value == expected


@pytest.mark.parametrize("text,expected", [
    ("-3.31234, 130.12345", [-3.31234, 130.12345]), ("-3,31234 130,12345", [-3.31234, 130.12345]),
    ("-3.3;130.1", [-3.3, 130.1]), ("lokasi: -6.2 106.8", [-6.2, 106.8]),
    ("lat -6.2 lon 106.8", [-6.2, 106.8]), ("95, 10", "tidak ada di peta"), ("dekat sungai", "koordinatnya"),
    ("-3.3", "koordinatnya"),
])
def test_coordinates_typed_as_text(text, expected):
    value = parse_coordinates(text)
    if isinstance(expected, str):
        assert isinstance(value, Problem) and expected in value.render(lambda s: s)
    else:
        assert value == expected


def test_paged_numbers_count_on_the_page_shown():
    options = [(f"c{i}", [f"C{i}"]) for i in range(1, 14)]       # 13 choices: pages of 9 and 4
    draft = {"pos": ["crop"]}
    assert take_paged(draft, "2", options) == "c2"
    assert take_paged(draft, "0", options).render(lambda s: s) == "Pilihan lainnya:"
    assert take_paged(draft, "nomor 2", options) == "c11"
    assert "1 sampai 4, atau ketik 0" in take_paged(draft, "5", options).render(lambda s: s)
    take_paged(draft, "0", options)                                 # after the last page, the first again
    assert take_paged(draft, "9", options) == "c9"
    assert take_paged(draft, "C12", options) is None               # words: matched against every choice
    take_paged(draft, "0", options)
    draft["pos"] = ["another"]                                      # a new question starts on its first page
    assert take_paged(draft, "2", options) == "c2"


# ------------------------------------------------------------------ whole conversations


def _import(tmp_path: Path, survey, choices=None, settings=None):
    book = X.write_book(tmp_path / "form.xlsx", survey, choices, settings)
    return read_xlsform(book)


def _chat_with(form_data: dict, lang: str = "id") -> Chat:
    forms = dict(catalog.load_forms([catalog.FORMS_DIR]))
    form = parse_form(form_data, "test")
    forms[(form.id, form.version)] = form
    return Chat(forms, contact=ContactView(1, "Siti Aminah", "kader", "81.05.08.2010", lang),
                rounds=[RoundView("Juli 2024", "2024-07-01", "2024-08-31")])


HOUSEHOLD_CHAT = [   # (message, a line of the replies)
    ("4", "Survei rumah tangga. Terima kasih atas waktu Anda.\nPutaran: Juli 2024\nSiapa nama kepala keluarga?"),
    ("bantuan", "Nama lengkap.\nTulis jawaban singkat."),             # hint
    ("Bu", "Nama terlalu pendek."),                                  # constraint with string-length()
    ("Budi Santoso", "Berapa anggota keluarga?"),
    ("0", "Anggota keluarga 1 sampai 30 orang."),
    ("4", "Ketik \"sama\" untuk memakai jawaban bawaan: 0.5."),      # default
    ("1.250", "Maksud Anda 1250 atau 1,25? Tulis desimal dengan koma"),
    ("2,5", "Tanggal kunjungan?"),                                   # comma decimal
    ("16 Agustus 2024", "Tanggal kunjungan tidak boleh setelah hari ini."),   # today()
    ("kemarin", "Ada sumber air bersih?\n1. Ya\n2. Tidak"),
    ("ya", "Dari mana airnya?\nBoleh pilih lebih dari satu, misalnya: 1, 3\n1. Sumur"),   # group relevant
    ("1,2,3", "Pilih paling banyak dua."),                          # count-selected()
    ("sumur dan sungai", "Berapa km ke sungai?"),                   # words; selected() relevant
    ("1,5", "Kabupaten?\n1. Seram Bagian Timur\n2. Maluku Tengah"),
    ("2", "Kecamatan?\n1. Amahai\n2. Tehoru"),                      # choice_filter
    ("1", "Tanaman utama?\nHalaman 1 dari 2. Ketik 0 untuk pilihan lain.\n1. Padi"),
    ("0", ("Pilihan lainnya:\nTanaman utama?\nHalaman 2 dari 2. Ketik 0 untuk pilihan lain.\n1. Sayur\n2. Pisang\n"
           "3. Ubi\n4. Lainnya")),
    ("4", "Sebutkan yang lainnya:"),                                 # or_other
    ("Vanili", "Berapa anak di bawah 5 tahun?"),
    ("5", "Tidak boleh lebih dari anggota keluarga (4)."),
    ("2", "[Anak 1] Nama anak?"),                                    # repeat_count
    ("Ani", "[Anak 1] Umur anak (tahun)?"),
    ("3", "[Anak 2] Nama anak?"),
    ("Bayu", "[Anak 2] Umur anak (tahun)?"),
    ("7", "Umur harus di bawah 5 tahun."),
    ("1", "Lahan per orang: 0,625 hektar. Keluarga kecil.\nKirim lokasi rumah."),   # calculate, note
    ("dekat sungai", "atau ketik koordinatnya, misalnya -3.12345, 130.54321."),
    ("-3,31234 130,12345", "Kirim foto rumah."),
    ("lewati", "Ada catatan?"),                                      # not() … or … relevant
    ("Rumah panggung", ("- Anak 1: Nama anak: Ani; Umur anak (tahun): 3\n- Anak 2: Nama anak: Bayu; Umur anak "
                        "(tahun): 1\n- Kirim lokasi rumah.: -3.31234, 130.12345")),
    ("kirim", "Terima kasih! Survei rumah tangga sudah tersimpan."),
]


def test_household_xlsform_runs_over_chat_with_every_type_and_column(tmp_path):
    imported = _import(tmp_path, X.HOUSEHOLD_SURVEY, X.HOUSEHOLD_CHOICES, X.HOUSEHOLD_SETTINGS)
    assert imported.notes == ["survey baris 9: kolom appearance (minimal) diabaikan di chat",
                              "survey baris 2: start (start) diabaikan; Pantau mencatat waktu sendiri",
                              "survey baris 28: end (end) diabaikan; Pantau mencatat waktu sendiri",
                              "settings: pantau_summary kosong, ringkasan dibuat dari pertanyaan (jumlah laporan, "
                              "jumlah angka bulat, banyaknya tiap pilihan)"]
    chat = _chat_with(imported.data)
    assert "4. Survei rumah tangga" in chat.say("halo")
    for message, expected in HOUSEHOLD_CHAT:
        assert expected in chat.say(message), message
    report = chat.reports[-1]
    assert (report.form_id, report.form_version, report.key) == ("rumah_tangga", 2024081501, "Budi Santoso|2024-08-14")
    assert report.answers == {
        "round": "Juli 2024", "head": "Budi Santoso", "members": 4, "land": 2.5, "visit": "2024-08-14",
        "has_water": "ya", "sources": ["sumur", "sungai"], "distance": 1.5, "kabupaten": "malteng",
        "kecamatan": "amahai", "crop": "other", "crop_other": "Vanili", "children": 2,
        "child": [{"child_name": "Ani", "child_age": 3}, {"child_name": "Bayu", "child_age": 1}],
        "home": [-3.31234, 130.12345], "photo": None, "comment": "Rumah panggung", "per_person": 0.625,
        "size": "kecil"}


def test_settings_roles_decide_who_sees_the_form(tmp_path):
    imported = _import(tmp_path, X.HOUSEHOLD_SURVEY, X.HOUSEHOLD_CHOICES, X.HOUSEHOLD_SETTINGS)
    chat = _chat_with(imported.data)
    chat.contact = ContactView(1, "Pak Koordinator", "koordinator", "81.05", "id")
    assert "Survei rumah tangga" not in chat.say("menu")
    chat.contact = ContactView(1, "Bu Fasilitator", "fasilitator", "81.05.08", "id")
    assert "Survei rumah tangga" in chat.say("menu")


def test_the_same_form_in_english_with_a_shared_location(tmp_path):
    imported = _import(tmp_path, X.HOUSEHOLD_SURVEY, X.HOUSEHOLD_CHOICES, X.HOUSEHOLD_SETTINGS)
    chat = _chat_with(imported.data, lang="en")
    chat.say("halo")
    assert "Household survey. Thank you for your time." in chat.say("4")
    for message in ("Budi Santoso", "4", "sama", "kemarin", "no", "1", "2"):
        reply = chat.say(message)
    assert "Main crop?" in reply
    assert "Children under 5?" in chat.say("pisang")          # a word picks from every page, not only the first
    assert "Send the home's location." in chat.say("0")      # no children: the counted repeat is skipped
    assert "Send a photo of the house." in chat.say(location=(-3.3, 130.1), kind="location")
    assert "Any notes?" in chat.say("skip")
    chat.say("skip")
    chat.say("send")
    answers = chat.reports[-1].answers
    assert answers["home"] == [-3.3, 130.1] and answers["land"] == 0.5 and answers["child"] == []
    assert answers["kecamatan"] == "werinama" and answers["crop"] == "pisang"
    assert "sources" not in answers and "distance" not in answers   # the group's relevant dropped its questions


def test_single_language_form_with_a_named_repeat_and_defaults(tmp_path):
    imported = _import(tmp_path, X.SIMPLE_SURVEY, X.SIMPLE_CHOICES, X.SIMPLE_SETTINGS)
    assert imported.data["title"] == {"id": "bantuan", "en": "bantuan"}
    chat = _chat_with(imported.data)
    chat.say("halo")
    assert "Jenis kegiatan?\n1. Pembagian bantuan\n2. Pelatihan\n3. Lainnya" in chat.say("4")
    assert "Barang apa yang dibagikan?" in chat.say("1")
    assert "Ketik \"sama\" untuk memakai jawaban bawaan: 10." in chat.say("Beras")
    assert "Barang: 1 sudah dicatat." in chat.say("sama")           # the repeat's own word, not "kegiatan"
    chat.say("Minyak goreng")
    chat.say("25")
    reply = chat.say("selesai")
    assert "1. Beras — Berapa jumlahnya: 10\n2. Minyak goreng — Berapa jumlahnya: 25" in reply
    chat.say("kirim")
    assert chat.reports[-1].answers == {"kind": "bagi", "items": [{"item": "Beras", "amount": 10},
                                                                   {"item": "Minyak goreng", "amount": 25}]}


@pytest.mark.parametrize("survey,choices,settings", [
    (X.HOUSEHOLD_SURVEY, X.HOUSEHOLD_CHOICES, X.HOUSEHOLD_SETTINGS),
    (X.SIMPLE_SURVEY, X.SIMPLE_CHOICES, X.SIMPLE_SETTINGS),
], ids=["household", "simple"])
def test_an_imported_form_exports_and_imports_back_the_same(tmp_path, survey, choices, settings):
    data = _import(tmp_path, survey, choices, settings).data
    first = parse_form(data, "")
    reimported = _reimport(tmp_path, first, data.get("summary"))
    again = parse_form(reimported.data, "")
    assert again == first and first.summary is not None        # the derived summary too, written back as is
    assert reimported.data["summary"] == data["summary"]


def _reimport(tmp_path: Path, form, summary=None):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in to_xlsform(form, summary).items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    path = tmp_path / f"{form.id}-export.xlsx"
    book.save(path)
    return read_xlsform(path)


# ------------------------------------------------------------------ refusals

BASE = [["type", "name", "label", "relevant", "calculation", "appearance"],
        ["integer", "age", "Umur?"]]
SETTINGS = [["form_id", "version"], ["tes", "1"]]


@pytest.mark.parametrize("rows,choices,settings,expected", [
    ([["range", "score", "Nilai?"]], None, SETTINGS, "survey, baris 3, kolom type (A): jenis 'range' belum didukung"),
    ([["audio", "voice", "Rekam?"]], None, SETTINGS, "survey, baris 3, kolom type (A): jenis 'audio'"),
    ([["barcode", "code", "Kode?"]], None, SETTINGS, "survey, baris 3, kolom type (A): jenis 'barcode'"),
    ([["time", "jam", "Jam?"]], None, SETTINGS, "survey, baris 3, kolom type (A): jenis 'time'"),
    ([["select_one l", "pick", "Pilih?", "", "", "search('kab')"]], [["list_name", "name", "label"], ["l", "a", "A"]],
     SETTINGS, "survey, baris 3, kolom appearance (F): search() (pilihan dari berkas CSV) belum didukung"),
    ([["calculate", "c", "", "", "pulldata('hh', 'x', 'y', ${age})"]], None, SETTINGS,
     "survey, baris 3, kolom calculation (E): pulldata(): berkas hh.csv tidak ada"),
    ([["text", "t", "Nama?", "indexed-repeat(${age}, ${age}, 1)"]], None, SETTINGS,
     "survey, baris 3, kolom relevant (D): indexed-repeat() perlu sebuah pertanyaan di dalam repeat"),
    ([["select_one_from_file desa.csv", "d", "Desa?"]], None, SETTINGS,
     "survey, baris 3, kolom type (A): berkas desa.csv tidak ada: lampirkan dengan `pantau form import"),
    ([["begin_repeat", "r1", "R1"], ["begin_repeat", "r2", "R2"], ["begin_repeat", "r3", "R3"], ["text", "x", "X?"],
      ["end_repeat"], ["end_repeat"], ["end_repeat"]],
     None, SETTINGS, "survey, baris 5, kolom type (A): repeat di dalam repeat di dalam repeat belum didukung"),
    ([["text", "nama-lengkap", "Nama?"]], None, SETTINGS,
     "survey, baris 3, kolom name (B): nama 'nama-lengkap' hanya boleh huruf, angka dan _"),
    ([], None, [["form_id", "version"], ["tes", "versi dua"]],
     "settings, baris 2, kolom version (B): version 'versi dua' harus bilangan bulat >= 1, tanggal"),
    ([], None, [["form_id", "version", "pantau_roles"], ["tes", "1", "kader admin"]],
     "settings, baris 2, kolom pantau_roles (C): peran admin tidak dikenal"),
    ([], None, [["form_id", "version", "pantau_key"], ["tes", "1", "tanggal"]],
     "settings, baris 2, kolom pantau_key (C): kunci 'tanggal' bukan pertanyaan formulir ini"),
    ([["select_one nolist", "p", "Pilih?"]], [["list_name", "name", "label"], ["l", "a", "A"]], SETTINGS,
     "survey, baris 3: daftar pilihan 'nolist' tidak ada di sheet choices"),
])
def test_broken_xlsforms_are_refused_naming_sheet_row_and_column(tmp_path, rows, choices, settings, expected):
    book = X.write_book(tmp_path / "broken.xlsx", BASE + rows, choices, settings)
    with pytest.raises(XLSFormError) as err:
        read_xlsform(book)
    assert any(expected in line for line in err.value.problems), err.value.problems


def test_every_problem_is_listed_one_line_each(tmp_path):
    book = X.write_book(tmp_path / "broken.xlsx", BASE + [["range", "a", "A?"], ["audio", "b", "B?"],
                                                           ["text", "c", "C?", "pulldata('x')"]], None, SETTINGS)
    with pytest.raises(XLSFormError) as err:
        read_xlsform(book)
    assert [line.split(":")[0] for line in err.value.problems] == [
        "survey, baris 3, kolom type (A)", "survey, baris 4, kolom type (A)", "survey, baris 5, kolom relevant (D)"]


def test_conversion_is_pure_data_in_and_out():
    parsed = {"type": "survey", "name": "data", "id_string": "x", "title": "X", "children": [
        {"type": "integer", "name": "n", "label": {"Indonesian (id)": "Berapa?", "English (en)": "How many?"},
         "bind": {"required": "yes", "constraint": ". > 0"}}]}
    sheets = _sheets([{"type": "integer", "name": "n"}])
    data = from_xlsform(parsed, sheets).data
    assert data["questions"][0] == {"name": "n", "type": "integer", "label": {"id": "Berapa?", "en": "How many?"},
                                    "required": True, "constraint": "n > 0", "count": False,
                                    "constraint_message": {"id": "Jawaban ini tidak sesuai aturan formulir. Mohon "
                                                                 "periksa lagi.",
                                                           "en": "This answer does not fit the form's rule. Please "
                                                                 "check it."}}


def _sheets(survey):
    from flows.xlsform import Sheets
    return Sheets(survey=survey, survey_columns=["type", "name"])



@pytest.mark.parametrize("question,fragment", [
    ({"type": "select_one", "choices": [{"value": "a", "label": {"id": "A", "en": "A"}}], "default": "b"},
     "default 'b' is not one of the choices"),
    ({"type": "text", "repeat_count": "n"}, "repeat_count is only for a repeat"),
    ({"type": "select_one", "choices": [{"value": "a", "label": {"id": "A", "en": "A"}}],
      "choice_filter": "choice('kab') == kabupaten"}, "choice_filter uses unknown question(s): kabupaten"),
    ({"type": "repeat", "repeat_count": "n", "questions": [{"name": "b", "type": "integer",
                                                            "label": {"id": "B", "en": "B"}}]},
     "repeat_count uses unknown question(s): n"),
    ({"type": "text", "count": False}, "count (true or false) is only for an integer question"),
    ({"type": "integer", "default": "1", "default_expr": "2"}, "either a default or a default_expr"),
    ({"type": "integer", "calculate": {"x": "a * 2"}}, "calculate inside a question is only for a repeat"),
    ({"type": "integer", "default_expr": "later * 2"}, "default uses unknown question(s): later"),
    ({"type": "integer", "groups": [{"name": "g"}]}, "group 'g' label needs non-empty texts"),
])
def test_form_files_check_the_new_fields(question, fragment):
    data = {"id": "x", "version": 1, "title": {"id": "X", "en": "X"},
            "questions": [{"name": "a", "label": {"id": "A?", "en": "A?"}, **question}]}
    with pytest.raises(FormError) as err:
        parse_form(data, "x.yaml")
    assert fragment in str(err.value)


def test_a_raised_count_at_the_confirm_screen_asks_only_the_new_items(tmp_path):
    survey = [["type", "name", "label", "required", "repeat_count"],
              ["integer", "children", "Berapa anak?", "yes"],
              ["begin_repeat", "child", "Anak", "", "${children}"],
              ["text", "child_name", "Nama anak?", "yes"],
              ["end_repeat"]]
    chat = _chat_with(_import(tmp_path, survey, None, [["form_id", "version"], ["anak", "1"]]).data)
    chat.say("halo")
    for message in ("4", "1", "Ani"):
        chat.say(message)
    chat.say("2")                                            # Ubah jawaban
    assert "Berapa anak?" in chat.say("1")
    assert "[Anak 2] Nama anak?" in chat.say("2")            # Ani is kept, the second child is asked
    assert "- Anak 1: Nama anak: Ani\n- Anak 2: Nama anak: Budi" in chat.say("Budi")
    chat.say("2")
    chat.say("1")
    assert "- Anak 1: Nama anak: Ani\nKirim laporan ini?" in chat.say("1")   # lowered: the second is dropped
    chat.say("kirim")
    assert chat.reports[-1].answers == {"children": 1, "child": [{"child_name": "Ani"}]}


HOSTILE_AT = {   # the household form's new kinds of question, and the messages that lead there
    "decimal": ["4", "Budi Santoso", "4"],
    "select_multiple": ["4", "Budi Santoso", "4", "2,5", "kemarin", "ya"],
    "paged select_one": ["4", "Budi Santoso", "4", "2,5", "kemarin", "tidak", "1", "1"],
    "counted repeat": ["4", "Budi Santoso", "4", "2,5", "kemarin", "tidak", "1", "1", "padi", "1"],
    "geopoint": ["4", "Budi Santoso", "4", "2,5", "kemarin", "tidak", "1", "1", "padi", "0"],
}


@pytest.mark.parametrize("where", list(HOSTILE_AT))
def test_hostile_input_at_the_new_kinds_of_question(tmp_path, where):
    from .test_hostile import HANDWRITTEN
    chat = _chat_with(_import(tmp_path, X.HOUSEHOLD_SURVEY, X.HOUSEHOLD_CHOICES, X.HOUSEHOLD_SETTINGS).data)
    chat.say("halo")
    for message in HOSTILE_AT[where]:
        chat.say(message)
    start = chat.session
    for text in HANDWRITTEN:
        chat.session = start
        step = chat.step(text)
        assert step.replies and all(r.text.strip() for r in step.replies), text
        answers = step.session["form"]["answers"]
        if where == "decimal" and "land" in answers:
            assert isinstance(answers["land"], float) and abs(answers["land"]) < 1e12, text
        if where == "geopoint" and "home" in answers:
            assert -90 <= answers["home"][0] <= 90 and -180 <= answers["home"][1] <= 180, text


def test_a_filtered_choice_is_asked_again_when_the_answer_it_depends_on_changes(tmp_path):
    imported = _import(tmp_path, X.HOUSEHOLD_SURVEY, X.HOUSEHOLD_CHOICES, X.HOUSEHOLD_SETTINGS)
    chat = _chat_with(imported.data)
    chat.say("halo")
    for message, _ in HOUSEHOLD_CHAT[:-1]:
        chat.say(message)
    chat.say("2")                                                     # Ubah jawaban
    names = chat.session["pending"]["names"]
    assert "Kabupaten?" in chat.say(str(names.index("kabupaten") + 1))
    reply = chat.say("Seram Bagian Timur")
    assert "Kecamatan?\n1. Bula\n2. Werinama" in reply and "Jawaban sebelumnya" not in reply   # Amahai is not there
    again = chat.say("sama")                       # the old answer is not among the filtered choices: asked again
    assert "Belum ada jawaban sebelumnya" in again and "Kecamatan?\n1. Bula\n2. Werinama" in again
    assert "- Kecamatan: Werinama" in chat.say("2")
    chat.say("kirim")
    assert (chat.reports[-1].answers["kabupaten"], chat.reports[-1].answers["kecamatan"]) == ("sbt", "werinama")


def test_the_summary_section_travels_in_the_settings_sheet(tmp_path):
    summary = {"section": "wells", "title": {"id": "Sumur", "en": "Wells"}, "count": "wells",
               "answers": [{"name": "by_kind", "count": "kind"}],
               "text": {"headline": {"id": "SUMUR: {wells}", "en": "WELLS: {wells}"}}}
    form = parse_form(_import(tmp_path, X.SIMPLE_SURVEY, X.SIMPLE_CHOICES, X.SIMPLE_SETTINGS).data, "")
    sheets = to_xlsform(form, summary)
    column = sheets["settings"][0].index("pantau_summary")
    assert sheets["settings"][1][column].startswith("{section: wells, title: {id: Sumur, en: Wells}")
    book = X.write_book(tmp_path / "again.xlsx", sheets["survey"], sheets["choices"], sheets["settings"])
    assert read_xlsform(book).data["summary"] == summary
    broken = [sheets["settings"][0], [*sheets["settings"][1][:column], "[section, wells]"]]
    with pytest.raises(XLSFormError) as err:
        read_xlsform(X.write_book(tmp_path / "broken.xlsx", sheets["survey"], sheets["choices"], broken))
    assert err.value.problems[0].startswith("settings, baris 2, kolom pantau_summary")


def test_correcting_a_sent_report_of_an_imported_form_walks_it_again(tmp_path):
    """`ubah` starts from the report's answers (numbers, lists, repeat items); the answers picked are asked again."""
    chat = _chat_with(_import(tmp_path, X.HOUSEHOLD_SURVEY, X.HOUSEHOLD_CHOICES, X.HOUSEHOLD_SETTINGS).data)
    chat.say("halo")
    for message, _ in HOUSEHOLD_CHAT:
        chat.say(message)
    sent = chat.reports[-1]
    from flows.types import ReportView
    view = ReportView(7, sent.form_id, sent.form_version, sent.area_code, sent.answers, NOW)
    ctx_reports = (view,)
    original_ctx = chat.ctx
    chat.ctx = lambda: replace(original_ctx(), recent_reports=ctx_reports)
    assert "Survei rumah tangga — Budi Santoso, 14 Agustus 2024" in chat.say("ubah")
    out = chat.say("1")              # issue 11: the report's answers listed, one picked to change
    assert "Jawaban mana yang ingin diubah?" in out and "Budi Santoso" in out and "1,5" in out
    for i, pick in enumerate(("Berapa km ke sungai", "Siapa nama kepala keluarga")):   # kept with "sama"
        if i:
            chat.say("2")                                   # "Ubah jawaban" at the summary: the list again
        assert "Jawaban sebelumnya" in chat.say(pick)
        assert "Mohon periksa" in chat.say("sama")
    assert "Terima kasih! Survei rumah tangga sudah tersimpan." in chat.say("kirim")
    corrected = chat.reports[-1]
    assert corrected.report_id == 7 and corrected.answers == sent.answers


# ------------------------------------------------------------------ what the chat adds for XLSForm (issue 16)

FIELD_CHAT = [   # (message, a part of the replies, a part that must not be there)
    ("4", "Tanggal kunjungan?\nKetik \"sama\" untuk memakai jawaban bawaan: 15 Agustus 2024.", "lama"),
    ("16 Agustus 2024", "Tanggal kunjungan tidak boleh setelah hari ini.", None),       # today() at question 1
    ("sama", "Bagian: Lahan dan cuaca\nSuhu terendah minggu ini (°C)?", None),
    ("bantuan", "Tulis angkanya, misalnya 7.", "jumlahnya"),
    ("dingin", "Mohon tulis sebuah angka.", "orang"),
    ("2,5", "Mohon tulis bilangan bulat, tanpa koma.", None),
    ("-30", "Suhu harus antara -20 dan 50 °C.", None),                               # the sheet's message
    ("-3", "Berapa petak lahan?", "Bagian:"),                                         # the group label once
    ("2", "Berapa kg benih?\nKetik \"sama\" untuk memakai jawaban bawaan: 5.", "Bagian:"),   # ${plots} * 2.5
    ("sama", ("Tanaman apa saja?\nHalaman 1 dari 2. Ketik 0 untuk pilihan lain.\nBoleh pilih lebih dari satu, "
              "misalnya: 1, 3. Ketik \"selesai\" jika sudah.\n1. Padi\n2. Jagung"), "10. "),
    ("selesai", "Belum ada yang dipilih. Ketik nomornya, misalnya 1, 3.", None),      # nothing picked silently
    ("1, 3", "Dicatat: Padi, Singkong.\nTanaman apa saja?\nHalaman 1 dari 2", None),
    ("0", "Pilihan lainnya:\nTanaman apa saja?\nHalaman 2 dari 2. Ketik 0 untuk pilihan lain.", None),
    ("2", "Dicatat: Pisang.", None),                              # "2" is the second shown: Pisang, not Jagung
    ("4", "Nomor 4 tidak ada. Mohon pilih nomor 1 sampai 3, atau ketik 0 untuk pilihan lain.", None),
    ("kopi", "Dicatat: Kopi.\nTanaman apa saja?\nHalaman 2 dari 2", None),           # a word: from any page
    ("0", "Sudah dipilih: Padi, Singkong, Pisang, Kopi.\n1. Padi", None),
    ("1", "Dibatalkan: Padi.", None),                             # a shown pick typed again is taken back
    ("selesai", "[Petak 1] Panen berapa karung?", None),
    ("3", "Petak ini: 150 kg.\n[Petak 2] Panen berapa karung?", None),                # calculate per item
    ("4", "Petak ini: 200 kg.\nMohon periksa", None),
    ("kirim", "Terima kasih!", None),
]


def test_field_xlsform_pages_groups_defaults_numbers_and_item_calculations(tmp_path):
    imported = _import(tmp_path, X.FIELD_SURVEY, X.FIELD_CHOICES, X.FIELD_SETTINGS)
    chat = _chat_with(imported.data)
    assert "4. Kunjungan lapangan" in chat.say("halo")
    for message, expected, absent in FIELD_CHAT:
        reply = chat.say(message)
        assert expected in reply, (message, reply)
        assert absent is None or absent not in reply, (message, reply)
    assert chat.reports[-1].answers == {
        "visit": "2024-08-15", "temp": -3, "plots": 2, "seed": 5.0,
        "crops": ["singkong", "kopi", "pisang"],                      # in the list's order
        "plot": [{"harvest": 3, "harvest_kg": 150}, {"harvest": 4, "harvest_kg": 200}]}


def test_the_field_form_exports_and_imports_back_the_same(tmp_path):
    data = _import(tmp_path, X.FIELD_SURVEY, X.FIELD_CHOICES, X.FIELD_SETTINGS).data
    first = parse_form(data, "")
    sheets = to_xlsform(first, data.get("summary"))
    types = [row[0] for row in sheets["survey"]]
    assert types.count("begin_group") == 1 and "calculate" in types[types.index("begin_repeat"):]
    assert parse_form(_reimport(tmp_path, first, data.get("summary")).data, "") == first


def test_long_select_multiple_finishes_only_with_what_was_picked(tmp_path):
    survey = [["type", "name", "label", "required"], ["select_multiple crop", "crops", "Tanaman apa saja?", "no"],
              ["text", "note_text", "Catatan?", "no"]]
    chat = _chat_with(_import(tmp_path, survey, X.FIELD_CHOICES, [["form_id", "version"], ["tanam", "1"]]).data)
    chat.say("halo")
    assert "Ketik \"lewati\" jika tidak ada." in chat.say("4")
    assert "atau \"lewati\" jika tidak ada" in chat.say("selesai")
    chat.say("2")
    assert "Anda sudah memilih: Jagung. Ketik \"selesai\" untuk menyimpan pilihan itu." in chat.say("lewati")
    assert "Catatan?" in chat.say("sudah")
    assert "- Tanaman apa saja: Jagung\n- Catatan: (tidak ada)" in chat.say("lewati")


def test_a_skipped_long_list_and_a_kept_answer(tmp_path):
    survey = [["type", "name", "label", "required"], ["select_multiple crop", "crops", "Tanaman apa saja?", "no"]]
    chat = _chat_with(_import(tmp_path, survey, X.FIELD_CHOICES, [["form_id", "version"], ["tanam", "1"]]).data)
    chat.say("halo")
    chat.say("4")
    assert "Mohon periksa" in chat.say("lewati")                  # nothing picked: skipped as any question
    chat.say("2")                                                  # Ubah jawaban
    chat.say("1")
    chat.say("1, 2")
    assert "- Tanaman apa saja: Padi, Jagung" in chat.say("selesai")
    chat.say("kirim")
    assert chat.reports[-1].answers == {"crops": ["padi", "jagung"]}


@pytest.mark.parametrize("relevant,asked", [("today() >= '2024-08-15'", True), ("today() > '2024-08-15'", False)])
def test_today_decides_whether_the_first_question_is_asked(tmp_path, relevant, asked):
    survey = [["type", "name", "label", "required", "relevant"], ["text", "first", "Pertanyaan pertama?", "yes",
                                                                  relevant],
              ["text", "second", "Pertanyaan kedua?", "yes"]]
    chat = _chat_with(_import(tmp_path, survey, None, [["form_id", "version"], ["hari", "1"]]).data)
    chat.say("halo")
    reply = chat.say("4")
    assert ("Pertanyaan pertama?" in reply) is asked and ("Pertanyaan kedua?" in reply) is not asked


def test_numbers_that_are_not_counts_and_counts_keep_their_wording():
    from flows.answer_types import parse_integer
    from flows.forms import NUMBER_MAX, NUMBER_MIN, Question
    count = Question(name="men", type="integer", label={"id": "", "en": ""})
    number = Question(name="temp", type="integer", label={"id": "", "en": ""}, count=False, minimum=NUMBER_MIN,
                      maximum=NUMBER_MAX)
    say = lambda p: p.render(lambda s: s)      # noqa: E731
    assert parse_integer(number, "-12") == -12 and parse_integer(number, "1.250") == 1250
    assert parse_integer(number, "250000") == 250000 and parse_integer(number, "tujuh") == 7
    assert say(parse_integer(number, "banyak")) == "Mohon tulis sebuah angka."
    assert "terlalu besar" in say(parse_integer(number, "9" * 15))
    assert "kurang dari nol" in say(parse_integer(count, "-12"))
    assert "Jumlah orang harus bilangan bulat" in say(parse_integer(count, "2,5"))
    assert "paling banyak 100000" in say(parse_integer(count, "250000"))
    bounded = Question(name="n", type="integer", label={"id": "", "en": ""}, count=False, minimum=-5, maximum=5)
    assert say(parse_integer(bounded, "-6")) == "Angka paling sedikit -5."


@pytest.mark.parametrize("row,expected", [
    (["integer", "d", "Hari?", "", "concat(${age}, 'x') - 7"],
     "survey, baris 3, kolom default (E): default: rumus tidak bisa dibaca (arithmetic on text"),
    (["integer", "n", "N?", "", "pulldata('a', 'b', 'c', 'd')"],
     "survey, baris 3, kolom default (E): pulldata(): berkas a.csv tidak ada"),
    (["integer", "n", "N?", "", "${later} * 2"], "survey, baris 3, kolom default (E): default memakai pertanyaan "
                                                 "yang tidak ada atau baru ditanyakan sesudahnya: later"),  # asked after
])
def test_computed_defaults_that_cannot_run_are_refused(tmp_path, row, expected):
    book = X.write_book(tmp_path / "broken.xlsx", [["type", "name", "label", "required", "default"],
                                                   ["integer", "age", "Umur?"], row, ["integer", "later", "L?"]],
                        None, SETTINGS)
    with pytest.raises(XLSFormError) as err:
        read_xlsform(book)
    assert any(expected in line for line in err.value.problems), err.value.problems


def test_hostile_input_at_a_long_select_multiple_and_a_number_that_is_not_a_count(tmp_path):
    from .test_hostile import HANDWRITTEN
    chat = _chat_with(_import(tmp_path, X.FIELD_SURVEY, X.FIELD_CHOICES, X.FIELD_SETTINGS).data)
    chat.say("halo")
    crop_values = set(X.CROPS)
    for lead_in in (["4", "sama"], ["4", "sama", "-3", "2", "sama", "1, 3"]):
        chat.session = None
        chat.say("halo")
        for message in lead_in:
            chat.say(message)
        start = chat.session
        for text in HANDWRITTEN:
            chat.session = start
            step = chat.step(text)
            assert step.replies and all(r.text.strip() for r in step.replies), text
            form = step.session.get("form") or {}
            answers = form.get("answers") or {}
            assert isinstance(answers.get("temp", 0), int) and abs(answers.get("temp", 0)) <= 50, text
            picked = (form.get("page") or {}).get("picked") or answers.get("crops") or []
            assert set(picked) <= crop_values, text


def test_a_computed_default_from_a_calculate_can_be_changed_or_kept(tmp_path):
    survey = [["type", "name", "label", "required", "calculation", "default"],
              ["integer", "adults", "Berapa orang dewasa?", "yes"],
              ["calculate", "rice", "", "", "${adults} * 3"],
              ["decimal", "rice_kg", "Berapa kg beras seminggu?", "yes", "", "${rice}"],
              ["text", "say", "Pesan?", "yes", "", "if(${adults} > 4, 'keluarga besar', 'keluarga kecil')"]]
    chat = _chat_with(_import(tmp_path, survey, None, [["form_id", "version"], ["beras", "1"]]).data)
    chat.say("halo")
    chat.say("4")
    assert "Ketik \"sama\" untuk memakai jawaban bawaan: 6." in chat.say("2")     # the calculate, when reached
    assert "bawaan: keluarga kecil" in chat.say("7,5")                            # changed: the typed answer
    assert "- Pesan: keluarga kecil" in chat.say("sama")                          # kept: the computed one
    chat.say("kirim")
    assert chat.reports[-1].answers == {"adults": 2, "rice_kg": 7.5, "say": "keluarga kecil", "rice": 6}

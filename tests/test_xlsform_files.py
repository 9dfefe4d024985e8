"""Choices and lookups from a form's files (issue 27): select_one_from_file / select_multiple_from_file with CSV,
XML and GeoJSON, select_one_external, pulldata() and instance('file'). The files are attachments: given with
`--attach` or found beside the form, kept in the form file (versioned with it) and written back by export."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest

from bot import catalog
from bot.cli.forms import read_xlsform
from flows.forms import parse_form
from flows.types import ContactView
from flows.xlsform import XLSFormError
from flows.xlsform_export import to_xlsform

from . import xlsforms as X
from .conftest import Chat

REAL = Path(__file__).parent / "xlsforms" / "real"
SETTINGS = [["form_id", "version"], ["posyandu", "3"]]
DESA_CSV = "kode,nama,kec\n8101,Waai,salahutu\n8102,Liang,salahutu\n8103,Hila,leihitu\n8104,Kaitetu,leihitu\n"
POS_GEOJSON = json.dumps({"type": "FeatureCollection", "features": [
    {"type": "Feature", "id": "p1", "geometry": {"type": "Point", "coordinates": [128.3, -3.6]},
     "properties": {"title": "Posyandu Melati"}},
    {"type": "Feature", "id": "p2", "geometry": {"type": "Point", "coordinates": [128.4, -3.5]},
     "properties": {"title": "Posyandu Mawar"}},
    {"type": "Feature", "geometry": None, "properties": {"id": "p3", "title": "Posyandu Anggrek"}}]})
OBAT_XML = ("<root><item><name>fe</name><label>Tablet tambah darah</label></item>"
            "<item><name>vita</name><label>Vitamin A</label></item></root>")
HARGA_CSV = "barang,harga,satuan\nberas,14000,kg\nminyak,18000,liter\n"
SURVEY = [
    ["type", "name", "label", "required", "choice_filter", "parameters", "calculation"],
    ["select_one kec", "kec", "Kecamatan?", "yes"],
    ["select_one_from_file desa.csv", "desa", "Desa?", "yes", "kec = ${kec}", "value=kode, label=nama"],
    ["select_multiple_from_file pos.geojson", "pos", "Posyandu mana saja?", "yes"],
    ["select_one_from_file obat.xml", "obat", "Obat yang dibagikan?", "yes"],
    ["select_one_external dusun", "dusun", "Dusun?", "yes", "desa = ${desa}"],
    ["select_one barang", "barang", "Barang?", "yes"],
    ["calculate", "harga", "", "", "", "", "pulldata('harga', 'harga', 'barang', ${barang})"],
    ["calculate", "nama_desa", "", "", "", "", "instance('desa')/root/item[kode = ${desa}]/nama"],
    ["note", "ringkas", "Desa ${nama_desa}; harga ${barang}: Rp ${harga}."],
]
CHOICES = [["list_name", "name", "label"], ["kec", "salahutu", "Salahutu"], ["kec", "leihitu", "Leihitu"],
           ["barang", "beras", "Beras"], ["barang", "minyak", "Minyak goreng"]]
EXTERNAL = [["list_name", "name", "label", "desa"], ["dusun", "d1", "Dusun Tengah", "8102"],
            ["dusun", "d2", "Dusun Pantai", "8102"], ["dusun", "d3", "Dusun Hila", "8103"]]


def _book(folder: Path, with_files: bool = True) -> Path:
    path = X.write_book(folder / "posyandu.xlsx", SURVEY, CHOICES, SETTINGS)
    book = openpyxl.load_workbook(path)
    sheet = book.create_sheet("external_choices")
    for row in EXTERNAL:
        sheet.append(row)
    book.save(path)
    if with_files:
        for name, text in (("desa.csv", DESA_CSV), ("pos.geojson", POS_GEOJSON), ("obat.xml", OBAT_XML),
                           ("harga.csv", HARGA_CSV)):
            (folder / name).write_text(text, encoding="utf-8")
    return path


def _q(data, name):
    return next(q for q in data["questions"] if q["name"] == name)


def test_choices_from_csv_geojson_xml_and_external_choices_are_read(tmp_path):
    data = read_xlsform(_book(tmp_path)).data
    desa = _q(data, "desa")
    assert [(c["value"], c["label"]["id"], c["data"]) for c in desa["choices"]][:2] == [
        ("8101", "Waai", {"kec": "salahutu"}), ("8102", "Liang", {"kec": "salahutu"})]
    assert [(c["value"], c["label"]["id"]) for c in _q(data, "pos")["choices"]] == [
        ("p1", "Posyandu Melati"), ("p2", "Posyandu Mawar"), ("p3", "Posyandu Anggrek")]
    assert _q(data, "pos")["choices"][0]["data"]["geometry"] == "-3.6 128.3"
    assert [c["value"] for c in _q(data, "obat")["choices"]] == ["fe", "vita"]
    assert [c["value"] for c in _q(data, "dusun")["choices"]] == ["d1", "d2", "d3"]
    assert set(data["xlsform"]["files"]) == {"desa.csv", "pos.geojson", "obat.xml", "harga.csv"}


def test_a_form_with_files_fills_over_the_chat_picking_by_label(tmp_path):
    data = read_xlsform(_book(tmp_path)).data
    form = parse_form(data, "posyandu")
    forms = dict(catalog.load_forms([catalog.FORMS_DIR]))
    forms[(form.id, form.version)] = form
    chat = Chat(forms, contact=ContactView(1, "Siti Aminah", "kader", "81.05.08.2010", "id"))
    chat.say("halo")
    chat.say("4")
    out = chat.say("salahutu")
    assert "Desa?" in out and "Waai" in out and "Liang" in out and "Hila" not in out      # filtered by a file column
    assert "Posyandu mana saja?" in chat.say("liang")
    assert "Obat yang dibagikan?" in chat.say("melati, anggrek")
    out = chat.say("vitamin a")
    assert "Dusun Tengah" in out and "Dusun Pantai" in out and "Dusun Hila" not in out
    chat.say("dusun pantai")
    assert "Desa Liang; harga beras: Rp 14000." in chat.say("beras")


def test_attachments_are_given_with_attach_or_found_beside_the_form(tmp_path):
    elsewhere = tmp_path / "lampiran"
    elsewhere.mkdir()
    book = _book(tmp_path)
    for name in ("desa.csv", "harga.csv"):
        shutil.move(tmp_path / name, elsewhere / name)
    with pytest.raises(XLSFormError) as err:
        read_xlsform(book)
    assert any("berkas desa.csv tidak ada: lampirkan dengan `pantau form import FORMULIR.xlsx --attach desa.csv`"
               in p for p in err.value.problems), err.value.problems
    assert any("pulldata(): berkas harga.csv tidak ada" in p for p in err.value.problems)
    data = read_xlsform(book, attach=[elsewhere / "desa.csv", elsewhere / "harga.csv"]).data
    assert _q(data, "desa")["choices"][0]["value"] == "8101"


@pytest.mark.parametrize("name,text,problem", [
    ("desa.csv", b"\xff\xfekode", "desa.csv: lampiran harus ditulis dalam UTF-8"),
    ("obat.xml", b"<root><item>", "obat.xml: tidak bisa dibaca"),
    ("obat.xml", b'<!DOCTYPE r [<!ENTITY a "aaaa">]><root>&a;</root>', "obat.xml: tidak bisa dibaca"),
    ("pos.geojson", b'{"type": "Feature"}', "pos.geojson: tidak bisa dibaca (GeoJSON perlu FeatureCollection"),
])
def test_a_broken_attachment_is_refused_saying_which_and_why(tmp_path, name, text, problem):
    book = _book(tmp_path)
    (tmp_path / name).write_bytes(text)
    with pytest.raises(XLSFormError) as err:
        read_xlsform(book)
    assert any(p.startswith(problem) for p in err.value.problems), err.value.problems


def test_export_writes_the_files_back_and_the_form_imports_the_same(tmp_path):
    data = read_xlsform(_book(tmp_path)).data
    form = parse_form(data, "posyandu")
    out = tmp_path / "keluar"
    out.mkdir()
    sheets = to_xlsform(form, data.get("summary"), data["xlsform"])
    survey = {row[1]: row for row in sheets["survey"][1:]}
    header = sheets["survey"][0]
    assert survey["desa"][0] == "select_one_from_file desa.csv"
    assert survey["desa"][header.index("parameters")] == "value=kode label=nama"
    assert not any(row[0] == "desa.csv" for row in sheets["choices"])
    # select_one_external as pyxform expects it: its list on the external_choices sheet, not on choices
    assert survey["dusun"][0] == "select_one_external dusun"
    assert not any(row[0] == "dusun" for row in sheets["choices"])
    ext = sheets["external_choices"]
    assert [dict(zip(ext[0], row)) for row in ext[1:]][0] == {"list_name": "dusun", "name": "d1", "desa": "8102",
                                                             "label::Indonesian (id)": "Dusun Tengah",
                                                             "label::English (en)": "Dusun Tengah"}
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    book.save(out / "posyandu.xlsx")
    for name, text in data["xlsform"]["files"].items():
        (out / name).write_text(text, encoding="utf-8")
    again = read_xlsform(out / "posyandu.xlsx").data
    assert parse_form(again, "posyandu") == form
    assert again["xlsform"] == data["xlsform"]


def test_pyxforms_pull_data_form_runs_with_its_csv_beside_it(tmp_path):
    shutil.copy(REAL / "pull_data.xlsx", tmp_path / "pull_data.xlsx")
    (tmp_path / "fruits.csv").write_text("name,colour\nmango,yellow\napple,red\n", encoding="utf-8")
    data = read_xlsform(tmp_path / "pull_data.xlsx").data
    form = parse_form(data, "pull_data")
    from flows.expr import evaluate
    assert evaluate(dict(form.calculate)["fruit"], {}) == "mango"


def test_pantau_form_import_attach_and_export_over_the_command_line(cli_env, tmp_path):
    from .test_cli_e2e import run
    env = {**cli_env, "PANTAU_FORMS_DIR": str(tmp_path / "forms")}
    given = tmp_path / "lampiran"
    given.mkdir()
    book = _book(tmp_path)
    for name in ("desa.csv", "obat.xml"):
        shutil.move(tmp_path / name, given / name)
    refused = run(env, "form", "import", str(book), check=False)
    assert refused.returncode == 1 and "berkas desa.csv tidak ada" in refused.stderr
    out = run(env, "form", "import", str(book), "--attach", str(given / "desa.csv"), str(given / "obat.xml")).stdout
    assert "Tersimpan:" in out
    stored = (tmp_path / "forms" / "posyandu.v3.yaml").read_text(encoding="utf-8")
    assert "8102,Liang,salahutu" in stored                  # the attachment is kept with this version
    exported = tmp_path / "keluar"
    exported.mkdir()
    out = run(env, "form", "export", "posyandu", "--out", str(exported / "posyandu.xlsx")).stdout
    assert f"Lampiran: {exported / 'desa.csv'}" in out
    assert (exported / "desa.csv").read_text(encoding="utf-8") == DESA_CSV
    assert json.loads((exported / "pos.geojson").read_text(encoding="utf-8")) == json.loads(POS_GEOJSON)
    assert "sudah ada dan sama persis" in run(env, "form", "import", str(exported / "posyandu.xlsx")).stdout


def test_a_long_list_from_a_file_is_paged_and_found_by_name(tmp_path):
    rows = "\n".join(f"d{i:02d},Desa {name}" for i, name in enumerate(
        ["Waai", "Liang", "Tulehu", "Tengah-Tengah", "Tial", "Suli", "Tenga", "Hila", "Kaitetu", "Wakal", "Hitu",
         "Mamala", "Morela", "Larike", "Wakasihu", "Asilulu", "Ureng", "Negeri Lima", "Seith", "Kaitetu Baru"]))
    (tmp_path / "desa.csv").write_text("name,label\n" + rows + "\n", encoding="utf-8")
    book = X.write_book(tmp_path / "desa.xlsx", [["type", "name", "label", "required"],
                                                 ["select_one_from_file desa.csv", "desa", "Desa?", "yes"],
                                                 ["text", "catatan", "Catatan?"]], None, SETTINGS)
    form = parse_form(read_xlsform(book).data, "posyandu")
    forms = dict(catalog.load_forms([catalog.FORMS_DIR]))
    forms[(form.id, form.version)] = form
    chat = Chat(forms, contact=ContactView(1, "Siti Aminah", "kader", "81.05.08.2010", "id"))
    chat.say("halo")
    out = chat.say("4")
    assert "Halaman 1 dari 3" in out and "Desa Waai" in out and "Desa Larike" not in out
    assert "Catatan?" in chat.say("larike")                   # a word finds a choice on another page
    chat.say("lewati")
    chat.say("kirim")
    assert chat.reports[-1].answers["desa"] == "d13"

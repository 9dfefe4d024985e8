"""`pantau form import|check|list|export`: forms authored in Excel (XLSForm, as for ODK Collect / KoboToolbox).

The workbook is read and validated by pyxform (the reference XLSForm implementation); flows/xlsform.py
turns pyxform's result into a Pantau form file, written into the forms folder (PANTAU_FORMS_DIR or
<data dir>/forms) as `<id>.v<version>.yaml`. A new version is a new file: conversations already
running keep the version they started with.
"""
from __future__ import annotations

import argparse
import copy
import sys
import warnings
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from flows.forms import NUMBER_MAX, NUMBER_MIN, Form, FormError, Question, parse_form
from flows.xlsform import Imported, Sheets, XLSFormError, from_xlsform
from flows.xlsform_export import to_xlsform
from flows.form_messages import said
from flows.xlsform_messages import indonesian, pyxform_problems

from .. import catalog, config
from ..atomic import write_atomic

if TYPE_CHECKING:
    from .common import Subparsers


def register(subparsers: Subparsers) -> None:
    from .help import install, language
    t = install(language())      # help in Indonesian, English with LANG=en
    form = subparsers.add_parser("form", help=t("formulir dari Excel (XLSForm): import, check, list, export"))
    sub = form.add_subparsers(dest="form_cmd", required=True, title=t("perintah"), metavar=t("PERINTAH"))
    imp = sub.add_parser("import", help=t("baca XLSForm dan simpan sebagai formulir Pantau"))
    imp.add_argument("file", metavar=t("BERKAS"), help=t("berkas XLSForm (.xlsx)"))
    imp.add_argument("--id", dest="form_id", help=t("id formulir (mengganti form_id di sheet settings)"))
    imp.add_argument("--attach", nargs="+", default=[], metavar=t("LAMPIRAN"),
                     help=t("berkas .csv, .xml atau .geojson yang dipakai formulir (bawaan: dicari di folder yang sama)"))
    chk = sub.add_parser("check", help=t("periksa XLSForm (atau berkas formulir .yaml) tanpa menyimpan"))
    chk.add_argument("file", metavar=t("BERKAS"), help=t("berkas XLSForm (.xlsx) atau formulir (.yaml)"))
    chk.add_argument("--id", dest="form_id", help=t("id formulir (mengganti form_id di sheet settings)"))
    chk.add_argument("--attach", nargs="+", default=[], metavar=t("LAMPIRAN"),
                     help=t("berkas .csv, .xml atau .geojson yang dipakai formulir (bawaan: dicari di folder yang sama)"))
    sub.add_parser("list", help=t("semua formulir dan versinya"))
    exp = sub.add_parser("export", help=t("tulis formulir sebagai XLSForm (untuk Excel atau Kobo)"))
    exp.add_argument("form_id", metavar="FORM_ID", help=t("id formulir, mis. pertemuan"))
    exp.add_argument("--out", required=True, metavar=t("BERKAS"), help=t("BERKAS.xlsx"))
    exp.add_argument("--version", type=int, help=t("versi tertentu (bawaan: yang terbaru)"))


async def run(args: argparse.Namespace) -> int:
    if args.form_cmd == "import":
        return await _import(args)
    return {"check": _check, "list": _list, "export": _export}[args.form_cmd](args)


async def _stored_definition(key: tuple[str, int]) -> dict[str, Any] | None:
    """The definition the database already keeps for this form version (None: never loaded, or no database yet)."""
    from storage.db import _sqlite_file
    from storage.forms import stored_form_definition

    from ..config import database
    db = database()
    try:
        path = _sqlite_file(db.url)
        if path and not Path(path).exists():
            return None
        await db.migrate()
        async with db.session() as s:
            return await stored_form_definition(s, *key)
    finally:
        await db.close()


# ------------------------------------------------------------------ reading a workbook

def read_xlsform(path: Path, form_id: str | None = None, attach: list[Path] | None = None) -> Imported:
    """Validate a workbook with pyxform and convert it (XLSFormError lists every problem); ``attach``: its
    CSV, XML and GeoJSON files (those it uses are also found beside it)."""
    from pyxform.builder import create_survey_element_from_dict
    from pyxform.errors import PyXFormError
    from pyxform.xls2json import workbook_to_json
    from pyxform.xls2json_backends import get_xlsform

    from bot.xlsform_limits import check_file, check_rows
    check_file(path)                 # before openpyxl opens it: a small zip can unpack to gigabytes
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")      # openpyxl's notes on styles and extensions are not the user's
            book = get_xlsform(str(path))
    except (PyXFormError, OSError, ValueError) as exc:
        raise XLSFormError([f"{path.name}: tidak bisa dibaca sebagai XLSForm ({indonesian(' '.join(str(exc).split()))})"]) \
            from None
    check_rows(book)

    def columns(header: Any) -> list[str]:
        return [str(k) for k in (header or [{}])[0]]
    sheets = Sheets(survey=copy.deepcopy(list(book.survey or [])), choices=copy.deepcopy(list(book.choices or [])),
                    settings=dict((book.settings or [{}])[0]) if book.settings else {},
                    survey_columns=columns(book.survey_header), choices_columns=columns(book.choices_header),
                    settings_columns=columns(book.settings_header),
                    external=[{str(k): str(v) for k, v in r.items()} for r in book.external_choices or []])
    said: list[str] = []             # pyxform's warnings
    try:
        parsed = workbook_to_json(workbook_dict=book, form_name=None, fallback_form_name=book.fallback_form_name,
                                  default_language=None, warnings=said)
        create_survey_element_from_dict(copy.deepcopy(parsed)).to_xml(validate=False, warnings=said)
    except PyXFormError as exc:
        raise XLSFormError(pyxform_problems(str(exc), english=_english())) from None
    from bot.xlsform_files import gather, referenced, rows_of
    sheets.file_texts = gather(path, attach or [], referenced(parsed))
    sheets.files = {name: rows_of(name, text) for name, text in sheets.file_texts.items()}
    return from_xlsform(parsed, sheets, form_id)


def _describe(data: dict[str, Any]) -> str:
    form = parse_form(data, "")
    kinds = Counter(q.type for q in form.all_questions())
    parts = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    lines = [f"Formulir '{form.id}' versi {form.version}: {form.title['id']} / {form.title['en']}",
             f"  {len(list(form.all_questions()))} pertanyaan ({parts}); {len(form.calculate)} calculate",
             f"  peran: {', '.join(form.roles)}; kunci laporan: {', '.join(form.key)}"]
    for q in form.questions:
        lines.append(_describe_question(q, "  - "))
        lines += [_describe_question(sub, "      - ") for sub in q.questions]
    lines += [f"  - {name} = {expr}" for name, expr in form.calculate]
    return "\n".join(lines)


def _describe_question(q: Question, indent: str) -> str:
    """One line per question: name, type, what applies, and the Indonesian label."""
    parts = [q.type + (" wajib" if q.required and q.type not in ("note", "repeat") else "")]
    if q.choices:
        parts.append(f"{len(q.choices)} pilihan")
    if q.choices_from:
        parts.append("pilihan: putaran")
    for word, value in (("jika", q.relevant), ("aturan", q.constraint), ("jumlah", q.repeat_count),
                        ("saring", q.choice_filter), ("bawaan", q.default), ("bawaan dihitung", q.default_expr)):
        if value:
            parts.append(f"{word}: {value}")
    if q.type == "integer" and not q.count:
        bounds = [f">= {q.minimum}" if q.minimum != NUMBER_MIN else "", f"<= {q.maximum}" if q.maximum != NUMBER_MAX else ""]
        parts.append("angka " + (" ".join(b for b in bounds if b) or "bebas (batas dari aturan)"))
    if q.groups:
        parts.append("bagian: " + " / ".join(g.label["id"] for g in q.groups))
    parts += [f"hitung {name} = {expr}" for name, expr in q.calculate]
    label = " ".join(q.label["id"].split())
    return f"{indent}{q.name} ({'; '.join(parts)}): {label[:70]}{'…' if len(label) > 70 else ''}"


def _english() -> bool:
    """LANG=en (or LC_ALL/LC_MESSAGES): pyxform's and the form file's problems as they were written."""
    from .help import language
    return language() == "en"


def _load(path: Path, form_id: str | None, attach: list[Path] | None = None) -> Imported:
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            data = catalog.read_form_file(path)
        except FormError as exc:
            raise XLSFormError([said(exc, english=_english())]) from None
        except ValueError as exc:
            raise XLSFormError([str(exc)]) from None
        return Imported(data, [])
    if path.suffix.lower() not in (".xlsx", ".xls", ".xlsm"):
        raise XLSFormError([f"{path.name}: pakai berkas .xlsx (XLSForm) atau .yaml"])
    return read_xlsform(path, form_id, attach)


def _complain(problems: list[str], what: str) -> int:
    for line in problems:
        print(line, file=sys.stderr)
    print(f"{len(problems)} masalah; {what}.", file=sys.stderr)
    return 1


# ------------------------------------------------------------------ the commands

def _check(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.exists():
        print(f"Berkas {path} tidak ada.", file=sys.stderr)
        return 2
    try:
        result = _load(path, args.form_id, [Path(p) for p in args.attach])
    except XLSFormError as exc:
        return _complain(exc.problems, "formulir ini belum bisa dipakai")
    print(_describe(result.data))
    for note in result.notes:
        print(f"  catatan: {note}")
    print("Formulir bisa dipakai.")
    return 0


async def _import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.exists():
        print(f"Berkas {path} tidak ada.", file=sys.stderr)
        return 2
    try:
        result = _load(path, args.form_id, [Path(p) for p in args.attach])
    except XLSFormError as exc:
        return _complain(exc.problems, "tidak ada yang diimpor")
    data = result.data
    try:
        existing = catalog.read_forms()
    except (FormError, ValueError) as exc:
        return _complain([said(exc, english=_english()) if isinstance(exc, FormError) else str(exc)], "perbaiki dulu formulir yang sudah ada")
    number_text_version(data, existing)
    key = (data["id"], data["version"])
    if key in existing:
        if existing[key] == data:
            print(f"Formulir '{key[0]}' versi {key[1]} sudah ada dan sama persis; tidak ada yang berubah.")
            return 0
        return _complain([(f"settings, baris 2, kolom version: formulir '{key[0]}' versi {key[1]} sudah ada dan "
                           "isinya berbeda. Naikkan version (misalnya 2024081502) lalu impor lagi.")],
                         "tidak ada yang diimpor")
    stored = await _stored_definition(key)
    if stored is not None and stored != data:
        return _complain([(f"settings, baris 2, kolom version: formulir '{key[0]}' versi {key[1]} sudah pernah dipakai "
                           "dengan isi lain (tersimpan di basis data). Naikkan version lalu impor lagi.")],
                         "tidak ada yang diimpor")
    folder = config.forms_dirs()[0]
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{key[0]}.v{key[1]}.yaml"
    text = (f"# Imported from {path.name} by `pantau form import`. Edit the XLSForm and import it again.\n"
            + yaml.dump(data, Dumper=catalog.DUMPER, allow_unicode=True, sort_keys=False, width=110))
    write_atomic(target, text.encode("utf-8"))
    print(_describe(data))
    for note in result.notes:
        print(f"  catatan: {note}")
    older = sorted(v for f, v in existing if f == key[0])
    if older and max(older) > key[1]:
        print(f"  catatan: versi {max(older)} lebih baru dan tetap dipakai untuk laporan baru")
    elif older:
        print(f"  versi sebelumnya ({', '.join(map(str, older))}) tetap dipakai oleh percakapan yang sudah berjalan")
    print(f"Tersimpan: {target}")
    return 0


def number_text_version(data: dict[str, Any], existing: dict[tuple[str, int], dict[str, Any]]) -> None:
    """A version written as text (a hash, a name) is compared as given: the same text is the same Pantau
    version; another text is the next number after the form's versions."""
    xlsform = data.get("xlsform") or {}
    if not xlsform.get("version_text"):
        return
    same = [v for (f, v), old in existing.items() if f == data["id"]
            and (old.get("xlsform") or {}).get("version") == xlsform["version"]]
    numbers = [v for f, v in existing if f == data["id"]]
    data["version"] = same[0] if same else max(numbers, default=0) + 1


def _forms() -> dict[tuple[str, int], Form]:
    return catalog.load_forms()


def _list(args: argparse.Namespace) -> int:
    forms = _forms()
    by_id: dict[str, list[int]] = {}
    for fid, version in forms:
        by_id.setdefault(fid, []).append(version)
    for fid in sorted(by_id, key=lambda f: (forms[(f, max(by_id[f]))].order, f)):
        latest = forms[(fid, max(by_id[fid]))]
        versions = ", ".join(str(v) for v in sorted(by_id[fid]))
        print(f"{fid}\tversi {versions}\t{latest.title['id']}\t{len(list(latest.all_questions()))} pertanyaan\t"
              f"{', '.join(latest.roles)}")
    return 0


def _export(args: argparse.Namespace) -> int:
    import openpyxl
    forms = _forms()
    versions = [v for f, v in forms if f == args.form_id]
    if not versions:
        print(f"Formulir '{args.form_id}' tidak ada. Lihat `pantau form list`.", file=sys.stderr)
        return 2
    version = args.version or max(versions)
    if (args.form_id, version) not in forms:
        print(f"Formulir '{args.form_id}' tidak punya versi {version} (ada: {', '.join(map(str, sorted(versions)))}).",
              file=sys.stderr)
        return 2
    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        print("Pakai nama berkas .xlsx untuk --out, misalnya formulir.xlsx.", file=sys.stderr)
        return 2
    if not out.parent.exists():
        print(f"Folder {out.parent} tidak ada.", file=sys.stderr)
        return 2
    raw = catalog.read_forms().get((args.form_id, version)) or {}
    sheets = to_xlsform(forms[(args.form_id, version)], raw.get("summary"), raw.get("xlsform"))
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for cells in sheet.iter_rows():
            for cell in cells:
                if cell.data_type == "f":
                    cell.data_type = "s"     # a label "= total" is text, never a live formula
        sheet.freeze_panes = "A2"
    book.save(out)
    print(f"Tersimpan: {out} (formulir '{args.form_id}' versi {version})")
    for name, text in ((raw.get("xlsform") or {}).get("files") or {}).items():
        (out.parent / Path(name).name).write_text(text, encoding="utf-8")     # attachments beside the workbook
        print(f"Lampiran: {out.parent / Path(name).name}")
    return 0

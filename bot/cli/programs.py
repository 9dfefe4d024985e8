"""`pantau program add|list|areas`: several programs in one deployment (issue 25), and the ``--program`` option
the other commands share (invite, round add, summary, export, remind)."""
from __future__ import annotations

import argparse
import re
import sys
from datetime import date
from pathlib import Path

from flows.forms import FormVersions
from flows.problem import Gettext
from storage.db import Session

from .. import catalog
from .common import Subparsers

CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
AREA_COLUMNS = ("area_code", "kode", "kode_wilayah", "wilayah", "desa")
REF_COLUMNS = ("ref", "referensi", "kode_bkm", "bkm")


def add_program_option(parser: argparse.ArgumentParser, t: Gettext, every: bool = False) -> None:
    """``--program KODE`` (``'*'``: every program, where ``every``)."""
    parser.add_argument("--program", metavar=t("PROGRAM"),
                        help=t("kode program, mis. pkh (bawaan: program utama)") + (
                            t("; '*' untuk semua program (forum)") if every else ""))


def register(sub: Subparsers) -> None:
    from .help import install, language
    t = install(language())
    prog = sub.add_parser("program", help=t("program dalam satu Pantau: tambah, daftar, desa cakupan"))
    cmds = prog.add_subparsers(dest="program_cmd", required=True, title=t("perintah"), metavar=t("PERINTAH"))
    add = cmds.add_parser("add", help=t("tambah atau ubah satu program"))
    add.add_argument("code", metavar=t("KODE"), help=t("kode pendek, huruf kecil, mis. pkh atau kotaku"))
    add.add_argument("--name", required=True, help=t("nama program, mis. \"Program Keluarga Harapan\""))
    add.add_argument("--agency", metavar=t("DINAS"), help=t("instansi pemilik program, mis. \"Dinas Sosial\""))
    add.add_argument("--start", metavar=t("TANGGAL"), help=t("tanggal mulai (YYYY-MM-DD)"))
    add.add_argument("--end", metavar=t("TANGGAL"), help=t("tanggal selesai (YYYY-MM-DD)"))
    cmds.add_parser("list", help=t("daftar program"))
    areas = cmds.add_parser("areas", help=t("desa cakupan program: tambah atau hapus"))
    areas.add_argument("code", metavar=t("KODE"), help=t("kode program"))
    areas.add_argument("action", choices=["add", "remove", "list"], help=t("add, remove atau list"))
    areas.add_argument("areas", nargs="*", metavar=t("WILAYAH"),
                       help=t("kode Kemendagri atau nama; kecamatan atau kabupaten berarti semua desanya"))
    areas.add_argument("--from", dest="file", metavar=t("BERKAS"),
                       help=t("berkas .csv atau .xlsx dengan kolom kode (dan ref, mis. kode BKM)"))
    member = cmds.add_parser("member", help=t("jadikan orang yang sudah terdaftar anggota program lain"))
    member.add_argument("code", metavar=t("KODE"), help=t("kode program; '*' untuk semua program (forum)"))
    member.add_argument("who", metavar=t("SIAPA"), help=t("id kontak, nomor HP, id Telegram, atau nama lengkap"))
    member.add_argument("--role", required=True, choices=["kader", "fasilitator", "koordinator", "opd"],
                        help=t("peran di program itu"))
    member.add_argument("--area", required=True, metavar=t("WILAYAH"),
                        help=t("wilayah: kode Kemendagri atau nama, mis. \"Kab. Bogor\""))
    forms = cmds.add_parser("forms", help=t("formulir yang dipakai program, per peran (bawaan: semua formulir)"))
    forms.add_argument("code", metavar=t("KODE"), help=t("kode program"))
    forms.add_argument("action", choices=["add", "remove", "list"], help=t("add, remove atau list"))
    forms.add_argument("forms", nargs="*", metavar=t("FORMULIR"), help=t("id formulir, mis. pertemuan"))
    forms.add_argument("--role", choices=["kader", "fasilitator", "koordinator", "opd"],
                       help=t("peran yang memakainya (wajib untuk add dan remove)"))
    prog.set_defaults(handler=run)


async def program_or_complain(s: Session, code: str | None, every: bool = False) -> tuple[bool, int | None]:
    """(ok, program id) of ``--program``; None without it (every program's rows, as before) or for '*'
    where ``every``. Not ok after one Indonesian line on stderr."""
    from storage.programs import EVERY, UnknownProgram, program_id
    if code is None:
        return True, None
    if code.strip() == EVERY and not every:
        print("--program '*' hanya untuk undangan forum; pilih satu program, mis. --program pkh.", file=sys.stderr)
        return False, None
    try:
        return True, await program_id(s, code)
    except UnknownProgram as exc:
        print(f"Program '{exc.code}' tidak ada. Program yang ada: {', '.join(exc.known)} "
              "(tambah dengan `pantau program add`).", file=sys.stderr)
        return False, None


async def each_program_reminded(s: Session, program: int | None) -> None:
    """`pantau remind` without --program on a deployment of several programs: say that each was reminded
    of its own rounds and desa."""
    from storage.matches import several_programs
    from storage.programs import program_codes
    if program is None and await several_programs(s):
        print(f"Setiap program diingatkan tentang putaran dan desanya sendiri: "
              f"{', '.join((await program_codes(s)).values())}.")


async def run(args: argparse.Namespace) -> int:
    from .common import opened
    async with opened() as pipeline, pipeline.db.session() as s:
        if args.program_cmd == "add":
            return await _add(s, args)
        if args.program_cmd == "list":
            return await _list(s)
        if args.program_cmd == "member":
            return await _member(s, args)
        if args.program_cmd == "forms":
            return await _forms(s, args, pipeline.forms)
        return await _areas(s, args)


def _date(flag: str, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValueError(f"{flag} {value}: tanggal harus YYYY-MM-DD, mis. 2025-01-31.") from None


async def _add(s: Session, args: argparse.Namespace) -> int:
    from storage.programs import add_program

    from ..clock import clock
    code = args.code.strip().lower()
    if not CODE.match(code):
        print(f"Kode program '{args.code}' tidak bisa dipakai: huruf kecil, angka, - atau _, paling banyak 40, "
              "mis. pkh atau kotaku.", file=sys.stderr)
        return 2
    if not args.name.strip():
        print("--name kosong. Isi nama program, mis. --name \"Program Keluarga Harapan\".", file=sys.stderr)
        return 2
    try:
        start, end = _date("--start", args.start), _date("--end", args.end)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    if start and end and end < start:
        print(f"--end {end} sebelum --start {start}: tukar kedua tanggal itu.", file=sys.stderr)
        return 2
    _, added = await add_program(s, code, args.name.strip(), clock(), args.agency, start, end)
    await s.commit()
    print(f"Program {code} ({args.name.strip()}) {'ditambahkan' if added else 'diubah'}.")
    return 0


async def _list(s: Session) -> int:
    from storage.programs import list_programs
    for p in await list_programs(s):
        agency = f", {p.agency}" if p.agency else ""
        covered = f"{p.areas} desa" if p.areas else "desa: yang punya kader"
        print(f"{p.code}  {p.name}{agency}  ({covered})")
    return 0


async def _member(s: Session, args: argparse.Namespace) -> int:
    from storage.access import find_contacts
    from storage.programs import join

    from ..clock import clock
    from .common import area_or_complain
    ok, program = await program_or_complain(s, args.code, every=True)
    area = area_or_complain(args.area) if ok else None
    if not ok or not area:
        return 2
    found = await find_contacts(s, args.who.strip())
    if len(found) != 1:
        print(f"Kontak '{args.who}' tidak ditemukan." if not found else
              f"Ada {len(found)} kontak bernama '{args.who}'; pakai nomor id-nya.", file=sys.stderr)
        return 2
    added = await join(s, found[0].id, program, args.role, area, clock())
    await s.commit()
    where = catalog.area_index().label(area)
    print(f"{found[0].name}: {args.role} {where}, program {args.code} "
          + ("ditambahkan." if added else "sudah ada sebelumnya."))
    return 0


def _rows_from(path: Path) -> list[tuple[str, str | None]]:
    """(area text, reference) per row of a CSV or Excel file; RosterError when it cannot be read."""
    from .roster import RosterError, read_rows
    if not path.is_file():
        raise RosterError(f"{path}: berkas tidak ada. Periksa nama dan foldernya.")
    out = []
    for row in read_rows(path):
        area = next((row[c] for c in AREA_COLUMNS if row.get(c)), "")
        ref = next((row[c] for c in REF_COLUMNS if row.get(c)), None)
        out.append((area, ref))
    if not out:
        raise RosterError(f"{path.name}: tidak ada baris. Tulis satu desa per baris di kolom 'kode' "
                          "(dan kode BKM di kolom 'ref' bila ada).")
    return out


async def _areas(s: Session, args: argparse.Namespace) -> int:
    from flows.areas import resolve
    from storage.programs import program_desa, set_areas

    from .roster import RosterError
    ok, program = await program_or_complain(s, args.code)
    if not ok or program is None:
        if ok:
            print("Pilih satu program, mis. `pantau program areas pkh add ...`.", file=sys.stderr)
        return 2
    index = catalog.area_index()
    if args.action == "list":
        for code in await program_desa(s, program, ""):
            print(f"{code}  {index.label(code)}")
        return 0
    wanted: list[tuple[str, str | None]] = [(a, None) for a in args.areas]
    where = ["argumen"] * len(wanted)
    if args.file:
        try:
            more = _rows_from(Path(args.file))
        except RosterError as exc:
            print(exc, file=sys.stderr)
            return 2
        wanted += more
        where += [f"{Path(args.file).name} baris {i}" for i in range(2, len(more) + 2)]
    if not wanted:
        print("Sebutkan wilayahnya, mis. `pantau program areas pkh add 33.10.01.2001`, atau --from BERKAS.",
              file=sys.stderr)
        return 2
    codes, errors = [], []
    for (text, ref), place in zip(wanted, where):
        found = resolve(index, text) if text else None
        if found is None or not found.code:
            why = "kosong" if not text else ("lebih dari satu wilayah bernama begitu; pakai kodenya"
                                              if found and found.ambiguous else "tidak ditemukan")
            errors.append(f"{place}: wilayah '{text}' {why}.")
            continue
        codes.append((found.code, ref))
    for line in errors:
        print(line, file=sys.stderr)
    if errors:
        print(f"{len(errors)} wilayah salah; tidak ada yang diubah. Perbaiki lalu ulangi.", file=sys.stderr)
        return 2
    changed = await set_areas(s, program, codes, remove=args.action == "remove")
    await s.commit()
    word = "ditambahkan ke" if args.action == "add" else "dihapus dari"
    print(f"{changed} desa {word} program {args.code}.")
    return 0


async def _forms(s: Session, args: argparse.Namespace, known: FormVersions) -> int:
    """A program's forms per role: once it lists any, each of its roles gets only the forms listed for it
    (chat menu, dashboard, exports); a program that lists none keeps every form."""
    from storage.programs import program_forms, set_forms
    ok, program = await program_or_complain(s, args.code)
    if not ok or program is None:
        if ok:
            print("Pilih satu program, mis. `pantau program forms kotaku add pertemuan --role kader`.",
                  file=sys.stderr)
        return 2
    if args.action == "list":
        roles = (await program_forms(s)).get(program)
        if roles is None:
            print(f"Program {args.code} memakai semua formulir.")
        for role, ids in sorted((roles or {}).items()):
            print(f"{role}: {', '.join(sorted(ids))}")
        return 0
    form_ids = {f for f, _ in known}
    unknown = [f for f in args.forms if f not in form_ids]
    if not args.role or not args.forms or unknown:
        print(f"Formulir tidak dikenal: {', '.join(unknown)}. " if unknown else "", end="", file=sys.stderr)
        print(f"Contoh: `pantau program forms {args.code} {args.action} pertemuan --role kader`. "
              f"Formulir yang ada: {', '.join(sorted(form_ids))}.", file=sys.stderr)
        return 2
    changed = await set_forms(s, program, args.role, args.forms, remove=args.action == "remove")
    await s.commit()
    word = "dipakai" if args.action == "add" else "tidak dipakai lagi"
    print(f"{changed} formulir {word} oleh {args.role} program {args.code}.")
    return 0

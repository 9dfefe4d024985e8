"""`pantau roster import`: many contacts at once from CSV or Excel, all-or-nothing by default."""
from __future__ import annotations

import argparse
import csv
import io
import sys
from dataclasses import dataclass
from pathlib import Path

from flows.areas import AreaIndex, describe_choices, level_of, resolve

from .. import catalog
from ..phones import normalize_sender
from .common import opened

ROLES = {"kader": "kader", "kader desa": "kader", "fasilitator": "fasilitator", "fasilitator kecamatan": "fasilitator",
         "koordinator": "koordinator"}
LEVEL = {"kader": 4, "fasilitator": 3, "koordinator": 2}


@dataclass
class RosterRow:
    line: int
    name: str
    role: str
    area_code: str
    identities: list[tuple[str, str]]


class RosterError(ValueError):
    """The file cannot be read at all: one Indonesian sentence naming the file and the fix."""


def decode(raw: bytes, name: str) -> str:
    """Text of a CSV as Excel writes it: UTF-8 (with or without BOM), else the detected charset (Windows-1252…)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes
    best = from_bytes(raw, cp_isolation=["cp1252", "latin_1", "utf_16"]).best()
    if best is None:
        raise RosterError(f"{name}: isinya tidak terbaca sebagai teks. Simpan ulang dari Excel sebagai "
                          "\"CSV UTF-8\" lalu impor lagi.")
    return str(best)


def sniff_dialect(text: str) -> type[csv.Dialect]:
    """Comma, semicolon (Indonesian Excel) or tab, from the first lines."""
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def read_rows(path: Path) -> list[dict[str, str]]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook
        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:   # zipfile/KeyError/…: any unreadable workbook gets the same advice
            raise RosterError(f"{path.name}: bukan berkas Excel yang bisa dibaca ({type(exc).__name__}). "
                              "Buka di Excel, simpan ulang sebagai .xlsx atau CSV, lalu impor lagi.") from None
        try:                                   # read_only keeps the file open until closed
            rows = wb.active.iter_rows(values_only=True)
            header = [str(h or "").strip().lower() for h in next(rows, [])]
            return [{h: ("" if v is None else str(v)).strip() for h, v in zip(header, row)} for row in rows
                    if any(v not in (None, "") for v in row)]
        finally:
            wb.close()
    if path.suffix.lower() not in (".csv", ".txt"):
        raise RosterError(f"{path.name}: jenis berkas tidak dikenal. Pakai .csv atau .xlsx.")
    text = decode(path.read_bytes(), path.name)
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=sniff_dialect(text))
    return [{(k or "").strip().lower(): (v or "").strip() if isinstance(v, str) else "" for k, v in row.items()}
            for row in reader if any((v or "").strip() for v in row.values() if isinstance(v, str))]


def validate(rows: list[dict[str, str]], areas: AreaIndex) -> tuple[list[RosterRow], list[str]]:
    """Rows ready to import, and one Indonesian error line per bad row ("baris 3: …")."""
    good, errors = [], []
    for i, row in enumerate(rows, start=2):
        problems = []
        name = row.get("name") or row.get("nama") or ""
        if len(name) < 2:
            problems.append("nama kosong")
        role = ROLES.get((row.get("role") or row.get("peran") or "").lower())
        if not role:
            problems.append("peran harus kader, fasilitator atau koordinator")
        code = (row.get("area_code") or row.get("kode") or row.get("kode_wilayah") or "").strip()
        if code:
            if code not in areas.names:
                problems.append(f"kode wilayah {code} tidak ada")
        else:
            parts = [row.get(k, "") for k in ("desa", "kecamatan", "kabupaten") if row.get(k)]
            if parts and role:
                code, problem = _area(areas, parts, role)
                if problem:
                    problems.append(problem)
            else:
                problems.append("kode wilayah atau nama desa/kecamatan kosong")
        if code and role and code.count(".") + 1 < LEVEL[role] and role != "koordinator":
            problems.append(f"{role} perlu wilayah {'desa' if role == 'kader' else 'kecamatan'}")
        identities = []
        phone = row.get("phone") or row.get("telepon") or row.get("hp") or ""
        if phone:
            e164 = normalize_sender(phone)
            if not e164.startswith("+"):
                problems.append(f"nomor {phone} tidak valid")
            identities.append(("whatsapp", e164))
        tg = row.get("telegram_id") or row.get("telegram") or ""
        if tg:
            if not tg.lstrip("-").isdigit():
                problems.append("telegram_id harus angka")
            identities.append(("telegram", tg))
        if not identities:
            problems.append("isi nomor HP atau telegram_id")
        if problems or not role:
            errors.append(f"baris {i}: " + "; ".join(problems))
        else:
            good.append(RosterRow(i, name, role, code, identities))
    return good, errors


def _area(areas: AreaIndex, parts: list[str], role: str) -> tuple[str, str | None]:
    """The area of a row from its desa / kecamatan / kabupaten names, by the one resolver; never a guess."""
    want = LEVEL[role] if role != "koordinator" else None
    text = ", ".join(parts)
    found = resolve(areas, text)
    if found.code:
        return found.code, None      # a wrong level is said by the role check
    codes = list(found.candidates if found.ambiguous else ())
    if want:
        codes = [c for c in codes if level_of(c) == want]
    if len(codes) == 1:
        return codes[0], None
    if codes:
        return "", (f"wilayah '{text}' ada {len(codes)}: {describe_choices(areas, codes, 5)}; "
                    "isi kolom kode_wilayah atau tambahkan kecamatan/kabupaten")
    hint = f" (mungkin: {describe_choices(areas, found.candidates, 3)})" if found.candidates else ""
    return "", (f"wilayah '{text}' tidak ditemukan{hint}; isi kolom kode_wilayah "
                "(kode Kemendagri, mis. 81.05.08.2010)")


async def run(args: argparse.Namespace) -> int:
    from storage.repo import Tx

    from ..clock import clock
    from flows.types import NewContact
    path = Path(args.file)
    if not path.is_file():
        print(f"{path}: berkas tidak ada. Periksa nama dan foldernya.", file=sys.stderr)
        return 2
    try:
        good, errors = validate(read_rows(path), catalog.area_index())
    except RosterError as exc:
        print(exc, file=sys.stderr)
        return 2
    for line in errors:
        print(f"{path.name}: {line}", file=sys.stderr)
    if errors and not args.skip_invalid:
        print(f"{path.name}: {len(errors)} baris salah; tidak ada yang diimpor. Perbaiki, atau pakai --skip-invalid.",
              file=sys.stderr)
        return 2
    added = skipped = 0
    async with opened() as pipeline, pipeline.db.session() as s, s.begin():
        tx = Tx(s)
        for row in good:
            if any([await tx.contact_for(ch, ext) for ch, ext in row.identities]):
                skipped += 1
                continue
            (channel, external_id), *more = row.identities
            contact = await tx.create_contact(channel, external_id,
                                              NewContact(row.name, row.role, row.area_code, "id"), clock())
            for channel, external_id in more:
                await tx.add_identity(contact.id, channel, external_id)
            added += 1
    print(f"{added} kontak diimpor, {skipped} sudah terdaftar, {len(errors)} baris dilewati.")
    return 0

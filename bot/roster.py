"""`pantau roster import`: many contacts at once from CSV or Excel, all-or-nothing by default."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from flows.areas import AreaIndex

from .phones import normalize_sender

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


def read_rows(path: Path) -> list[dict[str, str]]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook
        wb = load_workbook(path, read_only=True, data_only=True)
        rows = wb.active.iter_rows(values_only=True)
        header = [str(h or "").strip().lower() for h in next(rows, [])]
        return [{h: ("" if v is None else str(v)).strip() for h, v in zip(header, row)} for row in rows
                if any(v not in (None, "") for v in row)]
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return [{(k or "").strip().lower(): (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


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
                found = areas.search(", ".join(parts), LEVEL[role])
                if found.exact:
                    code = found.codes[0]
                else:
                    problems.append(f"wilayah '{', '.join(parts)}' tidak jelas; isi kode wilayah")
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
        if problems:
            errors.append(f"baris {i}: " + "; ".join(problems))
        else:
            good.append(RosterRow(i, name, role, code, identities))
    return good, errors

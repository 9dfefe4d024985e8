"""Size limits of an XLSForm, checked before the workbook is opened (issue 28).

An .xlsx is a zip of XML files: a 1 MB file can unpack to gigabytes (openpyxl holds the shared strings
and pyxform every row in memory), and a form of tens of thousands of rows makes every start of Pantau
slow. The file size and the size each member declares in the zip's directory are checked before
openpyxl reads a byte of XML (the zip reader never unpacks more than a member declares: a lying
header ends in a checksum error, not in more memory); rows and choices are counted before pyxform
converts them. Each refusal says what the limit is and what to do, in Indonesian.
"""
from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from flows.xlsform import XLSFormError

MAX_FILE_BYTES = 5 * 1024 * 1024          # real forms of hundreds of questions are well under 1 MB
MAX_UNPACKED_BYTES = 40 * 1024 * 1024     # every member of the .xlsx zip, unpacked
MAX_MEMBERS = 200                         # files inside the .xlsx zip
MAX_SURVEY_ROWS = 3_000                   # rows of the survey sheet (long real forms: 300 to 1,500)
MAX_CHOICE_ROWS = 20_000                  # rows of the choices sheet (all lists together)


def _n(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f}".replace(".", ",").replace(",0", "") + " MB"


def check_file(path: Path) -> None:
    """Refuse a workbook too big to read safely, before openpyxl or xlrd opens it."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise XLSFormError([f"{path.name}: berkas {_mb(size)}, lebih besar dari batas {_mb(MAX_FILE_BYTES)}. "
                            "Hapus sheet, gambar atau baris yang tidak dipakai formulir lalu coba lagi."])
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise XLSFormError([f"{path.name}: bukan berkas Excel .xlsx yang utuh (rusak atau format lain). "
                            "Buka di Excel lalu simpan lagi sebagai .xlsx."]) from None
    if len(members) > MAX_MEMBERS:
        raise XLSFormError([f"{path.name}: berisi {len(members)} berkas di dalamnya, lebih dari batas {MAX_MEMBERS}. "
                            "Simpan formulir saja (survey, choices, settings) di berkas baru."])
    unpacked = sum(m.file_size for m in members)
    if unpacked > MAX_UNPACKED_BYTES:
        raise XLSFormError([f"{path.name}: isinya {_mb(unpacked)} setelah dibuka, lebih dari batas "
                            f"{_mb(MAX_UNPACKED_BYTES)}; berkas ini tidak dibaca. Simpan formulir saja "
                            "(survey, choices, settings) di berkas baru."])


def _filled(rows: list[dict[str, Any]] | None) -> int:
    return sum(1 for row in rows or [] if row)


def check_rows(book: Any) -> None:
    """Refuse a form with more survey or choice rows than a chat form can carry (pyxform's rows, unconverted)."""
    problems = []
    survey, choices = _filled(getattr(book, "survey", None)), _filled(getattr(book, "choices", None))
    if survey > MAX_SURVEY_ROWS:
        problems.append(f"survey: {_n(survey)} baris, lebih dari batas {_n(MAX_SURVEY_ROWS)} baris. Pecah menjadi "
                        "beberapa formulir.")
    if choices > MAX_CHOICE_ROWS:
        problems.append(f"choices: {_n(choices)} pilihan, lebih dari batas {_n(MAX_CHOICE_ROWS)}. Daftar "
                        "sepanjang itu tidak bisa dipilih lewat chat; persempit daftarnya (misalnya hanya desa "
                        "di kabupaten program).")
    if problems:
        raise XLSFormError(problems)

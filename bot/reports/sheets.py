"""Writing sheets that are safe to open: no formulas from answers, no control characters, readable layout.

Exports are inert: a text beginning with ``=``, ``+``, ``-``, ``@``, tab or carriage return is written as a
text cell in Excel (never a formula) and, in CSV, prefixed with ``'`` (OWASP's CSV-injection advice), so a
spreadsheet never runs what someone typed into the chat. Control characters are removed once more here, so
an old stored answer can never break an export (openpyxl refuses them).
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any, TextIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.utils import get_column_letter

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_RISKY_START = ("=", "+", "-", "@", "\t", "\r")
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")


class Header(list[str]):
    """A sheet's column names with a second header row (a form's variable names, then their labels)."""

    def __init__(self, names: list[str], labels: list[str]):
        super().__init__(names)
        self.labels = labels


class Link(str):
    """A cell's text with a link (a photo's file name, opened on the dashboard); in CSV the link itself."""

    url: str

    def __new__(cls, text: str, url: str) -> "Link":
        out = super().__new__(cls, text)
        out.url = url
        return out


def clean(value: str) -> str:
    """Text without control characters (tab, newline and carriage return stay)."""
    return _CONTROL.sub("", value)


def risky(value: str) -> bool:
    return value.startswith(_RISKY_START)


def csv_cell(value: Any) -> Any:
    """A CSV cell: text that a spreadsheet could run as a formula is prefixed with an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        value = clean(value)
        if risky(value):
            return "'" + value
    return value


def sheet_title(title: str, used: set[str]) -> str:
    """A valid, unique worksheet title (at most 31 characters, none of []:*?/\\)."""
    base = _BAD_TITLE.sub(" ", title).strip()[:31] or "Lembar"
    name, i = base, 2
    while name.lower() in used:
        suffix = f" ({i})"
        name, i = base[:31 - len(suffix)] + suffix, i + 1
    used.add(name.lower())
    return name


HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")


class SheetWriter:
    """One worksheet of a write-only workbook: bold frozen header, widths by kind, autofilter, typed cells."""

    def __init__(self, wb: Workbook, title: str, header: list[str], widths: list[float] | None = None):
        self.ws = wb.create_sheet(title)
        self.width = len(header)
        for i, name in enumerate(header, 1):
            w = widths[i - 1] if widths else None
            self.ws.column_dimensions[get_column_letter(i)].width = w or max(10, min(45, len(name) + 4))
        self.ws.freeze_panes = "A3" if isinstance(header, Header) else "A2"
        self.rows = 0
        for row in (header, *([header.labels] if isinstance(header, Header) else [])):
            cells = []
            for name in row:
                c = WriteOnlyCell(self.ws, value=clean(str(name)))
                c.data_type = "s"
                c.font, c.fill = HEADER_FONT, HEADER_FILL
                c.alignment = Alignment(wrap_text=True, vertical="top")
                cells.append(c)
            self.ws.append(cells)
            self.rows += 1

    def cell(self, value: Any) -> Any:
        if isinstance(value, Link):
            c = WriteOnlyCell(self.ws, value=clean(str(value)))
            c.data_type = "s"
            c.hyperlink = Hyperlink(ref="", target=value.url)
            c.style = "Hyperlink"
            return c
        if isinstance(value, str):
            c = WriteOnlyCell(self.ws, value=clean(value))
            c.data_type = "s"          # never a formula, whatever the text begins with
            return c
        if isinstance(value, datetime):
            c = WriteOnlyCell(self.ws, value=value.replace(tzinfo=None))
            c.number_format = "DD/MM/YYYY HH:MM"
            return c
        if isinstance(value, date):
            c = WriteOnlyCell(self.ws, value=value)
            c.number_format = "DD/MM/YYYY"
            return c
        if isinstance(value, float):
            c = WriteOnlyCell(self.ws, value=value)
            c.number_format = "0.0"
            return c
        return WriteOnlyCell(self.ws, value=value)

    def append(self, row: Sequence[Any]) -> None:
        self.ws.append([self.cell(v) for v in row])
        self.rows += 1

    def close(self) -> None:
        self.ws.auto_filter.ref = f"A1:{get_column_letter(max(1, self.width))}{self.rows}"


# one sheet to write: (title, header, column widths, its rows as they are read)
Sheet = tuple[str, list[str], list[float] | None, AsyncIterator[Sequence[Any]]]


async def write_workbook(path: Path, sheets: Iterable[Sheet]) -> Path:
    """``sheets``: (title, header, widths, async row iterator) — streamed into ``path`` (bounded memory)."""
    wb = Workbook(write_only=True)
    used: set[str] = set()
    for title, header, widths, rows in sheets:
        w = SheetWriter(wb, sheet_title(title, used), header, widths)
        async for row in rows:
            w.append(row)
        w.close()
    wb.save(path)
    return path


async def write_csv_rows(fh: TextIO, header: list[str], rows: AsyncIterator[Sequence[Any]]) -> None:
    """One sheet as CSV into a text file opened with newline="", cells made inert."""
    w = csv.writer(fh)
    w.writerow([csv_cell(h) for h in header])
    if isinstance(header, Header):
        w.writerow([csv_cell(h) for h in header.labels])
    async for row in rows:
        w.writerow([csv_cell(f"{v} ({v.url})" if isinstance(v, Link) else v) for v in row])


async def write_csv(path: Path, header: list[str], rows: AsyncIterator[Sequence[Any]]) -> Path:
    """One sheet as a CSV file, UTF-8 with BOM (so Excel reads the Indonesian text right)."""
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        await write_csv_rows(fh, header, rows)
    return path


async def write_csv_zip(path: Path, sheets: Iterable[Sheet]) -> Path:
    """Every sheet as one CSV file (UTF-8 with BOM) in a .zip, streamed."""
    used: set[str] = set()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for title, header, _, rows in sheets:
            name = sheet_title(title, used).lower().replace(" ", "_")
            with zf.open(f"{name}.csv", "w") as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as fh:
                await write_csv_rows(fh, header, rows)
    return path

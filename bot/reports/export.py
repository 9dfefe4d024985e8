"""Excel (and CSV) exports for coordinators: one sheet per form, written from its questions.

Sheets: "Ringkasan per wilayah" (the roll-up per child area: kabupaten → kecamatan → desa), one sheet per
form (one row per report, or per item of its repeat), the follow-up recommendation matrix, and the
completeness of the round. Every sheet covers the same reports as the summary (storage/summary.py says which
date filters which kind). Cells are inert and typed (bot/sheets.py): dates as dates, numbers as numbers, times
in the area's zone with WIB/WITA/WIT beside them.
"""
from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flows.areas import AreaIndex
from flows.dates import zone_for_area
from flows.display import choice_labels
from flows.forms import MORE, Form, FormVersions, Question
from flows.qtypes import TABLE
from flows.storyteller import sender
from flows.summary_spec import Count, SummarySpec, summaries
from flows.types import RoundView
from storage.completeness import completeness, get_round
from storage.db import Session
from storage.periods import started_day
from storage.summary import Filters, Rollup, Window, rollup, window_for

from . import sheets as xl

STATUS_ID = {"tepat_waktu": "Tepat waktu", "terlambat": "Terlambat", "sedang_diisi": "Sedang diisi",
             "belum": "Belum melapor"}
WHERE = ["Kode wilayah", "Desa/Wilayah", "Kecamatan", "Kabupaten"]
# a form sheet's first header row: variable names (the second row: the labels)
WHERE_NAMES = ["kode_wilayah", "wilayah", "kecamatan", "kabupaten"]
META_NAMES = ["pelapor", "revisi", "dikirim", "zona"]
EXTENSIONS = (".xlsx", ".zip", ".csv")
_ZONES = {7: "WIB", 8: "WITA", 9: "WIT"}


class ExportError(ValueError):
    """A wrong --out or --sheet, said in one Indonesian sentence."""


def zone_name(area_code: str) -> str:
    offset = zone_for_area(area_code).utcoffset(None) or timedelta(0)
    return _ZONES.get(int(offset.total_seconds() // 3600), "UTC")


def local_time(moment: datetime | None, area_code: str) -> datetime | None:
    """The moment in the area's zone (Excel has no zones: the zone goes in the next column)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        from datetime import timezone
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(zone_for_area(area_code)).replace(tzinfo=None)


def _where(areas: AreaIndex, code: str) -> list[str]:
    parts = code.split(".")
    kec = ".".join(parts[:3]) if len(parts) >= 3 else ""
    kab = ".".join(parts[:2])
    return [code, areas.name(code), areas.name(kec) if kec else "", areas.name(kab)]


class Progress:
    """A one-line progress bar on stderr for long exports (silent when not a terminal)."""

    def __init__(self, enabled: bool):
        self.enabled, self.count = enabled and sys.stderr.isatty(), 0

    def tick(self, n: int = 1) -> None:
        self.count += n
        if self.enabled and self.count % 1000 == 0:
            sys.stderr.write(f"\r{self.count:,} baris ditulis …".replace(",", "."))
            sys.stderr.flush()

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write(f"\r{self.count:,} baris ditulis.\n".replace(",", "."))


def _title(q: Question, lang: str) -> str:
    return (q.short or q.label)[lang]


def _value(q: Question, v: Any) -> Any:
    """An answer as a typed cell value: choice labels, dates as dates, whole numbers as numbers."""
    if v is None or v == "" or v == []:
        return None
    return TABLE[q.type].cell(q, v)            # the question type's cell (flows/qtypes/)


def newest_forms(forms: FormVersions) -> list[Form]:
    newest: dict[str, Form] = {}
    for (form_id, version), form in forms.items():
        if form_id not in newest or version > newest[form_id].version:
            newest[form_id] = form
    return sorted(newest.values(), key=lambda f: (f.order, f.id))


def form_sheet(s: Session, form: Form, area: str, window: Window, areas: AreaIndex, progress: Progress) -> xl.Sheet:
    """(title, header, widths, rows) of one form: its questions as columns, one row per report or item."""
    from storage.summary import iter_report_rows_with_id
    from ..config import public_url
    base = public_url().rstrip("/")
    spec = form.summary
    top = [q for q in form.questions if q.type not in ("note", "repeat")]
    repeat = next((q for q in form.questions if q.type == "repeat"), None)
    inner = [q for q in repeat.questions if q.type not in ("note", "repeat") and q.name != MORE] if repeat else []
    nested = next((q for q in repeat.questions if q.type == "repeat"), None) if repeat else None
    inner += [q for q in nested.questions if q.type != "note" and q.name != MORE] if nested else []
    labels = spec.labels if spec else {}
    calcs = [name for name, _ in form.calculate]
    percents = list(spec.percent) if spec and not repeat else []
    header = [*WHERE, *(_title(q, "id") for q in top), *(_title(q, "id") for q in inner),
              *(labels.get(c, {}).get("id", "Jumlah" if c == "total" else c) for c in calcs),
              *(labels.get(p[0], {}).get("id", p[0]) for p in percents), "Pelapor", "Revisi", "Dikirim", "Zona"]
    widths = [14, 22, 18, 22, *(_width(q) for q in top), *(_width(q) for q in inner), *([10] * len(calcs)),
              *([10] * len(percents)), 20, 8, 17, 7]

    async def rows() -> AsyncIterator[list[Any]]:
        async for code, a, revision, updated, reporter, key, created, verified, rid in iter_report_rows_with_id(
                s, area, form.id, program=window.program):
            if spec and window.filtered and not window.admits(form, spec, code, key, a, created):
                continue
            if not spec and window.filtered and not window._in(started_day(form, code, key, created)):
                continue
            head = [*_where(areas, code), *(_cell(q, a.get(q.name), rid, base) for q in top)]
            reporter = sender(form.id, a, reporter)     # an anonymous story: no name (flows/storyteller.py)
            if not verified:                 # as the summary: shown, but marked (issue 12)
                reporter = f"{reporter} (belum diverifikasi)"
            tail = [*(a.get(c) for c in calcs), *(_percent(spec, a, p) for p in percents), reporter, revision,
                    local_time(updated, code), zone_name(code)]
            items = (a.get(repeat.name) or [{}]) if repeat else [{}]
            if nested:           # a repeat inside the repeat: one row per its item, beside its parent item's answers
                items = [{**item, **sub} for item in items for sub in (item.get(nested.name) or [{}])]
            for item in items:
                progress.tick()
                yield [*head, *(_cell(q, item.get(q.name), rid, base) for q in inner), *tail]

    title = (spec.title.get("id") if spec and spec.title else None) or form.title["id"]
    names = xl.Header([*WHERE_NAMES, *(q.name for q in top), *(q.name for q in inner), *calcs,
                       *(p[0] for p in percents), *META_NAMES], labels=header)
    return title, names, widths, rows()


def _cell(q: Question, v: Any, report_id: int, base: str) -> Any:
    """A photo as its file name with a link to it on the dashboard (never a bare hash); any other answer typed."""
    if TABLE[q.type].file and v:
        sha = str(v)
        return xl.Link(f"foto_{sha[:12]}.jpg", f"{base}/dasbor/laporan/{report_id}/foto/{sha}")
    return _value(q, v)


def _width(q: Question) -> float:
    return TABLE[q.type].width


def _percent(spec: SummarySpec, a: dict[str, Any], p: tuple[str, str, str]) -> float:
    name, part, whole = p
    fig = {q: int(a.get(q) or 0) for q in spec.sums}
    for total, parts in spec.totals:
        fig[total] = sum(fig.get(x, 0) for x in parts)
    return round(100 * fig.get(part, 0) / fig[whole], 1) if fig.get(whole) else 0.0


def area_sheet(r: Rollup, forms: FormVersions, areas: AreaIndex) -> xl.Sheet:
    """The roll-up: one row per child area and a last row for the whole area."""
    cols: list[tuple[str, str, str | None]] = []     # (section, figure, choice)
    header = ["Kode wilayah", "Wilayah"]
    for form, spec in r.specs:
        ttl = spec.title.get("id") or spec.section
        labels = choice_labels(forms, form.id)
        for name in ([*(["desa_reported", "desa_expected"] if spec.reported else []), *spec.figure_names()]):
            cols.append((spec.section, name, None))
            header.append(f"{ttl}: {_figure_label(form, spec, name)}")
        for a in spec.answers:
            if isinstance(a, Count) and a.label:
                q = form.question(a.question)
                for c in q.choices:
                    if c.value not in a.exclude:
                        cols.append((spec.section, a.name, c.value))
                        header.append(f"{ttl}: {a.label['id']} — {labels.get(a.question, {}).get(c.value, c.value)}")

    async def rows() -> AsyncIterator[list[Any]]:
        for fig in [*r.children, r.area]:
            name = areas.short(fig.code) if fig.code else "Indonesia"
            if fig is r.area:
                name = f"Jumlah {name}"
            elif fig.code == r.area.code:
                name = f"{name} (laporan tingkat ini)"
            out: list[Any] = [fig.code, name]
            for section, figure, choice in cols:
                v = fig.sections.get(section, {}).get(figure, 0)
                out.append(v.get(choice, 0) if choice is not None and isinstance(v, dict) else v)
            yield out
    return "Ringkasan per wilayah", header, [14, 30, *([12] * len(cols))], rows()


def _figure_label(form: Form, spec: SummarySpec, name: str) -> str:
    if name in spec.labels:
        return spec.labels[name]["id"]
    try:
        return _title(form.question(name), "id")
    except KeyError:
        return name


async def sheets(s: Session, f: Filters, forms: FormVersions, areas: AreaIndex, progress: Progress) -> list[xl.Sheet]:
    """Every sheet of the export, in order: (title, header, widths, async row iterator)."""
    from storage.programs import forms_of
    enabled = await forms_of(s, f.program)       # a program's own forms only (program_forms)
    if enabled is not None:
        forms = {key: form for key, form in forms.items() if key[0] in enabled}
    window = await window_for(s, f)
    rnd = await get_round(s, f.round, f.program) if f.round else None
    r = await rollup(s, f, forms)
    out = [area_sheet(r, forms, areas)]
    for form in newest_forms(forms):
        out.append(form_sheet(s, form, f.area, window, areas, progress))
    monitoring = next((form for form, spec in summaries(forms) if spec.reported), None)
    if monitoring is not None and monitoring.id == "pemantauan":
        meeting = next((form for form, spec in summaries(forms) if form.id == "pertemuan"), None)
        out.append(matrix_sheet(s, monitoring, f.area, window, areas, progress, meeting))
        if rnd:
            out.append(completeness_sheet(s, monitoring, f.area, rnd, areas, progress, f.program))
    from ..loop.sheets import sheets as loop_sheets     # follow-up and story selection
    for title, header, rows in await loop_sheets(s, f.area, forms, areas, progress, f.program):
        out.append((title, header, None, rows))
    for extra in EXTRA_SHEETS:
        sheet = await extra(s, f, window, forms, areas, progress)
        if sheet is not None:
            out.append(sheet)
    return out


# More sheets from other modules (e.g. follow-up): async (s, filters, window, forms, areas, progress) →
# (title, header, widths, async rows) or None; cells go through the same inert, typed writer.
ExtraSheet = Callable[[Session, Filters, Window, FormVersions, AreaIndex, Progress], Awaitable[xl.Sheet | None]]
EXTRA_SHEETS: list[ExtraSheet] = []


def matrix_sheet(s: Session, form: Form, area: str, window: Window, areas: AreaIndex, progress: Progress,
                 meeting: Form | None = None) -> xl.Sheet:
    """The seed's follow-up recommendation matrix a kecamatan takes to the kabupaten forum: every activity with
    its achievement, obstacle, the support the kabupaten might give and the follow-up agreed (issue 24), and
    what the villages learned from each other at their kecamatan's meeting of the round (``meeting``)."""
    from storage.lessons import lessons_text, shared_lessons
    from flows.localtime import local_date
    from storage import followup as F
    from storage.summary import iter_report_rows_with_id

    from .. import catalog
    from ..clock import clock
    from ..loop.sheets import MATRIX_HEADER, matrix_cells, matrix_recs
    labels = choice_labels({(form.id, form.version): form}, form.id)
    t = catalog.gettext_for("id")

    async def rows() -> AsyncIterator[list[Any]]:
        today = local_date(clock(), area)
        recs = await matrix_recs(s, area, window.program)
        items = await F.items_by_report(s, area)          # by report: two programs' reports may share a key
        lessons = await shared_lessons(s, area, window, meeting) if meeting is not None else {}
        async for code, a, revision, updated, reporter, key, created, verified, rid in iter_report_rows_with_id(
                s, area, form.id, program=window.program):
            if not verified or (window.filtered and not window.admits(form, form.summary, code, key, a, created)):
                continue                     # only approved kader's reports go to the kabupaten
            for index, item in enumerate(a.get("activities") or []):
                w = _where(areas, code)
                rec_id = items.get((rid, index))
                progress.tick()
                yield [w[2], w[1], *matrix_cells(item, labels, recs.get(rec_id) if rec_id else None, today, t, "id"),
                       lessons_text(lessons.get(code[:8], []))]
    return ("Matriks rekomendasi", [*MATRIX_HEADER, "Pembelajaran antar desa (rapat kecamatan)"],
            [18, 18, 26, 26, 30, 30, 36, 14, 24, 14, 22, 40], rows())


def completeness_sheet(s: Session, form: Form, area: str, rnd: RoundView, areas: AreaIndex, progress: Progress,
                       program: int | None = None) -> xl.Sheet:
    async def rows() -> AsyncIterator[list[Any]]:
        for row in await completeness(s, area, rnd, form.id, program):
            progress.tick()
            status = "Menunggu diperiksa fasilitator" if row.waiting else STATUS_ID[row.status]   # sent, not yet counted
            yield [*_where(areas, row.code), rnd.name, status, local_time(row.reported_at, row.code),
                   zone_name(row.code), ", ".join(row.kader)]
    return ("Kelengkapan", [*WHERE, "Putaran", "Status", "Waktu lapor", "Zona", "Kader"],
            [14, 22, 18, 22, 16, 14, 17, 7, 30], rows())


def check_out(out: Path, sheet: str | None) -> None:
    """Refuse what would surprise: an unknown extension, a missing folder, CSV of several sheets."""
    ext = out.suffix.lower()
    if ext not in EXTENSIONS:
        raise ExportError(f"{out}: akhiran '{out.suffix or '(kosong)'}' tidak dikenal. Pakai .xlsx (Excel), "
                          ".zip (semua lembar sebagai CSV) atau .csv bersama --sheet NAMA.")
    if not out.parent.exists():
        raise ExportError(f"{out}: folder {out.parent} tidak ada. Buat dulu foldernya, atau pilih folder lain.")
    if ext == ".csv" and not sheet:
        raise ExportError(f"{out}: satu berkas CSV hanya memuat satu lembar. Tambahkan --sheet NAMA "
                          "(mis. --sheet Pertemuan), atau simpan semua lembar sebagai .zip.")


async def write(s: Session, out: Path, f: Filters, forms: FormVersions, areas: AreaIndex, progress: Progress,
                sheet: str | None = None) -> Path:
    """The export to ``out`` by its extension (.xlsx, .zip of CSV, .csv of one ``sheet``)."""
    check_out(out, sheet)
    chosen = await sheets(s, f, forms, areas, progress)
    if sheet:
        match = [x for x in chosen if x[0].lower() == sheet.strip().lower()]
        if not match:
            raise ExportError(f"Lembar '{sheet}' tidak ada. Lembar yang ada: "
                              + ", ".join(f"'{x[0]}'" for x in chosen) + ".")
        chosen = match
    ext = out.suffix.lower()
    if ext == ".xlsx":
        await xl.write_workbook(out, chosen)
    elif ext == ".zip":
        await xl.write_csv_zip(out, chosen)
    else:
        title, header, _, rows = chosen[0]
        await xl.write_csv(out, header, rows)
    progress.done()
    return out


async def write_xlsx(s: Session, path: Path, area: str, rnd: RoundView | None, forms: FormVersions, areas: AreaIndex, progress: Progress,
                     program: int | None = None) -> Path:
    """The Excel file of an area for a round (or everything when ``rnd`` is None), of one program (None:
    every program)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return await write(s, path, Filters(area, round=rnd.name if rnd else None, program=program), forms, areas,
                       progress)

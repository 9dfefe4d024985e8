"""A Frictionless Data Package of an area's reports (issue 26): `pantau export --format datapackage`, and later
``/api/v1/datapackage.zip`` — ``build`` returns the zip's bytes.

Inside the zip:

- ``datapackage.json``: name, title, license, sources (the Kemendagri decree of the area codes), the time it
  was made (UTC, RFC 3339), and one resource per file with its Table Schema;
- ``data/areas.csv``: the area and every area below it — Kemendagri code, name, level, parent code;
- ``data/<form>_v<version>.csv`` per form version with reports: one row per report (id, area code, key,
  revision, first and last save in UTC, then one column per question, typed: integer, number, date, text);
  a repeat's items go to ``data/<form>_v<version>_<repeat>.csv``, keyed to their report.

Only what the summary counts (approved senders, no competing submission waiting), in the same
--round/--from/--to window; never a sender's name or phone number. The package is validated with the
``frictionless`` library (schemas, types, primary and foreign keys) before it is returned; one that does not
validate raises ``InvalidPackage`` and nothing is written.
"""
from __future__ import annotations

import csv
import io
import json
import tempfile
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from flows.forms import Form, FormVersions, Question
from flows.qtypes import TABLE
from storage.db import Session
from storage.open_data import areas_under, package_rows
from flows.summary_spec import SummarySpec
from storage.summary import Filters, Window, summary_forms, window_for

from ..clock import clock

AREA_SOURCE = {"title": "Kode dan nama wilayah administrasi pemerintahan (Kepmendagri No. 300.2.2-2138 Tahun 2025)",
               "path": "https://github.com/cahyadsn/wilayah"}
DEFAULT_LICENSE = {"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0",
                   "path": "https://creativecommons.org/licenses/by/4.0/"}
LEVELS = {1: "provinsi", 2: "kabupaten/kota", 3: "kecamatan", 4: "desa/kelurahan"}


class InvalidPackage(ValueError):
    """The package did not validate; the message lists the first errors."""


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _describe(q: Question) -> str:
    text = q.label.get("id") or q.name
    if q.choices:
        text += " Pilihan: " + "; ".join(f"{c.value} = {c.label.get('id', c.value)}" for c in q.choices)
        if TABLE[q.type].many:
            text += " (beberapa pilihan dipisah spasi)"
    return text


def _fields(questions: tuple[Question, ...]) -> list[tuple[str, Question, dict[str, Any]]]:
    """(column, question, Table Schema field) per answer column; a location is two columns."""
    out = []
    for q in questions:
        title = q.short.get("id") or q.label.get("id") or q.name
        if q.type == "location":
            for part, word in (("lat", "lintang"), ("lon", "bujur")):
                out.append((f"{q.name}_{part}", q, {"name": f"{q.name}_{part}", "type": "number",
                                                    "title": f"{title} ({word})"}))
        elif (kind := TABLE[q.type].package_type) is not None:
            out.append((q.name, q, {"name": q.name, "type": kind, "title": title,
                                    "description": _describe(q)}))
    return out


def _cell(q: Question, column: str, value: Any) -> Any:
    if value is None or value == "" or value == []:
        return ""
    if q.type == "location":
        if isinstance(value, (list, tuple)) and len(value) == 2:
            return value[0] if column.endswith("_lat") else value[1]
        return str(value)
    if TABLE[q.type].many and isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


class _Table:
    """One CSV and its resource descriptor."""

    def __init__(self, name: str, title: str, fields: list[dict[str, Any]], primary: list[str],
                 foreign: list[dict[str, Any]]):
        self.name, self.path = name, f"data/{name.replace('-', '_')}.csv"
        self.schema = {"fields": fields, "primaryKey": primary, "foreignKeys": foreign}
        self.title = title
        self.buf = io.StringIO()
        self.writer = csv.writer(self.buf, lineterminator="\n")
        self.writer.writerow([f["name"] for f in fields])
        self.rows = 0

    def add(self, row: list[Any]) -> None:
        self.writer.writerow(row)
        self.rows += 1

    def resource(self) -> dict[str, Any]:
        return {"name": self.name, "path": self.path, "title": self.title, "profile": "tabular-data-resource",
                "format": "csv", "mediatype": "text/csv", "encoding": "utf-8", "schema": self.schema}


_REPORT_FIELDS: list[dict[str, Any]] = [
    {"name": "report_id", "type": "integer", "title": "Nomor laporan", "constraints": {"required": True}},
    {"name": "area_code", "type": "string", "title": "Kode wilayah Kemendagri", "constraints": {"required": True}},
    {"name": "key", "type": "string", "title": "Kunci laporan (apa yang dilaporkan)"},
    {"name": "revision", "type": "integer", "title": "Revisi"},
    {"name": "created_at", "type": "datetime", "title": "Pertama dikirim (UTC)"},
    {"name": "updated_at", "type": "datetime", "title": "Terakhir diubah (UTC)"},
]
_ITEM_FIELDS: list[dict[str, Any]] = [{"name": "report_id", "type": "integer", "constraints": {"required": True}},
                                     {"name": "item", "type": "integer", "title": "Urutan butir"}]
_AREA_FK = {"fields": "area_code", "reference": {"resource": "areas", "fields": "code"}}


Columns = list[tuple[str, Question, dict[str, Any]]]


async def _form_tables(s: Session, form: Form, spec: SummarySpec, filters: Filters, window: Window,
                       forms: FormVersions) -> list[_Table]:
    tables: dict[int, tuple[_Table, Columns, list[tuple[Question, _Table, Columns]]]] = {}
    async for rid, version, area, key, answers, revision, created, updated, verified in package_rows(
            s, filters.area, form.id, program=filters.program):
        if not verified or (window.filtered and not window.admits(form, spec, area, key, answers, created)):
            continue
        if version not in tables:
            defn = forms.get((form.id, version), form)
            name = f"{form.id}-v{version}"
            cols = _fields(defn.questions)
            main = _Table(name, f"{form.title.get('id', form.id)} (versi {version})",
                          _REPORT_FIELDS + [f for _, _, f in cols], ["report_id"], [_AREA_FK])
            repeats = []
            for rq in (q for q in defn.questions if q.type == "repeat"):
                sub = _fields(rq.questions)
                child = _Table(f"{name}-{rq.name}", f"{main.title}: {rq.short.get('id') or rq.label.get('id')}",
                               _ITEM_FIELDS + [f for _, _, f in sub], ["report_id", "item"],
                               [{"fields": "report_id", "reference": {"resource": name, "fields": "report_id"}}])
                repeats.append((rq, child, sub))
            tables[version] = (main, cols, repeats)
        main, cols, repeats = tables[version]
        main.add([rid, area, key, revision, _rfc3339(created), _rfc3339(updated)]
                 + [_cell(q, c, answers.get(q.name)) for c, q, _ in cols])
        for rq, child, sub in repeats:
            for i, item in enumerate(answers.get(rq.name) or [], 1):
                if isinstance(item, dict):
                    child.add([rid, i] + [_cell(q, c, item.get(q.name)) for c, q, _ in sub])
    out: list[_Table] = []
    for version in sorted(tables):
        main, _, repeats = tables[version]
        out += [main] + [child for _, child, _ in repeats]
    return out


def validate(folder: Path) -> None:
    """Frictionless' own validation of the package in ``folder`` (metadata, schemas, every row, keys)."""
    from frictionless import Package
    report = Package(str(folder / "datapackage.json")).validate()
    if not report.valid:
        errors = [f"{e.type}: {e.message}" for task in report.tasks for e in task.errors][:5]
        errors += [f"{e.type}: {e.message}" for e in report.errors][:5]
        raise InvalidPackage("; ".join(errors[:5]) or "tidak valid")


async def build(s: Session, filters: Filters, forms: FormVersions, license: dict[str, str] | None = None) -> bytes:
    """The zipped, validated Data Package of ``filters.area`` (the whole country for "")."""
    window = await window_for(s, filters)
    areas = _Table("areas", "Wilayah (kode Kemendagri)",
                   [{"name": "code", "type": "string", "title": "Kode wilayah Kemendagri",
                     "constraints": {"required": True, "unique": True}},
                    {"name": "name", "type": "string", "title": "Nama wilayah"},
                    {"name": "level", "type": "string", "title": "Tingkat"},
                    {"name": "parent_code", "type": "string", "title": "Kode wilayah induk"}], ["code"], [])
    for code, name, level in await areas_under(s, filters.area):
        areas.add([code, name, LEVELS.get(level, str(level)), code.rsplit(".", 1)[0] if "." in code else ""])
    tables = [areas]
    for form, spec in await summary_forms(s, forms):
        tables += await _form_tables(s, form, spec, filters, window, forms)
    where = filters.area or "indonesia"
    period = filters.round or " – ".join(d.isoformat() for d in (filters.date_from, filters.date_to) if d) or "semua"
    descriptor = {
        "profile": "tabular-data-package",
        "name": "pantau-" + where.replace(".", "-"),
        "title": f"Pantau: laporan wilayah {filters.area or 'Indonesia'} ({period})",
        "description": "Laporan pemantauan, pertemuan dan cerita perubahan dari kader desa dan fasilitator, "
                       "satu berkas CSV per versi formulir. Tanpa nama dan nomor telepon pelapor.",
        "created": _rfc3339(clock()),
        "keywords": ["pantau", "desa", "pemantauan", "kemendagri"],
        "licenses": [license or DEFAULT_LICENSE],
        "sources": [AREA_SOURCE],
        "resources": [t.resource() for t in tables],
    }
    with tempfile.TemporaryDirectory(prefix="pantau-datapackage-") as tmp:
        folder = Path(tmp)
        (folder / "data").mkdir()
        for t in tables:
            (folder / t.path).write_text(t.buf.getvalue(), encoding="utf-8")
        (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False, indent=2),
                                                 encoding="utf-8")
        validate(folder)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.write(folder / "datapackage.json", "datapackage.json")
            for t in tables:
                zf.write(folder / t.path, t.path)
    return out.getvalue()

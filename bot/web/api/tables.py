"""Reports as tables: a Frictionless Table Schema per form version, and CSV files (UTF-8 with a BOM, "," or
";" for Indonesian Excel) of a form's reports, with each repeat group as a child CSV keyed to its parent by
``report_id``."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Iterable
from typing import Any

from flows.qtypes import TABLE
from storage.api_read import START, position, reports_page

BASE_FIELDS = [
    {"name": "report_id", "type": "integer", "constraints": {"required": True, "unique": True}},
    {"name": "form_version", "type": "integer"},
    {"name": "area", "type": "string", "description": "Kode wilayah Kemendagri (PP.KK.CC.DDDD)",
     "constraints": {"pattern": r"\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?"}},
    {"name": "key", "type": "string"},
    {"name": "period", "type": "string"},
    {"name": "revision", "type": "integer"},
    {"name": "created_at", "type": "datetime", "format": "default"},
    {"name": "updated_at", "type": "datetime", "format": "default"},
    {"name": "verified", "type": "boolean"},
]
PEOPLE_FIELDS = [{"name": "sender_name", "type": "string"}, {"name": "sender_phones", "type": "string"}]


def _field(q: Any) -> dict[str, Any]:
    qtype = TABLE[q.type]
    out: dict[str, Any] = {"name": q.name, "type": qtype.table_type, "title": q.label.get("id", q.name)}
    if qtype.choices and not qtype.many and q.choices:
        out["constraints"] = {"enum": [c.value for c in q.choices]}
    if qtype.many:
        out["description"] = "Pilihan dipisah spasi"
    return out


def _answer_questions(questions: Iterable[Any]) -> list[Any]:
    return [q for q in questions if q.type not in ("note", "repeat")]


def table_schemas(form: Any, people: bool) -> dict[str, Any]:
    """{"reports": schema, "repeats": {name: schema}} for one form version."""
    fields = BASE_FIELDS + (PEOPLE_FIELDS if people else []) + [_field(q) for q in _answer_questions(form.questions)]
    repeats = {}
    for q in form.all_questions():
        if q.type == "repeat":
            repeats[q.name] = {
                "fields": [{"name": "report_id", "type": "integer", "constraints": {"required": True}},
                           {"name": "item", "type": "integer", "constraints": {"required": True}}]
                + [_field(sub) for sub in _answer_questions(q.questions)],
                "primaryKey": ["report_id", "item"],
                "foreignKeys": [{"fields": "report_id", "reference": {"resource": f"{form.id}", "fields": "report_id"}}],
            }
    return {"reports": {"fields": fields, "primaryKey": "report_id"}, "repeats": repeats}


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def report_row(report: dict[str, Any], names: list[str], people: bool) -> list[Any]:
    row = [report["id"], report["form_version"], report["area"], report["key"], report["period"], report["revision"],
           report["created_at"], report["updated_at"], "true" if report["verified"] else "false"]
    if people:
        sender = report.get("sender")          # none for an anonymous story of change
        row += [sender["name"], " ".join(sender["phones"])] if sender else ["Anonim", ""]
    return row + [_cell(report["answers"].get(n)) for n in names]


def repeat_rows(report: dict[str, Any], repeat: str, names: list[str]) -> list[list[Any]]:
    items = report["answers"].get(repeat) or []
    return [[report["id"], i] + [_cell(item.get(n)) for n in names]
            for i, item in enumerate(items, 1) if isinstance(item, dict)]


async def csv_chunks(db: Any, areas: list[str], form: Any, repeat: str | None, people: bool, sep: str,
                     batch: int = 2000, programs: list[int] | None = None) -> AsyncIterator[bytes]:
    """The whole CSV, a batch of reports at a time (keyset over report ids), BOM first; reports of ``programs``
    only (None: every program)."""
    schema = table_schemas(form, people)
    fields = schema["repeats"][repeat]["fields"] if repeat else schema["reports"]["fields"]
    header = [f["name"] for f in fields]
    names = header[2:] if repeat else [q.name for q in _answer_questions(form.questions)]
    buf = io.StringIO()
    out = csv.writer(buf, delimiter=sep, lineterminator="\r\n")
    out.writerow(header)
    yield ("\ufeff" + buf.getvalue()).encode("utf-8")
    after = START
    while True:
        async with db.session() as s:
            page = await reports_page(s, areas, after, batch, form.id, people, programs=programs)
        if not page:
            return
        buf.seek(0)
        buf.truncate()
        for report in page:
            if repeat:
                out.writerows(repeat_rows(report, repeat, names))
            else:
                out.writerow(report_row(report, names, people))
        yield buf.getvalue().encode("utf-8")
        after = position(page[-1])
        if len(page) < batch:
            return

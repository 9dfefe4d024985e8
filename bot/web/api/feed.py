"""GET /api/v1/changes: reports saved, revised, rejected or merged since a cursor, in the feed's order
(storage/changes.py), of the key's programs: each as an upsert carrying the report as it is now, or a delete (gone from the data)."""
from __future__ import annotations

from typing import Any

from starlette.responses import Response

from storage import changes
from storage.api_read import reports_by_id, reports_json_by_id, stamp

from . import cursor
from .auth import Caller
from .errors import Json
from .reads import limit_of, programs_of


async def feed(caller: Caller) -> Response:
    limit = limit_of(caller)
    txid, last = cursor.decode("changes", caller.request.query_params.get("cursor"), [0, 0])
    programs = await programs_of(caller)
    async with caller.pipeline.db.session() as s:
        rows = await changes.read(s, (txid, last), caller.areas, limit, programs)
        ids = [r.report_id for r in rows]
        current: dict[int, Any] = (await reports_by_id(s, ids, True, raw=True) if caller.people
                                   else await reports_json_by_id(s, ids))
    out = []
    for r in rows:
        report = current.get(r.report_id)
        out.append({"op": "upsert" if report else "delete", "report_id": r.report_id, "at": stamp(r.at),
                    "report": report})
    position = [rows[-1].txid, rows[-1].id] if rows else [txid, last]
    caller.rows = len(out)
    return Json({"data": out, "next_cursor": cursor.encode("changes", position),
                         "more": len(rows) == limit})

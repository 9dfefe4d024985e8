"""Summary (the roll-up of `pantau summary --json`) and aggregates in long format (area, period, indicator,
disaggregation, value; every child area listed, zeros included), both with an ETag; of one program when the
key has one or the call asks for one (``program``), of every program for a key of every program."""
from __future__ import annotations

from datetime import date
from typing import Any

from starlette.responses import Response

from storage.summary import Filters, UnknownRound, rollup, as_json

from .auth import Caller
from .errors import ApiError, Json
from .reads import area_param, etag_of, not_modified, one_program


async def filters_of(caller: Caller) -> Filters:
    params = caller.request.query_params
    area = area_param(caller)
    if area is None:
        if len(caller.areas) != 1:
            raise ApiError("bad_parameter", name="area")
        area = caller.areas[0]
    dates = []
    for name in ("from", "to"):
        try:
            dates.append(date.fromisoformat(params[name]) if params.get(name) else None)
        except ValueError:
            raise ApiError("bad_parameter", name=f"{name} (YYYY-MM-DD)") from None
    return Filters(area, dates[0], dates[1], params.get("round") or None, await one_program(caller))


def _flatten(prefix: str, value: Any) -> list[tuple[str, str, float | int]]:
    """(indicator, disaggregation, value) of one figure: a number, or numbers by a group (men, women, …)."""
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        return [(prefix, "total", value)]
    if isinstance(value, dict):
        out: list[tuple[str, str, float | int]] = []
        for k, v in value.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                out.append((prefix, str(k), v))
            elif isinstance(v, dict):
                out += _flatten(f"{prefix}.{k}", v)
        return out
    return []


def long_rows(children: list[Any], period: str) -> list[dict[str, Any]]:
    rows = []
    for child in children:
        for section, figures in child.sections.items():
            for name, value in figures.items():
                for indicator, dis, number in _flatten(f"{section}.{name}", value):
                    rows.append({"area": child.code, "area_name": child.name, "period": period,
                                 "indicator": indicator, "disaggregation": dis, "value": number})
    return rows


async def _rolled(caller: Caller) -> Any:
    f = await filters_of(caller)
    async with caller.pipeline.db.session() as s:
        try:
            return await rollup(s, f, caller.pipeline.forms)
        except UnknownRound:
            raise ApiError("bad_parameter", name="round") from None


def period_of(f: Filters) -> str:
    if f.round:
        return f.round
    if f.date_from or f.date_to:
        return f"{f.date_from.isoformat() if f.date_from else ''}/{f.date_to.isoformat() if f.date_to else ''}"
    return "all"


async def summary(caller: Caller) -> Response:
    tag = await etag_of(caller, "summary")
    cached = not_modified(caller, tag)
    if cached is not None:
        return cached
    data = as_json(await _rolled(caller))
    caller.rows = len(data["children"])
    return Json(data, headers={"ETag": tag})


async def aggregates(caller: Caller) -> Response:
    tag = await etag_of(caller, "aggregates")
    cached = not_modified(caller, tag)
    if cached is not None:
        return cached
    r = await _rolled(caller)
    rows = long_rows(r.children, period_of(r.filters))
    caller.rows = len(rows)
    return Json({"area": r.filters.area, "period": period_of(r.filters), "data": rows},
                        headers={"ETag": tag})

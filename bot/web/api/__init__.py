"""The data API, /api/v1 (issue 26): read-only, keyed (storage/api_clients.py), every query inside the key's
areas and programs. One module per concern: auth (keys, scopes, rate limit, audit), reads (areas, forms, rounds, reports,
CSV, recommendations), rollups (summary, aggregates), package (datapackage.zip), feed (changes), openapi (the
description).

``routes(pipeline)`` is all bot/server.py needs."""
from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from . import feed, package, reads, rollups
from .auth import Api, Caller, RateLimit
from .errors import ApiError, error_response
from .openapi import spec

ENDPOINTS = [   # path, name (audit), scope, handler
    ("/areas", "areas", None, reads.areas),
    ("/forms", "forms", None, reads.forms),
    ("/rounds", "rounds", None, reads.rounds),
    ("/reports", "reports", "read:reports", reads.reports),
    ("/forms/{form}/reports.csv", "reports.csv", "read:reports", reads.reports_csv),
    ("/forms/{form}/repeats/{repeat}.csv", "repeats.csv", "read:reports", reads.reports_csv),
    ("/changes", "changes", "read:reports", feed.feed),
    ("/summary", "summary", "read:aggregates", rollups.summary),
    ("/aggregates", "aggregates", "read:aggregates", rollups.aggregates),
    ("/datapackage.zip", "datapackage", "read:reports", package.package),
    ("/recommendations", "recommendations", "read:recommendations", reads.recommendations),
]


def routes(pipeline: Any, limit: RateLimit | None = None) -> list[Mount]:
    api = Api(pipeline, limit)

    async def openapi(request: Any) -> Response:
        return JSONResponse(spec())

    inner = [Route(path, api.endpoint(name, scope, handler), methods=["GET"])
             for path, name, scope, handler in ENDPOINTS]
    inner.append(Route("/openapi.json", openapi, methods=["GET"]))

    async def unknown(request: Any) -> Response:      # a mistyped path answers in the API's own words
        return error_response(request, ApiError("not_found"))
    inner.append(Route("/{rest:path}", unknown, methods=["GET"]))
    return [Mount("/api/v1", routes=inner)]


__all__ = ["routes", "Caller", "RateLimit"]

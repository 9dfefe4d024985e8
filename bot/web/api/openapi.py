"""The OpenAPI 3.1 description of /api/v1 (served at /api/v1/openapi.json); tests/test_api_contract.py checks
every endpoint's answers against it."""
from __future__ import annotations

import functools
from typing import Any

STR, INT, BOOL = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
NSTR = {"type": ["string", "null"]}
TIME = {"type": "string", "format": "date-time", "pattern": r"Z$"}
NTIME = {"type": ["string", "null"], "format": "date-time", "pattern": r"Z$"}


def obj(props: dict[str, Any], required: list[str] | None = None, extra: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": props,
                           "required": list(props) if required is None else required}
    if not extra:
        out["additionalProperties"] = False
    return out


def page_of(item: dict[str, Any], **more: Any) -> dict[str, Any]:
    return obj({"data": {"type": "array", "items": item}, "next_cursor": NSTR, **more})


REPORT = obj({"id": INT, "form": STR, "form_version": INT, "area": STR, "key": STR, "period": NSTR, "revision": INT,
              "created_at": TIME, "updated_at": TIME, "verified": BOOL, "answers": {"type": "object"},
              "sender": obj({"id": INT, "name": STR, "phones": {"type": "array", "items": STR}})},
             ["id", "form", "form_version", "area", "key", "revision", "created_at", "updated_at", "verified",
              "answers"], extra=False)
SCHEMAS: dict[str, Any] = {
    "Error": obj({"error": obj({"code": STR, "message": STR})}),
    "Area": obj({"code": STR, "name": STR, "level": {"type": "integer", "minimum": 1, "maximum": 4},
                 "parent": NSTR}),
    "Report": REPORT,
    "Change": obj({"op": {"enum": ["upsert", "delete"]}, "report_id": INT, "at": TIME,
                   "report": {"oneOf": [{"$ref": "#/components/schemas/Report"}, {"type": "null"}]}}),
    "Form": obj({"id": STR, "version": INT, "title": {"type": "object"}, "loaded_at": TIME, "digest": NSTR,
                 "reports": obj({"fields": {"type": "array"}}, ["fields"]),
                 "repeats": {"type": "object"}}),
    "Round": obj({"name": STR, "start": STR, "due": STR}),
    "Aggregate": obj({"area": STR, "area_name": STR, "period": STR, "indicator": STR, "disaggregation": STR,
                      "value": {"type": "number"}}),
    "Recommendation": obj({"id": INT, "kecamatan": STR, "text": STR, "level": STR, "agency": NSTR, "target": NSTR,
                           "status": STR, "note": NSTR, "created_at": TIME, "updated_at": TIME,
                           "issues": {"type": "array"},
                           "history": {"type": "array", "items": obj({"status": STR, "note": NSTR,
                                                                      "reason": NSTR, "at": TIME},
                                                                     ["status", "at"])}},
                          ["id", "kecamatan", "text", "status", "created_at", "updated_at", "history"]),
}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


PARAMS = {
    "cursor": {"name": "cursor", "in": "query", "schema": STR, "description": "next_cursor of the previous page"},
    "limit": {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 5000}},
    "area": {"name": "area", "in": "query", "schema": STR, "description": "Kemendagri code inside the key's areas"},
    "form": {"name": "form", "in": "query", "schema": STR},
    "round": {"name": "round", "in": "query", "schema": STR},
    "from": {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
    "to": {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}},
    "level": {"name": "level", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 4}},
    "parent": {"name": "parent", "in": "query", "schema": STR},
    "program": {"name": "program", "in": "query", "schema": STR,
                "description": "program code, one of the key's programs (a roll-up of a key of several programs needs it)"},
    "sep": {"name": "sep", "in": "query", "schema": {"enum": [",", ";"]}},
    "path_form": {"name": "form", "in": "path", "required": True, "schema": STR},
    "path_repeat": {"name": "repeat", "in": "path", "required": True, "schema": STR},
}
ERRORS = {code: {"description": why, "content": {"application/json": {"schema": ref("Error")}}}
          for code, why in (("400", "bad parameter or cursor"), ("401", "missing, unknown, expired or revoked key"),
                            ("403", "scope, area or program not granted"), ("404", "not found"),
                            ("429", "rate limit; see Retry-After"))}
CSV = {"description": "CSV, UTF-8 with BOM", "content": {"text/csv": {"schema": STR}},
       "headers": {"ETag": {"schema": STR}}}
ZIP = {"description": "a Frictionless Data Package (zip), validated before it is served",
       "content": {"application/zip": {"schema": {"type": "string", "contentMediaType": "application/zip"}}},
       "headers": {"ETag": {"schema": STR}}}


def op(summary: str, scope: str | None, params: list[str], body: dict[str, Any] | None,
       csv: bool = False, zipped: bool = False) -> dict[str, Any]:
    ok = ZIP if zipped else CSV if csv else {"description": "OK", "content": {"application/json": {"schema": body}}}
    responses = {"200": ok, **ERRORS}
    if csv or zipped or summary.startswith(("Summary", "Aggregates")):
        responses["304"] = {"description": "not modified (If-None-Match)"}
    if zipped:
        responses["500"] = {"description": "the package did not validate",
                            "content": {"application/json": {"schema": ref("Error")}}}
    return {"get": {"summary": summary, "description": f"Scope: {scope or 'any valid key'}",
                    "parameters": [PARAMS[p] for p in params], "responses": responses}}


@functools.lru_cache(maxsize=1)
def spec() -> dict[str, Any]:
    paths = {
        "/areas": op("Areas (Kemendagri codes)", None, ["cursor", "limit", "level", "parent"],
                     page_of(ref("Area"), source={"type": "object"})),
        "/forms": op("Forms, with a Table Schema per version", None, ["program"], obj({"data": {"type": "array",
                                                                                       "items": ref("Form")}})),
        "/rounds": op("Monitoring rounds", None, [], obj({"data": {"type": "array", "items": ref("Round")}})),
        "/reports": op("Reports", "read:reports", ["cursor", "limit", "form", "area", "program"],
                       page_of(ref("Report"))),
        "/forms/{form}/reports.csv": op("Reports of a form as CSV", "read:reports", ["path_form", "sep", "program"], None, True),
        "/forms/{form}/repeats/{repeat}.csv": op("A repeat group as child CSV", "read:reports",
                                                 ["path_form", "path_repeat", "sep", "program"], None, True),
        "/changes": op("Change feed", "read:reports", ["cursor", "limit", "program"],
                       obj({"data": {"type": "array", "items": ref("Change")}, "next_cursor": STR, "more": BOOL})),
        "/summary": op("Summary (as pantau summary --json)", "read:aggregates", ["area", "round", "from", "to", "program"],
                       obj({"area": obj({"code": STR, "name": STR}), "filters": {"type": "object"},
                            "children": {"type": "array"}, "unverified": {"type": "object"}})),
        "/aggregates": op("Aggregates in long format", "read:aggregates", ["area", "round", "from", "to", "program"],
                          obj({"area": STR, "period": STR, "data": {"type": "array", "items": ref("Aggregate")}})),
        "/recommendations": op("Follow-up recommendations with history", "read:recommendations",
                               ["cursor", "limit", "program"], page_of(ref("Recommendation"))),
        "/datapackage.zip": op("Frictionless Data Package of an area's reports", "read:reports",
                               ["area", "round", "from", "to", "program"], None, zipped=True),
    }
    return {"openapi": "3.1.0",
            "info": {"title": "Pantau data API", "version": "1",
                     "description": "Read-only. Times are UTC (RFC 3339). Pages by opaque cursor."},
            "servers": [{"url": "/api/v1"}],
            "components": {"schemas": SCHEMAS, "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"}, "basic": {"type": "http", "scheme": "basic"}}},
            "security": [{"bearer": []}, {"basic": []}],
            "paths": paths}

"""Every endpoint's answers match the OpenAPI description it serves (/api/v1/openapi.json): each response body
is validated with jsonschema against the schema the spec gives for that path and status."""
from __future__ import annotations

import jsonschema
import pytest
from jsonschema.validators import Draft202012Validator

from tests.api_world import open_world
from tests.test_api import world  # noqa: F401 - the fixture



def check(spec: dict, path: str, status: int, response) -> None:
    entry = spec["paths"][path]["get"]["responses"][str(status)]
    if status == 304:
        return
    content = entry["content"]
    if "text/csv" in content:
        assert response.headers["content-type"].startswith("text/csv")
        return
    if "application/zip" in content:
        assert response.headers["content-type"] == "application/zip" and response.content[:2] == b"PK"
        return
    schema = content["application/json"]["schema"]
    resolved = _inline(spec, schema)
    jsonschema.validate(response.json(), resolved, cls=Draft202012Validator,
                        format_checker=Draft202012Validator.FORMAT_CHECKER)


def _inline(spec: dict, node):
    """The schema with its #/components refs replaced by what they name (the spec has no cycles)."""
    if isinstance(node, dict):
        if "$ref" in node:
            return _inline(spec, spec["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]])
        return {k: _inline(spec, v) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(spec, v) for v in node]
    return node


CALLS = [("/areas", {"level": "3"}), ("/forms", {}), ("/rounds", {}), ("/reports", {"limit": "3"}),
         ("/changes", {"limit": "5"}), ("/summary", {"round": "Juli 2024"}), ("/aggregates", {}),
         ("/recommendations", {}), ("/forms/{form}/reports.csv", {}), ("/forms/{form}/repeats/{repeat}.csv", {}),
         ("/datapackage.zip", {"round": "Juli 2024"})]


@pytest.mark.parametrize("path,params", CALLS)
async def test_answers_match_the_served_description(world, path, params):  # noqa: F811
    spec = (await world.http.get("/api/v1/openapi.json")).json()
    assert path in spec["paths"]
    url = path.replace("{form}", "pemantauan").replace("{repeat}", "activities")
    for key in (await world.key(), await world.key(scopes=["read:reports", "read:aggregates",
                                                              "read:recommendations"])):
        r = await world.get(url, key, **params)
        check(spec, path, r.status_code, r)
    for bad in (None, "pantau_salah"):
        r = await world.get(url, bad, **params)
        assert r.status_code == 401
        check(spec, path, 401, r)


async def test_errors_403_400_and_429_match_too(db_url):
    w = await open_world(db_url, per_minute=2)
    try:
        spec = (await w.http.get("/api/v1/openapi.json")).json()
        key = await w.key(scopes=["read:reports"])
        r = await w.get("/summary", key)
        check(spec, "/summary", 403, r)
        r = await w.get("/reports", key, cursor="x")
        check(spec, "/reports", 400, r)
        r = await w.get("/reports", key)
        assert r.status_code == 429
        check(spec, "/reports", 429, r)
    finally:
        await w.http.aclose()
        await w.pipeline.db.close()


def test_every_served_route_is_described():
    from bot.web.api import ENDPOINTS
    from bot.web.api.openapi import spec
    assert {p for p, *_ in ENDPOINTS} == set(spec()["paths"])

"""GET /api/v1/datapackage.zip is built once per content: repeated pulls (by this key or another key of the same
scope) get the validated zip from the cache until a report changes; a key of another scope gets its own; many
pulls at once wait for one build."""
from __future__ import annotations

import asyncio
import io
import json
import zipfile

import pytest

from bot.web.api import package
from tests.api_world import open_world
from tests.test_api import OTHER, _edit_and_delete



@pytest.fixture
async def world(db_url):
    w = await open_world(db_url)
    yield w
    await w.http.aclose()
    await w.pipeline.db.close()


def report_ids(data: bytes) -> set[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert json.loads(zf.read("datapackage.json"))["profile"] == "tabular-data-package"
        return {line.split(b",")[0].decode() for n in zf.namelist() if n.startswith("data/") and n != "data/areas.csv"
                for line in zf.read(n).splitlines()[1:]}


async def test_repeated_pulls_are_served_from_one_build_until_something_changes(world, monkeypatch):
    monkeypatch.setattr(package, "builds", 0)
    first_key, second_key = await world.key(), await world.key()          # two clients, one scope
    first = await world.get("/datapackage.zip", first_key)
    assert first.status_code == 200 and package.builds == 1
    again = await world.get("/datapackage.zip", first_key)                # no If-None-Match: a fresh download
    other_client = await world.get("/datapackage.zip", second_key)
    assert again.content == first.content == other_client.content and package.builds == 1
    assert again.headers["ETag"] == first.headers["ETag"] != other_client.headers["ETag"]   # tags are per key
    cached = list(package.folder().glob("*.zip"))
    assert len(cached) == 1 and cached[0].read_bytes() == first.content

    edited, deleted = await _edit_and_delete(world)
    changed = await world.get("/datapackage.zip", first_key)
    assert changed.status_code == 200 and package.builds == 2 and changed.content != first.content
    assert str(deleted) in report_ids(first.content) and str(deleted) not in report_ids(changed.content)
    assert changed.headers["ETag"] != first.headers["ETag"]
    assert (await world.http.get("/api/v1/datapackage.zip", headers={
        "Authorization": f"Bearer {first_key}", "If-None-Match": changed.headers["ETag"]})).status_code == 304


async def test_another_scope_never_gets_the_cached_package(world, monkeypatch):
    monkeypatch.setattr(package, "builds", 0)
    sbt = await world.get("/datapackage.zip", await world.key())
    other = await world.get("/datapackage.zip", await world.key(areas=(OTHER,)))
    assert sbt.status_code == other.status_code == 200 and package.builds == 2
    assert sbt.content != other.content and not (report_ids(sbt.content) & report_ids(other.content))
    july = await world.get("/datapackage.zip", await world.key(), round="Juli 2024")
    assert july.status_code == 200 and package.builds == 3 and july.content != sbt.content


async def test_pulls_at_once_wait_for_one_build(world, monkeypatch):
    monkeypatch.setattr(package, "builds", 0)
    keys = [await world.key() for _ in range(4)]
    answers = await asyncio.gather(*(world.get("/datapackage.zip", k) for k in keys))
    assert {r.status_code for r in answers} == {200} and len({r.content for r in answers}) == 1
    assert package.builds == 1

"""GET /api/v1/datapackage.zip: the Frictionless Data Package of `pantau export --format datapackage`
(bot/reports/datapackage.py) for an area inside the key's areas and one of its programs, validated before it
is served, with an ETag so a polling client gets 304 while nothing changed.

Building a package reads every report of the area and validates the files, so it is built once per content:
the validated zip is kept under ``PANTAU_DATA_DIR/cache/datapackage``, named by what it holds (the filters
after the key's scope — area, period, program —, the newest change, the rounds and the form versions). Any
key with the same scope, and every later pull until a report or a round changes, gets that file; requests that
arrive while it is built wait for the one build (per process; the workers of `pantau serve` share the files).
"""
from __future__ import annotations

import asyncio
import hashlib
import io
import os
import zipfile
from pathlib import Path

from starlette.responses import Response

from storage import api_read as q
from storage.changes import latest
from storage.summary import Filters, UnknownRound

from ... import config
from ...atomic import write_atomic
from ...reports import datapackage
from .auth import Caller
from .errors import ApiError
from .reads import etag_of, not_modified
from .rollups import filters_of

KEEP = 32                                   # packages kept in the cache folder (the newest by use)
_building: dict[str, asyncio.Lock] = {}
builds = 0                                  # packages built by this process (tests, bench)


def _rows(data: bytes) -> int:
    """Data rows in the package's CSV files (for the audit)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return sum(max(0, zf.read(n).count(b"\n") - 1) for n in zf.namelist() if n.endswith(".csv"))


def folder() -> Path:
    return config.data_dir() / "cache" / "datapackage"


async def content_key(caller: Caller, filters: Filters) -> str:
    """What the package holds, as a file name: equal for equal content, whichever key asks."""
    async with caller.pipeline.db.session() as s:
        newest, rounds = await latest(s), await q.rounds(s)
    forms = sorted((name, getattr(form, "version", None)) for name, form in caller.pipeline.forms.items())
    raw = repr((filters, newest, rounds, forms))
    return hashlib.sha256(raw.encode()).hexdigest()[:40]


def _store(path: Path, data: bytes) -> None:
    """Written beside and renamed (a reader never sees half a file); the oldest beyond ``KEEP`` removed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, data)
    kept = sorted(path.parent.glob("*.zip"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in kept[KEEP:]:
        old.unlink(missing_ok=True)


def _read(path: Path) -> bytes | None:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    os.utime(path)                          # kept by use
    return data


async def cached_build(caller: Caller, filters: Filters) -> bytes:
    """The validated package for ``filters``: from the cache, else built (once, however many ask)."""
    global builds
    key = await content_key(caller, filters)
    path = folder() / f"{key}.zip"
    data = _read(path)
    if data is not None:
        return data
    lock = _building.setdefault(key, asyncio.Lock())
    try:
        async with lock:
            data = _read(path)
            if data is not None:
                return data
            async with caller.pipeline.db.session() as s:
                data = await datapackage.build(s, filters, caller.pipeline.forms)    # validated, or raises
            builds += 1
            await asyncio.to_thread(_store, path, data)
            return data
    finally:
        if not lock.locked():
            _building.pop(key, None)


async def package(caller: Caller) -> Response:
    filters = await filters_of(caller)
    tag = await etag_of(caller, "datapackage")
    cached = not_modified(caller, tag)
    if cached is not None:
        return cached
    try:
        data = await cached_build(caller, filters)
    except UnknownRound:
        raise ApiError("bad_parameter", name="round") from None
    except datapackage.InvalidPackage:
        raise ApiError("invalid_package") from None
    caller.rows = _rows(data)
    name = "pantau-" + (filters.area or "indonesia").replace(".", "-") + ".zip"
    return Response(data, media_type="application/zip",
                    headers={"ETag": tag, "Content-Disposition": f'attachment; filename="{name}"'})

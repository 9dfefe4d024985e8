"""GET /api/v1/datapackage.zip: the Frictionless Data Package of `pantau export --format datapackage`
(bot/reports/datapackage.py) for an area inside the key's areas and one of its programs, validated before it
is served, with an ETag so a polling client gets 304 while nothing changed."""
from __future__ import annotations

import io
import zipfile

from starlette.responses import Response

from storage.summary import UnknownRound

from ...reports import datapackage
from .auth import Caller
from .errors import ApiError
from .reads import etag_of, not_modified
from .rollups import filters_of


def _rows(data: bytes) -> int:
    """Data rows in the package's CSV files (for the audit)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return sum(max(0, zf.read(n).count(b"\n") - 1) for n in zf.namelist() if n.endswith(".csv"))


async def package(caller: Caller) -> Response:
    filters = await filters_of(caller)
    tag = await etag_of(caller, "datapackage")
    cached = not_modified(caller, tag)
    if cached is not None:
        return cached
    async with caller.pipeline.db.session() as s:
        try:
            data = await datapackage.build(s, filters, caller.pipeline.forms)
        except UnknownRound:
            raise ApiError("bad_parameter", name="round") from None
        except datapackage.InvalidPackage:
            raise ApiError("invalid_package") from None
    caller.rows = _rows(data)
    name = "pantau-" + (filters.area or "indonesia").replace(".", "-") + ".zip"
    return Response(data, media_type="application/zip",
                    headers={"ETag": tag, "Content-Disposition": f'attachment; filename="{name}"'})

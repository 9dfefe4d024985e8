"""The rows an open-data file is written from (bot/reports/datapackage.py): the areas under an area, and the
reports of a form with their version and times — never the sender's name or number."""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Area, Report
from .scope import under


async def areas_under(s: AsyncSession, area: str) -> list[tuple[str, str, int]]:
    """(code, name, level) of the area and every area below it, by code."""
    rows = await s.execute(select(Area.code, Area.name, Area.level).where(under(Area.code, area)).order_by(Area.code))
    return [(code, name, level) for code, name, level in rows]


async def package_rows(s: AsyncSession, area: str, form_id: str, batch: int = 2000, program: int | None = None
                       ) -> AsyncIterator[Row[int, int, str, str, dict[str, Any], int, datetime, datetime, bool]]:
    """(id, form version, area code, key, answers, revision, created at, updated at, sender approved) of the
    reports of a form under an area, streamed by id; competing submissions waiting for the fasilitator are left
    out, as in every summary. ``program``: its reports only (None: every program)."""
    q = (select(Report.id, Report.form_version, Report.area_code, Report.key, Report.answers, Report.revision,
                Report.created_at, Report.updated_at, Report.verified)
         .where(Report.form_id == form_id, under(Report.area_code, area), Report.conflict.is_(None))
         .order_by(Report.id).execution_options(yield_per=batch))
    if program is not None:
        q = q.where(Report.program_id == program)
    result = await s.stream(q)
    async for row in result:
        yield row

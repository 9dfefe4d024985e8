"""Reports of one form under an area, streamed in bounded memory (exports, the coordinator's Excel)."""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Report
from .scope import under


async def iter_reports(s: AsyncSession, area: str, form_id: str, batch: int = 2000, program: int | None = None
                       ) -> AsyncIterator[tuple[str, dict[str, Any], int, datetime, str]]:
    """Reports of a form under an area (of one program; None: every program), streamed (bounded memory):
    (area code, answers, revision, updated at, reporter's name)."""
    async for row in iter_report_rows(s, area, form_id, batch, program):
        yield row[0], row[1], row[2], row[3], row[4]


async def iter_report_rows(s: AsyncSession, area: str, form_id: str, batch: int = 2000, program: int | None = None
                           ) -> AsyncIterator[tuple[str, dict[str, Any], int, datetime, str, str, datetime, bool]]:
    """As ``iter_reports``, with the report's key, first save time (what the period filters need) and whether
    its sender was approved. Competing submissions wait for the fasilitator's choice and are left out."""
    async for code, answers, revision, updated, name, key, created, verified, _ in iter_report_rows_with_id(
            s, area, form_id, batch, program):
        yield code, answers, revision, updated, name, key, created, verified


async def iter_report_rows_with_id(s: AsyncSession, area: str, form_id: str, batch: int = 2000,
                                   program: int | None = None
                                   ) -> AsyncIterator[Row[str, dict[str, Any], int, datetime, str, str, datetime, bool,
                                                          int]]:
    """As ``iter_report_rows``, with the report's id last (the export's link to a photo on the dashboard)."""
    from .models import Contact as C
    q = (select(Report.area_code, Report.answers, Report.revision, Report.updated_at, C.name, Report.key,
                Report.created_at, Report.verified, Report.id)
         .join(C, C.id == Report.contact_id)
         .where(Report.form_id == form_id, under(Report.area_code, area), Report.conflict.is_(None),
                *([Report.program_id == program] if program is not None else []))
         .order_by(Report.area_code, Report.id).execution_options(yield_per=batch))
    result = await s.stream(q)
    async for row in result:
        yield row

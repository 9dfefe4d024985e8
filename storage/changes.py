"""The change feed of the data API: one ``changes`` row per report saved, revised, rejected or merged,
written in the writer's own transaction (``record``), read in a stable order below a safe horizon (``read``).

Order and horizon. SQLite has one writer at a time, so row ids follow commit order and every committed row
may be served. On PostgreSQL a transaction that took id 10 may commit after the one that took id 11: a reader
that served 11 and moved its cursor past it would never see 10. So each row carries its transaction's id
(``pg_current_xact_id()``) and the feed serves only rows whose transaction lies below the reader snapshot's
``xmin`` (every transaction below it has ended: nothing can appear there any more), ordered by (txid, id).
A late transaction's rows are served once it has ended — after everything already served, never skipped.

Each row names a report; the feed answers with the report as it is *now* (upsert) or ``delete`` when it is
gone from the visible data (rejected, merged into another): replaying any suffix of the feed converges.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import cast

from sqlalchemy import BigInteger, Insert, Table, exists, func, insert, literal_column, or_, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Change, Report
from .scope import under


@lru_cache(maxsize=2)
def _insert(postgres: bool) -> Insert:
    table = cast(Table, Change.__table__)
    stmt = insert(table)
    if postgres:
        stmt = stmt.values(txid=literal_column("pg_current_xact_id()::text::bigint", BigInteger))
    return stmt


async def record(s: AsyncSession, reports: Iterable[tuple[int, str]], now: datetime, op: str = "upsert") -> None:
    """Note that these reports ((id, area code) pairs) changed, in the caller's transaction (one statement)."""
    rows = [{"report_id": rid, "area_code": area, "kab": kab_of(area), "op": op, "at": now}
            for rid, area in dict.fromkeys(reports)]
    if rows:
        postgres = s.get_bind().dialect.name == "postgresql"
        await s.execute(_insert(postgres), rows)


def kab_of(area_code: str) -> str | None:
    """The kabupaten of an area code ("81.05.01.2003" → "81.05"); None above it (a province)."""
    return area_code[:5] if len(area_code) >= 5 else None


@dataclass(frozen=True)
class ChangeRow:
    txid: int
    id: int
    report_id: int
    op: str
    at: datetime


async def horizon(s: AsyncSession) -> int | None:
    """The transaction id below which every transaction has ended (PostgreSQL); None: no horizon needed."""
    if s.get_bind().dialect.name != "postgresql":
        return None
    return int((await s.execute(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint"))).scalar_one())


async def read(s: AsyncSession, after: tuple[int, int], areas: list[str], limit: int,
               programs: list[int] | None = None) -> list[ChangeRow]:
    """Up to ``limit`` change rows after the cursor (txid, id), in feed order, under any of ``areas``, of
    reports of ``programs`` (None: every program; a report keeps its program and its row for good: a rejected
    or merged one is marked, never deleted, so its deletion is found too)."""
    txid, last = after
    below = await horizon(s)
    q = select(Change.txid, Change.id, Change.report_id, Change.op, Change.at).limit(limit)
    if below is None:        # SQLite: txid is always 0, ids follow commit order
        q = q.where(Change.txid == 0, Change.id > last).order_by(Change.id)
    else:                    # a row value: one range of the (txid, id) index
        q = q.where(tuple_(Change.txid, Change.id) > tuple_(txid, last), Change.txid < below).order_by(
            Change.txid, Change.id)
    if "" not in areas:
        q = q.where(or_(*(under(Change.area_code, a) for a in areas)))
        kabs = {kab_of(a) for a in areas}
        if None not in kabs:     # a kabupaten or below: its range of the (kab, txid, id) index, not every change
            q = q.where(Change.kab.in_(sorted(k for k in kabs if k)))
    if programs is not None:    # per row, by the report's key (an IN list of every report of the programs was
        # built for each page: 0.3 s a page at 150,000 reports, growing with them)
        q = q.where(exists().where(Report.id == Change.report_id, Report.program_id.in_(sorted(programs))))
    # through the connection (Core): no ORM loading step per row
    return [ChangeRow(*row) for row in (await (await s.connection()).execute(q)).all()]


async def latest(s: AsyncSession) -> int:
    """The newest change row's id (0: none): the data under any filter is the same while it stays."""
    return int(await s.scalar(select(func.coalesce(func.max(Change.id), 0))) or 0)

"""Roll-up columns of a report, and the national / kabupaten roll-ups that read them with SQL.

A report's JSON answers stay the record; ``kab``, ``period``, ``men`` and ``women`` are copies made
on every save, so counting a million meetings by kabupaten is one indexed GROUP BY.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Report


def _count(value: Any) -> int | None:
    try:
        return int(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None


def rollup_columns(area_code: str, key: str, answers: dict[str, Any]) -> dict[str, Any]:
    """The columns copied out of a report: its kabupaten, its period (meeting date, else round, else key)."""
    period = answers.get("date") or answers.get("round") or key
    return {"kab": area_code[:5] if area_code.count(".") >= 1 else None, "period": str(period)[:80],
            "men": _count(answers.get("men")), "women": _count(answers.get("women"))}


def draft_of(state: dict[str, Any]) -> tuple[str | None, str | None]:
    """(form id, area) of the report a session is filling in or has paused, or (None, None)."""
    draft = state.get("form") or state.get("draft") or {}
    return (draft.get("id"), draft.get("area")) if isinstance(draft, dict) and draft.get("id") else (None, None)


async def national_meetings(s: AsyncSession, date_from: str | None = None, date_to: str | None = None,
                            by_program: bool = False) -> dict[str | None, dict[str, Any]]:
    """Meetings per kabupaten in a date range: {kab: {meetings, men, women}} (one GROUP BY; kab None: a
    province-level report). A meeting several programs reported and a fasilitator matched (``same_as``, issue
    25) counts once, with the figures of the report it was matched to. ``by_program``: each kabupaten also has
    ``programs`` {program id: {meetings, men, women}}, where every program credits its own report."""
    def grouped(*by: Any) -> Any:
        q = (select(*by, func.count(), func.coalesce(func.sum(Report.men), 0), func.coalesce(func.sum(Report.women), 0))
             .where(Report.form_id == "pertemuan").group_by(*by))
        if date_from:
            q = q.where(Report.period >= date_from)
        if date_to:
            q = q.where(Report.period <= date_to)
        return q
    once: Any = await s.execute(grouped(Report.kab).where(Report.same_as.is_(None)))
    out: dict[str | None, dict[str, Any]] = {
        kab: {"meetings": n, "men": int(m or 0), "women": int(w or 0)} for kab, n, m, w in once}
    if by_program:
        each: Any = await s.execute(grouped(Report.kab, Report.program_id))
        for kab, program, n, m, w in each:
            out.setdefault(kab, {"meetings": 0, "men": 0, "women": 0}).setdefault("programs", {})[program] = {
                "meetings": n, "men": int(m or 0), "women": int(w or 0)}
    return out


async def national_monitoring(s: AsyncSession, round_name: str, by_program: bool = False
                              ) -> dict[str | None, Any]:
    """Desa that reported a monitoring round, per kabupaten: a desa reporting for two programs is one desa.
    ``by_program``: {kab: {"desa": n, "programs": {program id: desa}}}."""
    base = select(Report.kab).where(Report.form_id == "pemantauan", Report.period == round_name)
    rows: Any = await s.execute(base.add_columns(func.count(func.distinct(Report.area_code))).group_by(Report.kab))
    totals: dict[str | None, Any] = {kab: n for kab, n in rows}
    if not by_program:
        return totals
    out: dict[str | None, Any] = {kab: {"desa": n, "programs": {}} for kab, n in totals.items()}
    each: Any = await s.execute(base.add_columns(Report.program_id, func.count()).group_by(Report.kab, Report.program_id))
    for kab, program, n in each:
        out[kab]["programs"][program] = n
    return out

"""One event, several programs (issue 25): the same musdes reported by a PKH and a Kotaku kader is two
reports (one per program); Pantau proposes the match (same desa, form and key: kind and date), a fasilitator
confirms it (``same``: the later report's ``same_as`` points at the earlier) or keeps them apart. Each
program's view credits its own report; the forum view (``once``) counts the event once. Undone any time.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from flows.forms import Form

from .models import Contact, Program, Report, ReportMatch
from .programs import forget_forms
from .scope import under
from .summary import Filters, rollup

SAME, APART = "same", "apart"
# the forms whose reports are events (a meeting: desa, kind, date): each program's monitoring is its own
EVENT_FORMS = ("pertemuan",)
_several_at: list[float] = []      # when a second program was last looked for (process-wide)
_SEVERAL: list[bool] = []
RECHECK = 60.0


async def several_programs(s: AsyncSession) -> bool:
    """Whether the deployment holds more than one program: once true it stays (a program is never
    removed); false is asked again at most once a minute per process, so a one-program deployment pays
    no statement per message."""
    if _SEVERAL:
        return True
    now = time.monotonic()
    if _several_at and now - _several_at[-1] < RECHECK:
        return False
    _several_at[:] = [now]
    if ((await s.scalar(select(func.count()).select_from(Program))) or 0) > 1:
        _SEVERAL.append(True)
    return bool(_SEVERAL)


def forget_programs() -> None:
    """After `pantau program add` in this process (and in tests): ask again."""
    _SEVERAL.clear()
    _several_at.clear()
    forget_forms()


@dataclass(frozen=True)
class Match:
    report_id: int          # the later report
    other_id: int           # the earlier one, of another program
    name: str               # the later report's sender
    other_name: str
    program: str            # the later report's program code
    other_program: str
    form_id: str
    area_code: str
    period: str | None
    since: datetime


def _decided(later: Any, earlier: Any) -> Any:
    return exists().where(ReportMatch.report_id == later.id, ReportMatch.other_id == earlier.id,
                          ReportMatch.undone_at.is_(None))


# built once (storage/access.py ``waiting_for``: building aliases is most of such a query's cost)
_LATER, _EARLIER = aliased(Report), aliased(Report)
_C1, _C2 = aliased(Contact), aliased(Contact)
_P1, _P2 = aliased(Program), aliased(Program)


async def proposals(s: AsyncSession, area: str, program: int | None = None, limit: int = 20) -> list[Match]:
    """Pairs of reports of two programs about the same event under ``area`` not decided yet (of ``program``:
    those where one report is its own; None: every pair), oldest first."""
    later, earlier, c1, c2, p1, p2 = _LATER, _EARLIER, _C1, _C2, _P1, _P2
    q = (select(later.id, earlier.id, c2.name, c1.name, p2.code, p1.code, later.form_id, later.area_code,
                later.period, later.created_at)
         .join(earlier, and_(earlier.form_id == later.form_id, earlier.area_code == later.area_code,
                             earlier.key == later.key, earlier.program_id != later.program_id,
                             earlier.id < later.id))
         .join(c1, c1.id == earlier.contact_id).join(c2, c2.id == later.contact_id)
         .join(p1, p1.id == earlier.program_id).join(p2, p2.id == later.program_id)
         .where(later.form_id.in_(EVENT_FORMS), under(later.area_code, area), later.same_as.is_(None), earlier.same_as.is_(None),
                later.conflict.is_(None), earlier.conflict.is_(None), ~_decided(later, earlier))
         .order_by(later.id, earlier.id).limit(limit))
    if program is not None:
        q = q.where(or_(later.program_id == program, earlier.program_id == program))
    seen: set[int] = set()
    out = []
    for row in await s.execute(q):
        if row[0] in seen:         # one question per report: its earliest twin
            continue
        seen.add(row[0])
        rid, oid, name, other, prog, other_prog, form_id, code, period, at = tuple(row)
        out.append(Match(rid, oid, name, other, prog, other_prog, form_id, code, period, at))
    return out


async def decide_match(s: AsyncSession, by_id: int, report_id: int, decision: str, now: datetime,
                       area: str = "", program: int | None = None) -> Match | None:
    """Record a fasilitator's decision on the proposal of ``report_id`` (inside ``area``, of ``program``);
    None when there is no such open proposal (decided meanwhile, or not theirs)."""
    found = next((m for m in await proposals(s, area, program, limit=500) if m.report_id == report_id), None)
    if found is None or decision not in (SAME, APART):
        return None
    s.add(ReportMatch(report_id=found.report_id, other_id=found.other_id, decision=decision, contact_id=by_id,
                      at=now))
    if decision == SAME:
        row = await s.get(Report, found.report_id)
        if row is not None:
            row.same_as = found.other_id
    await s.flush()
    return found


async def undo_match(s: AsyncSession, report_id: int, now: datetime) -> bool:
    """Undo the decision on a report: two events again, proposed anew. False: nothing was decided."""
    rows = list(await s.scalars(select(ReportMatch).where(ReportMatch.report_id == report_id,
                                                          ReportMatch.undone_at.is_(None))))
    for row in rows:
        row.undone_at = now
    report = await s.get(Report, report_id)
    if report is not None:
        report.same_as = None
    await s.flush()
    return bool(rows)


async def across_programs(s: AsyncSession, f: Filters, forms: dict[tuple[str, int], Form] | None = None
                          ) -> dict[str, Any]:
    """`pantau summary --lintas-program`: each section's numbers per program, and the total with an event
    of several programs counted once."""
    programs = [(pid, code) for pid, code in await s.execute(select(Program.id, Program.code).order_by(Program.id))]
    total = await rollup(s, replace(f, program=None, by_program=True), forms)      # one pass over the reports
    sections: dict[str, dict[str, dict[str, Any]]] = {}
    for _, spec in total.specs:
        figures = {}
        for name, value in total.area.sections[spec.section].items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                figures[name] = {**{code: total.programs.get(pid, {}).get(spec.section, {}).get(name, 0)
                                    for pid, code in programs}, "total": value}
        sections[spec.section] = figures
    return {"area": f.area, "round": f.round, "programs": [code for _, code in programs], "sections": sections}

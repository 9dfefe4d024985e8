"""Who has reported for a round: on time, late, in progress or not at all — per desa of an area."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.dates import zone_for_area
from flows.types import RoundView

from .models import Contact, Membership, ProgramArea, Report, Round, Session
from .keys import aware
from .scope import under

ON_TIME, LATE, IN_PROGRESS, MISSING = "tepat_waktu", "terlambat", "sedang_diisi", "belum"


@dataclass(frozen=True)
class DesaStatus:
    code: str
    status: str
    reported_at: datetime | None
    kader: tuple[str, ...]
    # a report came but is not counted yet: its sender waits for approval, or it competes with another
    # report and waits for the fasilitator's pick. Still not reported, but nobody should chase the kader
    waiting: bool = False


def _of(q: Select[Any], program: int | None) -> Select[Any]:
    """Rounds of one program: its own and every program's (None: every round)."""
    return q if program is None else q.where(or_(Round.program_id == program, Round.program_id.is_(None)))


async def current_round(s: AsyncSession, today: date, program: int | None = None) -> RoundView | None:
    """The newest round that has started (of ``program``: its own or every program's)."""
    row = await s.scalar(_of(select(Round).where(Round.start <= today.isoformat()), program)
                         .order_by(Round.start.desc()))
    return RoundView(row.name, row.start, row.due) if row else None


async def data_round(s: AsyncSession, area: str, today: date, program: int | None = None) -> RoundView | None:
    """The default period of every tab, summary and Excel: the newest started round with a monitoring report
    under ``area`` (in December the round just opened is still empty); the current round when none has data."""
    started = list(await s.scalars(_of(select(Round).where(Round.start <= today.isoformat()), program)
                                   .order_by(Round.start.desc())))
    for row in started:
        q = select(Report.id).where(Report.form_id == "pemantauan", Report.period == row.name,
                                    under(Report.area_code, area))
        if len(area) >= 5:
            q = q.where(Report.kab == area[:5])
        if await s.scalar(q.limit(1)) is not None:
            return RoundView(row.name, row.start, row.due)
    return RoundView(started[0].name, started[0].start, started[0].due) if started else None


def of_program(rows: Iterable[tuple[int | None, RoundView]], program: int | None) -> tuple[RoundView, ...]:
    """Rounds (with their program) as one program sees them: its own and every program's, its own winning
    a name both have; ``program`` None: every round, a name held by several programs once (its oldest)."""
    chosen: dict[str, tuple[int, RoundView]] = {}
    for pid, r in rows:
        if program is not None and pid is not None and pid != program:
            continue
        rank = 0 if (program is not None and pid == program) else 1 if pid is None else 2
        if r.name not in chosen or rank < chosen[r.name][0]:
            chosen[r.name] = (rank, r)
    return tuple(sorted((r for _, r in chosen.values()), key=lambda r: (r.start, r.name)))


def _ranked(rows: Iterable[Round], program: int | None) -> Round | None:
    """The round a program means by a name: its own, else every program's; without a program: every program's,
    else the oldest."""
    rows = list(rows)
    for want in ((program,) if program is not None else ()) + (None,):
        found = [r for r in rows if r.program_id == want]
        if found:
            return found[0]
    return rows[0] if rows and program is None else None


async def get_round(s: AsyncSession, name: str, program: int | None = None) -> RoundView | None:
    """A round by name, as ``program`` means it (round names are unique per program)."""
    row = _ranked(await s.scalars(select(Round).where(Round.name == name).order_by(Round.id)), program)
    return RoundView(row.name, row.start, row.due) if row else None


def drafts_for(state: dict[str, Any], rnd: RoundView) -> bool:
    """Whether the draft in a session is a report of round ``rnd``: the round it answers, or (not answered
    yet) the round whose dates hold the day it was begun. A draft of one round is no other round's."""
    draft = (state or {}).get("form") or (state or {}).get("draft") or {}
    if not isinstance(draft, dict):
        return False
    given = draft.get("answers")
    answers: dict[str, Any] = given if isinstance(given, dict) else {}
    chosen = answers.get("round")
    if chosen:
        return bool(chosen == rnd.name)
    started = str(draft.get("started") or "")[:10]
    return bool(started) and rnd.start <= started <= rnd.due


async def _kader(s: AsyncSession, area: str, program: int | None) -> dict[str, list[str]]:
    """Desa → names of their active kader (of one program: its members; None: every contact)."""
    kader: dict[str, list[str]] = {}
    q = select(Contact.id, Contact.name, Contact.area_code).where(Contact.role == "kader", Contact.disabled_at.is_(None),
                                                                  under(Contact.area_code, area))
    if program is None:
        rows = list(await s.execute(q))
    else:      # the membership in use (on the contact row), and the person's other memberships of the program
        rows = list(await s.execute(q.where(Contact.program_id == program).union(
            select(Contact.id, Contact.name, Membership.area_code).join(Contact, Contact.id == Membership.contact_id)
            .where(Membership.program_id == program, Membership.role == "kader", Membership.disabled_at.is_(None),
                   Contact.disabled_at.is_(None), under(Membership.area_code, area)))))
    for _, name, code in rows:
        kader.setdefault(code, []).append(name)
    return kader


async def _covered(s: AsyncSession, area: str, program: int | None) -> list[str] | None:
    """The desa a program covers under ``area``; None when the program names no desa at all (then its
    kader's desa are expected, as in a deployment of one program). Every program (None): the desa any
    program covers, beside those with a kader."""
    if program is None:
        return list(await s.scalars(select(ProgramArea.area_code).where(under(ProgramArea.area_code, area))
                                    .distinct()))
    if await s.scalar(select(ProgramArea.area_code).where(ProgramArea.program_id == program).limit(1)) is None:
        return None
    return list(await s.scalars(select(ProgramArea.area_code).where(ProgramArea.program_id == program,
                                                                    under(ProgramArea.area_code, area))))


async def _expected(s: AsyncSession, area: str, program: int | None, kader: dict[str, list[str]]) -> list[str]:
    covered = await _covered(s, area, program)
    if program is None:
        return sorted(set(kader) | set(covered or ()))
    return sorted(covered) if covered is not None else sorted(kader)


async def expected_desa(s: AsyncSession, area: str, program: int | None = None) -> set[str]:
    """The desa expected to report under ``area``: a program's desa (``pantau program areas``), else those
    with a kader (of the program); of every program: all of these."""
    return set(await _expected(s, area, program, await _kader(s, area, program)))


async def expected_by_program(s: AsyncSession, area: str, programs: Iterable[int]) -> dict[int, set[str]]:
    """``expected_desa(s, area, p)`` for each program ``p``, reading the programs' desa under ``area`` in one
    statement (the forum view's columns); kader are read only for a program that names no desa at all."""
    wanted = sorted(set(programs))
    out: dict[int, set[str]] = {p: set() for p in wanted}
    if not wanted:
        return out
    for pid, code in await s.execute(select(ProgramArea.program_id, ProgramArea.area_code).where(
            under(ProgramArea.area_code, area), ProgramArea.program_id.in_(wanted))):
        out[pid].add(code)
    for pid in wanted:
        if not out[pid] and await _covered(s, area, pid) is None:    # no desa anywhere: its kader's desa
            out[pid] = set(await _kader(s, area, pid))
    return out


async def completeness(s: AsyncSession, area: str, rnd: RoundView, form_id: str = "pemantauan",
                       program: int | None = None) -> list[DesaStatus]:
    """One row per expected desa under ``area`` (``expected_desa``: with a kader, or of the program), sorted
    by code; a desa of the program without a kader is listed with none (an explicit zero)."""
    kader = await _kader(s, area, program)
    expected = await _expected(s, area, program, kader)
    programs = [Report.program_id == program] if program is not None else []
    reported: dict[str, datetime] = {}
    waiting: set[str] = set()                  # unverified / competing: apart, and not chased
    for code, created, verified, conflict in await s.execute(
            select(Report.area_code, Report.created_at, Report.verified, Report.conflict).where(
                Report.form_id == form_id, Report.key == rnd.name, under(Report.area_code, area),
                or_(Report.conflict.is_(None), Report.conflict == "pending"), *programs)):
        if verified and conflict is None:
            reported[code] = aware(created)
        else:
            waiting.add(code)
    drafts: Select[str | None, dict[str, Any]] = select(Session.draft_area, Session.state).where(
        Session.draft_form == form_id, under(Session.draft_area, area))
    drafting = {code for code, state in await s.execute(drafts) if drafts_for(state, rnd)}
    due = date.fromisoformat(rnd.due)
    rows = []
    for code in expected:
        at = reported.get(code)
        if at is not None:
            status = ON_TIME if at.astimezone(zone_for_area(code)).date() <= due else LATE
        else:
            status = IN_PROGRESS if code in drafting else MISSING
        rows.append(DesaStatus(code, status, at, tuple(sorted(kader.get(code, ()))),
                               at is None and code in waiting))
    return rows

"""Who has reported for a round: on time, late, in progress or not at all — per desa of an area."""
from __future__ import annotations

from typing import Any

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.dates import zone_for_area
from flows.types import RoundView

from .models import Contact, Report, Round, Session
from .keys import aware
from .scope import under

ON_TIME, LATE, IN_PROGRESS, MISSING = "tepat_waktu", "terlambat", "sedang_diisi", "belum"


@dataclass(frozen=True)
class DesaStatus:
    code: str
    status: str
    reported_at: datetime | None
    kader: tuple[str, ...]


async def current_round(s: AsyncSession, today: date) -> RoundView | None:
    """The newest round that has started."""
    row = await s.scalar(select(Round).where(Round.start <= today.isoformat()).order_by(Round.start.desc()))
    return RoundView(row.name, row.start, row.due) if row else None


async def data_round(s: AsyncSession, area: str, today: date) -> RoundView | None:
    """The default period of every tab, summary and Excel: the newest started round with a monitoring report
    under ``area`` (in December the round just opened is still empty); the current round when none has data."""
    started = list(await s.scalars(select(Round).where(Round.start <= today.isoformat()).order_by(Round.start.desc())))
    for row in started:
        q = select(Report.id).where(Report.form_id == "pemantauan", Report.period == row.name,
                                    under(Report.area_code, area))
        if len(area) >= 5:
            q = q.where(Report.kab == area[:5])
        if await s.scalar(q.limit(1)) is not None:
            return RoundView(row.name, row.start, row.due)
    return RoundView(started[0].name, started[0].start, started[0].due) if started else None


async def get_round(s: AsyncSession, name: str) -> RoundView | None:
    row = await s.get(Round, name)
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


async def completeness(s: AsyncSession, area: str, rnd: RoundView, form_id: str = "pemantauan") -> list[DesaStatus]:
    """One row per desa with a registered kader under ``area``, sorted by code."""
    kader: dict[str, list[str]] = {}
    for name, code in await s.execute(select(Contact.name, Contact.area_code)
                                      .where(Contact.role == "kader", Contact.disabled_at.is_(None),
                                             under(Contact.area_code, area))):
        kader.setdefault(code, []).append(name)
    reported = {code: aware(created) for code, created in await s.execute(
        select(Report.area_code, Report.created_at).where(
            Report.form_id == form_id, Report.key == rnd.name, under(Report.area_code, area),
            Report.verified.is_(True), Report.conflict.is_(None)))}   # unverified / competing: counted apart
    drafts: Select[str | None, dict[str, Any]] = select(Session.draft_area, Session.state).where(
        Session.draft_form == form_id, under(Session.draft_area, area))
    drafting = {code for code, state in await s.execute(drafts) if drafts_for(state, rnd)}
    due = date.fromisoformat(rnd.due)
    rows = []
    for code in sorted(kader):
        at = reported.get(code)
        if at is not None:
            status = ON_TIME if at.astimezone(zone_for_area(code)).date() <= due else LATE
        else:
            status = IN_PROGRESS if code in drafting else MISSING
        rows.append(DesaStatus(code, status, at, tuple(sorted(kader[code]))))
    return rows

"""Queries of most-significant-change selection: the stories waiting for a panel, its decisions, and the
selections everyone in an area may read.

A kecamatan panel sees the stories of its kecamatan it has not decided on (a story returned for
verification comes back once its teller corrected it); the kabupaten panel sees the stories the
kecamatan panels selected, the program panel (a koordinator of a province) those the kabupaten panels
selected. A panel selects one story per domain and period (monitoring round): once it has, the other
stories of that domain told in that round before the choice are done with. Scope is checked again when a
decision is stored.

Every query keeps to one program when given one (``program``: the viewer's; None: every program, the forum):
a PKH panel reads and decides PKH stories only, and a decision belongs to its story's program. The storyteller
shown is flows/storyteller.py's: the name given in the story, "" when the story is anonymous.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from flows.dates import zone_for_area
from flows.loop_values import Chosen, SelectedView, StoryView
from flows.selection import BELOW, panel_level
from flows.storyteller import storyteller
from flows.types import ContactView, RoundView

from . import webhooks
from .models import Contact, Report, Round, StorySelection
from .keys import aware
from .scope import under

ONE = timedelta(seconds=1)


class OutOfScope(Exception):
    pass


def told_day(report: Report) -> str:
    """The day a story was told, in its area's zone: its key is the moment it was started."""
    try:
        moment = aware(datetime.fromisoformat(report.key))
    except ValueError:
        moment = aware(report.created_at)
    return moment.astimezone(zone_for_area(report.area_code)).date().isoformat()


def of_program(program: int | None) -> ColumnElement[bool]:
    """The stories of ``program`` (None: of every program)."""
    return true() if program is None else Report.program_id == program


def _view(report: Report, reporter: str, reasons: tuple[str, ...] = ()) -> StoryView:
    a = report.answers
    return StoryView(report.id, report.area_code, a.get("level") or "", a.get("story") or "", a.get("who") or "",
                     a.get("why") or "", storyteller(a, reporter), reasons, told_day(report))


async def rounds(s: AsyncSession) -> tuple[RoundView, ...]:
    return tuple(RoundView(r.name, r.start, r.due) for r in await s.scalars(select(Round).order_by(Round.start)))


def _round_of(day: str, all_rounds: tuple[RoundView, ...]) -> str | None:
    return next((r.name for r in reversed(all_rounds) if r.start <= day <= r.due), None)


async def waiting(s: AsyncSession, level: str, area: str, program: int | None = None) -> list[StoryView]:
    rows = (await s.execute(select(Report, Contact.name).join(Contact, Contact.id == Report.contact_id)
                            .where(Report.form_id == "cerita", under(Report.area_code, area), of_program(program))
                            .order_by(Report.id))).all()
    decisions: dict[tuple[int, str], list[StorySelection]] = {}
    if rows:
        for d in await s.scalars(select(StorySelection).where(StorySelection.report_id.in_([r.id for r, _ in rows]))
                                 .order_by(StorySelection.id)):
            decisions.setdefault((d.report_id, d.level), []).append(d)
    all_rounds = await rounds(s)
    period = {report.id: _round_of(told_day(report), all_rounds) for report, _ in rows}
    # a panel selects one story per domain and period: the stories it read before that choice are done with
    chosen_at: dict[tuple[str, str | None], datetime] = {}
    for report, _ in rows:
        key = (report.answers.get("level") or "", period[report.id])
        for d in decisions.get((report.id, level), []):
            if d.decision == "dipilih" and d.area_code == area:
                chosen_at[key] = max(chosen_at.get(key, aware(d.at)), aware(d.at))
    out = []
    for report, teller in rows:
        key = (report.answers.get("level") or "", period[report.id])
        if aware(report.created_at) <= chosen_at.get(key, aware(report.created_at) - ONE):
            continue
        mine = decisions.get((report.id, level), [])
        last = mine[-1] if mine else None
        if last is not None and (last.decision == "dipilih" or aware(report.updated_at) <= aware(last.at)):
            continue          # decided, or returned for verification and not corrected since
        below = BELOW.get(level)
        reasons: tuple[str, ...] = ()
        if below:
            chosen = [d for d in decisions.get((report.id, below), []) if d.decision == "dipilih"]
            if not chosen:
                continue
            reasons = tuple(d.reason for d in chosen)
        out.append(_view(report, teller, reasons))
    return out


async def selected_in(s: AsyncSession, area: str, program: int | None = None) -> list[SelectedView]:
    """The stories selected by the panels of ``area``, of the areas above it and of those below it: what
    everyone there may read, newest selection first."""
    lineage = [".".join(area.split(".")[:i]) for i in range(1, area.count(".") + 2)]
    rows = (await s.execute(
        select(StorySelection, Report, Contact.name).join(Report, Report.id == StorySelection.report_id)
        .join(Contact, Contact.id == Report.contact_id)
        .where(StorySelection.decision == "dipilih", of_program(program),
               or_(StorySelection.area_code.in_(lineage), under(StorySelection.area_code, area)))
        .order_by(StorySelection.id))).all()
    chosen: dict[int, list[Chosen]] = {}
    reports: dict[int, tuple[Report, str]] = {}
    for d, report, teller in rows:
        day = aware(d.at).astimezone(zone_for_area(d.area_code)).date().isoformat()
        chosen.setdefault(report.id, []).append(Chosen(d.level, d.area_code, d.reason, day))
        reports[report.id] = (report, teller)
    order = sorted(chosen, key=lambda rid: max(c.day for c in chosen[rid]) + f"{rid:012d}", reverse=True)
    out = []
    for rid in order:
        report, teller = reports[rid]
        v = _view(report, teller)
        out.append(SelectedView(rid, v.desa, v.domain, v.text, v.teller, tuple(chosen[rid])))
    return out


@dataclass(frozen=True)
class Decision:
    report_id: int
    teller_id: int
    story: str
    domain: str
    desa: str


async def decide(s: AsyncSession, contact: ContactView, kind: str, work: dict[str, Any], now: datetime) -> Decision:
    level = panel_level(contact.role, contact.area_code)
    report = await s.get(Report, work["report"])
    if (level is None or work.get("level") != level or report is None or report.form_id != "cerita"
            or not (report.area_code == contact.area_code or report.area_code.startswith(contact.area_code + "."))
            or contact.program_id not in (None, report.program_id)):
        raise OutOfScope("story outside the panel's area or program")
    if kind == "select":
        s.add(StorySelection(report_id=report.id, level=level, area_code=contact.area_code, decision="dipilih",
                             reason=work["reason"], panel=work["panel"], contact_id=contact.id, at=now,
                             program_id=report.program_id))
    else:
        s.add(StorySelection(report_id=report.id, level=level, area_code=contact.area_code, decision="verifikasi",
                             reason=work["question"], panel="", contact_id=contact.id, at=now,
                             program_id=report.program_id))
    await s.flush()
    await webhooks.story_decided(s, kind, report, level, contact.area_code, now)
    return Decision(report.id, report.contact_id, report.answers.get("story") or "", report.answers.get("level") or "",
                    report.area_code)


async def selections(s: AsyncSession, area: str, program: int | None = None
                     ) -> dict[int, list[tuple[str, str, str, str, str, datetime]]]:
    """Per story under ``area`` (of ``program``): (level, decision, reason, panel, who, when), oldest first."""
    q: Select[int, str, str, str, str, str, datetime] = (
        select(StorySelection.report_id, StorySelection.level, StorySelection.decision, StorySelection.reason,
               StorySelection.panel, Contact.name, StorySelection.at)
        .join(Report, Report.id == StorySelection.report_id)
        .join(Contact, Contact.id == StorySelection.contact_id)
        .where(under(Report.area_code, area), of_program(program)).order_by(StorySelection.id))
    rows = await s.execute(q)
    out: dict[int, list[tuple[str, str, str, str, str, datetime]]] = {}
    for rid, level, decision, reason, panel, who, at in rows:
        out.setdefault(rid, []).append((level, decision, reason, panel, who, at))
    return out


async def for_summary(s: AsyncSession, area: str, program: int | None = None
                      ) -> tuple[int, dict[int, list[tuple[str, str, str, str, str, datetime]]], dict[int, Report]]:
    """(number of stories under ``area``, their selection history, the reports with a decision by id)."""
    total = await s.scalar(select(func.count()).select_from(Report).where(
        Report.form_id == "cerita", under(Report.area_code, area), of_program(program))) or 0   # a count: never None
    picked = await selections(s, area, program)
    reports = {r.id: r for r in await s.scalars(select(Report).where(Report.id.in_(list(picked))))} if picked else {}
    return total, picked, reports


async def all_stories(s: AsyncSession, area: str, program: int | None = None
                      ) -> list[tuple[int, str, dict[str, Any], datetime, str]]:
    """(report id, desa, answers, updated, storyteller) of every story under ``area`` (of ``program``); the
    storyteller "" when the story is anonymous."""
    q: Select[int, str, dict[str, Any], datetime, str] = (
        select(Report.id, Report.area_code, Report.answers, Report.updated_at, Contact.name)
        .join(Contact, Contact.id == Report.contact_id)
        .where(Report.form_id == "cerita", under(Report.area_code, area), of_program(program))
        .order_by(Report.area_code, Report.id))
    return [(i, c, a, aware(u), storyteller(a, n)) for i, c, a, u, n in await s.execute(q)]


@dataclass(frozen=True)
class Listed:
    """A story on the dashboard: what it says, when it was told, and every panel decision on it."""

    id: int
    area_code: str
    answers: dict[str, Any]
    teller: str                      # the storyteller's name ("" when the storyteller stays anonymous)
    day: str
    decisions: list[tuple[str, str, str, str, str, datetime]]   # (level, decision, reason, panel, who, when)

    @property
    def selected_levels(self) -> list[str]:
        return [d[0] for d in self.decisions if d[1] == "dipilih"]


async def listing(s: AsyncSession, area: str, day_from: str | None, day_to: str | None, domain: str | None = None,
                  only_selected: bool = False, program: int | None = None) -> list[Listed]:
    """The stories under ``area`` (of ``program``) told between the two days (ISO, inclusive; None: open),
    newest first, each with its panels' decisions."""
    history = await selections(s, area, program)
    rows = (await s.execute(select(Report, Contact.name).join(Contact, Contact.id == Report.contact_id)
                            .where(Report.form_id == "cerita", under(Report.area_code, area), of_program(program))
                            .order_by(Report.id.desc()))).all()
    out = []
    for report, name in rows:
        day = told_day(report)
        if (day_from and day < day_from) or (day_to and day > day_to):
            continue
        if domain and (report.answers.get("level") or "?") != domain:
            continue
        item = Listed(report.id, report.area_code, report.answers, _view(report, name).teller, day,
                      [(*d[:5], aware(d[5])) for d in history.get(report.id, [])])
        if only_selected and not item.selected_levels:
            continue
        out.append(item)
    return sorted(out, key=lambda x: (x.day, x.id), reverse=True)

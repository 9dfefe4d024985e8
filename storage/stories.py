"""Queries of most-significant-change selection: the stories waiting for a panel, and its decisions.

A kecamatan panel sees the stories of its kecamatan it has not decided on (a story returned for
verification comes back once its teller corrected it); the kabupaten panel sees the stories the
kecamatan panels selected. Scope is checked again when a decision is stored.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.loop_values import StoryView

from .models import Contact, Report, StorySelection
from .repo import aware
from .summary import under

BELOW = {"kabupaten": "kecamatan"}
ONE = timedelta(seconds=1)


class OutOfScope(Exception):
    pass


def _view(report: Report, teller: str, reasons: tuple[str, ...] = ()) -> StoryView:
    a = report.answers
    named = a.get("consent") != "anonim"
    return StoryView(report.id, report.area_code, a.get("level") or "", a.get("story") or "", a.get("who") or "",
                     a.get("why") or "", teller if named else "", reasons)


async def waiting(s: AsyncSession, level: str, area: str) -> list[StoryView]:
    rows = (await s.execute(select(Report, Contact.name).join(Contact, Contact.id == Report.contact_id)
                            .where(Report.form_id == "cerita", under(Report.area_code, area))
                            .order_by(Report.id))).all()
    decisions: dict[tuple[int, str], list[StorySelection]] = {}
    if rows:
        for d in await s.scalars(select(StorySelection).where(StorySelection.report_id.in_([r.id for r, _ in rows]))
                                 .order_by(StorySelection.id)):
            decisions.setdefault((d.report_id, d.level), []).append(d)
    # a panel selects one story per domain: the stories it read before that choice are done with
    chosen_at: dict[str, datetime] = {}
    for report, _ in rows:
        for d in decisions.get((report.id, level), []):
            domain = report.answers.get("level") or ""
            if d.decision == "dipilih" and d.area_code == area:
                chosen_at[domain] = max(chosen_at.get(domain, aware(d.at)), aware(d.at))
    out = []
    for report, teller in rows:
        if aware(report.created_at) <= chosen_at.get(report.answers.get("level") or "", aware(report.created_at) - ONE):
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


@dataclass(frozen=True)
class Decision:
    report_id: int
    teller_id: int
    story: str
    domain: str
    desa: str


async def decide(s: AsyncSession, contact, kind: str, work: dict, now: datetime) -> Decision:
    level = {"fasilitator": "kecamatan", "koordinator": "kabupaten"}.get(contact.role)
    report = await s.get(Report, work["report"])
    if (level is None or work.get("level") != level or report is None or report.form_id != "cerita"
            or not (report.area_code == contact.area_code or report.area_code.startswith(contact.area_code + "."))):
        raise OutOfScope("story outside the panel's area")
    if kind == "select":
        s.add(StorySelection(report_id=report.id, level=level, area_code=contact.area_code, decision="dipilih",
                             reason=work["reason"], panel=work["panel"], contact_id=contact.id, at=now))
    else:
        s.add(StorySelection(report_id=report.id, level=level, area_code=contact.area_code, decision="verifikasi",
                             reason=work["question"], panel="", contact_id=contact.id, at=now))
    await s.flush()
    return Decision(report.id, report.contact_id, report.answers.get("story") or "", report.answers.get("level") or "",
                    report.area_code)


async def selections(s: AsyncSession, area: str) -> dict[int, list[tuple[str, str, str, str, str, datetime]]]:
    """Per story under ``area``: (level, decision, reason, panel, who, when), oldest first."""
    rows = await s.execute(select(StorySelection.report_id, StorySelection.level, StorySelection.decision,
                                  StorySelection.reason, StorySelection.panel, Contact.name, StorySelection.at)
                           .join(Report, Report.id == StorySelection.report_id)
                           .join(Contact, Contact.id == StorySelection.contact_id)
                           .where(under(Report.area_code, area)).order_by(StorySelection.id))
    out: dict[int, list] = {}
    for rid, *rest in rows:
        out.setdefault(rid, []).append(tuple(rest))
    return out


async def for_summary(s: AsyncSession, area: str):
    """(number of stories under ``area``, their selection history, the reports with a decision by id)."""
    total = await s.scalar(select(func.count()).select_from(Report).where(Report.form_id == "cerita",
                                                                       under(Report.area_code, area)))
    picked = await selections(s, area)
    reports = {r.id: r for r in await s.scalars(select(Report).where(Report.id.in_(list(picked))))} if picked else {}
    return total, picked, reports


async def all_stories(s: AsyncSession, area: str) -> list[tuple[int, str, dict, datetime, str]]:
    """(report id, desa, answers, updated, reporter) of every story under ``area``."""
    rows = await s.execute(select(Report.id, Report.area_code, Report.answers, Report.updated_at, Contact.name)
                           .join(Contact, Contact.id == Report.contact_id)
                           .where(Report.form_id == "cerita", under(Report.area_code, area))
                           .order_by(Report.area_code, Report.id))
    return [(i, c, a, aware(u), n) for i, c, a, u, n in rows]

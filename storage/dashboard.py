"""What the dashboard reads beyond the roll-ups: the rows behind a number, a desa's reports with their
revisions, kader with their channel and last message, photos, and a reminder queued by hand.

The numbers themselves come from ``summary.rollup`` (the area and its children, one pass) and
``completeness.completeness`` — the same functions chat and CLI use — so the screen, ``ringkasan`` and
``pantau summary`` never disagree.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Contact, InboundMessage, Media, Outbox, Report, ReportRevision, SentReminder
from .keys import aware
from .routing import reach_many
from .scope import under
from .summary import Rollup, _Acc, _normal


def child_figures(r: Rollup, children: list[str]) -> dict[str, dict[str, Any]]:
    """Each child area's figures (section → figures, ``timeliness`` in the reported section when a round is
    asked) from the one roll-up of the area — the numbers of chat and CLI, read in one pass. A child the
    roll-up does not know (no row in ``areas``) gets the figures of no reports."""
    known = {c.code: c.sections for c in r.children}
    out = {}
    for code in children:
        sections = known.get(code)
        if sections is None:
            sections = {spec.section: _Acc(spec).figures(spec, set() if spec.reported else None) for _, spec in r.specs}
        out[code] = sections
    return out


@dataclass(frozen=True)
class Page:
    rows: list[Any]                  # a page of query rows (tuples, Row) or ReportDetail
    total: int
    offset: int
    limit: int


async def meeting_rows(s: AsyncSession, area: str, date_from: date | None, date_to: date | None,
                       kind: str | None, offset: int, limit: int, program: int | None = None) -> Page:
    """Meeting reports under ``area`` (newest meeting first, of ``program``; None: every program), one page."""
    q = select(Report.id, Report.area_code, Report.answers, Report.updated_at, Report.revision, Contact.name) \
        .join(Contact, Contact.id == Report.contact_id) \
        .where(Report.form_id == "pertemuan", under(Report.area_code, area), Report.conflict.is_(None))
    count = select(func.count()).select_from(Report).where(Report.form_id == "pertemuan", under(Report.area_code, area),
                                                           Report.conflict.is_(None))   # as summary and export
    for cond in ((Report.period >= date_from.isoformat()) if date_from else None,
                 (Report.period <= date_to.isoformat()) if date_to else None,
                 # the kind inside the answers, in SQL (JSON_EXTRACT / ->>): only the page shown is read
                 (Report.answers["kind"].as_string() == kind) if kind else None,
                 (Report.program_id == program) if program is not None else None):
        if cond is not None:
            q, count = q.where(cond), count.where(cond)
    total = await s.scalar(count) or 0
    rows = list(await s.execute(q.order_by(Report.period.desc(), Report.id).offset(offset).limit(limit)))
    return Page(rows, total, offset, limit)


@dataclass(frozen=True)
class ActivityFilter:
    round: str | None = None
    status: str | None = None
    sector: str | None = None
    obstacle: str | None = None          # as the summary shows it (normalised text)
    support: str | None = None           # a support_from level
    support_what: str | None = None
    matrix: bool = False                 # the seed's matrix: every activity (capaian), its needs and follow-up
    program: int | None = None           # one program's reports (None: every program)


def _keep(item: dict[str, Any], f: ActivityFilter) -> bool:
    wants = [v for v in item.get("support_from") or [] if v != "tidak_perlu"]
    if f.status and (item.get("status") or "?") != f.status:
        return False
    if f.sector and (item.get("sector") or "?") != f.sector:
        return False
    if f.obstacle and _normal(item.get("obstacles") or "") != f.obstacle:
        return False
    if f.support and f.support not in wants:
        return False
    return not (f.support_what and _normal(item.get("support_what") or "") != f.support_what)


async def activity_rows(s: AsyncSession, area: str, f: ActivityFilter, offset: int, limit: int) -> Page:
    """Activities of monitoring reports under ``area`` matching ``f``: (report id, desa, round, activity, reporter,
    the activity's index in its report)."""
    q: Select[int, str, dict[str, Any], str] = select(Report.id, Report.area_code, Report.answers, Contact.name) \
        .join(Contact, Contact.id == Report.contact_id) \
        .where(Report.form_id == "pemantauan", under(Report.area_code, area), Report.conflict.is_(None)) \
        .order_by(Report.area_code, Report.id)
    if f.round:                        # other rounds' reports are not read at all
        q = q.where(Report.answers["round"].as_string() == f.round)
    if f.program is not None:
        q = q.where(Report.program_id == f.program)
    rows = []
    for report_id, code, answers, reporter in await s.execute(q):
        for index, item in enumerate(answers.get("activities") or []):
            if _keep(item, f):
                rows.append((report_id, code, answers.get("round"), item, reporter, index))
    return Page(rows[offset:offset + limit], len(rows), offset, limit)


@dataclass(frozen=True)
class Revision:
    revision: int
    by: str
    at: datetime
    answers: dict[str, Any]


@dataclass(frozen=True)
class ReportDetail:
    id: int
    form_id: str
    form_version: int
    area_code: str
    answers: dict[str, Any]
    revision: int
    created_at: datetime
    updated_at: datetime
    revisions: list[Revision]          # oldest first
    program_id: int = 1                # the program it was sent for


async def desa_reports(s: AsyncSession, desa: str, offset: int, limit: int, program: int | None = None) -> Page:
    """The desa's reports (of ``program``; None: every program), newest first, each with its revision history
    (who, when, answers)."""
    mine = [Report.program_id == program] if program is not None else []
    total = await s.scalar(select(func.count()).select_from(Report).where(Report.area_code == desa, *mine)) or 0
    reports = list(await s.scalars(select(Report).where(Report.area_code == desa, *mine)
                                   .order_by(Report.updated_at.desc(), Report.id.desc()).offset(offset).limit(limit)))
    history = await _revisions(s, [r.id for r in reports])
    return Page([_detail(r, history.get(r.id, [])) for r in reports], total, offset, limit)


async def report_detail(s: AsyncSession, report_id: int) -> ReportDetail | None:
    row = await s.get(Report, report_id)
    if row is None:
        return None
    return _detail(row, (await _revisions(s, [row.id])).get(row.id, []))


def _detail(r: Report, revisions: list[Revision]) -> ReportDetail:
    return ReportDetail(r.id, r.form_id, r.form_version, r.area_code, r.answers, r.revision, aware(r.created_at),
                        aware(r.updated_at), revisions, r.program_id)


async def _revisions(s: AsyncSession, report_ids: list[int]) -> dict[int, list[Revision]]:
    if not report_ids:
        return {}
    out: dict[int, list[Revision]] = {}
    q: Select[int, int, str, datetime, dict[str, Any]] = select(
        ReportRevision.report_id, ReportRevision.revision, Contact.name, ReportRevision.created_at,
               ReportRevision.answers).join(Contact, Contact.id == ReportRevision.contact_id) \
        .where(ReportRevision.report_id.in_(report_ids)).order_by(ReportRevision.report_id, ReportRevision.revision)
    for report_id, revision, name, at, answers in await s.execute(q):
        out.setdefault(report_id, []).append(Revision(revision, name, aware(at), answers))
    return out


@dataclass(frozen=True)
class Kader:
    contact_id: int
    name: str
    area_code: str
    channel: str | None                # the channel a reminder goes out on (whatsapp, telegram, terminal)
    external_id: str | None
    last_message: datetime | None


async def kader_of(s: AsyncSession, desa_codes: list[str]) -> dict[str, list[Kader]]:
    """The kader of these desa with the channel a reminder reaches them on (storage/routing.py: where they last
    wrote, else where they are registered) and the time of their last message there."""
    if not desa_codes:
        return {}
    rows = list(await s.execute(select(Contact.id, Contact.name, Contact.area_code)
                                .where(Contact.role == "kader", Contact.area_code.in_(desa_codes)).order_by(Contact.id)))
    where = await reach_many(s, [cid for cid, *_ in rows])
    targets = sorted({t for t in where.values() if t})
    last = {}
    if targets:
        last = {(ch, ext): aware(at) for ch, ext, at in await s.execute(
            select(InboundMessage.channel, InboundMessage.external_id, func.max(InboundMessage.received_at))
            .where(InboundMessage.external_id.in_({ext for _, ext in targets}))
            .group_by(InboundMessage.channel, InboundMessage.external_id))}
    out: dict[str, list[Kader]] = {}
    for cid, name, code in rows:
        target = where.get(cid)
        out.setdefault(code, []).append(Kader(cid, name, code, target[0] if target else None,
                                              target[1] if target else None, last.get(target) if target else None))
    return out


async def contact(s: AsyncSession, contact_id: int) -> Contact | None:
    return await s.get(Contact, contact_id)


async def queue_reminder(s: AsyncSession, key: str, kader: Kader, payload: dict[str, Any], send_at: datetime,
                         now: datetime) -> int | None:
    """Queue a reminder to ``kader`` through the outbox, to go at ``send_at``; once per ``key``.
    Returns the outbox row id, or None if this key was queued before."""
    try:
        async with s.begin_nested():
            s.add(SentReminder(key=key, contact_id=kader.contact_id, queued_at=now))
            await s.flush()
    except IntegrityError:
        return None
    row = Outbox(channel=kader.channel, external_id=kader.external_id, payload=payload, status="pending",
                 attempts=0, created_at=now, next_attempt_at=send_at)
    s.add(row)
    await s.flush()
    return row.id


async def reminder_queued(s: AsyncSession, key: str) -> datetime | None:
    row = await s.get(SentReminder, key)
    return aware(row.queued_at) if row else None


async def media_file(s: AsyncSession, sha256: str) -> tuple[str, str] | None:
    row = await s.get(Media, sha256)
    return (row.path, row.mime) if row else None

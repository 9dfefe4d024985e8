"""Queries of the recommendation follow-up: issue items from monitoring reports, recommendations (with the
items merged into them), their status history, and who in a desa hears of a change.

Scope is enforced here, whatever the conversation asked: a fasilitator touches only items of their
kecamatan, an OPD only recommendations of its agency in its kabupaten, a koordinator those of its area.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from flows.loop_values import CARRIED, FINAL, FOR_AGENCIES, LOCAL_OPEN, AgencyView, ItemView, ProposalView, RecView
from flows.types import ContactView

from . import agencies as A, webhooks
from .models import (Agency, Contact, IssueItem, Outbox, Recommendation, RecommendationAgency,
                     RecommendationEvent, Report)
from .routing import reach
from .keys import aware
from .scope import under


class OutOfScope(Exception):
    """An action on something the contact may not change (never reached through the chat's own lists)."""


def wants_followup(item: dict[str, Any]) -> bool:
    """An activity becomes an issue item when it is not running and names an obstacle or support asked."""
    asked = [v for v in item.get("support_from") or [] if v != "tidak_perlu"]
    return item.get("status") not in (None, "berjalan") and bool(item.get("obstacles") or asked
                                                                   or item.get("support_what"))


async def sync_items(s: AsyncSession, area: str, now: datetime) -> None:
    """Make the issue items of the monitoring reports under ``area`` (idempotent); an item not yet taken
    up follows corrections of its report."""
    q: Select[int, str, dict[str, Any]] = (select(Report.id, Report.area_code, Report.answers)
                                           .where(Report.form_id == "pemantauan", under(Report.area_code, area))
                                           .order_by(Report.area_code, Report.id))
    reports = await s.execute(q)
    existing = {(i.report_id, i.activity_index): i for i in await s.scalars(
        select(IssueItem).where(under(IssueItem.area_code, area)))}
    new: list[dict[str, Any]] = []
    for report_id, code, answers in reports:
        for index, act in enumerate(answers.get("activities") or []):
            if not wants_followup(act):
                continue
            values = {"activity": str(act.get("activity") or "")[:200], "problem": act.get("obstacles") or "",
                      "support": act.get("support_what") or "",
                      "support_from": ",".join(v for v in act.get("support_from") or [] if v != "tidak_perlu"),
                      "round": answers.get("round")}
            row = existing.get((report_id, index))
            if row is None:
                new.append({"report_id": report_id, "activity_index": index, "area_code": code, "created_at": now,
                            **values})
            elif row.recommendation_id is None:
                for k, v in values.items():
                    setattr(row, k, v)
    if new:   # two fasilitators of one kecamatan may make the same items at once: the second adds nothing
        insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
        await s.execute(insert(cast(Table, IssueItem.__table__)).on_conflict_do_nothing(index_elements=["report_id", "activity_index"]), new)
    await s.flush()


async def open_items(s: AsyncSession, kec: str, limit: int | None = None) -> list[ItemView]:
    """The items not discussed yet under ``kec`` (``limit``: the first ones only: a kabupaten has thousands)."""
    q = (select(IssueItem.id, IssueItem.area_code, IssueItem.activity, IssueItem.problem, IssueItem.support,
                IssueItem.round)
         .where(under(IssueItem.area_code, kec), IssueItem.recommendation_id.is_(None))
         .order_by(IssueItem.area_code, IssueItem.id))
    rows = await s.execute(q.limit(limit) if limit is not None else q)
    return [ItemView(*row) for row in rows]


async def count_open(s: AsyncSession, area: str) -> int:
    return await s.scalar(select(func.count()).select_from(IssueItem).where(
        under(IssueItem.area_code, area), IssueItem.recommendation_id.is_(None))) or 0


async def all_items(s: AsyncSession, area: str) -> list[tuple[ItemView, int | None]]:
    """Every issue item under ``area`` with its recommendation id (None: not discussed yet)."""
    rows = await s.scalars(select(IssueItem).where(under(IssueItem.area_code, area))
                           .order_by(IssueItem.area_code, IssueItem.id))
    return [(ItemView(r.id, r.area_code, r.activity, r.problem, r.support, r.round), r.recommendation_id)
            for r in rows]


async def proposals(s: AsyncSession, desa: str) -> list[ProposalView]:
    """What one desa asked (newest first) with its recommendation and the recommendation's history."""
    items = list(await s.scalars(select(IssueItem).where(IssueItem.area_code == desa)
                                 .order_by(IssueItem.id.desc())))
    rec_ids = sorted({i.recommendation_id for i in items if i.recommendation_id is not None})
    recs: dict[int, RecView] = {}
    events: dict[int, list[tuple[str, datetime, str | None]]] = {}
    if rec_ids:
        members: dict[int, list[IssueItem]] = {}
        for item in await s.scalars(select(IssueItem).where(IssueItem.recommendation_id.in_(rec_ids))):
            members.setdefault(item.recommendation_id or 0, []).append(item)
        who = await A.responsible(s, rec_ids)
        for r in await s.scalars(select(Recommendation).where(Recommendation.id.in_(rec_ids))):
            recs[r.id] = _view(r, members.get(r.id, []), who.get(r.id))
        for e in await s.scalars(select(RecommendationEvent).where(RecommendationEvent.recommendation_id.in_(rec_ids))
                                 .order_by(RecommendationEvent.id)):
            events.setdefault(e.recommendation_id, []).append((e.status, aware(e.at), e.reason or e.note))
    return [ProposalView(i.id, i.area_code, i.activity, i.support or i.problem,
                         recs.get(i.recommendation_id) if i.recommendation_id else None,
                         tuple(events.get(i.recommendation_id, [])) if i.recommendation_id else ())
            for i in items]


async def contact_agency(s: AsyncSession, contact_id: int) -> AgencyView | None:
    """An OPD's agency (from its invite)."""
    row = (await s.execute(select(Agency.id, Agency.name).join(Contact, Contact.agency_id == Agency.id)
                           .where(Contact.id == contact_id))).first()
    return AgencyView(row.id, row.name) if row else None


async def agencies(s: AsyncSession, kab: str) -> list[AgencyView]:
    """The agencies of the kabupaten (`pantau opd`), with their aliases."""
    return await A.listing(s, kab)


async def recommendations(s: AsyncSession, area: str, agency: int | None = None, open_only: bool = False,
                          carried_only: bool = False, statuses: tuple[str, ...] = (),
                          local_only: bool = False) -> list[RecView]:
    """The recommendations under ``area``; ``agency``: only those that agency leads or shares; ``statuses``:
    only these (an OPD's: what the forum sent on, ``FOR_AGENCIES``)."""
    q = select(Recommendation).where(under(Recommendation.kec, area[:8] if len(area) > 8 else area))
    if agency is not None:
        q = q.where(Recommendation.id.in_(select(RecommendationAgency.recommendation_id)
                                          .where(RecommendationAgency.agency_id == agency)))
    if carried_only:
        q = q.where(Recommendation.level == "kabupaten")
    if local_only:                     # handled at the desa or the kecamatan: the fasilitator closes them
        q = q.where(Recommendation.level != "kabupaten")
    if open_only:
        q = q.where(Recommendation.status.not_in(FINAL))
    if statuses:
        q = q.where(Recommendation.status.in_(statuses))
    recs = list(await s.scalars(q.order_by(Recommendation.id)))
    items: dict[int | None, list[IssueItem]] = {}
    if recs:
        for item in await s.scalars(select(IssueItem).where(IssueItem.recommendation_id.in_([r.id for r in recs]))
                                    .order_by(IssueItem.id)):
            items.setdefault(item.recommendation_id, []).append(item)
    who = await A.responsible(s, [r.id for r in recs if r.level == "kabupaten"])
    return [_view(r, items.get(r.id, []), who.get(r.id)) for r in recs]


def _view(r: Recommendation, items: list[IssueItem], who: A.Responsible | None = None) -> RecView:
    topic = next((i.support or i.problem for i in items if i.support or i.problem), "")
    lead = who.lead.name if who and who.lead else r.agency
    return RecView(r.id, r.kec, r.text, r.level, lead, r.target, r.status,
                   tuple(sorted({i.area_code for i in items})), topic, r.note,
                   tuple(a.name for a in who.co) if who else ())


@dataclass(frozen=True)
class Change:
    """A recommendation moved: who in which desa to tell (the pipeline words and queues it)."""

    rec: RecView
    note: str | None
    reason: str | None
    desa_items: dict[str, str]       # desa code → what that desa asked (its own words)


async def recommend(s: AsyncSession, contact: ContactView, work: dict[str, Any], now: datetime) -> Change:
    """A fasilitator's recommendation over one or more open items of their kecamatan."""
    items = list(await s.scalars(select(IssueItem).where(IssueItem.id.in_(work["items"]))))
    if (len(items) != len(set(work["items"])) or any(i.recommendation_id is not None for i in items)
            or any(not _inside(i.area_code, contact.area_code) for i in items)):
        raise OutOfScope("items outside the kecamatan or already handled")
    level = work["level"]
    chosen = [int(a) for a in work.get("agencies") or []]
    if level not in ("desa", "kecamatan", "kabupaten") or (level == "kabupaten" and not chosen):
        raise OutOfScope("bad level")
    status = CARRIED if level == "kabupaten" else f"ditangani_{level}"
    rec = Recommendation(kec=contact.area_code, text=work["text"], level=level, target=work.get("target"), status=status,
                         created_by=contact.id, created_at=now, updated_at=now)
    s.add(rec)
    await s.flush()
    if level == "kabupaten":
        try:
            await A.assign(s, rec, chosen)
        except A.AgencyError as exc:
            raise OutOfScope(str(exc)) from None
    for i in items:
        i.recommendation_id = rec.id
    s.add(RecommendationEvent(recommendation_id=rec.id, status=status, contact_id=contact.id, at=now))
    await s.flush()
    await webhooks.recommendation_changed(s, rec, [i.id for i in items], now)
    return Change(_view(rec, items, (await A.responsible(s, [rec.id])).get(rec.id)), None, None, _asked(items))


def _asked(items: list[IssueItem]) -> dict[str, str]:
    out: dict[str, str] = {}
    for i in items:
        out.setdefault(i.area_code, i.support or i.problem or i.activity)
    return out


def _inside(code: str, area: str) -> bool:
    return code == area or code.startswith(area + ".")


async def set_status(s: AsyncSession, contact: ContactView, agency: int | None, work: dict[str, Any], now: datetime) -> Change:
    """An OPD's (the lead's or a co-responsible one's) or the koordinator's answer to a recommendation carried to
    the kabupaten (after the forum accepted it); a fasilitator's to one handled in their desa or kecamatan."""
    rec = await s.get(Recommendation, work["rec"])
    if (rec is not None and rec.level != "kabupaten" and contact.role == "fasilitator" and rec.kec == contact.area_code
            and rec.status in LOCAL_OPEN and work["status"] in ("dalam_proses", "selesai", "tidak_bisa", "diterima")):
        pass                            # a desa or kecamatan recommendation: its fasilitator closes it
    elif (rec is None or rec.level != "kabupaten" or not _inside(rec.kec, contact.area_code)
            or rec.status not in FOR_AGENCIES       # still waiting for the forum (or returned, merged)
            or (contact.role == "opd" and (agency is None or rec.id not in await A.recs_of(s, agency)))
            or contact.role not in ("opd", "koordinator")
            or work["status"] not in ("diterima", "dalam_proses", "selesai", "tidak_bisa")):
        raise OutOfScope("recommendation outside the contact's agency or area")
    rec.status, rec.updated_at = work["status"], now
    rec.note = work.get("note") or rec.note
    s.add(RecommendationEvent(recommendation_id=rec.id, status=work["status"], note=work.get("note"),
                              reason=work.get("reason"), contact_id=contact.id, at=now))
    await s.flush()
    items = list(await s.scalars(select(IssueItem).where(IssueItem.recommendation_id == rec.id)))
    await webhooks.recommendation_changed(s, rec, [i.id for i in items], now)
    return Change(_view(rec, items, (await A.responsible(s, [rec.id])).get(rec.id)), work.get("note"),
                  work.get("reason"), _asked(items))


async def kader_of(s: AsyncSession, desa: list[str]) -> list[tuple[int, str, str, str]]:
    """(contact id, name, desa, lang) of the kader of these desa."""
    if not desa:
        return []
    q: Select[int, str, str, str] = (select(Contact.id, Contact.name, Contact.area_code, Contact.lang)
                                     .where(Contact.role == "kader", Contact.area_code.in_(desa)).order_by(Contact.id))
    return [(i, name, code, lang) for i, name, code, lang in await s.execute(q)]


async def queue_to(s: AsyncSession, contact_id: int, payload: dict[str, Any], at: datetime, now: datetime) -> bool:
    """One message to a contact where they last wrote (else their registered channel), sent from ``at``
    (False: no way to reach them)."""
    where = await reach(s, contact_id)
    if where is None:
        return False
    s.add(Outbox(channel=where[0], external_id=where[1],
                 payload=payload, status="pending", attempts=0, created_at=now, next_attempt_at=at))
    return True


async def history(s: AsyncSession, area: str, ids: list[int] | None = None
                  ) -> dict[int, list[tuple[str, str | None, str | None, str, datetime]]]:
    """Per recommendation under ``area`` (``ids``: only these): (status, note or what the forum changed, reason,
    who, when), oldest first."""
    q: Select[int, str, str | None, str | None, str, datetime] = (
        select(RecommendationEvent.recommendation_id, RecommendationEvent.status,
               func.coalesce(RecommendationEvent.note, RecommendationEvent.detail),
               RecommendationEvent.reason, Contact.name, RecommendationEvent.at)
        .join(Recommendation, Recommendation.id == RecommendationEvent.recommendation_id)
        .join(Contact, Contact.id == RecommendationEvent.contact_id)
        .where(under(Recommendation.kec, area[:8] if len(area) > 8 else area))
        .order_by(RecommendationEvent.id))
    if ids is not None:
        q = q.where(RecommendationEvent.recommendation_id.in_(ids))
    rows = await s.execute(q)
    out: dict[int, list[tuple[str, str | None, str | None, str, datetime]]] = {}
    for rid, status, note, reason, who, at in rows:
        out.setdefault(rid, []).append((status, note, reason, who, aware(at)))
    return out


async def items_by_activity(s: AsyncSession, area: str) -> dict[tuple[str, str, int], int | None]:
    """(desa, report key, activity index) → recommendation id (None: not discussed yet) of every issue item
    under ``area``: what the recommendation matrix needs to fill its "Tindak lanjut" column."""
    rows = await s.execute(select(Report.area_code, Report.key, IssueItem.activity_index, IssueItem.recommendation_id)
                           .join(Report, Report.id == IssueItem.report_id).where(under(IssueItem.area_code, area)))
    return {(code, key, index): rec for code, key, index, rec in rows}


async def items_by_report(s: AsyncSession, area: str) -> dict[tuple[int, int], int | None]:
    """(report id, activity index) → recommendation id (None: not discussed yet) of every issue item under
    ``area``: the dashboard's matrix."""
    rows = await s.execute(select(IssueItem.report_id, IssueItem.activity_index, IssueItem.recommendation_id)
                           .where(under(IssueItem.area_code, area)))
    return {(report, index): rec for report, index, rec in rows}

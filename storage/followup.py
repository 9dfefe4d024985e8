"""Queries of the recommendation follow-up: issue items from monitoring reports, recommendations (with the
items merged into them), their status history, and who in a desa hears of a change.

Scope is enforced here, whatever the conversation asked: a fasilitator touches only items of their
kecamatan, an OPD only recommendations of its agency in its kabupaten, a koordinator those of its area; and
each only of their program (``program``: an issue item's is its report's; a recommendation belongs to the
programs of the items it answers, ``recommendation_programs``; None: every program, the forum).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, Table, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from flows.loop_values import (CARRIED, FINAL, FOR_AGENCIES, LOCAL_OPEN, RETURNED, AgencyView, ItemView, ProposalView,
                               RecView)
from flows.types import ContactView

from . import agencies as A, webhooks
from .models import (Agency, Contact, IssueItem, Membership, Outbox, Recommendation, RecommendationAgency,
                     RecommendationEvent, RecommendationProgram, Report)
from .routing import reach
from .keys import aware
from .scope import under


class OutOfScope(Exception):
    """An action on something the contact may not change (never reached through the chat's own lists)."""


def item_of(program: int | None) -> list[ColumnElement[bool]]:
    """The issue items of one program (None: every program)."""
    return [] if program is None else [IssueItem.program_id == program]


def rec_of(program: int | None) -> list[ColumnElement[bool]]:
    """The recommendations that belong to one program (None: every program)."""
    return [] if program is None else [Recommendation.id.in_(
        select(RecommendationProgram.recommendation_id).where(RecommendationProgram.program_id == program))]


async def rec_programs(s: AsyncSession, rec_id: int) -> set[int]:
    return set(await s.scalars(select(RecommendationProgram.program_id)
                               .where(RecommendationProgram.recommendation_id == rec_id)))


async def join_programs(s: AsyncSession, rec_id: int, programs: set[int]) -> None:
    """The recommendation belongs to these programs too (a merge of needs of several programs)."""
    for p in sorted(programs - await rec_programs(s, rec_id)):
        s.add(RecommendationProgram(recommendation_id=rec_id, program_id=p))
    await s.flush()


async def visible(s: AsyncSession, rec_id: int, program: int | None) -> bool:
    return program is None or program in await rec_programs(s, rec_id)


def wants_followup(item: dict[str, Any]) -> bool:
    """An activity becomes an issue item when it is not running and names an obstacle or support asked."""
    asked = [v for v in item.get("support_from") or [] if v != "tidak_perlu"]
    return item.get("status") not in (None, "berjalan") and bool(item.get("obstacles") or asked
                                                                   or item.get("support_what"))


async def sync_items(s: AsyncSession, area: str, now: datetime) -> None:
    """Make the issue items of the monitoring reports under ``area`` (idempotent); an item not yet taken
    up follows corrections of its report."""
    q: Select[int, str, dict[str, Any], int] = (select(Report.id, Report.area_code, Report.answers, Report.program_id)
                                           .where(Report.form_id == "pemantauan", under(Report.area_code, area))
                                           .order_by(Report.area_code, Report.id))
    reports = await s.execute(q)
    existing = {(i.report_id, i.activity_index): i for i in await s.scalars(
        select(IssueItem).where(under(IssueItem.area_code, area)))}
    new: list[dict[str, Any]] = []
    for report_id, code, answers, program in reports:
        for index, act in enumerate(answers.get("activities") or []):
            if not wants_followup(act):
                continue
            values = {"activity": str(act.get("activity") or "")[:200], "problem": act.get("obstacles") or "",
                      "support": act.get("support_what") or "",
                      "support_from": ",".join(v for v in act.get("support_from") or [] if v != "tidak_perlu"),
                      "round": answers.get("round")}
            row = existing.get((report_id, index))
            if row is not None and row.program_id != program:
                row.program_id = program       # the report's program, whatever an older version wrote
            if row is None:
                new.append({"report_id": report_id, "activity_index": index, "area_code": code, "created_at": now,
                            "program_id": program, **values})
            elif row.recommendation_id is None:
                for k, v in values.items():
                    setattr(row, k, v)
    if new:   # two fasilitators of one kecamatan may make the same items at once: the second adds nothing
        insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
        await s.execute(insert(cast(Table, IssueItem.__table__)).on_conflict_do_nothing(index_elements=["report_id", "activity_index"]), new)
    await s.flush()


async def open_items(s: AsyncSession, kec: str, limit: int | None = None, program: int | None = None
                     ) -> list[ItemView]:
    """The items not discussed yet under ``kec`` (``limit``: the first ones only: a kabupaten has thousands)."""
    q = (select(IssueItem.id, IssueItem.area_code, IssueItem.activity, IssueItem.problem, IssueItem.support,
                IssueItem.round)
         .where(under(IssueItem.area_code, kec), IssueItem.recommendation_id.is_(None), *item_of(program))
         .order_by(IssueItem.area_code, IssueItem.id))
    rows = await s.execute(q.limit(limit) if limit is not None else q)
    return [ItemView(*row) for row in rows]


async def count_open(s: AsyncSession, area: str, program: int | None = None) -> int:
    return await s.scalar(select(func.count()).select_from(IssueItem).where(
        under(IssueItem.area_code, area), IssueItem.recommendation_id.is_(None), *item_of(program))) or 0


async def all_items(s: AsyncSession, area: str, program: int | None = None) -> list[tuple[ItemView, int | None]]:
    """Every issue item under ``area`` with its recommendation id (None: not discussed yet)."""
    rows = await s.scalars(select(IssueItem).where(under(IssueItem.area_code, area), *item_of(program))
                           .order_by(IssueItem.area_code, IssueItem.id))
    return [(ItemView(r.id, r.area_code, r.activity, r.problem, r.support, r.round), r.recommendation_id)
            for r in rows]


def _rec_id(i: IssueItem) -> int | None:
    """The recommendation an item answers, else the one the forum returned it from (with its reason)."""
    return i.recommendation_id if i.recommendation_id is not None else i.returned_from


async def proposals(s: AsyncSession, desa: str, program: int | None = None) -> list[ProposalView]:
    """What one desa asked (newest first) with its recommendation (or the one the forum returned it from, until
    it is discussed again) and the recommendation's history."""
    items = list(await s.scalars(select(IssueItem).where(IssueItem.area_code == desa, *item_of(program))
                                 .order_by(IssueItem.id.desc())))
    rec_ids = sorted({rid for i in items if (rid := _rec_id(i)) is not None})
    recs: dict[int, RecView] = {}
    events: dict[int, list[tuple[str, datetime, str | None]]] = {}
    if rec_ids:
        members: dict[int, list[IssueItem]] = {}
        for item in await s.scalars(select(IssueItem).where(or_(IssueItem.recommendation_id.in_(rec_ids),
                                                                 IssueItem.returned_from.in_(rec_ids)))):
            for linked in {item.recommendation_id, item.returned_from} - {None}:
                members.setdefault(linked or 0, []).append(item)
        who = await A.responsible(s, rec_ids)
        for r in await s.scalars(select(Recommendation).where(Recommendation.id.in_(rec_ids))):
            recs[r.id] = _view(r, members.get(r.id, []), who.get(r.id))
        for e in await s.scalars(select(RecommendationEvent).where(RecommendationEvent.recommendation_id.in_(rec_ids))
                                 .order_by(RecommendationEvent.id)):
            events.setdefault(e.recommendation_id, []).append((e.status, aware(e.at), e.reason or e.note))
    return [ProposalView(i.id, i.area_code, i.activity, i.support or i.problem,
                         recs.get(rid) if (rid := _rec_id(i)) else None, tuple(events.get(rid, [])) if rid else ())
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
                          local_only: bool = False, program: int | None = None) -> list[RecView]:
    """The recommendations under ``area`` (of ``program``; None: every program); ``agency``: only those that
    agency leads or shares; ``statuses``: only these (an OPD's: what the forum sent on, ``FOR_AGENCIES``)."""
    q = select(Recommendation).where(under(Recommendation.kec, area[:8] if len(area) > 8 else area),
                                     *rec_of(program))
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
        ids = [r.id for r in recs]
        returned = [r.id for r in recs if r.status == RETURNED]       # its items went back to the kecamatan
        for item in await s.scalars(select(IssueItem).where(
                or_(IssueItem.recommendation_id.in_(ids), IssueItem.returned_from.in_(returned)))
                .order_by(IssueItem.id)):
            for rid in {item.recommendation_id, item.returned_from if item.returned_from in returned else None}:
                if rid is not None:
                    items.setdefault(rid, []).append(item)
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
    programs: dict[str, frozenset[int]] = field(default_factory=dict)   # desa → the programs of its items
    actor: str | None = None         # the agency that answered (an OPD of several responsible), else the lead


async def recommend(s: AsyncSession, contact: ContactView, work: dict[str, Any], now: datetime) -> Change:
    """A fasilitator's recommendation over one or more open items of their kecamatan."""
    items = list(await s.scalars(select(IssueItem).where(IssueItem.id.in_(work["items"]))))
    if (len(items) != len(set(work["items"])) or any(i.recommendation_id is not None for i in items)
            or any(not _inside(i.area_code, contact.area_code) for i in items)
            or any(contact.program_id is not None and i.program_id != contact.program_id for i in items)):
        raise OutOfScope("items outside the kecamatan or program, or already handled")
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
    await join_programs(s, rec.id, {i.program_id for i in items if i.program_id is not None})
    s.add(RecommendationEvent(recommendation_id=rec.id, status=status, contact_id=contact.id, at=now))
    await s.flush()
    await webhooks.recommendation_changed(s, rec, [i.id for i in items], now)
    return Change(_view(rec, items, (await A.responsible(s, [rec.id])).get(rec.id)), None, None, _asked(items),
                  _programs(items))


def _asked(items: list[IssueItem]) -> dict[str, str]:
    out: dict[str, str] = {}
    for i in items:
        out.setdefault(i.area_code, i.support or i.problem or i.activity)
    return out


def _programs(items: list[IssueItem]) -> dict[str, frozenset[int]]:
    """Desa → the programs of its items: whose kader hear of a change (a Kotaku kader never of PKH's needs)."""
    out: dict[str, set[int]] = {}
    for i in items:
        out.setdefault(i.area_code, set()).update({i.program_id} if i.program_id is not None else set())
    return {d: frozenset(p) for d, p in out.items()}


def _inside(code: str, area: str) -> bool:
    return code == area or code.startswith(area + ".")


async def set_status(s: AsyncSession, contact: ContactView, agency: int | None, work: dict[str, Any], now: datetime) -> Change:
    """An OPD's (the lead's or a co-responsible one's) or the koordinator's answer to a recommendation carried to
    the kabupaten (after the forum accepted it); a fasilitator's to one handled in their desa or kecamatan."""
    rec = await s.get(Recommendation, work["rec"])
    if (rec is not None and rec.level != "kabupaten" and contact.role == "fasilitator" and rec.kec == contact.area_code
            and rec.status in LOCAL_OPEN and work["status"] in ("dalam_proses", "selesai", "tidak_bisa", "diterima")
            and await visible(s, rec.id, contact.program_id)):
        pass                            # a desa or kecamatan recommendation: its fasilitator closes it
    elif (rec is None or rec.level != "kabupaten" or not _inside(rec.kec, contact.area_code)
            or rec.status not in FOR_AGENCIES       # still waiting for the forum (or returned, merged)
            or not await visible(s, rec.id, contact.program_id)
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
    who = (await A.responsible(s, [rec.id])).get(rec.id)
    actor = (next((a.name for a in (who.lead, *who.co) if a and a.id == agency), None)
             if who and agency is not None else None)
    return Change(_view(rec, items, who), work.get("note"), work.get("reason"), _asked(items), _programs(items),
                  actor)


async def kader_of(s: AsyncSession, desa: list[str], programs: dict[str, frozenset[int]] | None = None
                   ) -> list[tuple[int, str, str, str]]:
    """(contact id, name, desa, lang) of the kader of these desa; ``programs``: per desa, only the kader of
    these programs (by the membership in use or another kader membership of that desa)."""
    if not desa:
        return []
    q: Select[int, str, str, str, int | None] = (
        select(Contact.id, Contact.name, Contact.area_code, Contact.lang, Contact.program_id)
        .where(Contact.role == "kader", Contact.area_code.in_(desa)).order_by(Contact.id))
    rows = list(await s.execute(q))
    wanted = {d: p for d, p in (programs or {}).items() if p}
    if not wanted:
        return [(i, name, code, lang) for i, name, code, lang, _ in rows]
    member = {(cid, area, p) for cid, area, p in await s.execute(
        select(Membership.contact_id, Membership.area_code, Membership.program_id).where(
            Membership.role == "kader", Membership.area_code.in_(desa), Membership.disabled_at.is_(None)))}
    return [(i, name, code, lang) for i, name, code, lang, mine in rows
            if code not in wanted or mine is None or mine in wanted[code]
            or any((i, code, p) in member for p in wanted[code])]


async def queue_to(s: AsyncSession, contact_id: int, payload: dict[str, Any], at: datetime, now: datetime) -> bool:
    """One message to a contact where they last wrote (else their registered channel), sent from ``at``
    (False: no way to reach them)."""
    where = await reach(s, contact_id)
    if where is None:
        return False
    s.add(Outbox(channel=where[0], external_id=where[1],
                 payload=payload, status="pending", attempts=0, created_at=now, next_attempt_at=at))
    return True


async def history(s: AsyncSession, area: str, ids: list[int] | None = None, program: int | None = None
                  ) -> dict[int, list[tuple[str, str | None, str | None, str, datetime]]]:
    """Per recommendation under ``area`` (``ids``: only these): (status, note or what the forum changed, reason,
    who, when), oldest first."""
    q: Select[int, str, str | None, str | None, str, datetime] = (
        select(RecommendationEvent.recommendation_id, RecommendationEvent.status,
               func.coalesce(RecommendationEvent.note, RecommendationEvent.detail),
               RecommendationEvent.reason, Contact.name, RecommendationEvent.at)
        .join(Recommendation, Recommendation.id == RecommendationEvent.recommendation_id)
        .join(Contact, Contact.id == RecommendationEvent.contact_id)
        .where(under(Recommendation.kec, area[:8] if len(area) > 8 else area), *rec_of(program))
        .order_by(RecommendationEvent.id))
    if ids is not None:
        q = q.where(RecommendationEvent.recommendation_id.in_(ids))
    rows = await s.execute(q)
    out: dict[int, list[tuple[str, str | None, str | None, str, datetime]]] = {}
    for rid, status, note, reason, who, at in rows:
        out.setdefault(rid, []).append((status, note, reason, who, aware(at)))
    return out


async def items_by_activity(s: AsyncSession, area: str, program: int | None = None
                            ) -> dict[tuple[str, str, int], int | None]:
    """(desa, report key, activity index) → recommendation id (None: not discussed yet) of every issue item
    under ``area``: what the recommendation matrix needs to fill its "Tindak lanjut" column."""
    rows = await s.execute(select(Report.area_code, Report.key, IssueItem.activity_index, IssueItem.recommendation_id)
                           .join(Report, Report.id == IssueItem.report_id)
                           .where(under(IssueItem.area_code, area), *item_of(program)))
    return {(code, key, index): rec for code, key, index, rec in rows}


async def items_by_report(s: AsyncSession, area: str) -> dict[tuple[int, int], int | None]:
    """(report id, activity index) → recommendation id (None: not discussed yet) of every issue item under
    ``area``: the dashboard's matrix."""
    rows = await s.execute(select(IssueItem.report_id, IssueItem.activity_index, IssueItem.recommendation_id)
                           .where(under(IssueItem.area_code, area)))
    return {(report, index): rec for report, index, rec in rows}

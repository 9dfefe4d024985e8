"""The kabupaten forum: recommendations carried from the kecamatan meetings wait here (status ``dibawa``) until
the koordinator accepts them (``diteruskan``: only then do the agencies see them), merges one into another,
reassigns the agencies or the target, or returns one to the kecamatan with a reason. Every change is an
event of the recommendation's history with who and when (``detail`` says what changed).

A koordinator of one program decides on its program's recommendations only; a forum koordinator (every
program) may merge the needs of several programs into one recommendation with one lead agency, which then
belongs to each of those programs."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.loop_values import CARRIED, FORWARDED, MERGED, RETURNED, RecView, fmt_target
from flows.types import ContactView

from . import agencies as A, webhooks
from .followup import (Change, OutOfScope, _asked, _inside, _programs, _view, join_programs, rec_programs,
                       recommendations, visible)
from .models import IssueItem, Recommendation, RecommendationEvent

KINDS = ("accept", "reassign", "merge", "return")


async def waiting(s: AsyncSession, area: str, program: int | None = None) -> list[RecView]:
    """What the forum of ``area`` (of ``program``; None: every program) still has to decide, oldest first."""
    return await recommendations(s, area, statuses=(CARRIED,), program=program)


def _may_decide(contact: ContactView, rec: Recommendation | None) -> bool:
    return (rec is not None and contact.role == "koordinator" and rec.level == "kabupaten"
            and _inside(rec.kec, contact.area_code) and rec.status == CARRIED)


async def _items(s: AsyncSession, rec_id: int) -> list[IssueItem]:
    return list(await s.scalars(select(IssueItem).where(IssueItem.recommendation_id == rec_id).order_by(IssueItem.id)))


async def decide(s: AsyncSession, contact: ContactView, work: dict[str, Any], now: datetime) -> Change | None:
    """One decision of the forum (scope checked here, whatever asked for it); the change to tell the desa
    about, or None when nothing is news for them (agencies or target reassigned before accepting)."""
    rec = await s.get(Recommendation, int(work.get("rec") or 0))
    kind = work.get("do")
    if (kind not in KINDS or rec is None or not _may_decide(contact, rec)
            or not await visible(s, rec.id, contact.program_id)):
        raise OutOfScope("not a recommendation waiting for this koordinator's forum")
    event = RecommendationEvent(recommendation_id=rec.id, status=rec.status, contact_id=contact.id, at=now)
    items = await _items(s, rec.id)
    if kind == "reassign":
        before = await _describe(s, rec)
        if work.get("agencies"):
            try:
                await A.assign(s, rec, [int(a) for a in work["agencies"]])
            except A.AgencyError as exc:
                raise OutOfScope(str(exc)) from None
        if work.get("target"):
            rec.target = str(work["target"])
        event.detail = f"{before} → {await _describe(s, rec)}"
        s.add(event)
        rec.updated_at = now
        await s.flush()
        return None
    if kind == "accept":
        if not (await A.responsible(s, [rec.id])).get(rec.id):
            raise OutOfScope("no agency to send it to")
        rec.status = event.status = FORWARDED
    elif kind == "return":
        reason = " ".join(str(work.get("reason") or "").split())[:500]
        if len(reason) < 3:
            raise OutOfScope("a return needs a reason")
        rec.status = event.status = RETURNED
        event.reason = reason
        for item in items:                 # back in the kecamatan's queue, to be discussed again
            item.recommendation_id, item.returned_from = None, rec.id
    else:
        into = await s.get(Recommendation, int(work.get("into") or 0))
        if (into is None or into.id == rec.id or into.level != "kabupaten" or into.status not in (CARRIED, FORWARDED)
                or not _inside(into.kec, contact.area_code) or not await visible(s, into.id, contact.program_id)):
            raise OutOfScope("merge into a recommendation of another forum")
        await join_programs(s, into.id, await rec_programs(s, rec.id))   # the needs of each program it answers
        rec.status = event.status = MERGED
        rec.merged_into = into.id
        event.detail = f"→ {into.text}"[:1000]
        s.add(RecommendationEvent(recommendation_id=into.id, status=into.status, contact_id=contact.id, at=now,
                                  detail=f"+ {rec.text}"[:1000]))
        for item in items:
            item.recommendation_id = into.id
        into.updated_at = now
    rec.updated_at = now
    s.add(event)
    await s.flush()
    await webhooks.recommendation_changed(s, rec, [i.id for i in items], now)
    who = await A.responsible(s, [rec.id])
    view = _view(rec, items, who.get(rec.id))
    if kind == "merge":
        merged = await s.get(Recommendation, rec.merged_into or 0)
        view = _view(merged, items, (await A.responsible(s, [merged.id])).get(merged.id)) if merged else view
        view = RecView(**{**view.__dict__, "status": MERGED})
    return Change(view, None, event.reason, _asked(items), _programs(items))


async def _describe(s: AsyncSession, rec: Recommendation) -> str:
    who = (await A.responsible(s, [rec.id])).get(rec.id)
    names = [a.name for a in ([who.lead] if who and who.lead else []) + list(who.co if who else ())]
    return f"OPD {', '.join(names) or '-'}; target {fmt_target(rec.target, 'id')}"

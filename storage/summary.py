"""Roll-ups for an area and everything below it: code-prefix queries, summed in one pass."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Area, Contact, Report

MEETING_FIELDS = ("men", "women", "youth", "disabled")


def under(column, code: str):
    """The area itself and everything below it (Kemendagri codes nest by prefix); "" is the whole country."""
    if not code:
        return true()
    # a range, not LIKE 'code.%': both databases answer it from the index. '/' follows '.' in ASCII,
    # so [code, code + "/") holds the code itself and every code under it.
    return and_(column >= code, column < code + "/")


@dataclass
class Filters:
    area: str
    date_from: date | None = None
    date_to: date | None = None
    round: str | None = None


def _normal(text: str) -> str:
    return " ".join(str(text).lower().split()).strip(" .,")


async def summarize(s: AsyncSession, f: Filters) -> dict[str, Any]:
    area = await s.get(Area, f.area)
    meetings: dict[str, dict[str, int]] = {}
    totals = dict.fromkeys(("meetings", "participants", *MEETING_FIELDS), 0)
    status, sector, obstacles, support_from, support_what = Counter(), Counter(), Counter(), Counter(), Counter()
    reported_desa: set[str] = set()
    activities = 0
    stories = Counter()
    unverified: Counter = Counter()     # from kader not yet approved: counted apart (issue 12)
    rows = await s.execute(select(Report.form_id, Report.area_code, Report.answers, Report.verified)
                           .where(under(Report.area_code, f.area), Report.conflict.is_(None)))
    for form_id, area_code, answers, verified in rows:
        if not verified:
            unverified[form_id] += 1
            continue
        if form_id == "pertemuan":
            when = date.fromisoformat(answers["date"]) if answers.get("date") else None
            if (f.date_from and (not when or when < f.date_from)) or (f.date_to and (not when or when > f.date_to)):
                continue
            kind = meetings.setdefault(answers.get("kind", "lainnya"),
                                       dict.fromkeys(("meetings", "participants", *MEETING_FIELDS), 0))
            for bucket in (kind, totals):
                bucket["meetings"] += 1
                bucket["participants"] += int(answers.get("men") or 0) + int(answers.get("women") or 0)
                for k in MEETING_FIELDS:
                    bucket[k] += int(answers.get(k) or 0)
        elif form_id == "pemantauan":
            if f.round and answers.get("round") != f.round:
                continue
            reported_desa.add(area_code)
            for item in answers.get("activities") or []:
                activities += 1
                status[item.get("status") or "?"] += 1
                sector[item.get("sector") or "?"] += 1
                if item.get("obstacles"):
                    obstacles[_normal(item["obstacles"])] += 1
                for level in item.get("support_from") or []:
                    if level != "tidak_perlu":
                        support_from[level] += 1
                if item.get("support_what"):
                    support_what[_normal(item["support_what"])] += 1
        elif form_id == "cerita":
            stories[answers.get("level") or "?"] += 1
    expected = set(await s.scalars(select(Contact.area_code).where(Contact.role == "kader",
                                                                    under(Contact.area_code, f.area))))
    timeliness = {}
    if f.round:
        from .completeness import completeness, get_round
        rnd = await get_round(s, f.round)
        if rnd:
            rows = await completeness(s, f.area, rnd)
            timeliness = {k: sum(1 for r in rows if r.status == k)
                          for k in ("tepat_waktu", "terlambat", "sedang_diisi", "belum")}
    for bucket in (totals, *meetings.values()):
        bucket["percent_women"] = round(100 * bucket["women"] / bucket["participants"], 1) if bucket["participants"] else 0.0
    return {
        "area": {"code": f.area, "name": area.name if area else f.area},
        "filters": {"from": f.date_from.isoformat() if f.date_from else None,
                    "to": f.date_to.isoformat() if f.date_to else None, "round": f.round},
        "meetings": {"total": totals, "by_kind": dict(sorted(meetings.items()))},
        "monitoring": {
            "desa_reported": len(reported_desa), "desa_expected": len(expected | reported_desa),
            "desa_missing": sorted(expected - reported_desa),
            "activities": activities, "by_status": dict(status.most_common()), "by_sector": dict(sector.most_common()),
            "top_obstacles": obstacles.most_common(5), "support_from": dict(support_from.most_common()),
            "top_support": support_what.most_common(5),
            "timeliness": timeliness,
        },
        "stories": {"total": sum(stories.values()), "by_level": dict(stories)},
        "unverified": dict(sorted(unverified.items())),
    }


async def iter_reports(s: AsyncSession, area: str, form_id: str, batch: int = 2000):
    """Reports of a form under an area, streamed (bounded memory), with the reporter's name."""
    from .models import Contact as C
    q = (select(Report.area_code, Report.answers, Report.revision, Report.updated_at, C.name)
         .join(C, C.id == Report.contact_id)
         .where(Report.form_id == form_id, under(Report.area_code, area))
         .order_by(Report.area_code, Report.id).execution_options(yield_per=batch))
    result = await s.stream(q)
    async for row in result:
        yield row

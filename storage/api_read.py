"""The read queries of the data API (/api/v1): every one narrowed to a key's areas (and programs), paged by keyset (the
last id or code seen), never by OFFSET, so a page deep in the data costs what the first one does."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

import orjson
from sqlalchemy import (ColumnElement, Select, Text, cast, exists, false, literal_column, or_, select, true,
                        tuple_)
from sqlalchemy.ext.asyncio import AsyncSession

from flows.storyteller import FORM as STORY_FORM
from flows.storyteller import anonymous

from .keys import aware
from .models import (Area, Contact, FormVersion, Identity, IssueItem, ProgramForm, Recommendation,
                     RecommendationEvent, Report, Round)
from .scope import under


def stamp(value: datetime | None) -> str | None:
    """RFC 3339 in UTC, with a Z, to the second (as the JSON pages built by the database write it; an aware
    moment of another offset is turned into UTC, a naive one is UTC)."""
    if value is None:
        return None
    return aware(value).astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def within(column: Any, areas: Sequence[str]) -> ColumnElement[bool]:
    """The rows of any of the key's areas (each with everything below it)."""
    if not areas:
        return false()
    return or_(*(under(column, a) for a in areas))


def of_programs(column: Any, programs: Sequence[int] | None) -> ColumnElement[bool]:
    """The rows of the key's programs (None: every program)."""
    return true() if programs is None else column.in_(sorted(programs))


def visible_area(code: str, areas: Sequence[str]) -> bool:
    """Is this area inside one of the key's areas?"""
    return any(not a or code == a or code.startswith(a + ".") for a in areas)


# ------------------------------------------------------------------------------------------- areas

async def areas_page(s: AsyncSession, areas: Sequence[str], after: str, limit: int, level: int | None = None,
                     parent: str | None = None) -> list[dict[str, Any]]:
    """Areas inside the key's areas (their own row included), by code."""
    q = select(Area.code, Area.name, Area.level).where(within(Area.code, areas), Area.code > after)
    if level is not None:
        q = q.where(Area.level == level)
    if parent:
        q = q.where(under(Area.code, parent), Area.level == parent.count(".") + 2)
    rows = await s.execute(q.order_by(Area.code).limit(limit))
    return [{"code": c, "name": n, "level": lv, "parent": c.rsplit(".", 1)[0] if "." in c else None}
            for c, n, lv in rows]


async def area_names(s: AsyncSession, codes: Sequence[str]) -> dict[str, str]:
    rows = await s.execute(select(Area.code, Area.name).where(Area.code.in_(sorted(set(codes)))))
    return {c: n for c, n in rows}


async def child_areas(s: AsyncSession, code: str) -> list[tuple[str, str]]:
    """The areas one level below ``code`` (the provinces for "")."""
    level = code.count(".") + 2 if code else 1
    q = select(Area.code, Area.name).where(Area.level == level)
    if code:
        q = q.where(under(Area.code, code))
    return [(c, n) for c, n in await s.execute(q.order_by(Area.code))]


# ------------------------------------------------------------------------------------------- forms, rounds

async def form_versions(s: AsyncSession) -> list[tuple[str, int, datetime, str | None]]:
    rows = await s.execute(select(FormVersion.form_id, FormVersion.version, FormVersion.loaded_at,
                                  FormVersion.digest).order_by(FormVersion.form_id, FormVersion.version))
    return [(f, v, aware(at), d) for f, v, at, d in rows]


async def enabled_forms(s: AsyncSession, programs: Sequence[int] | None) -> set[str] | None:
    """The forms enabled in the key's programs (``program_forms``); None: every form (every program, or a
    program with no list of its own: it uses every form, as one program always did)."""
    if programs is None:
        return None
    listed: dict[int, set[str]] = {pid: set() for pid in programs}
    rows = await s.execute(select(ProgramForm.program_id, ProgramForm.form_id)
                           .where(ProgramForm.program_id.in_(sorted(programs))))
    for pid, form_id in rows:
        listed[pid].add(form_id)
    if any(not forms for forms in listed.values()):
        return None
    return set().union(*listed.values())


async def rounds(s: AsyncSession) -> list[dict[str, Any]]:
    rows = await s.execute(select(Round.name, Round.start, Round.due).order_by(Round.start, Round.name))
    return [{"name": n, "start": a, "due": b} for n, a, b in rows]


# ------------------------------------------------------------------------------------------- reports

def _report_query(people: bool, raw: bool) -> Select[Any]:
    """``raw``: the answers as the stored JSON text, passed into the page unparsed (orjson.Fragment): decoding
    and encoding them again was most of a page's time."""
    answers = cast(Report.answers, Text) if raw else Report.answers
    cols: list[Any] = [Report.id, Report.form_id, Report.form_version, Report.area_code, Report.key, Report.period,
                       Report.revision, Report.created_at, Report.updated_at, Report.verified, answers,
                       Report.contact_id]
    q = select(*cols)
    if people:
        q = q.add_columns(Contact.name).join(Contact, Contact.id == Report.contact_id)
    return q


async def _phones(s: AsyncSession, contact_ids: set[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    if contact_ids:
        rows = await s.execute(select(Identity.contact_id, Identity.external_id)
                               .where(Identity.contact_id.in_(sorted(contact_ids)), Identity.channel == "phone")
                               .order_by(Identity.id))
        for cid, ext in rows:
            out[cid].append(ext)
    return out


async def _as_dicts(s: AsyncSession, rows: Sequence[Any], people: bool) -> list[dict[str, Any]]:
    phones = await _phones(s, {r[11] for r in rows}) if people else {}
    out = []
    for r in rows:
        item = {"id": r[0], "form": r[1], "form_version": r[2], "area": r[3], "key": r[4], "period": r[5],
                "revision": r[6], "created_at": stamp(r[7]), "updated_at": stamp(r[8]), "verified": bool(r[9]),
                "answers": orjson.Fragment(r[10]) if isinstance(r[10], str) else r[10]}
        if people and not (r[1] == STORY_FORM and anonymous(r[1], orjson.loads(r[10]) if isinstance(r[10], str)
                                                         else r[10])):
            item["sender"] = {"id": r[11], "name": r[12], "phones": phones.get(r[11], [])}
        out.append(item)        # an anonymous story has no sender: its teller asked not to be named
    return out


Position = tuple[str, str, int]      # (area code, form id, report id): where a page of reports ended
START: Position = ("", "", 0)


async def reports_page(s: AsyncSession, areas: Sequence[str], after: Position, limit: int, form: str | None = None,
                       people: bool = False, raw: bool = False, programs: Sequence[int] | None = None
                       ) -> list[dict[str, Any]]:
    """Visible reports (not kept apart as a competing or rejected submission) after ``after``, in (area, form,
    id) order: the order of the (area_code, form_id) index, so a page of a province is a range of the index
    whatever its depth, never a sort of the province (a key for the whole country reads by id: the table in
    sequence; the cursor belongs to the query it came from). ``raw``: answers as orjson fragments (for a JSON page),
    else as dicts. ``programs``: only their reports (None: every program)."""
    q = _paged(_report_query(people, raw), areas, after, limit, form, programs)
    return await _as_dicts(s, (await s.execute(q)).all(), people)


def _paged(q: Select[Any], areas: Sequence[str], after: Position, limit: int, form: str | None,
           programs: Sequence[int] | None) -> Select[Any]:
    """The visible reports of a page after ``after`` (see ``reports_page`` for the order)."""
    q = q.where(Report.conflict.is_(None), of_programs(Report.program_id, programs)).limit(limit)
    if "" in areas:          # the whole country: table order (by id), read in sequence
        q = q.where(Report.id > after[2]).order_by(Report.id)
    else:
        q = q.where(within(Report.area_code, areas), Report.area_code >= after[0],
                    tuple_(Report.area_code, Report.form_id, Report.id) > tuple_(*after)).order_by(
            Report.area_code, Report.form_id, Report.id)
    return q.where(Report.form_id == form) if form else q


# A report as the JSON of a page, built by the database itself (no row objects, no datetimes, no parsing of the
# answers in Python: that was most of a page's time); the same fields as ``_as_dicts`` without ``sender``.
_JSON = {
    "sqlite": "json_object('id', reports.id, 'form', reports.form_id, 'form_version', reports.form_version, "
              "'area', reports.area_code, 'key', reports.key, 'period', reports.period, 'revision', reports.revision, "
              "'created_at', replace(substr(reports.created_at, 1, 19), ' ', 'T') || 'Z', "
              "'updated_at', replace(substr(reports.updated_at, 1, 19), ' ', 'T') || 'Z', "
              "'verified', json(CASE WHEN reports.verified THEN 'true' ELSE 'false' END), "
              "'answers', json(reports.answers))",
    "postgresql": "json_build_object('id', reports.id, 'form', reports.form_id, 'form_version', "
                  "reports.form_version, 'area', reports.area_code, 'key', reports.key, 'period', reports.period, "
                  "'revision', reports.revision, "
                  "'created_at', to_char(reports.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
                  "'updated_at', to_char(reports.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
                  "'verified', coalesce(reports.verified, true), 'answers', reports.answers)::text",
}


async def _rows(s: AsyncSession, q: Select[Any]) -> Sequence[Any]:
    """A column query's rows through the session's connection (Core): the ORM's result machinery (a
    loading step per row) cost 1.4 ms of a page of 1,000 and gives nothing to plain columns."""
    rows: Sequence[Any] = (await (await s.connection()).execute(q)).all()
    return rows


def _json_column(s: AsyncSession) -> Any:
    return literal_column(_JSON[s.get_bind().dialect.name], Text)


async def reports_json_page(s: AsyncSession, areas: Sequence[str], after: Position, limit: int,
                            form: str | None = None, programs: Sequence[int] | None = None
                            ) -> tuple[list[orjson.Fragment], Position | None]:
    """``reports_page`` without people, each report as JSON text from the database (orjson fragments), and
    the position of the last one (None: an empty page)."""
    q = _paged(select(Report.area_code, Report.form_id, Report.id, _json_column(s)), areas, after, limit, form,
               programs)
    rows = await _rows(s, q)
    return [orjson.Fragment(r[3]) for r in rows], ((rows[-1][0], rows[-1][1], rows[-1][2]) if rows else None)


async def reports_json_by_id(s: AsyncSession, ids: Sequence[int]) -> dict[int, orjson.Fragment]:
    """``reports_by_id`` without people, as JSON text from the database."""
    if not ids:
        return {}
    q = select(Report.id, _json_column(s)).where(Report.id.in_(sorted(set(ids))), Report.conflict.is_(None))
    return {int(r[0]): orjson.Fragment(r[1]) for r in await _rows(s, q)}


def position(report: dict[str, Any]) -> Position:
    return report["area"], report["form"], report["id"]


async def reports_by_id(s: AsyncSession, ids: Sequence[int], people: bool = False,
                        raw: bool = False) -> dict[int, dict[str, Any]]:
    """The visible ones among these reports (one query): the change feed's upserts."""
    if not ids:
        return {}
    q = _report_query(people, raw).where(Report.id.in_(sorted(set(ids))), Report.conflict.is_(None))
    return {d["id"]: d for d in await _as_dicts(s, (await s.execute(q)).all(), people)}


# ------------------------------------------------------------------------------------------- recommendations

def _of_programs_items(programs: Sequence[int] | None) -> ColumnElement[bool]:
    """Issue items of the key's programs (an item of every program, NULL, is everyone's)."""
    return true() if programs is None else or_(IssueItem.program_id.is_(None), IssueItem.program_id.in_(sorted(programs)))


async def recommendations_page(s: AsyncSession, areas: Sequence[str], after: int, limit: int,
                               people: bool = False, programs: Sequence[int] | None = None) -> list[dict[str, Any]]:
    """Follow-up recommendations of kecamatan inside the key's areas, each with its history and issue items.
    A recommendation carries no program; its issue items do: with ``programs``, one made only of other programs'
    items is left out, and only the items of the key's programs are listed."""
    q = select(Recommendation).where(within(Recommendation.kec, areas), Recommendation.id > after)
    if programs is not None:
        mine = IssueItem.recommendation_id == Recommendation.id
        q = q.where(or_(~exists().where(mine), exists().where(mine, _of_programs_items(programs))))
    rows = (await s.scalars(q.order_by(Recommendation.id).limit(limit))).all()
    ids = [r.id for r in rows]
    events: dict[int, list[dict[str, Any]]] = defaultdict(list)
    items: dict[int, list[dict[str, Any]]] = defaultdict(list)
    names: dict[int, str] = {}
    if ids:
        evq = select(RecommendationEvent).where(RecommendationEvent.recommendation_id.in_(ids))
        evs = (await s.scalars(evq.order_by(RecommendationEvent.at, RecommendationEvent.id))).all()
        if people:
            who = {e.contact_id for e in evs} | {r.created_by for r in rows}
            names = {i: n for i, n in await s.execute(select(Contact.id, Contact.name).where(Contact.id.in_(who)))}
        for e in evs:
            event = {"status": e.status, "note": e.note, "reason": e.reason, "at": stamp(e.at)}
            if people:
                event["by"] = names.get(e.contact_id)
            events[e.recommendation_id].append(event)
        for it in await s.scalars(select(IssueItem).where(IssueItem.recommendation_id.in_(ids),
                                                          _of_programs_items(programs)).order_by(IssueItem.id)):
            assert it.recommendation_id is not None
            items[it.recommendation_id].append({"report_id": it.report_id, "area": it.area_code, "round": it.round,
                                                "activity": it.activity, "problem": it.problem,
                                                "support": it.support})
    out = []
    for r in rows:
        rec = {"id": r.id, "kecamatan": r.kec, "text": r.text, "level": r.level, "agency": r.agency,
               "target": r.target, "status": r.status, "note": r.note, "created_at": stamp(r.created_at),
               "updated_at": stamp(r.updated_at), "issues": items.get(r.id, []), "history": events.get(r.id, [])}
        if people:
            rec["created_by"] = names.get(r.created_by)
        out.append(rec)
    return out

"""Signed webhooks (issue 26): subscriptions, and the events queued for them.

An event (``report.saved``, ``recommendation.status_changed``, …) is written by ``emit`` in the same
transaction as the change it tells about: one ``webhook_events`` row per active subscription whose events,
area and programs match. The sender moves them into the outbox in the order their transactions committed
(storage/webhook_queue.py), as rows of the channel ``webhook`` for the recipient ``webhook:<subscription id>``
(so each subscription gets its events in commit order, and one failing receiver holds back only itself). The
outbox loop and bot/channels/webhook.py sign and send them. The payload carries ids, codes and numbers only:
no names, no phone numbers, no free text (``safe_values``); every moment is RFC 3339 in UTC (``rfc3339``).

The active subscriptions are read once per ``CACHE_SECONDS`` per database, so a message that saves a report
costs no extra statement; a subscription added or removed in another process takes effect within that time
(on a scripted, fixed clock: when that process starts again).
"""
from __future__ import annotations

import base64
import re
import secrets
import uuid
import weakref
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.dates import zone_for_area
from flows.localtime import zone_name

from .models import (IssueItem, Outbox, Program, Recommendation, Report, Round, WebhookEvent, WebhookMark,
                     WebhookSubscription)

CHANNEL = "webhook"
EVENTS = ("report.saved", "report.revised", "report.deleted", "recommendation.status_changed", "round.closed",
          "story.selected")
CACHE_SECONDS = 5.0
_CODE = re.compile(r"^[A-Za-z0-9_.:\-]{1,40}$")      # a choice code, an ISO date, a key
_PHONE = re.compile(r"^\+?\d{8,}$")


@dataclass(frozen=True)
class Subscription:
    id: int
    url: str
    events: tuple[str, ...]
    area_code: str
    active: bool
    created_at: datetime
    programs: tuple[int, ...] | None = None       # None: every program

    def wants(self, event: str, area_code: str | None, programs: Collection[int | None] | None = None) -> bool:
        """Does this subscription get ``event`` about ``area_code`` (None: no area, e.g. a round) of
        ``programs`` (the event's program ids; None among them: every program; None: no program at all)?"""
        if not self.active or ("*" not in self.events and event not in self.events):
            return False
        if self.programs is not None and (programs is None or (
                None not in programs and not set(self.programs) & set(programs))):
            return False
        return (not self.area_code or area_code is None or area_code == self.area_code
                or area_code.startswith(self.area_code + "."))


def new_secret() -> str:
    """A Standard Webhooks signing secret: ``whsec_`` and 24 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def recipient(subscription_id: int) -> str:
    return f"{CHANNEL}:{subscription_id}"


def subscription_of(external_id: str) -> int | None:
    head, _, tail = external_id.partition(":")
    return int(tail) if head == CHANNEL and tail.isdigit() else None


def rfc3339(moment: datetime) -> str:
    """RFC 3339 in UTC with a Z, to the second (a naive moment is taken as UTC, as storage stores it)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


# ---------------------------------------------------------------- subscriptions

def _programs(value: Sequence[int] | None) -> tuple[int, ...] | None:
    return None if value is None else tuple(value)


def _view(row: WebhookSubscription) -> Subscription:
    return Subscription(row.id, row.url, tuple(row.events or ()), row.area_code or "", row.active, row.created_at,
                        _programs(row.programs))


async def add_subscription(s: AsyncSession, url: str, events: Sequence[str], area_code: str,
                           now: datetime, programs: Sequence[int] | None = None) -> tuple[int, str]:
    """A new subscription; returns (id, signing secret). The caller checked the URL, events, area and programs
    (ids; None: every program)."""
    secret = new_secret()
    row = WebhookSubscription(url=url, secret=secret, events=list(events) or ["*"], area_code=area_code,
                              programs=sorted(set(programs)) if programs is not None else None,
                              active=True, created_at=now)
    s.add(row)
    await s.flush()
    forget_cache()
    return row.id, secret


async def list_subscriptions(s: AsyncSession, with_removed: bool = False) -> list[Subscription]:
    q = select(WebhookSubscription).order_by(WebhookSubscription.id)
    if not with_removed:
        q = q.where(WebhookSubscription.active.is_(True))
    return [_view(r) for r in await s.scalars(q)]


async def remove_subscription(s: AsyncSession, subscription_id: int, now: datetime) -> bool:
    """Stops it (kept for the outbox's history); its queued events fail instead of leaving. False if unknown."""
    row = await s.get(WebhookSubscription, subscription_id)
    if row is None or not row.active:
        return False
    row.active, row.removed_at = False, now
    await s.flush()
    forget_cache()
    return True


async def signing_targets(s: AsyncSession, ids: Sequence[int]) -> dict[int, tuple[str, str, bool]]:
    """{id: (url, secret, active)} of these subscriptions: what the sender needs for a round."""
    if not ids:
        return {}
    rows = await s.execute(select(WebhookSubscription.id, WebhookSubscription.url, WebhookSubscription.secret,
                                  WebhookSubscription.active).where(WebhookSubscription.id.in_(sorted(set(ids)))))
    return {i: (url, secret, bool(active)) for i, url, secret, active in rows}


@dataclass(frozen=True)
class Active:
    """What ``emit`` needs, read once per ``CACHE_SECONDS``: the active subscriptions and the programs' codes."""
    subs: list[Subscription]
    codes: dict[int, str]

    def __bool__(self) -> bool:
        return bool(self.subs)

    def code(self, program: int | None) -> str | None:
        return None if program is None else self.codes.get(program, str(program))


_cache: weakref.WeakKeyDictionary[Any, tuple[datetime, Active]] = weakref.WeakKeyDictionary()


def forget_cache() -> None:
    _cache.clear()


async def _active(s: AsyncSession, now: datetime) -> Active:
    """The active subscriptions, read again once ``CACHE_SECONDS`` have passed on the caller's clock (the
    batch's ``now``): the real time in production, a fixed one in scripted runs, whose counts stay the same
    run to run (bench/guard.py)."""
    engine = s.get_bind()
    hit = _cache.get(engine)
    if hit is not None and abs((now - hit[0]).total_seconds()) < CACHE_SECONDS:
        return hit[1]
    rows = await s.execute(select(WebhookSubscription.id, WebhookSubscription.url, WebhookSubscription.events,
                                  WebhookSubscription.area_code, WebhookSubscription.created_at,
                                  WebhookSubscription.programs)
                           .where(WebhookSubscription.active.is_(True)).order_by(WebhookSubscription.id))
    subs = [Subscription(i, url, tuple(events or ()), area or "", True, created, _programs(programs))
            for i, url, events, area, created, programs in rows]
    codes = {i: c for i, c in await s.execute(select(Program.id, Program.code))} if subs else {}
    active = Active(subs, codes)
    _cache[engine] = (now, active)
    return active


# ---------------------------------------------------------------- events

def safe_values(answers: dict[str, Any]) -> dict[str, Any]:
    """A report's answers without anything that could name a person: numbers, yes/no, choice codes and
    dates stay (lists and repeats of them too); free text, photos and phone numbers are left out."""
    def keep(value: Any) -> Any:
        if isinstance(value, bool) or isinstance(value, (int, float)):
            return value
        if isinstance(value, str):
            return value if _CODE.match(value) and not _PHONE.match(value) else None
        if isinstance(value, list):
            items = [keep(v) for v in value]
            return [v for v in items if v is not None] or None
        if isinstance(value, dict):
            return safe_values(value) or None
        return None
    out = {}
    for key, value in answers.items():
        if key == "photo" or key.startswith("_"):
            continue
        kept = keep(value)
        if kept is not None:
            out[key] = kept
    return out


Item = tuple[str | None, dict[str, Any]] | tuple[str | None, dict[str, Any], Collection[int | None] | None]


def _stage(sub_id: int, event: str, data: dict[str, Any], now: datetime) -> WebhookEvent:
    return WebhookEvent(subscription_id=sub_id, created_at=now, payload={
        "webhook_id": "msg_" + uuid.uuid4().hex, "type": event, "timestamp": rfc3339(now), "data": data})


async def emit(s: AsyncSession, event: str, items: Sequence[Item], now: datetime) -> int:
    """Queue ``event`` once per item (area code, data[, program ids: None among them is every program]) for
    every active subscription that wants it, in the caller's transaction; returns how many deliveries were
    queued. Nothing at all when nobody subscribes. An item without program ids reaches only subscriptions of
    every program."""
    active = await _active(s, now) if items else None
    if not active:
        return 0
    rows = []
    for item in items:
        area_code, data = item[0], item[1]
        programs = item[2] if len(item) > 2 else None
        for sub in active.subs:
            if sub.wants(event, area_code, programs):
                rows.append(_stage(sub.id, event, data, now))
    s.add_all(rows)
    return len(rows)


def _report_data(report_id: int, revision: int, values: dict[str, Any], program: str | None) -> dict[str, Any]:
    return {"report_id": report_id, "revision": revision, "program": program, "form": values["form_id"],
            "form_version": values["form_version"], "area_code": values["area_code"], "key": values["key"],
            "period": values.get("period"), "men": values.get("men"), "women": values.get("women"),
            "pending_review": values.get("conflict") == "pending", "verified": bool(values.get("verified", True)),
            "values": safe_values(values["answers"] or {})}


async def reports_saved(s: AsyncSession, written: Sequence[tuple[int, int, dict[str, Any]]], now: datetime) -> int:
    """The hook of a batch of report writes (storage/repo.py ``flush_reports``): (id, revision, the row's
    values) each; ``report.saved`` for a first revision, ``report.revised`` after."""
    active = await _active(s, now) if written else None
    if not active:
        return 0
    data = [(values["area_code"], _report_data(rid, rev, values, active.code(values.get("program_id"))),
             (values.get("program_id"),)) for rid, rev, values in written]
    return (await emit(s, "report.saved", [d for d in data if d[1]["revision"] <= 1], now)
            + await emit(s, "report.revised", [d for d in data if d[1]["revision"] > 1], now))


async def reports_changed(s: AsyncSession, reports: Sequence[Report | None], now: datetime) -> int:
    """The hook of a report changed one at a time (a correction, a fasilitator's decision between two
    reports): ``report.deleted`` when it no longer counts (rejected, merged into another), else
    ``report.saved`` / ``report.revised`` by its revision."""
    rows = [r for r in reports if r is not None]
    active = await _active(s, now) if rows else None
    if not active:
        return 0
    queued = 0
    for r in rows:
        program = active.code(r.program_id)
        if r.conflict in ("rejected", "merged"):
            queued += await emit(s, "report.deleted", [(r.area_code, {
                "report_id": r.id, "program": program, "form": r.form_id, "area_code": r.area_code, "key": r.key,
                "reason": r.conflict}, (r.program_id,))], now)
            continue
        values = {"form_id": r.form_id, "form_version": r.form_version, "area_code": r.area_code, "key": r.key,
                  "period": r.period, "men": r.men, "women": r.women, "conflict": r.conflict, "answers": r.answers,
                  "verified": r.verified}
        event = "report.saved" if r.revision <= 1 else "report.revised"
        queued += await emit(s, event, [(r.area_code, _report_data(r.id, r.revision, values, program),
                                         (r.program_id,))], now)
    return queued


async def recommendation_changed(s: AsyncSession, rec: Recommendation, items: Sequence[int], now: datetime) -> int:
    """The hook of a recommendation's (follow-up item's) status set: made by a fasilitator, answered by an
    OPD or the koordinator. No note or name: the status, the level, the agency, the items it answers. Its
    programs are those of its issue items (an item of every program: every program)."""
    active = await _active(s, now)
    if not active:
        return 0
    programs = set(await s.scalars(select(IssueItem.program_id).where(IssueItem.id.in_(sorted(items))))
                   ) if items else {None}
    return await emit(s, "recommendation.status_changed", [(rec.kec, {
        "recommendation_id": rec.id, "area_code": rec.kec, "status": rec.status, "level": rec.level,
        "agency": rec.agency, "target": rec.target, "items": sorted(items),
        "programs": sorted(c for c in (active.code(p) for p in programs) if c is not None)}, programs)], now)


async def story_decided(s: AsyncSession, kind: str, story: Report, level: str, panel_area: str,
                        now: datetime) -> int:
    """The hook of a panel's decision on a story of change (storage/stories.py ``decide``): ``story.selected``
    when it selected it (a question back to the teller is no event)."""
    active = await _active(s, now) if kind == "select" else None
    if not active:
        return 0
    return await emit(s, "story.selected", [(story.area_code, {
        "report_id": story.id, "program": active.code(story.program_id), "area_code": story.area_code,
        "level": level, "panel_area_code": panel_area, "domain": (story.answers or {}).get("level"),
        "period": story.period}, (story.program_id,))], now)


def round_end(due: str, area_code: str) -> tuple[str, datetime]:
    """(zone name, moment) at which a round due on ``due`` (a local calendar day) has ended in the zone of
    ``area_code``: midnight after its due day, WIB/WITA/WIT. For every area (""), WIB's midnight, the last of
    the three: the round has then ended everywhere."""
    zone = zone_for_area(area_code or None)
    return zone_name(area_code or None), datetime.combine(date.fromisoformat(due) + timedelta(days=1), time(0), zone)


async def round_closed(s: AsyncSession, name: str, start: str, due: str, now: datetime,
                       program: int | None | str = "by name") -> int:
    """``round.closed`` once per zone, when the round's due day has ended there (midnight WIB, WITA or WIT of
    the subscription's area; every area: WIB), and only within a week of it: a webhook added later is not sent
    every round of the past. Only to subscriptions of the round's program (a round of every program: to all).
    The data says when it closed (``closed_at``, RFC 3339 UTC) and in which zone. Returns how many queued.
    ``program``: the round's program (two programs may each have a round of this name; each closes once);
    without it, the program of a round of that name."""
    active = await _active(s, now)
    if not active:
        return 0
    if isinstance(program, str):
        program = await s.scalar(select(Round.program_id).where(Round.name == name).limit(1))
    wanted = [sub for sub in active.subs if sub.wants("round.closed", None, (program,))]
    groups: dict[str, list[Subscription]] = {}
    for sub in wanted:
        groups.setdefault(round_end(due, sub.area_code)[0], []).append(sub)
    queued = 0
    for zone, subs in groups.items():
        closed = round_end(due, subs[0].area_code)[1]
        key = f"round.closed|{name}|{zone}" if program is None else f"round.closed|{name}|{program}|{zone}"
        if not closed <= now < closed + timedelta(days=7) or await s.get(WebhookMark, key) is not None \
                or await s.get(WebhookMark, f"round.closed|{name}") is not None:     # marked before 0019
            continue
        s.add(WebhookMark(key=key, at=now))
        data = {"round": name, "program": active.code(program), "start": start, "due": due, "zone": zone,
                "closed_at": rfc3339(closed)}
        s.add_all([_stage(sub.id, "round.closed", data, now) for sub in subs])
        queued += len(subs)
    return queued


async def queue_test(s: AsyncSession, subscription_id: int, now: datetime) -> int | None:
    """A ``webhook.test`` event for one active subscription (`pantau webhook test`), after the events already
    committed for it; its outbox row id."""
    from .webhook_queue import release
    row = await s.get(WebhookSubscription, subscription_id)
    if row is None or not row.active:
        return None
    await release(s, now)
    out = Outbox(channel=CHANNEL, external_id=recipient(row.id), status="pending", attempts=0, created_at=now,
                 next_attempt_at=now, payload={"webhook_id": "msg_" + uuid.uuid4().hex, "type": "webhook.test",
                                               "timestamp": rfc3339(now), "data": {"subscription": row.id}})
    s.add(out)
    await s.flush()
    return out.id


async def delivery_state(s: AsyncSession, outbox_id: int) -> tuple[str | None, str | None]:
    """(status, last error) of one delivery."""
    row = await s.get(Outbox, outbox_id)
    return (row.status, row.error) if row is not None else (None, None)

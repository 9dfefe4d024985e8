"""Signed webhooks (issue 26): subscriptions, and the events queued for them in the outbox.

An event (``report.saved``, ``recommendation.status_changed``, …) is queued by ``emit`` in the same
transaction as the change it tells about: one outbox row of the channel ``webhook`` per active subscription
whose events and area match, recipient ``webhook:<subscription id>`` (so each subscription gets its events in
the order they happened, and one failing receiver holds back only itself). The outbox loop and
bot/channels/webhook.py sign and send them. The payload carries ids, codes and numbers only: no names, no
phone numbers, no free text (``safe_values``).

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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Outbox, Recommendation, Report, WebhookMark, WebhookSubscription

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

    def wants(self, event: str, area_code: str | None) -> bool:
        if not self.active or ("*" not in self.events and event not in self.events):
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
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


# ---------------------------------------------------------------- subscriptions

def _view(row: WebhookSubscription) -> Subscription:
    return Subscription(row.id, row.url, tuple(row.events or ()), row.area_code or "", row.active, row.created_at)


async def add_subscription(s: AsyncSession, url: str, events: Sequence[str], area_code: str,
                           now: datetime) -> tuple[int, str]:
    """A new subscription; returns (id, signing secret). The caller checked the URL, events and area."""
    secret = new_secret()
    row = WebhookSubscription(url=url, secret=secret, events=list(events) or ["*"], area_code=area_code,
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


_cache: weakref.WeakKeyDictionary[Any, tuple[datetime, list[Subscription]]] = weakref.WeakKeyDictionary()


def forget_cache() -> None:
    _cache.clear()


async def _active(s: AsyncSession, now: datetime) -> list[Subscription]:
    """The active subscriptions, read again once ``CACHE_SECONDS`` have passed on the caller's clock (the
    batch's ``now``): the real time in production, a fixed one in scripted runs, whose counts stay the same
    run to run (bench/guard.py)."""
    engine = s.get_bind()
    hit = _cache.get(engine)
    if hit is not None and abs((now - hit[0]).total_seconds()) < CACHE_SECONDS:
        return hit[1]
    rows = await s.execute(select(WebhookSubscription.id, WebhookSubscription.url, WebhookSubscription.events,
                                  WebhookSubscription.area_code, WebhookSubscription.created_at)
                           .where(WebhookSubscription.active.is_(True)).order_by(WebhookSubscription.id))
    subs = [Subscription(i, url, tuple(events or ()), area or "", True, created) for i, url, events, area, created in rows]
    _cache[engine] = (now, subs)
    return subs


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


async def emit(s: AsyncSession, event: str, items: Sequence[tuple[str | None, dict[str, Any]]],
               now: datetime) -> int:
    """Queue ``event`` once per item (area code, data) for every active subscription that wants it, in the
    caller's transaction; returns how many deliveries were queued. Nothing at all when nobody subscribes."""
    subs = await _active(s, now) if items else []
    if not subs:
        return 0
    rows = []
    for area_code, data in items:
        body = {"type": event, "timestamp": rfc3339(now), "data": data}
        for sub in subs:
            if sub.wants(event, area_code):
                rows.append(Outbox(channel=CHANNEL, external_id=recipient(sub.id),
                                   payload={"webhook_id": "msg_" + uuid.uuid4().hex, **body},
                                   status="pending", attempts=0, created_at=now, next_attempt_at=now))
    s.add_all(rows)
    return len(rows)


def _report_data(report_id: int, revision: int, values: dict[str, Any]) -> dict[str, Any]:
    return {"report_id": report_id, "revision": revision, "form": values["form_id"],
            "form_version": values["form_version"], "area_code": values["area_code"], "key": values["key"],
            "period": values.get("period"), "men": values.get("men"), "women": values.get("women"),
            "pending_review": values.get("conflict") == "pending", "verified": bool(values.get("verified", True)),
            "values": safe_values(values["answers"] or {})}


async def reports_saved(s: AsyncSession, written: Sequence[tuple[int, int, dict[str, Any]]], now: datetime) -> int:
    """The hook of a batch of report writes (storage/repo.py ``flush_reports``): (id, revision, the row's
    values) each; ``report.saved`` for a first revision, ``report.revised`` after."""
    if not written or not await _active(s, now):
        return 0
    data = [(values["area_code"], _report_data(rid, rev, values)) for rid, rev, values in written]
    return (await emit(s, "report.saved", [d for d in data if d[1]["revision"] <= 1], now)
            + await emit(s, "report.revised", [d for d in data if d[1]["revision"] > 1], now))


async def reports_changed(s: AsyncSession, reports: Sequence[Report | None], now: datetime) -> int:
    """The hook of a report changed one at a time (a correction, a fasilitator's decision between two
    reports): ``report.deleted`` when it no longer counts (rejected, merged into another), else
    ``report.saved`` / ``report.revised`` by its revision."""
    rows = [r for r in reports if r is not None]
    if not rows or not await _active(s, now):
        return 0
    queued = 0
    for r in rows:
        if r.conflict in ("rejected", "merged"):
            queued += await emit(s, "report.deleted", [(r.area_code, {
                "report_id": r.id, "form": r.form_id, "area_code": r.area_code, "key": r.key,
                "reason": r.conflict})], now)
            continue
        values = {"form_id": r.form_id, "form_version": r.form_version, "area_code": r.area_code, "key": r.key,
                  "period": r.period, "men": r.men, "women": r.women, "conflict": r.conflict, "answers": r.answers,
                  "verified": r.verified}
        event = "report.saved" if r.revision <= 1 else "report.revised"
        queued += await emit(s, event, [(r.area_code, _report_data(r.id, r.revision, values))], now)
    return queued


async def recommendation_changed(s: AsyncSession, rec: Recommendation, items: Sequence[int], now: datetime) -> int:
    """The hook of a recommendation's (follow-up item's) status set: made by a fasilitator, answered by an
    OPD or the koordinator. No note or name: the status, the level, the agency, the items it answers."""
    return await emit(s, "recommendation.status_changed", [(rec.kec, {
        "recommendation_id": rec.id, "area_code": rec.kec, "status": rec.status, "level": rec.level,
        "agency": rec.agency, "target": rec.target, "items": sorted(items)})], now)


async def story_decided(s: AsyncSession, kind: str, story: Report, level: str, panel_area: str,
                        now: datetime) -> int:
    """The hook of a panel's decision on a story of change (storage/stories.py ``decide``): ``story.selected``
    when it selected it (a question back to the teller is no event)."""
    if kind != "select":
        return 0
    return await emit(s, "story.selected", [(story.area_code, {
        "report_id": story.id, "area_code": story.area_code, "level": level, "panel_area_code": panel_area,
        "domain": (story.answers or {}).get("level"), "period": story.period})], now)


async def round_closed(s: AsyncSession, name: str, start: str, due: str, now: datetime) -> bool:
    """``round.closed`` once, the day after its due date (and only within a week of it: a webhook added
    later is not sent every round of the past). True if queued now."""
    day = now.date()
    due_day = datetime.fromisoformat(due).date()
    if not due_day < day <= due_day + timedelta(days=7) or not await _active(s, now):
        return False
    key = f"round.closed|{name}"
    if await s.get(WebhookMark, key) is not None:
        return False
    s.add(WebhookMark(key=key, at=now))
    await emit(s, "round.closed", [(None, {"round": name, "start": start, "due": due})], now)
    return True


async def queue_test(s: AsyncSession, subscription_id: int, now: datetime) -> int | None:
    """A ``webhook.test`` event for one active subscription (`pantau webhook test`); its outbox row id."""
    row = await s.get(WebhookSubscription, subscription_id)
    if row is None or not row.active:
        return None
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

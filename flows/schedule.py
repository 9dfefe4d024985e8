"""Which reminders and scheduled summaries are due now. Pure: the runner (bot/reminders.py) sends them.

A round's schedule is data (``DEFAULT_SCHEDULE`` unless the round says otherwise). Every send time is
in the desa's own zone (WIB, WITA, WIT), never in quiet hours, and each reminder has a unique key so
that it is sent once, however often and from however many processes the runner is called.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from .dates import zone_for_area
from .types import RoundView

DEFAULT_SCHEDULE: dict[str, Any] = {
    "before_days": [3],         # reminder N days before the due date
    "on_due": True,             # on the due date
    "after_days": [1],          # N days after the due date
    "escalate_after_days": 2,   # then the fasilitator kecamatan gets the list of missing desa
    "hour": 8,                  # local send time
    "quiet_from": 20,           # nothing is sent from 20:00 …
    "quiet_until": 7,           # … until 07:00 local
    "weekly_summary_weekday": 0,  # Monday: summary to koordinator during the round
}


@dataclass(frozen=True)
class Person:
    contact_id: int
    name: str
    area_code: str


@dataclass(frozen=True)
class Due:
    key: str                    # unique per message ever sent
    contact_id: int
    kind: str                   # before, due, after, escalate, weekly, closed
    params: dict[str, Any]


def _window(day: date, area: str, sched: dict[str, Any], now: datetime) -> bool:
    """True when ``now`` is on ``day`` in the area's zone, at or after the send hour, before quiet hours."""
    local = now.astimezone(zone_for_area(area))
    return local.date() == day and sched["hour"] <= local.hour < sched["quiet_from"] and local.hour >= sched["quiet_until"]


def due_reminders(rnd: RoundView, now: datetime, missing: dict[str, list[Person]],
                  facilitators: dict[str, list[Person]], names: dict[str, str],
                  schedule: dict[str, Any] | None = None) -> list[Due]:
    """Reminders due at ``now``.

    ``missing``: desa code → its kader, for desa that have not reported this round.
    ``facilitators``: kecamatan code → its fasilitator. ``names``: area code → name (for the lists).
    """
    sched = {**DEFAULT_SCHEDULE, **(schedule or {})}
    due = date.fromisoformat(rnd.due)
    out: list[Due] = []
    plan = [(f"before{n}", "before", due - timedelta(days=n), n) for n in sched["before_days"]]
    if sched["on_due"]:
        plan.append(("due", "due", due, 0))
    plan += [(f"after{n}", "after", due + timedelta(days=n), n) for n in sched["after_days"]]
    for desa, people in missing.items():
        for tag, kind, day, n in plan:
            if _window(day, desa, sched, now):
                for p in people:
                    out.append(Due(f"{rnd.name}|{tag}|{p.contact_id}", p.contact_id, kind,
                                   {"round": rnd.name, "due": rnd.due, "days": n, "name": p.name,
                                    "desa": names.get(desa, desa)}))
    esc_day = due + timedelta(days=sched["escalate_after_days"])
    by_kec: dict[str, list[str]] = {}
    for desa in missing:
        by_kec.setdefault(desa.rsplit(".", 1)[0], []).append(desa)
    for kec, desas in by_kec.items():
        if not _window(esc_day, kec, sched, now):
            continue
        for p in facilitators.get(kec, []):
            out.append(Due(f"{rnd.name}|escalate|{p.contact_id}", p.contact_id, "escalate",
                           {"round": rnd.name, "due": rnd.due, "name": p.name, "kecamatan": names.get(kec, kec),
                            "missing": sorted(names.get(d, d) for d in desas)}))
    return out


def due_summaries(rnd: RoundView, now: datetime, coordinators: list[Person],
                  schedule: dict[str, Any] | None = None) -> list[Due]:
    """Weekly summaries while a round runs, and one when it closes (the day after the due date)."""
    sched = {**DEFAULT_SCHEDULE, **(schedule or {})}
    start, due = date.fromisoformat(rnd.start), date.fromisoformat(rnd.due)
    out = []
    for p in coordinators:
        local = now.astimezone(zone_for_area(p.area_code)).date()
        if start <= local <= due and local.weekday() == sched["weekly_summary_weekday"] and \
                _window(local, p.area_code, sched, now):
            week = local.isocalendar()
            out.append(Due(f"{rnd.name}|weekly-{week.year}-{week.week}|{p.contact_id}", p.contact_id, "weekly",
                           {"round": rnd.name, "area": p.area_code}))
        if _window(due + timedelta(days=1), p.area_code, sched, now):
            out.append(Due(f"{rnd.name}|closed|{p.contact_id}", p.contact_id, "closed",
                           {"round": rnd.name, "area": p.area_code}))
    return out

"""Time is UTC inside, local outside: a stored moment shown to a person is in their area's zone (WIB, WITA,
WIT from the province, flows.dates.zone_for_area) with the zone's name beside it."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING

from .dates import zone_for_area

if TYPE_CHECKING:
    from .types import Context

_NAMES = {7: "WIB", 8: "WITA", 9: "WIT"}


def zone_name(area_code: str | None) -> str:
    """"WIB", "WITA" or "WIT" for an area code (unknown areas: WIB, like zone_for_area)."""
    offset = zone_for_area(area_code).utcoffset(None) or timedelta(0)
    return _NAMES.get(int(offset.total_seconds() // 3600), "UTC")


def local(moment: datetime, area_code: str | None) -> datetime:
    """``moment`` (aware; a naive one is taken as UTC, as storage returned it before) in the area's zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(zone_for_area(area_code))


def local_date(moment: datetime, area_code: str | None) -> date:
    """The area's calendar day at ``moment``: 20:00 UTC is already the next day in WIB, WITA and WIT."""
    return local(moment, area_code).date()


def stamp(moment: datetime, area_code: str | None) -> str:
    """"2024-08-15 12:00 WIT": a moment for a cell or a line of text, in the area's zone."""
    return f"{local(moment, area_code):%Y-%m-%d %H:%M} {zone_name(area_code)}"


def person_today(ctx: Context) -> date:
    """Today on the calendar of the person talking (their area's zone; no contact yet: WIB)."""
    return local_date(ctx.now, ctx.contact.area_code if ctx.contact else None)

"""``date``: a day ("6 Agustus", "10/8/2024", "kemarin", "Kamis lalu"), kept as ISO text."""
from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from babel.dates import format_date

from ..dates import check_meeting_date, read_date, zone_for_area
from ..form_model import Question
from ..formats import fmt_date
from ..problem import N_, Gettext, Problem
from ..results import Accepted, Answer, Confirm
from .base import QType, Typed


def _long_date(value: date, lang: str) -> str:
    return format_date(value, format="EEEE, d MMMM y", locale=lang)


def read(a: Typed) -> Answer:
    """A date read in the area's zone, checked (not in the future, the form's constraints) as it is read; a
    guessed year or day, or a date long ago, is shown back and asked before it is kept."""
    q, text, lang = a.q, a.text, a.lang
    now = a.now.astimezone(zone_for_area(a.draft.area))
    read = read_date(text, now)
    if isinstance(read, Problem):
        return read
    value = read.value
    if q.not_future:
        problem = check_meeting_date(value, now)
        if problem:
            return problem
    checked = a.check({q.name: value.isoformat()})
    if isinstance(checked, Problem):
        return checked
    again = Problem(N_("Baik, mohon tulis tanggal lengkap dengan tahunnya, misalnya 10/8/2024."))
    if read.guess == "year_back" and read.ahead:
        return Confirm("date", checked, Problem(N_("%(ahead)s belum lewat. Maksud Anda %(meant)s?"),
                                                {"ahead": format_date(read.ahead, format="long", locale=lang),
                                                 "meant": format_date(value, format="long", locale=lang)}),
                       on_no=again)
    if read.guess in ("day_only", "weekday"):
        return Confirm("date", checked, Problem(N_("Maksud Anda %(date)s?"), {"date": _long_date(value, lang)}),
                       on_no=again)
    if q.confirm_older_than_days and value < now.date() - timedelta(days=q.confirm_older_than_days):
        return Confirm("date", checked, Problem(N_("Tanggal %(date)s sudah lebih dari setahun yang lalu. "
                                                   "Benar tanggal ini?"),
                                                {"date": format_date(value, format="long", locale=lang)}),
                       on_no=Problem(N_("Baik, mohon tulis tanggal yang benar.")))
    return Accepted(checked)


def show(q: Question, value: Any, lang: str, t: Gettext) -> str:
    return fmt_date(value, lang)


def _help(q: Question, t: Gettext) -> str:
    return t("Tulis tanggalnya, misalnya 6 Agustus, 10/8/2024, kemarin, atau Kamis lalu.")


def cell(q: Question, value: Any) -> Any:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return str(value)


def computed(q: Question, value: Any) -> Any:
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        return None


def xls_binds(row: dict[str, Any], bind: dict[str, Any]) -> None:
    """today() - 7 is a number of days in XLSForm; a date question's default (or calculation) is its date."""
    for holder, key in ((bind, "calculate"), (row, "default")):
        value = str(holder.get(key) or "").strip()
        if re.search(r"[-+]", value) and re.search(r"\$\{|\(", value) and not value.startswith("date("):
            holder[key] = f"date({value})"


TYPE = QType("date", read, show, help=_help, cell=cell, computed=computed, kind="date", lexicon=True, checks_itself=True,
             xls_in=("date",), xls_out="date", xls_binds=xls_binds, width=12, table_type="date", package_type="date")

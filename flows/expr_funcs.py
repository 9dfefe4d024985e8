"""The XPath functions of XLSForm expressions, as the form expression language runs them (flows/expr.py).

Every function takes already evaluated values and never raises: what cannot be computed is None ("not known
yet"). Dates are ISO texts (``2024-08-15``, ``2024-08-15T10:30:00``) as answers store them; in arithmetic and
in a comparison with a number a date is its number of days since 1970-01-01, as in ODK
(``today() - 7``, ``decimal-date-time(${visit})``).
"""
from __future__ import annotations

import hashlib
import json
import math
import re
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

EPOCH = date(1970, 1, 1)
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")
_DAYS = ("Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min")


def num(value: Any) -> float | None:
    if value is None or value == "" or isinstance(value, (list, dict)):
        return None
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    days = as_days(value)
    if days is not None:
        return days
    try:
        return float(str(value).replace(",", "."))
    except ValueError:
        return None


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(text(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ------------------------------------------------------------------ dates

def as_days(value: Any) -> float | None:
    """An ISO date or date-time text as days since 1970-01-01 (a date-time with its fraction); else None."""
    if not isinstance(value, str) or not _ISO.fullmatch(value.strip()):
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    day = (moment.date() - EPOCH).days
    return float(day) + (moment.hour * 3600 + moment.minute * 60 + moment.second) / 86400


def _moment(value: Any) -> datetime | None:
    if isinstance(value, str) and _ISO.fullmatch(value.strip()):
        try:
            return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).replace(tzinfo=None)
        except ValueError:
            return None
    days = num(value)
    if days is None or math.isnan(days) or math.isinf(days):
        return None
    try:
        return datetime(1970, 1, 1) + timedelta(days=days)
    except OverflowError:           # before year 1 or after 9999: no date (3,000,000 days was past 9999)
        return None


def to_date(value: Any) -> str | None:
    """XPath date(): a number of days or a date text → the ISO date."""
    moment = _moment(value)
    return None if moment is None else moment.date().isoformat()


def decimal_date_time(value: Any) -> float | None:
    moment = _moment(value)
    if moment is None:
        return None
    return (moment - datetime(1970, 1, 1)).total_seconds() / 86400


def format_date(value: Any, pattern: Any) -> str | None:
    """ODK's format-date(): %Y %y %m %n %b %d %e %a %H %h %M %S %3 (month and day names in Indonesian)."""
    moment = _moment(value)
    if moment is None:
        return None
    codes = {"Y": f"{moment.year:04d}", "y": f"{moment.year % 100:02d}", "m": f"{moment.month:02d}",
             "n": str(moment.month), "b": _MONTHS[moment.month - 1], "d": f"{moment.day:02d}", "e": str(moment.day),
             "a": _DAYS[moment.weekday()], "H": f"{moment.hour:02d}", "h": str(moment.hour),
             "M": f"{moment.minute:02d}", "S": f"{moment.second:02d}", "3": f"{moment.microsecond // 1000:03d}"}
    return re.sub(r"%(.)", lambda m: codes.get(m.group(1), m.group(0)), text(pattern))


def date_arith(op: Any, a: Any, b: Any) -> Any:
    """``a op b`` where a date stands for its days (``today() - 7``); None when that is no number either."""
    x, y = num(a), num(b)
    if x is None or y is None:
        return None
    try:
        return op(x, y)
    except (ZeroDivisionError, OverflowError):
        return None


# ------------------------------------------------------------------ numbers, texts, lists

def _whole(value: float | None, how: Any) -> int | None:
    return None if value is None or math.isinf(value) or math.isnan(value) else int(how(value))


def _round(value: Any, digits: Any = 0) -> float | int | None:
    x, d = num(value), num(digits)
    if x is None or d is None or math.isinf(x) or math.isnan(x):
        return None
    try:
        out = Decimal(str(x)).quantize(Decimal(1).scaleb(-int(d)), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return None
    return int(out) if int(d) <= 0 else float(out)


def _flat(args: tuple[Any, ...]) -> list[Any]:
    return [v for a in args for v in (a if isinstance(a, list) else [a])]


def _extreme(pick: Any, *args: Any) -> float | None:
    values = [num(v) for v in _flat(args)]
    return None if not values or None in values else pick(v for v in values if v is not None)


def _sum(*args: Any) -> float | int | None:
    """XPath sum() over a repeat's answers: the unanswered ones left out (an empty repeat sums to 0)."""
    values = [num(v) for v in _flat(args) if v not in (None, "")]
    if None in values:
        return None
    total = float(sum(v for v in values if v is not None))
    return int(total) if total.is_integer() else total


def _join(sep: Any, *args: Any) -> str:
    return text(sep).join(text(v) for v in _flat(args) if v not in (None, ""))


def _substr(value: Any, start: Any, end: Any = None) -> str:
    s, a, b = text(value), num(start), num(end)
    return s[max(0, int(a or 0)):None if b is None else max(0, int(b))]


def _regex(value: Any, pattern: Any) -> bool | None:
    try:
        return re.search(str(pattern), text(value)) is not None
    except re.error:
        return None


def _selected_at(value: Any, index: Any) -> str:
    items = value if isinstance(value, list) else text(value).split()
    i = num(index)
    return str(items[int(i)]) if i is not None and 0 <= int(i) < len(items) else ""


def _item_at(values: Any, index: Any) -> Any:
    """indexed-repeat(): the answer in the n-th item (counting from 1), None when there is none."""
    i = num(index)
    if not isinstance(values, list) or i is None or not 1 <= int(i) <= len(values):
        return None
    return values[int(i) - 1]


@lru_cache(maxsize=128)
def table(encoded: str) -> Any:
    """A form's own data written into an expression (choice labels, a choice list) as JSON, read once."""
    return json.loads(encoded)


def _choice_name(value: Any, _question: Any, labels: Any) -> str:
    names = table(str(labels))
    if isinstance(value, list):
        return " ".join(str(names.get(text(v), text(v))) for v in value)
    return "" if value in (None, "") else str(names.get(text(value), text(value)))


def random_for(seed: Any, which: Any) -> float:
    """random(): a number in [0, 1) fixed for one report (its start) and one place in the form, so a condition
    or a calculation on it does not change while the report is filled."""
    digest = hashlib.sha1(f"{seed}|{which}".encode()).hexdigest()
    return int(digest[:13], 16) / 16 ** 13


FUNCTIONS: dict[str, Any] = {
    "to_int": lambda v: _whole(num(v), math.trunc), "number": num, "string": text, "round": _round,
    "floor": lambda v: _whole(num(v), math.floor), "ceiling": lambda v: _whole(num(v), math.ceil),
    "abs": lambda v: None if num(v) is None else abs(num(v) or 0), "min": lambda *a: _extreme(min, *a),
    "max": lambda *a: _extreme(max, *a), "concat": lambda *a: "".join(text(v) for v in a), "substr": _substr,
    "contains": lambda a, b: text(b) in text(a), "starts_with": lambda a, b: text(a).startswith(text(b)),
    "ends_with": lambda a, b: text(a).endswith(text(b)), "regex": _regex,
    "coalesce": lambda a, b: a if a not in (None, "", []) else b, "selected_at": _selected_at, "once": lambda v: v,
    "sum": _sum, "join": _join, "item_at": _item_at, "date": to_date, "decimal_date_time": decimal_date_time,
    "format_date": format_date, "choice_name": _choice_name,
}

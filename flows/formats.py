"""How a number, a date and a choice are written for a person: babel for the user's language.

Below flows/display.py and the question types (flows/qtypes/), which both show answers with these.
"""
from __future__ import annotations

from datetime import date
from functools import lru_cache

from babel.dates import format_date
from babel.numbers import format_decimal

from .form_model import Question


@lru_cache(maxsize=8192)
def fmt_number(value: int | float, lang: str) -> str:
    """Cached: babel re-reads the locale's number pattern on every call (the hottest line of a reply)."""
    return format_decimal(value, locale=lang)


def fmt_date(value: date | str, lang: str) -> str:
    d = date.fromisoformat(value) if isinstance(value, str) else value
    return format_date(d, format="long", locale=lang)


def choice_label(q: Question, value: str, lang: str) -> str:
    for c in q.choices:
        if c.value == value:
            return c.label[lang]
    return str(value)

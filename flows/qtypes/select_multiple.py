"""``select_multiple``: any of the question's choices, kept as a list of their values."""
from __future__ import annotations

from typing import Any

from .. import answers as A
from ..form_model import Question
from ..formats import choice_label
from ..problem import Gettext, Problem
from ..results import Accepted, Answer
from .base import QType, Typed, as_text


def read(a: Typed) -> Answer:
    """Several choices in one message ("1, 3"); a long list in pages is read by flows/answer_types.py."""
    several = A.parse_choices(a.text, a.options())
    return several if isinstance(several, Problem) else Accepted({a.q.name: several})


def show(q: Question, value: Any, lang: str, t: Gettext) -> str:
    return ", ".join(choice_label(q, v, lang) for v in value)


def _help(q: Question, t: Gettext) -> str:
    return t("Ketik nomor pilihan, boleh lebih dari satu, misalnya 1, 3.")


def check(q: Question, value: Any) -> Problem | bool | None:
    """A choice that is no longer among the question's choices is asked again."""
    return True if q.choices and not set(value) <= {c.value for c in q.choices} else None


def cell(q: Question, value: Any) -> Any:
    """The choices' Indonesian labels, comma-separated."""
    return ", ".join(next((c.label["id"] for c in q.choices if c.value == x), str(x)) for x in value)


def computed(q: Question, value: Any) -> Any:
    """A computed default naming choices' values, space-separated as in ODK ("gizi air")."""
    text = as_text(value)
    picked = text.split() if text is not None else []
    return picked if picked and set(picked) <= {c.value for c in q.choices} else None


def typed(value: Any) -> str:
    return ", ".join(value)


def xls_read(row: dict[str, Any], q: dict[str, Any]) -> None:
    """A default given in XLSForm names its choices space-separated ("gizi air"); a form file, comma-separated."""
    if "default" in q:
        q["default"] = ", ".join(str(q["default"]).split())


def xls_write(q: Question, row: dict[str, Any]) -> None:
    if q.default is not None:
        row["default"] = " ".join(v.strip() for v in q.default.split(","))


TYPE = QType("select_multiple", read, show, help=_help, check=check, cell=cell, computed=computed, typed=typed, kind="list", lexicon=True,
             choices=True, many=True, xls_in=("select all that apply",), xls_out="select_multiple", xls_read=xls_read, xls_write=xls_write, width=28,
             package_type="string")

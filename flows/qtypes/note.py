"""``note``: a text shown, nothing asked (a read-only XLSForm question is one too, with its value)."""
from __future__ import annotations

from ..form_model import Question
from ..problem import Gettext
from .base import QType
from .text import show


def _no_hint(q: Question, t: Gettext) -> str | None:
    return None


TYPE = QType("note", None, show, hint=_no_hint, required=False, xls_in=("note",), xls_out="note")

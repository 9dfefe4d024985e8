"""``repeat``: a list of items, each answering the repeat's own questions (flows/forms.py reads them,
flows/positions.py walks them); the repeat itself is never asked, only its questions are."""
from __future__ import annotations

from typing import Any

from ..form_model import Question
from ..problem import Gettext
from .base import QType


def show(q: Question, value: Any, lang: str, t: Gettext) -> str:
    """How many items."""
    return str(len(value))


TYPE = QType("repeat", None, show, kind="list", xls_out="begin_repeat")

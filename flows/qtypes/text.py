"""``text``: a few words, kept as typed (spaces tidied)."""
from __future__ import annotations

import re
from typing import Any

from ..form_model import Question
from ..problem import N_, Gettext, Problem
from ..results import Accepted, Answer
from .base import QType, Typed, as_text


def read(a: Typed) -> Answer:
    value = re.sub(r"\s+", " ", (a.text or "").replace("\x00", "")).strip()
    if not value or not any(ch.isalnum() for ch in value):
        return Problem(N_("Mohon tulis jawabannya dengan beberapa kata."))
    if len(value) > 2000:
        return Problem(N_("Jawaban terlalu panjang (paling banyak 2.000 huruf). Mohon diringkas."))
    return Accepted({a.q.name: value})


def show(q: Question, value: Any, lang: str, t: Gettext) -> str:
    return str(value)


def computed(q: Question, value: Any) -> Any:
    return as_text(value)


TYPE = QType("text", read, show, computed=computed, kind="text", xls_in=("text", "phone number"), xls_out="text",
             package_type="string")

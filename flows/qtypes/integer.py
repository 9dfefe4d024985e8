"""``integer``: a whole number, by default a count of people or things (0 to 100,000, "tujuh puluh sembilan").

Two integer questions may be a pair (``pair:``, men then women): either one reads "L 79 P 38" for both.
The pair is not a type of its own; it is a field of an integer question, read here.
"""
from __future__ import annotations

import re
from typing import Any

from .. import answers as A
from ..form_model import NUMBER_MAX, NUMBER_MIN, Question
from ..formats import fmt_number
from ..lexicon import NONE
from ..numbers import bare_no, numbers_in, parse_number
from ..problem import N_, Gettext, Problem
from ..results import Accepted, Answer, Confirm
from .base import YES, QType, Typed, is_number
from .decimal import UNIT, parse_decimal


def parse_integer(q: Question, text: str) -> int | Problem:
    """A whole number: a count (the built-in forms' people, 0 to 100,000 unless the form says otherwise) or,
    for a form from Excel, any whole number within the question's own bounds (negative ones too)."""
    if q.count:
        return parse_number(text, minimum=q.minimum, maximum=q.maximum, lexicon=NONE)   # read by filling.py
    s = re.sub(r"\s+", " ", (text or "").strip().lower())
    grouped = re.fullmatch(rf"([-−]?)\s*(\d{{1,3}}(?:\.\d{{3}})+)\s*{UNIT}", s)     # "1.250": thousands
    if grouped:
        value: float | Problem = (-1 if grouped.group(1) else 1) * float(grouped.group(2).replace(".", ""))
    else:
        value = parse_decimal(s)
    if isinstance(value, Problem):
        if "terlalu besar" in value.msgid:
            return value
        return Problem(N_("Mohon tulis sebuah angka."))
    if not value.is_integer():
        return Problem(N_("Mohon tulis bilangan bulat, tanpa koma."))
    if value < q.minimum:
        return Problem(N_("Angka paling sedikit %(minimum)s."), {"minimum": q.minimum})
    if value > q.maximum:
        return Problem(N_("Angka paling banyak %(maximum)s."), {"maximum": q.maximum})
    return int(value)


def read(a: Typed) -> Answer:
    """A count or a whole number; at one of a men and women pair, both at once ("L 79 P 38")."""
    form, q, text, siblings = a.form, a.q, a.text, a.siblings
    partner = q.pair or next((o.name for o in siblings if o.pair == q.name), None)
    if partner:
        first = q.name if q.pair else partner      # the question that owns "pair" is the men's
        second = partner if q.pair else q.name
        men_q, women_q = form.question(first), form.question(second)
        pair = A.parse_men_women(text, ((men_q.minimum, men_q.maximum), (women_q.minimum, women_q.maximum)), NONE)
        if isinstance(pair, Problem):
            return pair
        if pair is not None:
            return Accepted({first: pair[0], second: pair[1]}, auto=(second,) if q.name == first else (first,))
        said = A.named(text)            # the other one, both ("lk2 pr2 20") or everyone ("total 35"): not this count
        if said is not None and said != ("m" if q.name == first else "w"):
            return Problem(N_("Pertanyaan ini tentang laki-laki. Mohon tulis jumlahnya, atau sekaligus: L 79 P 38.")
                           if q.name == first else
                           N_("Pertanyaan ini tentang perempuan. Mohon tulis jumlahnya, atau sekaligus: L 79 P 38."))
    value = parse_integer(q, text)
    if isinstance(value, Problem):
        if q.count and q.minimum <= 0 <= q.maximum and bare_no(text):   # "seng", "gak": none, perhaps -- asked
            checked = a.check({q.name: 0})
            if isinstance(checked, Problem):      # understood, but 0 breaks the form's rule: the rule is said
                return checked
            return Confirm("none", checked, Problem(N_("Maksud Anda tidak ada, jadi jumlahnya 0?")))
        two = numbers_in(text) if partner else []
        if len(two) == 2:           # "sepuluh lima", "10 5": men and women, perhaps -- asked, never summed
            return Problem(N_("Maksud Anda laki-laki %(men)s dan perempuan %(women)s? Mohon tulis sekaligus dengan "
                              "L dan P, misalnya: L %(men)s P %(women)s."), {"men": two[0], "women": two[1]})
        return value
    return Accepted({q.name: value})


def show(q: Question, value: Any, lang: str, t: Gettext) -> str:
    return fmt_number(value, lang)


def _help(q: Question, t: Gettext) -> str:
    return (t("Tulis jumlahnya dengan angka, misalnya 79 atau \"tujuh puluh sembilan\".") if q.count
            else t("Tulis angkanya, misalnya 7."))


def check(q: Question, value: Any) -> Problem | bool | None:
    """A stored number read again against the question's bounds (True: not a whole number at all)."""
    n = parse_integer(q, str(value)) if isinstance(value, int) and not isinstance(value, bool) else None
    if isinstance(n, Problem) or n is None:
        return n if isinstance(n, Problem) else True
    return None


def cell(q: Question, value: Any) -> Any:
    return value if isinstance(value, int) else str(value)


def computed(q: Question, value: Any) -> Any:
    return int(value) if is_number(value) and float(value).is_integer() and abs(value) < 1e12 else None


COUNT_MIN, COUNT_MAX = 0, 100_000       # a count's bounds unless the form says otherwise


def xls_read(row: dict[str, Any], q: dict[str, Any]) -> None:
    """An XLSForm integer is any whole number unless ``pantau_count`` says it is a count of people."""
    if str(row.get("pantau_count", "")).lower() not in YES:
        q["count"] = False      # any whole number: only the bounds its constraint (or pantau_min/max) gives


def xls_write(q: Question, row: dict[str, Any]) -> None:
    if q.count:
        row["pantau_count"] = "yes"           # a count of people: 0 to 100,000 and its own wording
    if q.minimum != (COUNT_MIN if q.count else NUMBER_MIN):
        row["pantau_min"] = q.minimum
    if q.maximum != (COUNT_MAX if q.count else NUMBER_MAX):
        row["pantau_max"] = q.maximum


TYPE = QType("integer", read, show, typed_as=N_("Terima kasih, tetapi pertanyaan ini perlu dijawab dengan angka."), help=_help, check=check, cell=cell, computed=computed, kind="number", lexicon=True,
             none_skips=False, xls_in=("integer",), xls_out="integer", xls_read=xls_read, xls_write=xls_write, width=10, table_type="integer",
             package_type="integer")

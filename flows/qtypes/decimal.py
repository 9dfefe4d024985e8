"""``decimal``: a number with decimals as Indonesians write it ("2,5", "1.250,75")."""
from __future__ import annotations

import re
from typing import Any

from ..form_model import Question
from ..formats import fmt_number
from ..numbers import words_to_int
from ..problem import N_, Gettext, Problem
from ..results import Accepted, Answer
from .base import QType, Typed, is_number

UNIT = r"[a-z%°²³/.]*"        # a unit after a number ("2,5 kg", "30%"): read past


def parse_decimal(text: str) -> float | Problem:
    """A number with decimals as Indonesians write it: "2,5", "2.5", "1.250,75", "-0,5 kg", "tujuh".

    The comma is the decimal sign; dots group thousands ("1.250.000"). "1.250" could be 1250 or
    1,25 and is asked again rather than guessed.
    """
    s = re.sub(r"\s+", " ", (text or "").strip().lower())
    if len(s) > 40:                      # never cut what was typed into another number
        return Problem(N_("Mohon tulis angkanya, misalnya 2,5."))
    m = re.fullmatch(rf"([-−]?)\s*(\d[\d.,]*)\s*{UNIT}", s)
    if not m:
        words = words_to_int(s)
        if words is not None:
            return float(words)
        return Problem(N_("Mohon tulis angkanya, misalnya 2,5."))
    sign = -1.0 if m.group(1) else 1.0
    raw = m.group(2).rstrip(".,")
    dots, commas = raw.count("."), raw.count(",")
    grouped = r"\d{1,3}(?:%s\d{3})+"
    if dots and commas:
        dec, group = ("," if raw.rfind(",") > raw.rfind(".") else "."), None
        group = "." if dec == "," else ","
        whole, _, frac = raw.rpartition(dec)
        if not re.fullmatch(grouped % re.escape(group), whole) or not frac.isdigit():
            return Problem(N_("Angka \"%(value)s\" belum bisa dibaca. Tulis desimal dengan koma, misalnya 2,5."),
                           {"value": raw[:20]})
        value = float(whole.replace(group, "") + "." + frac)
    elif commas == 1:
        value = float(raw.replace(",", "."))
    elif commas > 1 or (dots > 1 and not re.fullmatch(grouped % r"\.", raw)):
        return Problem(N_("Angka \"%(value)s\" belum bisa dibaca. Tulis desimal dengan koma, misalnya 2,5."),
                       {"value": raw[:20]})
    elif dots > 1:
        value = float(raw.replace(".", ""))
    elif dots == 1 and re.fullmatch(r"[1-9]\d{0,2}\.\d{3}", raw):
        whole, frac = raw.split(".")
        return Problem(N_("Maksud Anda %(thousands)s atau %(decimal)s? Tulis desimal dengan koma, misalnya "
                          "%(decimal)s."), {"thousands": whole + frac, "decimal": f"{whole},{frac.rstrip('0') or '0'}"})
    else:
        value = float(raw)
    if value > 1e12:
        return Problem(N_("Angka %(value)s terlalu besar. Mohon periksa lagi."), {"value": raw[:12] + "…"})
    return sign * value


def read(a: Typed) -> Answer:
    number = parse_decimal(a.text)
    return number if isinstance(number, Problem) else Accepted({a.q.name: number})


def show(q: Question, value: Any, lang: str, t: Gettext) -> str:
    return fmt_number(value, lang)


def _help(q: Question, t: Gettext) -> str:
    return t("Tulis angkanya, pakai koma untuk desimal, misalnya 2,5.")


def computed(q: Question, value: Any) -> Any:
    return float(value) if is_number(value) and abs(value) < 1e12 else None


def typed(value: Any) -> str:
    return repr(value).replace(".", ",")        # the comma is the decimal sign: never read as thousands


TYPE = QType("decimal", read, show, typed_as=N_("Terima kasih, tetapi pertanyaan ini perlu dijawab dengan angka."), help=_help, computed=computed, typed=typed, lexicon=True, xls_in=("decimal",), xls_out="decimal",
             table_type="number", package_type="number")

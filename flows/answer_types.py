"""Answers of the kinds XLSForm forms brought: decimals with a comma, coordinates typed as text,
long choice lists shown in pages, choices filtered by an earlier answer, repeats with a count.

Kept apart from filling.py, which calls these through a few small hooks.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .expr import evaluate
from .numbers import words_to_int
from .problem import N_, Problem

if TYPE_CHECKING:
    from .forms import Form, Question

Options = list[tuple[str, list[str]]]

PAGE_SIZE = 9            # choices per page: one digit each, 0 shows the next page
PAGE_WHEN_MORE_THAN = 10
MAX_REPEAT_COUNT = 50

_UNIT = r"[a-z%°²³/.]*"


def parse_decimal(text: str) -> float | Problem:
    """A number with decimals as Indonesians write it: "2,5", "2.5", "1.250,75", "-0,5 kg", "tujuh".

    The comma is the decimal sign; dots group thousands ("1.250.000"). "1.250" could be 1250 or
    1,25 and is asked again rather than guessed.
    """
    s = re.sub(r"\s+", " ", (text or "").strip().lower())
    if len(s) > 40:                      # never cut what was typed into another number
        return Problem(N_("Mohon tulis angkanya, misalnya 2,5."))
    m = re.fullmatch(rf"([-−]?)\s*(\d[\d.,]*)\s*{_UNIT}", s)
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


_COORD = re.compile(r"[-−]?\d{1,3}(?:[.,]\d+)?")


def parse_coordinates(text: str) -> list[float] | Problem:
    """"lat, lon" typed or pasted: "-3.12345, 130.54321", "-3,12345 130,54321", "-3.1;130.5"."""
    s = (text or "").strip().lower()
    if len(s) > 80:
        s = ""                           # too long to be coordinates: asked again
    s = re.sub(r"^(lokasi|koordinat|titik|lat(itude)?)\s*:?\s*", "", s)
    numbers = _COORD.findall(s)
    rest = _COORD.sub(" ", s)
    if len(numbers) != 2 or re.sub(r"[\s,;/]|lon(gitude)?|lng|:", "", rest):
        return Problem(N_("Mohon kirim lokasi lewat tombol lampiran, atau ketik koordinatnya, misalnya "
                          "-3.12345, 130.54321."))
    lat, lon = (float(n.replace("−", "-").replace(",", ".")) for n in numbers)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return Problem(N_("Koordinat itu tidak ada di peta (lintang -90 sampai 90, bujur -180 sampai 180). "
                          "Mohon periksa lagi."))
    return [lat, lon]


# ------------------------------------------------------------------ long lists in pages

def paged(options: Options) -> bool:
    return len(options) > PAGE_WHEN_MORE_THAN


def page_of(draft: dict[str, Any]) -> int:
    """The page of the list shown at the draft's position (0 when the position changed)."""
    page = draft.get("page") or {}
    return int(page.get("n", 0)) if page.get("pos") == draft.get("pos") else 0


def page_count(options: Options) -> int:
    return (len(options) + PAGE_SIZE - 1) // PAGE_SIZE


def page_options(options: Options, page: int) -> Options:
    return options[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]


def take_paged(draft: dict[str, Any], text: str, options: Options) -> str | Problem | None:
    """A number typed at a paged list: "0" turns the page (kept in the draft), "3" is the page's third.
    None when the text is not a number (then words are matched against every option)."""
    m = re.fullmatch(r"(?:no\.?|nomor|nomer|pilih)?\s*(\d{1,6})", text.strip().lower())
    if not m:
        return None
    s = m.group(1)
    page = page_of(draft)
    shown = page_options(options, page)
    if s == "0":
        draft["page"] = {"pos": draft.get("pos"), "n": (page + 1) % page_count(options)}
        return Problem(N_("Pilihan lainnya:"))
    i = int(s)
    if 1 <= i <= len(shown):
        return str(shown[i - 1][0])
    return Problem(N_("Nomor %(number)s tidak ada. Mohon pilih nomor 1 sampai %(count)s, atau ketik 0 untuk "
                      "pilihan lain."), {"number": s, "count": len(shown)})


# ------------------------------------------------------------------ choice filters and counted repeats

def filter_choices(q: Question, options: Options, values: dict[str, Any] | None) -> Options:
    """The options whose choice passes the question's choice_filter (all of them without one)."""
    if not q.choice_filter or values is None:
        return options
    data = {c.value: c.data for c in q.choices}
    return [o for o in options if evaluate(q.choice_filter, {**values, "$choice": data.get(o[0], {})})]


def stale_choice(q: Question, value: Any, values: dict[str, Any]) -> bool:
    """Whether an answer is no longer among the choices its filter offers (an earlier answer changed)."""
    if not q.choice_filter or value in (None, "", []):
        return False
    allowed = {v for v, _ in filter_choices(q, [(c.value, []) for c in q.choices], values)}
    return any(v not in allowed for v in (value if isinstance(value, list) else [value]))


def repeat_count(rep: Question, values: dict[str, Any]) -> int:
    """How many items a counted repeat has now (0 while its count is not answered)."""
    value = evaluate(rep.repeat_count or "0", values)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0
    return max(0, min(MAX_REPEAT_COUNT, int(value)))


def uses_today(form: Form) -> bool:
    """Whether any expression of the form calls today() (only then is the date put in the answers)."""
    questions = [sub for q in form.questions for sub in (q, *q.questions)]
    exprs = [e for q in questions for e in (q.relevant, q.constraint, q.repeat_count, q.choice_filter)]
    return any("today(" in e for e in exprs + [e for _, e in form.calculate] if e)

"""Choices, yes/no and compound answers ("L 79 P 38") as cadres type them."""
from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz import fuzz

from .numbers import parse_number
from .problem import N_, Problem

_YES = {"ya", "iya", "iyah", "y", "yes", "ok", "oke", "okey", "okay", "betul", "benar", "bener", "sudah",
        "sdh", "udah", "udh", "sip", "siap", "boleh", "setuju", "yoi", "yup", "ya benar", "ya betul", "1"}
_NO = {"tidak", "tdk", "gak", "ga", "gk", "nggak", "ngga", "enggak", "engga", "ndak", "nda", "belum",
       "blm", "no", "n", "bukan", "jangan", "tidak ada", "gak ada", "ga ada", "2"}


def normalize(text: str) -> str:
    return re.sub(r"\s+", " ", (text or "").strip().lower()).strip(" .,!?")


def parse_yes_no(text: str) -> bool | Problem:
    """True for ya/iya/ok/betul/sudah/…, False for tidak/gak/nggak/belum/…"""
    s = normalize(text)
    if s in _YES or s.split(" ")[0] in _YES - {"1"}:
        return True
    if s in _NO or s.split(" ")[0] in _NO - {"2"}:
        return False
    return Problem(N_("Mohon jawab ya atau tidak."))


def parse_choice(text: str, options: Sequence[tuple[str, Sequence[str]]]) -> str | Problem:
    """Pick one option by its number, its words, a unique prefix, or with a small typo.

    ``options`` is a list of (value, labels): labels in every language the option answers to.
    Returns the chosen value.
    """
    s = normalize(text)
    if not s:
        return Problem(N_("Mohon pilih salah satu dengan mengetik nomornya."))
    m = re.fullmatch(r"(no\.?|nomor|nomer|pilih)?\s*(\d+)", s)
    if m:
        digits = m.group(2)
        i = int(digits) if len(digits) <= 6 else 0     # never int() a 10,000-digit string
        if 1 <= i <= len(options):
            return options[i - 1][0]
        return Problem(N_("Nomor %(number)s tidak ada. Mohon pilih nomor 1 sampai %(count)s."),
                       {"number": digits if len(digits) <= 6 else digits[:6] + "…", "count": len(options)})
    labels = [(value, normalize(label)) for value, ls in options for label in ls]
    exact = {v for v, label in labels if label == s or v == s}
    if len(exact) == 1:
        return exact.pop()
    prefix = {v for v, label in labels if label.startswith(s) or any(w.startswith(s) for w in label.split())}
    if len(prefix) == 1 and len(s) >= 2:
        return prefix.pop()
    scored = sorted(((fuzz.WRatio(s, label), v) for v, label in labels), reverse=True)
    if scored and scored[0][0] >= 86 and (len(scored) == 1 or scored[0][1] == scored[1][1]
                                          or scored[0][0] - scored[1][0] >= 8):
        return scored[0][1]
    return Problem(N_("Pilihan itu belum dikenali. Mohon ketik nomornya, misalnya 1."))


def parse_choices(text: str, options: Sequence[tuple[str, Sequence[str]]]) -> list[str] | Problem:
    """Several options at once: "1, 3", "1 3", "desa dan kabupaten"."""
    s = normalize(text)
    parts = [p for p in re.split(r"\s*(?:,|;|/|\bdan\b|\bserta\b|&|\+)\s*", s) if p]
    if len(parts) == 1 and re.fullmatch(r"\d+( \d+)+", parts[0]):
        parts = parts[0].split()
    chosen: list[str] = []
    for part in parts:
        value = parse_choice(part, options)
        if isinstance(value, Problem):
            return Problem(N_("Pilihan \"%(part)s\" belum dikenali. Boleh pilih lebih dari satu, misalnya: 1, 3."),
                           {"part": part[:40]})
        if value not in chosen:
            chosen.append(value)
    if not chosen:
        return Problem(N_("Mohon pilih salah satu dengan mengetik nomornya."))
    return chosen


_MEN = r"(?:laki-laki|laki2|laki - laki|laki laki|lakilaki|laki|lk|l|pria|cowok|co|bapak-bapak|bapak2|bapak)"
_WOMEN = r"(?:perempuan|prempuan|perempuan2|wanita|pr|p|cewek|ce|ibu-ibu|ibu2|ibu)"
_NUM = r"(-?\d[\d.,]*|[a-z ]+?)"


def parse_men_women(text: str) -> tuple[int, int] | Problem | None:
    """Men and women in one answer: "L 79 P 38", "laki2 79 perempuan 38", "79 laki-laki, 38 perempuan".

    Returns (men, women), a Problem if it looks compound but a number is wrong, or None if the
    text is not a compound answer at all.
    """
    s = normalize(text).replace(":", " ").replace("=", " ")
    s = re.sub(r"(?<!\d),|,(?!\d)|\s+dan\s+|;", " , ", s)
    patterns = [
        (rf"^{_MEN}\s*{_NUM}\s*,?\s*{_WOMEN}\s*{_NUM}$", ("m", "w")),
        (rf"^{_WOMEN}\s*{_NUM}\s*,?\s*{_MEN}\s*{_NUM}$", ("w", "m")),
        (rf"^{_NUM}\s*(?:orang\s*)?{_MEN}\s*,?\s*{_NUM}\s*(?:orang\s*)?{_WOMEN}$", ("m", "w")),
        (rf"^{_NUM}\s*(?:orang\s*)?{_WOMEN}\s*,?\s*{_NUM}\s*(?:orang\s*)?{_MEN}$", ("w", "m")),
    ]
    for pattern, order in patterns:
        m = re.match(pattern, s)
        if not m:
            continue
        values = {}
        for key, raw in zip(order, m.groups()):
            n = parse_number(raw.strip(" ,"))
            if isinstance(n, Problem):
                return n
            values[key] = n
        return values["m"], values["w"]
    return None

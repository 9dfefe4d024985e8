"""Indonesian numbers as cadres type them: "79", "79 orang", "± 40", "1.250", "tujuh puluh sembilan".

No library parses Indonesian number words, so ``words_to_int`` is written here and tested by
round trip against ``num2words(lang="id")``.
"""
from __future__ import annotations

import re

from .lexicon import BASE, BaseWords, Lexicon, chosen
from .problem import N_, Problem

# the number words nought to nine, ten, eleven and a hundred, thousand and million (base.yaml ``words: units``,
# ``se_numbers``, ``scales``, ``se_scales``: flows.lexicon.BASE); belas, puluh and ratus are the grammar below

# Words around a number that carry no meaning for the count (the question says what is counted).
_NOISE = re.compile(r"$^")     # base.yaml ``words: count_noise``, compiled when it is installed
# "there were none" (zero at a count question): base.yaml ``words: none``
#: longer text is not a count: refused without being scanned
MAX_LEN = 200
_SCALE_DIGITS = re.compile(r"(\d+)(?:[.,](\d{1,3}))?\s*(ribu|rb|juta|jt)")
_WORDS_BY_LENGTH: list[str] = []


def _derive(base: BaseWords) -> None:
    global _NOISE
    _NOISE = re.compile(r"\b(" + "|".join(re.escape(w) for w in base.count_noise) + r")\b\.?")
    _WORDS_BY_LENGTH[:] = sorted([*base.units, *base.se_numbers, *base.scales, *base.se_scales, "belas", "puluh",
                                  "ratus"], key=len, reverse=True)


BASE.derive(_derive)


def _split_joined(token: str) -> list[str] | None:
    """"duapuluhlima" → ["dua", "puluh", "lima"]: number words written together, or None."""
    out, i = [], 0
    while i < len(token):
        for w in _WORDS_BY_LENGTH:
            if token.startswith(w, i):
                out.append(w)
                i += len(w)
                break
        else:
            return None
    return out
_SYMBOLS = re.compile(r"[^\w\s.,/+\-±~:=%]")
_APPROX = re.compile(r"^(±|\+/-|\+-|~|kurang lebih|sekitar|kira-kira|kira2|kl\.?)\s*")


def words_to_int(text: str) -> int | None:
    """Parse Indonesian number words ("seratus dua puluh enam") to an int, or None."""
    tokens = _number_words(text)
    if not tokens:
        return None
    total = 0      # completed thousands / millions
    group = 0      # the current group below a thousand
    pending = None  # a unit word waiting for belas / puluh / ratus
    last_mag = 1000  # magnitudes inside a group must decrease: 100, 10, 1
    last_scale = 10**9
    seen = False
    after_ten = False   # "sepuluh" takes no unit after it: "sepuluh lima" is two numbers, not 15
    for tok in tokens:
        if tok in BASE.units:
            if pending is not None or last_mag == 1 or after_ten:  # "dua tiga", "sebelas dua", "sepuluh lima"
                return None
            pending = BASE.units[tok]
            seen = True
        elif tok in BASE.se_numbers:
            value = BASE.se_numbers[tok]
            mag = 100 if value == 100 else 10
            if pending is not None or mag >= last_mag:
                return None
            group += value
            last_mag = 1 if value == 11 else mag
            seen = True
            after_ten = value == 10
            continue
        elif tok == "belas":
            if pending is None or pending == 0 or last_mag <= 10:
                return None
            group += 10 + pending
            pending, last_mag = None, 1
        elif tok in ("puluh", "ratus"):
            mag = 10 if tok == "puluh" else 100
            if pending is None or pending < 1 or mag >= last_mag:
                return None
            group += pending * mag
            pending, last_mag = None, mag
        elif tok in BASE.scales or tok in BASE.se_scales:
            scale = BASE.scales.get(tok) or BASE.se_scales[tok]
            amount = _scale_amount(tok, scale, last_scale, group, pending)
            if amount is None:
                return None
            total += amount * scale
            group, pending, last_mag, last_scale = 0, None, 1000, scale
            seen = True
        else:
            return None
        after_ten = False
    if not seen:
        return None
    return total + group + (pending or 0)


def _number_words(text: str) -> list[str] | None:
    """The number words of ``text`` (words written together split apart); None: a word that is not one."""
    tokens: list[str] = []
    for tok in re.sub(r"[^a-z ]", " ", text[:MAX_LEN].lower()).split():
        known = (tok in BASE.units or tok in BASE.se_numbers or tok in BASE.scales or tok in BASE.se_scales
                 or tok in ("belas", "puluh", "ratus"))
        parts = [tok] if known else _split_joined(tok)
        if parts is None:
            return None
        tokens += parts
    return tokens


def _scale_amount(tok: str, scale: int, last_scale: int, group: int, pending: int | None) -> int | None:
    """How many of ``scale`` (ribu, juta; seribu, sejuta) the words so far make, or None when they cannot."""
    if scale >= last_scale:
        return None
    if tok in BASE.se_scales:
        if pending is not None or group:
            return None
        return 1
    amount = group + (pending or 0)
    return None if amount == 0 else amount


#: patterns compiled once (``re.sub(pattern, …)`` looks each up in re's cache at every call)
_SPACES = re.compile(r"\s+")
_DIGIT_AN = re.compile(r"(\d)\s*an\b")
_DIGIT_ORANG = re.compile(r"(\d)\s*(orang|org)\b")
_NEGATIVE = re.compile(r"-\s*\d+([.,]\d+)?")
_THOUSANDS = re.compile(r"\d{1,3}(\.\d{3})+")
_DIGITS = re.compile(r"\d+")
_FRACTION = re.compile(r"\d+[.,]\d+")
_SLASH = re.compile(r"\d+\s*/\s*\d+")
_EXPONENT = re.compile(r"[\d.,]+e[\d+-]+")
_A_DIGIT = re.compile(r"\d")
_GROUPED_OR_SLASH = re.compile(r"\d{1,3}(\.\d{3})+|\d+\s*/\s*\d+")


def parse_number(text: str, *, minimum: int = 0, maximum: int = 100_000, lexicon: Lexicon | None = None
                 ) -> int | Problem:
    """A whole count of people or things (``lexicon``: regional and SMS words read first).

    Returns the number, or a ``Problem`` saying what is expected (negative, fraction, too large,
    not a number).
    """
    text = chosen(lexicon).canonical(text or "")
    raw = _SPACES.sub(" ", (text or "").strip().lower())
    if not raw:
        return Problem(N_("Mohon tulis jumlahnya dengan angka, misalnya 79."))
    if len(raw) > MAX_LEN:
        if raw.isdigit():
            return Problem(N_("Angka %(value)s terlalu besar. Mohon periksa lagi."), {"value": raw[:12] + "…"})
        return Problem(N_("Mohon tulis jumlahnya dengan angka, misalnya 79."))
    if none_said(raw):                  # "tidak ada", "tidak ada pak", "kosong bu"
        return _limits(0, minimum, maximum)
    inexact = _inexact(raw)
    if inexact is not None:
        return inexact
    s = _APPROX.sub("", _ABOUT.sub(" ", raw).strip())
    s = _SYMBOLS.sub(" ", s)                       # an emoji or a mark beside the number: "20 👍", "20!!"
    s = s.replace("±", " ")
    s = _DIGIT_AN.sub(r"\1", s)          # "40an" → 40
    s = _DIGIT_ORANG.sub(r"\1 ", s)  # "79org"
    s = _NOISE.sub(" ", s)
    s = _SPACES.sub(" ", s).strip(" .:=")
    scaled = _SCALE_DIGITS.fullmatch(s)
    if scaled:
        whole, frac, scale = scaled.groups()
        unit = 1_000 if scale in ("ribu", "rb") else 1_000_000
        value = int(whole) * unit + (int(frac.ljust(3, "0")) * unit // 1000 if frac else 0)
        return _limits(value, minimum, maximum)
    if _NEGATIVE.fullmatch(s) or s.startswith("min "):
        return Problem(N_("Jumlah tidak bisa kurang dari nol. Mohon tulis angka, misalnya 79."))
    m = _THOUSANDS.fullmatch(s)     # "1.250", "12.000" – dots group thousands
    if m:
        value = int(s.replace(".", ""))
    elif _DIGITS.fullmatch(s):
        if len(s) > 12:
            return Problem(N_("Angka %(value)s terlalu besar. Mohon periksa lagi."), {"value": s[:12] + "…"})
        value = int(s)
    elif _FRACTION.fullmatch(s) or _SLASH.fullmatch(s) or "setengah" in s:
        return Problem(N_("Jumlah orang harus bilangan bulat, misalnya 79, bukan pecahan."))
    elif _EXPONENT.fullmatch(s):
        return Problem(N_("Mohon tulis jumlahnya dengan angka biasa, misalnya 79."))
    else:
        words = None if _A_DIGIT.search(s) else words_to_int(s)     # "10 5 empat" is not 4
        if words is None:
            several = numbers_in(s)
            if len(several) >= 2:
                return Problem(N_("Ada %(count)s angka dalam jawaban Anda (%(numbers)s). Mohon tulis satu jumlah "
                                  "saja dengan angka, misalnya 79."),
                               {"count": len(several), "numbers": ", ".join(str(n) for n in several[:4])})
            return Problem(N_("Mohon tulis jumlahnya dengan angka, misalnya 79."))
        value = words
    return _limits(value, minimum, maximum)


def _limits(value: int, minimum: int, maximum: int) -> int | Problem:
    if value < minimum:
        return Problem(N_("Jumlah paling sedikit %(minimum)s."), {"minimum": minimum})
    if value > maximum:
        return Problem(
            N_("Angka %(value)s terlalu besar (paling banyak %(maximum)s). Mohon periksa lagi."),
            {"value": value, "maximum": maximum},
        )
    return value


# "about N" is taken as N (the existing, documented reading); "more than N", "almost N", ranges are not one count
_ABOUT = re.compile(r"^\s*(kurang lebih|lebih kurang|krg lbh|krg lebih|kurang lbh|lbh krg|lbh kurang|kurleb)\b")
_MORE_LESS = re.compile(r"\b(lebih|lbh|lebi|hampir|hmpr|hampi|kurang|krg|di atas|diatas|di bawah|dibawah|"
                        r"belum sampai|blm sampai|tidak sampai|tdk sampai|ke atas|keatas|minimal|maksimal|paling)\b"
                        r"|\d\s*\+(?!\s*\d)")
_RANGE = re.compile(r"\d\s*(?:-|–|s/d|sd|sampai|smp|hingga|ke|atau|/)\s*\d|\bantara\b|\b(?:atau|sampai|hingga)\b")


def _inexact(raw: str) -> Problem | None:
    """"dua ratus lebih", "lebih dari 50", "hampir 40", "30-40", "30 atau 40": not one count, refused with why."""
    s = _ABOUT.sub(" ", raw)
    if _GROUPED_OR_SLASH.fullmatch(s.strip(" .")):
        return None         # "1.250" groups thousands; "1/2" is refused as a fraction
    if _MORE_LESS.search(s):
        return Problem(N_("\"%(text)s\" bukan jumlah yang pasti. Mohon tulis jumlahnya dengan tepat, misalnya 79."),
                       {"text": raw[:40]})
    if _RANGE.search(s) and len(numbers_in(s)) >= 2:
        return Problem(N_("\"%(text)s\" adalah rentang. Mohon tulis satu jumlah yang pasti, misalnya 79."),
                       {"text": raw[:40]})
    return None


#: a "2" written straight after a word doubles it ("ibu2" = ibu-ibu, "kader2", "cewe2"): not a number
REDUPLICATED = re.compile(r"(?<=[a-z]{2})2\b")


def numbers_in(text: str) -> list[int]:
    """Each separate number in the text, digits or words: "sepuluh lima" → [10, 5], "10 dan 5" → [10, 5]; the "2" of
    "ibu2" is not one where other numbers are there ("laki2 20 prmpuan 15": [20, 15]; "kelas2" alone: [2])."""
    low = text[:MAX_LEN].lower()
    return _numbers_in(REDUPLICATED.sub("", low)) or _numbers_in(low)


def _numbers_in(text: str) -> list[int]:
    out: list[int] = []
    group: list[str] = []
    for tok in re.findall(r"\d+|[a-z]+", text):
        if tok.isdigit():
            if group:
                out.append(words_to_int(" ".join(group)) or 0)
                group = []
            out.append(int(tok[:12]))
        elif words_to_int(" ".join([*group, tok])) is not None:
            group.append(tok)
        elif words_to_int(tok) is not None:
            if group:
                out.append(words_to_int(" ".join(group)) or 0)
            group = [tok]
        elif group:
            out.append(words_to_int(" ".join(group)) or 0)
            group = []
    if group:
        out.append(words_to_int(" ".join(group)) or 0)
    return out


#: "no" words that, alone at a count, say nothing about a number: "bukan" (it is not), "jangan" (do not), "belum"
#: (not yet: perhaps not counted yet)
_NOT_NONE = frozenset({"belum", "blm", "bukan", "jangan", "jgn"})


def bare_no(text: str) -> bool:
    """A plain "no" — "tidak", "gak", "nggak", Ambonese "seng" and Kupang "sonde" once the person's lexicon has read
    them as "tidak" — perhaps with a polite word ("tidak pak"). At a count it may mean none, or may not: the
    question shows 0 back and asks, it never stores 0 on its own."""
    words = _SPACES.sub(" ", text[:MAX_LEN].strip().lower()).strip(" .!,").split()
    negators = (BASE.no & BASE.negators) - _NOT_NONE
    polite = BASE.yes_no_filler - {"ada"}          # "tidak ada …" is none itself (``none_said``)
    return bool(words) and words[0] in negators and all(w in negators or w in polite for w in words[1:])


def none_said(text: str, after_yes: bool = False) -> bool:
    """A "none" phrase with polite words around it: "tidak ada pak", "seng ada bu" (once read as "tidak ada"), and,
    with ``after_yes``, after a yes ("ya, tidak ada"): what a count's 0 is, said as people say it."""
    words = re.findall(r"[a-z0-9']+", text[:MAX_LEN].lower())
    kept = [w for w in words if w == "ada" or w not in BASE.yes_no_filler]
    if after_yes and kept and kept[0] in BASE.yes:
        kept = kept[1:]
    return " ".join(kept) in BASE.none

"""Indonesian dates as cadres type them, relative to the message time in the area's zone.

dateparser does the heavy lifting (languages id, DMY, prefer past); this module adds what it
misses: "Kamis lalu", "hari Kamis", "minggu lalu" (last week, not Sunday), "6 Agst 2024",
numeric dates with two-digit years, and impossible dates such as "31/2/2025".
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from types import ModuleType

from rapidfuzz import fuzz

from .lexicon import BASE, BaseWords, Lexicon, chosen
from .numbers import words_to_int
from .problem import N_, Problem

#: longer text is not a date: refused without being scanned
MAX_LEN = 80


@dataclass(frozen=True)
class DateRead:
    """A date read from text. ``guess`` says what was assumed and must be shown back before it is stored:
    "year_back" (no year, and this year's date is still ahead: ``ahead`` is that one), "day_only" (a bare day
    of the month), "weekday" (an ambiguous day word such as "minggu kemarin")."""

    value: date
    guess: str | None = None
    ahead: date | None = None

#: Indonesian time zones by province code (first two digits of the Kemendagri code).
WIB, WITA, WIT = (timezone(timedelta(hours=h)) for h in (7, 8, 9))
_WITA_PROVINCES = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}


def zone_for_area(area_code: str | None) -> timezone:
    """WIB, WITA or WIT for an area code ("81.01" → WIT). Unknown areas default to WIB."""
    prov = (area_code or "")[:2]
    if prov in _WITA_PROVINCES:
        return WITA
    if prov.isdigit() and int(prov) >= 81:
        return WIT
    return WIB


# day and month names, English and misspelled day names, today/yesterday words, last night and tonight:
# base.yaml ``words: weekdays``, ``months``, ``weekdays_en``, ``weekday_typos``, ``relative_days``, ``last_night``,
# ``tonight`` (flows.lexicon.BASE)
_PART_OF_DAY = re.compile(r"\s+(?:(?:jam|pukul|pkl|jm)\.?\s*\d{1,2}(?:[.:]\d{2})?(?:\s*(?:wib|wita|wit))?"
                          r"(?:\s+(?:pagi|siang|sore|malam))?|pagi|siang|sore|malam|tadi)$")
#: dateparser is slow on text that is no date at all: it is asked only when one of these words is in the answer
_DATE_WORDS: set[str] = set()
#: every day name (Indonesian first, then English, then a misspelling) and its number, Monday = 0
_ANY_WEEKDAY: dict[str, int] = {}


def _derive(base: BaseWords) -> None:
    _ANY_WEEKDAY.clear()
    _ANY_WEEKDAY.update({**base.weekday_typos, **base.weekdays_en, **base.weekdays})
    _DATE_WORDS.clear()
    _DATE_WORDS.update({*base.months, *_ANY_WEEKDAY, "lalu", "ago", "yesterday",
                        "today", "besok", "lusa", "kemarin", "minggu", "pekan", "bulan", "tahun", "hari", "week",
                        "month", "year", "last"})


BASE.derive(_derive)
_LAST = r"(?:lalu|kemarin|kemaren|kmrn|kmarin|yang lalu|yg lalu|kmrin|kmren|kemrin)"


def _fix_kemarin(s: str) -> str:
    """Common typos of "kemarin" ("kemarim", "kemareen") read as it."""
    words = s.split(" ")
    for i, w in enumerate(words):
        if w.startswith("k") and 5 <= len(w) <= 9 and w not in BASE.weekdays and fuzz.ratio(w, "kemarin") >= 80:
            words[i] = "kemarin"
    return " ".join(words)


def _calendar(s: str, y: int, mo: int, d: int) -> date | Problem:
    try:
        return date(y, mo, d)
    except ValueError:
        return Problem(N_("Tanggal %(text)s tidak ada di kalender. Mohon periksa lagi, misalnya 10/8/2024."),
                       {"text": s})


def _without_year(s: str, today: date, mo: int, d: int) -> DateRead | Problem:
    """A day and month: this year's, or, when that is still ahead, last year's shown back to be confirmed."""
    value = _calendar(s, today.year, mo, d)
    if isinstance(value, Problem):
        return value
    if value > today:
        try:
            return DateRead(date(today.year - 1, mo, d), "year_back", ahead=value)
        except ValueError:
            return DateRead(value)
    return DateRead(value)


def _iso_or_spaced(s: str) -> date | Problem | None:
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", s)
    if m:
        y, mo, d = (int(g) for g in m.groups())
        return _calendar(s, y, mo, d)
    m = re.fullmatch(r"(\d{1,2}) (\d{1,2}) (\d{4})", s)
    if m:
        d, mo, y = (int(g) for g in m.groups())
        return _calendar(s, y, mo, d)
    return None


def _words_month(s: str, today: date) -> DateRead | Problem | None:
    """A month in words with the day (and maybe the year) in words: "tujuh belas agustus"."""
    words = s.split(" ")
    at = next((i for i, w in enumerate(words) if w.rstrip(".") in BASE.months), None)
    if at is None or at == 0:
        return None
    day = words_to_int(" ".join(words[:at]))
    if day is None or not 1 <= day <= 31:
        return None
    mo = BASE.months[words[at].rstrip(".")]
    rest = " ".join(words[at + 1:])
    if not rest:
        return _without_year(s, today, mo, day)
    year = int(rest) if re.fullmatch(r"\d{4}", rest) else words_to_int(rest)
    if year is None or not 1900 <= year <= 2999:
        return None
    value = _calendar(s, year, mo, day)
    return value if isinstance(value, Problem) else DateRead(value)


def _numeric(s: str) -> date | Problem | None:
    m = re.fullmatch(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2}|\d{4})", s)
    if not m:
        return None
    d, mo, y = (int(g) for g in m.groups())
    if y < 100:
        y += 2000
    try:
        return date(y, mo, d)
    except ValueError:
        return Problem(N_("Tanggal %(text)s tidak ada di kalender. Mohon periksa lagi, misalnya 10/8/2024."),
                       {"text": s})


def _named_month(s: str, today: date) -> DateRead | Problem | None:
    m = re.fullmatch(r"(\d{1,2}) ?([a-z.]+) ?(\d{4}|\d{2})?", s)
    if not m or m.group(2).rstrip(".") not in BASE.months:
        m = re.fullmatch(r"([a-z.]+) (\d{1,2})(?:,? (\d{4}))?", s)        # "August 6", "August 6, 2024"
        if not m or m.group(1).rstrip(".") not in BASE.months:
            return None
        d, mo, y = int(m.group(2)), BASE.months[m.group(1).rstrip(".")], m.group(3)
    else:
        d, mo, y = int(m.group(1)), BASE.months[m.group(2).rstrip(".")], m.group(3)
    if not y:
        return _without_year(s, today, mo, d)
    year = int(y) + (2000 if len(y) == 2 else 0)
    value = _calendar(s, year, mo, d)
    return value if isinstance(value, Problem) else DateRead(value)


def _day_only(s: str, today: date) -> DateRead | Problem | None:
    """"1", "tanggal 5 kemarin", "5 lalu": the most recent such day of a month, to be shown back."""
    m = re.fullmatch(r"(\d{1,2})(?: " + _LAST + r")?", s)
    if not m:
        return None
    d = int(m.group(1))
    if not 1 <= d <= 31:
        return Problem(N_("Tanggal %(text)s tidak ada di kalender. Mohon periksa lagi, misalnya 10/8/2024."),
                       {"text": s})
    y, mo = today.year, today.month
    for _ in range(3):
        try:
            value = date(y, mo, d)
            if value <= today:
                return DateRead(value, "day_only")
        except ValueError:
            pass
        y, mo = (y, mo - 1) if mo > 1 else (y - 1, 12)
    return None


def _weekday(s: str, today: date) -> DateRead | None:
    m = re.fullmatch(r"(?:(last|hari) )?([a-z']+)(?: (" + _LAST[3:-1] + r"|last))?", s)
    if not m:
        return None
    word = m.group(2)
    day = _ANY_WEEKDAY.get(word)
    if day is None:
        return None
    back = (today.weekday() - day) % 7
    if (m.group(1) == "last" or m.group(3)) and back == 0:
        back = 7   # "Kamis lalu" said on a Thursday means a week ago
    guess = "weekday" if word in ("minggu", "mggu") and m.group(3) else None   # "minggu kemarin": last week?
    if not m.group(1) == "last" and not m.group(3):
        guess = "weekday"            # a bare "Kamis": this week's or today, assumed -- shown back before it is kept
    return DateRead(today - timedelta(days=back), guess)


def read_date(text: str, now: datetime) -> DateRead | Problem:
    """A calendar date from Indonesian (or English) text, relative to ``now`` (aware, in the area's zone),
    saying what was assumed (see ``DateRead``). Does not judge whether the date is plausible for a meeting:
    see ``check_meeting_date``."""
    s = re.sub(r"\s+", " ", (text or "")[:4 * MAX_LEN].strip().lower()).strip(" .,!")
    if len(s) > MAX_LEN:
        return Problem(N_("Tanggal belum bisa dibaca. Contoh: 6 Agustus, 10/8/2024, kemarin, atau Kamis lalu."))
    if s not in BASE.relative_days:
        s = re.sub(r"^(tgl|tanggal|tangal|pada|hari|pd|on|tg)\.?\s+", "", s)
    s = re.sub(r"^(tgl|tanggal)\.?\s+", "", s)
    evening = _last_night(s, now)
    if evening is not None:
        return evening
    s = _tgl_bln(s)
    s = _PART_OF_DAY.sub("", s).strip(" ,") or s        # "kemarin jam 9", "tadi pagi", "10/8/2024 pukul 09.00"
    s = re.sub(r"^(tadi|td)$", "hari ini", s)
    s = _fix_kemarin(s)
    today = now.date()
    if not s:
        return Problem(N_("Mohon tulis tanggalnya, misalnya 6 Agustus atau 10/8/2024."))
    if s in BASE.relative_days:
        return DateRead(today - timedelta(days=BASE.relative_days[s]))
    m = re.fullmatch(r"(\d{1,3}) ?(hari|hr|days?|minggu|mgg|weeks?|bulan|bln|months?) ?(?:yang |yg )?"
                     r"(lalu|yll|kemarin|kmrn|sebelumnya|ago)", s)
    if m:
        if m.group(2) in ("hari", "hr", "day", "days"):
            return DateRead(today - timedelta(days=int(m.group(1))))
        return Problem(N_("Mohon tulis tanggal pastinya, misalnya 6 Agustus atau Kamis lalu."))
    if re.fullmatch(r"(minggu|mgg|pekan|bulan) (lalu|kemaren|kmrn|yang lalu|yg lalu)|last (week|month)", s):
        return Problem(N_("Hari apa tepatnya? Misalnya Kamis lalu, atau tanggalnya: 6 Agustus."))
    named = _weekday_and_date(s, now)
    if named is not None:
        return named
    for attempt in (lambda x: _weekday(x, today), _iso_or_spaced, _numeric, lambda x: _named_month(x, today),
                    lambda x: _words_month(x, today), lambda x: _day_only(x, today), lambda x: _day_month(x, today)):
        value = attempt(s)
        if isinstance(value, date):
            return DateRead(value)
        if value is not None:
            return value
    # dateparser reads almost anything ("-5", "{{7*7}}", "½") as some date: give it only text shaped like
    # one (ASCII words with a month or weekday name)
    if (not re.fullmatch(r"[0-9a-z][0-9a-z .,/'\-]*", s) or not re.search(r"[a-z]{3}", s)
            or not _DATE_WORDS.intersection(re.findall(r"[a-z']+", s))):   # "tujuh puluh sembilan": 70 ms for nothing
        return Problem(N_("Tanggal belum bisa dibaca. Contoh: 6 Agustus, 10/8/2024, kemarin, atau Kamis lalu."))
    parsed = _dateparser().parse(
        s,
        languages=["id", "en"],
        settings={
            "DATE_ORDER": "DMY",
            "PREFER_DATES_FROM": "past",
            "RELATIVE_BASE": now.replace(tzinfo=None),
            "REQUIRE_PARTS": ["day"],
        },
    )
    if parsed is None:
        return Problem(N_("Tanggal belum bisa dibaca. Contoh: 6 Agustus, 10/8/2024, kemarin, atau Kamis lalu."))
    return DateRead(parsed.date())


def _dateparser() -> ModuleType:
    """dateparser, imported at its first use (~50 ms): most dates are read above, and a `pantau` command that reads
    none never loads it. A server loads it at its warm-up (bot/warmup.py)."""
    import dateparser
    module: ModuleType = dateparser
    return module


def load() -> None:
    """Import what reading a date may need, before the first message asks (a server's warm-up)."""
    _dateparser()


_DAY_NAMES = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")


def _weekday_and_date(s: str, now: datetime) -> DateRead | Problem | None:
    """"Kamis 8 Agustus", "hari kamis tgl 8/8/2024", "sabtu tgl 3": the date, checked against the weekday; a
    weekday that does not fit is asked about, never dropped. None: not a weekday followed by a date."""
    words = s.replace(",", " ").split()
    if words and words[0] == "hari":
        words = words[1:]
    if len(words) < 2:
        return None
    day = _ANY_WEEKDAY.get(words[0])
    rest = " ".join(words[2:] if words[1] in ("tanggal", "tgl", "tgl.", "tg") else words[1:])
    if day is None or not rest or not rest[0].isdigit() and rest.split()[0] not in BASE.months \
            and words[1] not in ("tanggal", "tgl", "tgl.", "tg"):
        return None
    read = read_date(rest, now)
    if isinstance(read, Problem):
        return read
    if read.value.weekday() != day:
        return Problem(N_("Tanggal %(date)s jatuh pada hari %(weekday)s, bukan %(said)s. Mohon periksa lagi "
                          "tanggalnya."), {"date": read.value.strftime("%d/%m/%Y"),
                                           "weekday": _DAY_NAMES[read.value.weekday()], "said": _DAY_NAMES[day]})
    return read




def _last_night(s: str, now: datetime) -> DateRead | None:
    """"semalam", "kemarin malam": yesterday. "tadi malam": today when said in the evening (from 18:00),
    else yesterday. Never today by accident (the part of day is not simply dropped)."""
    s = re.sub(r"^(?:pada |pd |hari )", "", s)
    today = now.date()
    if s in BASE.last_night:
        return DateRead(today - timedelta(days=1))
    if s in BASE.tonight:
        return DateRead(today if now.hour >= 18 else today - timedelta(days=1))
    return None


def _tgl_bln(s: str) -> str:
    """"tgl 5 bln 9", "tanggal 5 bulan 9 tahun 2024", "5 bln agustus": the day and month, never an offset
    ("5 bln" alone is "5 months" to dateparser)."""
    m = re.fullmatch(r"(?:tgl|tanggal|tangal|tg)?\.? ?(\d{1,2}|[a-z ]+?) (?:bln|bulan|bl)\.? ?(\d{1,2}|[a-z]+(?: belas)?)"
                     r"(?: (?:thn|tahun|th|taun)\.? ?(\d{2}|\d{4})| (\d{4}))?", s)
    if not m:
        return s
    day, month, year = m.group(1), m.group(2), m.group(3) or m.group(4)
    if not month.isdigit() and month not in BASE.months:     # "5 bln lalu" is five months ago
        number = words_to_int(month)
        if number is None or not 1 <= number <= 12:
            return s
        month = str(number)
    if not day.isdigit():
        number = words_to_int(day)
        if number is None:
            return s
        day = str(number)
    if month.isdigit():
        return f"{day}/{month}" + (f"/{year}" if year else "")
    return f"{day} {month}" + (f" {year}" if year else "")


def _day_month(s: str, today: date) -> DateRead | Problem | None:
    """"20/8", "tgl 20-8": no year."""
    m = re.fullmatch(r"(\d{1,2}) ?[/.\-] ?(\d{1,2})", s)
    if not m:
        return None
    d, mo = int(m.group(1)), int(m.group(2))
    return _without_year(s, today, mo, d)


def parse_date(text: str, now: datetime, lexicon: Lexicon | None = None) -> date | Problem:
    """A calendar date from Indonesian text, relative to ``now``; assumptions taken as read (see ``read_date``)."""
    read = read_date(chosen(lexicon).canonical(text or ""), now)
    return read if isinstance(read, Problem) else read.value


def check_meeting_date(value: date, now: datetime) -> Problem | None:
    """A meeting cannot be in the future."""
    if value > now.date():
        return Problem(N_("Tanggal %(date)s belum lewat. Mohon tulis tanggal yang sudah lewat."),
                       {"date": value.strftime("%d/%m/%Y")})
    return None

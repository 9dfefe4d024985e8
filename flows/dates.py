"""Indonesian dates as cadres type them, relative to the message time in the area's zone.

dateparser does the heavy lifting (languages id, DMY, prefer past); this module adds what it
misses: "Kamis lalu", "hari Kamis", "minggu lalu" (last week, not Sunday), "6 Agst 2024",
numeric dates with two-digit years, and impossible dates such as "31/2/2025".
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import dateparser

from .problem import N_, Problem

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


_WEEKDAYS = {
    "senin": 0, "selasa": 1, "rabu": 2, "kamis": 3, "jumat": 4, "jum'at": 4, "jumaat": 4,
    "sabtu": 5, "minggu": 6, "ahad": 6,
}
_MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "pebruari": 2, "feb": 2, "peb": 2, "maret": 3, "mar": 3,
    "april": 4, "apr": 4, "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7,
    "agustus": 8, "agu": 8, "agt": 8, "ags": 8, "agst": 8, "agus": 8, "ags.": 8,
    "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "oct": 10,
    "november": 11, "nov": 11, "nop": 11, "desember": 12, "des": 12, "dec": 12,
}
_RELATIVE_WORDS = {"hari ini": 0, "tadi": 0, "td": 0, "barusan": 0, "kemarin": 1, "kemaren": 1,
                   "kmrn": 1, "kmarin": 1, "kemarin lusa": 2, "kemaren lusa": 2}


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


def _named_month(s: str, today: date) -> date | Problem | None:
    m = re.fullmatch(r"(\d{1,2})\s+([a-z.]+)\s*(\d{4}|\d{2})?", s)
    if not m or m.group(2).rstrip(".") not in _MONTHS:
        return None
    d, mo = int(m.group(1)), _MONTHS[m.group(2).rstrip(".")]
    y = int(m.group(3)) if m.group(3) else today.year
    if m.group(3) and y < 100:
        y += 2000
    try:
        value = date(y, mo, d)
    except ValueError:
        return Problem(N_("Tanggal %(text)s tidak ada di kalender. Mohon periksa lagi, misalnya 10/8/2024."),
                       {"text": s})
    if not m.group(3) and value > today:   # "6 Agustus" said in March means last year's
        try:
            value = date(y - 1, mo, d)
        except ValueError:
            pass
    return value


def parse_date(text: str, now: datetime) -> date | Problem:
    """A calendar date from Indonesian text, relative to ``now`` (aware, in the area's zone).

    Does not judge whether the date is plausible for a meeting: see ``check_meeting_date``.
    """
    s = re.sub(r"\s+", " ", (text or "").strip().lower()).strip(" .,!")
    if s not in _RELATIVE_WORDS:
        s = re.sub(r"^(tgl|tanggal|tangal|pada|hari|pd)\.?\s+", "", s)
    s = re.sub(r"^(tgl|tanggal)\.?\s+", "", s)
    today = now.date()
    if not s:
        return Problem(N_("Mohon tulis tanggalnya, misalnya 6 Agustus atau 10/8/2024."))
    if s in _RELATIVE_WORDS:
        return today - timedelta(days=_RELATIVE_WORDS[s])
    m = re.fullmatch(r"(\d{1,3}) ?(hari|hr|minggu|mgg|bulan|bln) ?(yang |yg )?(lalu|yll|kemarin|kmrn|sebelumnya)", s)
    if m:
        n = int(m.group(1))
        unit = m.group(2)
        if unit in ("hari", "hr"):
            return today - timedelta(days=n)
        return Problem(N_("Mohon tulis tanggal pastinya, misalnya 6 Agustus atau Kamis lalu."))
    if re.fullmatch(r"(minggu|mgg|pekan|bulan) (lalu|kemarin|kemaren|kmrn|yang lalu|yg lalu)", s):
        return Problem(N_("Hari apa tepatnya? Misalnya Kamis lalu, atau tanggalnya: 6 Agustus."))
    m = re.fullmatch(r"([a-z']+)( (lalu|kemarin|kemaren|kmrn|kmarin|yang lalu|yg lalu|kmrin))?", s)
    if m and m.group(1) in _WEEKDAYS:
        back = (today.weekday() - _WEEKDAYS[m.group(1)]) % 7
        if m.group(2) and back == 0:
            back = 7   # "Kamis lalu" said on a Thursday means a week ago
        return today - timedelta(days=back)
    for attempt in (_numeric, lambda x: _named_month(x, today)):
        value = attempt(s)
        if value is not None:
            return value
    # dateparser reads almost anything ("-5", "{{7*7}}", "½") as some date: give it only text shaped like
    # one (ASCII words with a month or weekday name, "3/4", a bare day "12")
    if not re.fullmatch(r"[0-9a-z][0-9a-z .,/'\-]*", s) or not (
            re.search(r"[a-z]{3}", s) or re.fullmatch(r"\d{1,2}( ?[/.\-] ?\d{1,2})?", s)):
        return Problem(N_("Tanggal belum bisa dibaca. Contoh: 6 Agustus, 10/8/2024, kemarin, atau Kamis lalu."))
    parsed = dateparser.parse(
        s,
        languages=["id"],
        settings={
            "DATE_ORDER": "DMY",
            "PREFER_DATES_FROM": "past",
            "RELATIVE_BASE": now.replace(tzinfo=None),
            "REQUIRE_PARTS": ["day"],
        },
    )
    if parsed is None:
        return Problem(N_("Tanggal belum bisa dibaca. Contoh: 6 Agustus, 10/8/2024, kemarin, atau Kamis lalu."))
    return parsed.date()


def check_meeting_date(value: date, now: datetime) -> Problem | None:
    """A meeting cannot be in the future."""
    if value > now.date():
        return Problem(N_("Tanggal %(date)s belum lewat. Mohon tulis tanggal pertemuan yang sudah terjadi."),
                       {"date": value.strftime("%d/%m/%Y")})
    return None

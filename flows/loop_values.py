"""The follow-up loop's plain values and rules, without the conversation (flows/followup.py): what the
pipeline loads for a side conversation (``LoopData``), targets, overdue, quiet hours, and the message a
kader receives when their desa's proposal moves. Pure."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from babel.dates import format_date

from . import answers as A
from .dates import parse_date, zone_for_area
from .lexicon import BASE, NONE
from .display import fmt_date
from .problem import N_, Gettext, Problem
from .types import RoundView

LEVELS = ("desa", "kecamatan", "kabupaten")
CARRIED = "dibawa"                      # carried to the kabupaten: waits for the forum
FORWARDED = "diteruskan"                # accepted by the kabupaten forum: the agencies see it from now on
RETURNED = "dikembalikan"               # returned by the forum to the kecamatan, with a reason
MERGED = "digabung"                     # merged by the forum into another recommendation
ANSWERS = ("diterima", "dalam_proses", "selesai", "tidak_bisa")
FINAL = ("selesai", "tidak_bisa", RETURNED, MERGED)
#: a desa or kecamatan recommendation: open (with its target) until the fasilitator closes it
LOCAL_OPEN = ("ditangani_desa", "ditangani_kecamatan", "diterima", "dalam_proses")
#: what an OPD sees: what the forum sent on, and the answers after it
FOR_AGENCIES = (FORWARDED, *ANSWERS)


def status_label(status: str, t: Gettext) -> str:
    labels: dict[str, str] = {
        CARRIED: t("Menunggu forum kabupaten"), FORWARDED: t("Dikirim ke OPD"), RETURNED: t("Dikembalikan ke kecamatan"),
        MERGED: t("Digabung"), "diterima": t("Diterima"), "dalam_proses": t("Dalam proses"),
        "selesai": t("Selesai"), "tidak_bisa": t("Tidak bisa"), "ditangani_desa": t("Ditangani di desa"),
        "ditangani_kecamatan": t("Ditangani di kecamatan")}
    return labels.get(status, status)


@dataclass(frozen=True)
class AgencyView:
    """An OPD of the kabupaten (storage/agencies.py): what a name typed in the chat is matched against."""

    id: int
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class ItemView:
    """An open issue item: a monitoring activity not running that asks for something."""

    id: int
    desa: str                    # area code
    activity: str
    problem: str
    support: str
    round: str | None = None


@dataclass(frozen=True)
class RecView:
    id: int
    kec: str
    text: str
    level: str
    agency: str | None
    target: str | None           # YYYY-MM or YYYY-MM-DD
    status: str
    desa: tuple[str, ...] = ()   # the desa whose items it answers
    topic: str = ""              # what the desa asked, in their words
    note: str | None = None      # the last note of the OPD (or koordinator)
    co_agencies: tuple[str, ...] = ()   # agencies responsible with the lead (``agency``)


@dataclass(frozen=True)
class StoryView:
    id: int                      # the report id
    desa: str
    domain: str
    text: str
    who: str
    why: str
    teller: str                  # the storyteller's name, or "" when anonymous
    reasons: tuple[str, ...] = ()  # reasons of panels below that selected it
    day: str = ""                # the day it was told (ISO, the area's zone): what a period filter reads


@dataclass(frozen=True)
class Chosen:
    """A panel's selection of a story, as everyone in the panel's area may read it (``cerita terpilih``)."""

    level: str                   # kecamatan, kabupaten, program
    area: str                    # the panel's area code
    reason: str
    day: str                     # ISO day of the decision


@dataclass(frozen=True)
class SelectedView:
    id: int
    desa: str
    domain: str
    text: str
    teller: str                  # "" when anonymous
    chosen: tuple[Chosen, ...]   # oldest first


@dataclass(frozen=True)
class ProposalView:
    """One thing a desa asked in a monitoring report, and what became of it (``status usulan``)."""

    id: int
    desa: str
    activity: str
    asked: str                   # the support asked, else the obstacle, in the desa's words
    rec: RecView | None          # None: not discussed at the kecamatan meeting yet
    history: tuple[tuple[str, datetime, str | None], ...] = ()   # (status, when (UTC), note or reason), oldest first


@dataclass(frozen=True)
class LoopData:
    """What a side conversation may see; loaded for the contact's own scope only."""

    items: tuple[ItemView, ...] = ()
    recs: tuple[RecView, ...] = ()
    agencies: tuple[AgencyView, ...] = ()   # OPD agencies of the kabupaten (`pantau opd`)
    forum: tuple[RecView, ...] = ()      # carried to the kabupaten, waiting for the forum (koordinator)
    agency: str | None = None            # the contact's own agency's name (OPD)
    stories: tuple[StoryView, ...] = ()  # stories waiting for this panel
    domains: tuple[tuple[str, str], ...] = ()   # (value, label) of the story domains
    names: dict[str, str] = field(default_factory=dict)   # area code → short name for display
    rounds: tuple[RoundView, ...] = ()   # the monitoring rounds: the periods a panel may choose
    selected: tuple[SelectedView, ...] = ()   # stories selected by panels of the contact's area (newest first)
    proposals: tuple[ProposalView, ...] = ()  # a kader's own desa: what it asked and what became of it


# ---------------------------------------------------------------- agencies

def agency_norm(text: str) -> str:
    """"Dinas PMD (BPMD)" → "dinas pmd bpmd": what two spellings of one agency's name share."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


def find_agency(text: str, agencies: tuple[AgencyView, ...]) -> AgencyView | None:
    """The agency a number of the list, a name or an alias means."""
    s = text.strip().rstrip(".")
    if s.isdigit():
        return agencies[int(s) - 1] if 1 <= int(s) <= len(agencies) else None
    key = agency_norm(s)
    return next((a for a in agencies if key and key in {agency_norm(x) for x in (a.name, *a.aliases)}), None)


def parse_agencies(text: str, agencies: tuple[AgencyView, ...]) -> list[AgencyView] | Problem:
    """"BPMD, 3" → the agencies responsible, the first the lead; each a number of the list, a name or an alias
    registered for the kabupaten (never free text)."""
    parts = [p for p in re.split(r"[,;+]", text) if p.strip()]
    found: list[AgencyView] = []
    for part in parts:
        agency = find_agency(part, agencies)
        if agency is None:
            return Problem(N_("OPD \"%(name)s\" belum terdaftar. Pilih nomornya dari daftar, atau ketik nama atau "
                              "singkatannya; jika belum ada, minta koordinator kabupaten menambahkannya."),
                           {"name": " ".join(part.split())[:60]})
        if agency not in found:
            found.append(agency)
    if not found:
        return Problem(N_("Mohon pilih OPD-nya, misalnya: 1, atau BPMD."))
    return found


def parse_where(text: str, agencies: tuple[AgencyView, ...], today: date
                ) -> tuple[list[AgencyView], str] | Problem:
    """"BPMD, Dinas Perikanan, Oktober 2024" → (the agencies, the lead first; the target): what a fasilitator
    proposes to the forum in one message. A number is an agency of the list, never a day."""
    chosen: list[AgencyView] = []
    target: str | None = None
    for part in (p.strip() for p in re.split(r"[,;+]", text) if p.strip()):
        agency = find_agency(part, agencies)
        if agency is not None:
            if agency not in chosen:
                chosen.append(agency)
            continue
        when = None if part.isdigit() else parse_target(part, today)
        if isinstance(when, str):
            target = when
            continue
        if isinstance(when, Problem) and when.msgid.startswith("Target itu sudah lewat"):
            return when
        return Problem(N_("OPD \"%(name)s\" belum terdaftar. Pilih nomornya dari daftar, atau ketik nama atau "
                          "singkatannya; jika belum ada, minta koordinator kabupaten menambahkannya."),
                       {"name": " ".join(part.split())[:60]})
    if not chosen:
        return Problem(N_("Mohon tulis OPD-nya dan targetnya, misalnya: BPMD, Oktober 2024."))
    if target is None:
        return Problem(N_("Mohon tulis juga targetnya, misalnya: %(agency)s, Oktober 2024."), {"agency": chosen[0].name})
    return chosen, target


# ---------------------------------------------------------------- targets

def parse_target(text: str, today: date) -> str | Problem:
    """"Oktober 2024", "okt 24", "10/2024" → "2024-10"; a full date → "2024-10-15". Not in the past."""
    s = A.normalize(text)
    m = re.fullmatch(r"(?:bulan\s+)?([a-z]+)\.?\s*(\d{4}|\d{2})?", s) or re.fullmatch(r"(\d{1,2})\s*[/.-]\s*(\d{4})", s)
    if m and (m.group(1) in BASE.months or m.group(1).isdigit()):
        month = BASE.months.get(m.group(1)) or int(m.group(1))
        year = int(m.group(2)) if m.group(2) else today.year
        year += 2000 if year < 100 else 0
        if not 1 <= month <= 12:
            return Problem(N_("Mohon tulis bulan targetnya, misalnya: Oktober 2024."))
        if not m.group(2) and month < today.month:
            year += 1
        if (year, month) < (today.year, today.month):
            return Problem(N_("Target itu sudah lewat. Mohon tulis bulan yang akan datang, misalnya: Oktober 2024."))
        return f"{year:04d}-{month:02d}"
    value = parse_date(text, _midday(today), NONE)
    if isinstance(value, Problem):
        return Problem(N_("Mohon tulis bulan targetnya, misalnya: Oktober 2024."))
    if value < today:
        return Problem(N_("Target itu sudah lewat. Mohon tulis bulan yang akan datang, misalnya: Oktober 2024."))
    return value.isoformat()


def _midday(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc)


def fmt_target(target: str | None, lang: str) -> str:
    if not target:
        return "-"
    if len(target) == 7:
        return format_date(date.fromisoformat(target + "-01"), "MMMM y", locale=lang)
    return fmt_date(target, lang)


def overdue(rec: RecView, today: date) -> bool:
    """Past its target (the end of the target month) and not finished."""
    if not rec.target or rec.status in FINAL:
        return False
    if len(rec.target) == 7:
        y, m = (int(x) for x in rec.target.split("-"))
        return (today.year, today.month) > (y, m)
    return today > date.fromisoformat(rec.target)


# ---------------------------------------------------------------- what the village hears

def update_text(rec: RecView, desa_name: str, t: Gettext, lang: str, note: str | None = None,
                reason: str | None = None, actor: str | None = None) -> str:
    """The message to a kader when their desa's proposal moves: plain words, one line or two. An answer names
    the agency that gave it (``actor``: an OPD of several responsible), else the lead; the forum's decisions
    name every responsible agency."""
    here = {"desa": t("pemerintah desa"), "kecamatan": t("kecamatan")}.get(rec.level, "OPD")
    acting = (actor or rec.agency) if rec.status in ANSWERS else None
    p = {"desa": desa_name, "topic": rec.topic or rec.text,
         "agency": acting or ", ".join(a for a in (rec.agency, *rec.co_agencies) if a) or here,
         "target": fmt_target(rec.target, lang), "rec": rec.text, "reason": reason or "-"}
    texts: dict[str, str] = {
        CARRIED: t("Usulan %(desa)s tentang %(topic)s: dibawa ke forum kabupaten, diusulkan ditangani "
                   "%(agency)s, target %(target)s."),
        FORWARDED: t("Usulan %(desa)s tentang %(topic)s: forum kabupaten menyetujui, ditangani %(agency)s, "
                     "target %(target)s."),
        RETURNED: t("Usulan %(desa)s tentang %(topic)s: forum kabupaten mengembalikannya ke kecamatan. "
                    "Alasannya: %(reason)s"),
        MERGED: t("Usulan %(desa)s tentang %(topic)s: forum kabupaten menggabungkannya dengan usulan yang sama "
                  "dari desa lain."),
        "diterima": t("Usulan %(desa)s tentang %(topic)s: %(agency)s sudah menerima usulan ini, target %(target)s."),
        "dalam_proses": t("Usulan %(desa)s tentang %(topic)s: %(agency)s sedang memproses, target %(target)s."),
        "selesai": t("Usulan %(desa)s tentang %(topic)s: %(agency)s sudah menyelesaikannya."),
        "tidak_bisa": t("Usulan %(desa)s tentang %(topic)s: %(agency)s belum bisa menindaklanjuti. "
                        "Alasannya: %(reason)s"),
        "ditangani_desa": t("Usulan %(desa)s tentang %(topic)s sudah dibahas di rapat kecamatan dan akan ditangani "
                            "di tingkat desa: %(rec)s"),
        "ditangani_kecamatan": t("Usulan %(desa)s tentang %(topic)s sudah dibahas di rapat kecamatan dan akan "
                                 "ditangani di tingkat kecamatan: %(rec)s"),
    }
    text = texts[rec.status] % p
    if not rec.status.startswith("ditangani_"):       # those quote it already
        text += "\n" + t("Rekomendasi: %(text)s") % {"text": rec.text}
    if note:
        text += "\n" + t("Catatan: %(note)s") % {"note": note}
    return text


def send_at(now: datetime, area_code: str, quiet_from: int = 20, quiet_until: int = 7) -> datetime:
    """When a message to someone in ``area_code`` may leave: now, or the end of the quiet hours in the
    area's own zone (WIB/WITA/WIT)."""
    local = now.astimezone(zone_for_area(area_code))
    if quiet_until <= local.hour < quiet_from:
        return now.astimezone(timezone.utc)
    day = local.date() + timedelta(days=1 if local.hour >= quiet_from else 0)
    wake = local.replace(year=day.year, month=day.month, day=day.day, hour=quiet_until, minute=0, second=0,
                         microsecond=0)
    return wake.astimezone(timezone.utc)      # stored as UTC like every time in the database

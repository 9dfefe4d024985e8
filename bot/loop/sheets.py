"""The loop's Excel sheets: "Tindak lanjut" (every issue item with its recommendation, status and history) and
"Seleksi cerita" (every story with its panels' decisions and reasons). bot/export.py adds them."""
from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import date, datetime
from typing import Any, Protocol

from flows.areas import AreaIndex
from flows.display import choice_labels
from flows.forms import FormVersions
from flows.localtime import local_date, stamp
from flows.loop_values import RecView, fmt_target, overdue, status_label
from flows.problem import Gettext
from flows.storyteller import ANONYMOUS_LABEL
from storage import followup as F
from storage import stories as S
from storage.db import Session

from .. import catalog


class Progress(Protocol):
    """What counts the rows written (bot/reports/export.py's ``Progress``)."""
    def tick(self, n: int = 1) -> None: ...


#: a loop sheet: (title, header, rows)
LoopSheet = tuple[str, list[str], AsyncIterator[list[Any]]]

LEVEL_ID = {"desa": "Desa", "kecamatan": "Kecamatan", "kabupaten": "Kabupaten (OPD)"}


def followup_cell(rec: RecView | None, today: date, t: Gettext, wanted: bool) -> str:
    """The "Tindak lanjut" cell of one activity in the recommendation matrix: the agreed recommendation,
    where it is handled, its status, OPD, target and last note; past its target flagged."""
    if rec is None:
        return "Belum dibahas" if wanted else ""
    parts = [f"{rec.text} — {status_label(rec.status, t)}"]
    if rec.agency:
        parts.append(rec.agency)
    if rec.target:
        parts.append("target " + fmt_target(rec.target, "id"))
    text = ", ".join(parts)
    if rec.note:
        text += f". Catatan: {rec.note}"
    if overdue(rec, today):
        text += ". LEWAT TARGET"
    return text


MATRIX_HEADER = ["Kecamatan", "Desa", "Kegiatan", "Capaian (status, penerima manfaat L/P)", "Kendala",
                 "Potensi dukungan kabupaten", "Usulan / tindak lanjut", "Ditangani di", "OPD", "Target", "Status"]


def capaian(item: dict[str, Any], labels: dict[str, dict[str, str]], t: Gettext) -> str:
    """"Belum berjalan; penerima manfaat L 10, P 25": what runs and for whom."""
    status = item.get("status")
    state: str = labels.get("status", {}).get(status, status or "-") if isinstance(status, str) else (status or "-")
    men, women = item.get("beneficiaries_men"), item.get("beneficiaries_women")
    if men is None and women is None:
        return state
    return state + "; " + t("penerima manfaat L %(men)s, P %(women)s") % {"men": men or 0, "women": women or 0}


def matrix_cells(item: dict[str, Any], labels: dict[str, dict[str, str]], rec: RecView | None, today: date,
                 t: Gettext, lang: str) -> list[str]:
    """The seed's matrix from "Kegiatan" on, for one activity: capaian, kendala, potential support from the
    kabupaten, the agreed follow-up, where it is handled, OPD, target and status (past its target flagged)."""
    wants = [v for v in item.get("support_from") or [] if v != "tidak_perlu"]
    support = ", ".join(labels.get("support_from", {}).get(v, v) for v in wants)
    if item.get("support_what"):
        support = f"{support}: {item['support_what']}" if support else item["support_what"]
    follow = rec.text if rec else (t("Belum dibahas") if F.wants_followup(item) else "")
    levels = {"desa": t("Desa"), "kecamatan": t("Kecamatan"), "kabupaten": t("Kabupaten (OPD)")}
    state = ""
    if rec:
        state = status_label(rec.status, t) + (f". {t('Catatan')}: {rec.note}" if rec.note else "")
        state += f". {t('LEWAT TARGET')}" if overdue(rec, today) else ""
    return [item.get("activity") or "", capaian(item, labels, t), item.get("obstacles") or "", support, follow,
            levels.get(rec.level, "") if rec else "", ", ".join(a for a in (rec.agency, *rec.co_agencies) if a)
            if rec else "", fmt_target(rec.target, lang) if rec and rec.target else "", state]


async def matrix_recs(s: Session, area: str, program: int | None = None) -> dict[int, RecView]:
    return {r.id: r for r in await F.recommendations(s, area, program=program)}


async def matrix_followup(s: Session, area: str, program: int | None = None
                          ) -> Callable[[str, str, int, dict[str, Any]], str]:
    """A function (desa, report key, activity index, activity answers) → the matrix's "Tindak lanjut" cell."""
    from ..clock import clock
    t = catalog.gettext_for("id")
    today = local_date(clock(), area)      # "past its target" on the area's own calendar
    recs = {r.id: r for r in await F.recommendations(s, area, program=program)}
    items = await F.items_by_activity(s, area, program)

    def cell(code: str, key: str, index: int, activity: dict[str, Any]) -> str:
        rec_id = items.get((code, key, index))
        return followup_cell(recs.get(rec_id) if rec_id else None, today, t, F.wants_followup(activity))
    return cell


async def sheets(s: Session, area: str, forms: FormVersions, areas: AreaIndex, progress: Progress,
                 program: int | None = None) -> list[LoopSheet]:
    """The loop's sheets of ``area`` (of ``program``; None: every program); an anonymous story with no name."""
    from ..clock import clock
    t = catalog.gettext_for("id")
    today = local_date(clock(), area)      # "past its target" on the area's own calendar
    story = choice_labels(forms, "cerita")

    async def followup() -> AsyncIterator[list[Any]]:
        await F.sync_items(s, area, clock())
        recs = {r.id: r for r in await F.recommendations(s, area, program=program)}
        history = await F.history(s, area, program=program)
        for item, rec_id in await F.all_items(s, area, program):
            rec: RecView | None = recs.get(rec_id) if rec_id is not None else None
            path = "; ".join(f"{stamp(at, item.desa)} {status_label(st, t)} ({who})" + (f": {reason}" if reason else "")
                             + (f" — {note}" if note else "") for st, note, reason, who, at in (history.get(rec_id, []) if rec_id is not None else []))
            progress.tick()
            yield [areas.name(item.desa[:8]), areas.name(item.desa), item.activity, item.problem, item.support,
                   item.round, rec.text if rec else "", LEVEL_ID.get(rec.level, "") if rec else "",
                   rec.agency if rec else "", fmt_target(rec.target, "id") if rec and rec.target else "",
                   status_label(rec.status, t) if rec else "Belum dibahas",
                   "Ya" if rec and overdue(rec, today) else "", path]

    async def selection() -> AsyncIterator[list[Any]]:
        history = await S.selections(s, area, program)
        for rid, code, a, updated, teller in await S.all_stories(s, area, program):
            events = history.get(rid, [])
            domain = a.get("level")

            def panel(level: str, events: list[tuple[str, str, str, str, str, datetime]] = events) -> str:
                chosen = [e for e in events if e[0] == level and e[1] == "dipilih"]
                return f"{chosen[-1][2]} (panel: {chosen[-1][3]})" if chosen else ""
            progress.tick()
            yield [code, areas.name(code), areas.name(code[:8]), areas.name(code[:5]),
                   story.get("level", {}).get(domain, domain) if isinstance(domain, str) else domain, a.get("story"), a.get("who"),
                   a.get("why"), a.get("period"), teller or ANONYMOUS_LABEL,
                   local_date(updated, code).isoformat() if updated else "", panel("kecamatan"), panel("kabupaten"),
                   panel("program"),
                   "; ".join(f"{stamp(at, code)} {level} {decision} ({who}" + (f"; panel: {panel_}" if panel_ else "")
                             + f"): {reason}" for level, decision, reason, panel_, who, at in events)]

    return [
        ("Tindak lanjut", ["Kecamatan", "Desa", "Kegiatan", "Masalah", "Dukungan yang diminta", "Putaran",
                           "Rekomendasi", "Ditangani di", "OPD", "Target", "Status", "Lewat target", "Riwayat"],
         followup()),
        ("Seleksi cerita", ["Kode wilayah", "Desa/Wilayah", "Kecamatan", "Kabupaten", "Domain", "Cerita",
                            "Siapa yang berubah", "Mengapa penting", "Waktu", "Pencerita", "Tanggal",
                            "Dipilih panel kecamatan (alasan)", "Dipilih panel kabupaten (alasan)",
                            "Dipilih panel program (alasan)", "Riwayat"],
         selection()),
    ]

"""Answers to coordinators' chat requests (ringkasan, belum, unduh), always for their own area only."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import assert_never

from flows.display import choice_labels, fmt_date
from flows.forms import FormVersions
from flows.localtime import local_date
from flows.permissions import may_request
from flows.problem import Gettext
from flows.types import ContactView, Reply, Request
from storage.db import Session
from storage.completeness import IN_PROGRESS, LATE, MISSING, ON_TIME, completeness, current_round, data_round
from storage.summary import Filters, iter_reports, summarize

from .. import catalog, media
from . import charts, export
from .summary_text import render_summary


def child_of(code: str, area: str) -> str:
    """The area one level below ``area`` that contains ``code`` (a kecamatan of a kabupaten, …)."""
    depth = area.count(".") + 2
    return ".".join(code.split(".")[:depth])


async def missing_text(s: Session, contact: ContactView, now: datetime, t: Gettext, lang: str) -> list[Reply]:
    areas = catalog.area_index()
    rnd = await current_round(s, local_date(now, contact.area_code), contact.program_id)
    if rnd is None:
        return [Reply(t("Belum ada putaran pemantauan."))]
    rows = await completeness(s, contact.area_code, rnd, program=contact.program_id)   # their program's desa
    count = {k: sum(1 for r in rows if r.status == k) for k in (ON_TIME, LATE, IN_PROGRESS, MISSING)}
    lines = [t("Putaran %(round)s (batas %(due)s): %(done)s dari %(total)s desa sudah melapor "
               "(%(on_time)s tepat waktu, %(late)s terlambat).") % {
        "round": rnd.name, "due": fmt_date(rnd.due, lang), "done": count[ON_TIME] + count[LATE],
        "total": len(rows), "on_time": count[ON_TIME], "late": count[LATE]}]
    waiting = [r for r in rows if r.waiting]         # sent, but the sender or a competing report awaits a check
    for head, chosen in ((t("Belum melapor:"), [r for r in rows if r.status == MISSING and not r.waiting]),
                         (t("Sedang diisi:"), [r for r in rows if r.status == IN_PROGRESS and not r.waiting]),
                         (t("Sudah mengirim, menunggu diperiksa fasilitator:"), waiting)):
        if chosen:
            lines.append(head)
            lines += [f"- {areas.short(r.code)} ({areas.short(child_of(r.code, r.code[:5]))}) — "
                      f"{', '.join(r.kader)}" for r in chosen]
    if not rows:
        lines = [t("Belum ada kader desa terdaftar di wilayah Anda.")]
    return [Reply("\n".join(lines))]


async def summary_replies(s: Session, contact: ContactView, now: datetime, forms: FormVersions, t: Gettext,
                          lang: str) -> list[Reply]:
    areas = catalog.area_index()
    rnd = await data_round(s, contact.area_code, local_date(now, contact.area_code), contact.program_id)    # the last with data
    data = await summarize(s, Filters(contact.area_code, round=rnd.name if rnd else None,
                                      program=contact.program_id), forms)
    text = render_summary(data, forms, areas, t, lang)
    from ..loop import summary_block                       # recommendations and selected stories
    text += "\n\n" + await summary_block(s, contact.area_code, local_date(now, contact.area_code), forms, t, lang,
                                         contact.program_id)
    by_area = {}
    for child in data.get("children", []):   # the same reports as the text: filtered by the round's dates
        m = child.get("meetings") or {}
        if m.get("men") or m.get("women"):
            by_area[areas.short(child["code"])] = (m.get("men", 0), m.get("women", 0))
    status: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    async for code, a, *_ in iter_reports(s, contact.area_code, "pemantauan", program=contact.program_id):
        if rnd and a.get("round") != rnd.name:
            continue
        for item in a.get("activities") or []:
            status[item.get("sector") or "lainnya"][item.get("status") or "belum"] += 1
    monitoring = choice_labels(forms, "pemantauan", lang)
    labels = {**monitoring.get("sector", {}), **monitoring.get("status", {})}
    path = media.shared_path(f"ringkasan-{local_date(now, contact.area_code):%Y%m%d}", ".png")
    charts.summary_chart(dict(sorted(by_area.items())), status, labels, path, t)
    return [Reply(text, image=str(path))]


async def export_replies(s: Session, contact: ContactView, now: datetime, forms: FormVersions, t: Gettext,
                         lang: str) -> list[Reply]:
    rnd = await data_round(s, contact.area_code, local_date(now, contact.area_code), contact.program_id)    # the last with data
    path = media.shared_path(f"pantau-{contact.area_code}-{local_date(now, contact.area_code):%Y%m%d}", ".xlsx")
    await export.write_xlsx(s, path, contact.area_code, rnd, forms, catalog.area_index(), export.Progress(False),
                            contact.program_id)
    return [Reply(t("Berkas Excel untuk %(area)s sudah siap.") % {"area": catalog.area_index().label(contact.area_code)},
                  document=str(path))]


async def fulfil(s: Session, what: str, contact: ContactView, now: datetime, forms: FormVersions, lang: str) -> list[Reply]:
    t = catalog.gettext_for(lang)
    request = Request(what)                        # an unknown name is a bug: it raises, never sends an Excel file
    if not may_request(contact.role, request):    # checked again when rendered (flows/permissions.py)
        return [Reply(t("Perintah ini untuk fasilitator dan koordinator."))]
    match request:
        case Request.MISSING:
            return await missing_text(s, contact, now, t, lang)
        case Request.SUMMARY:
            return await summary_replies(s, contact, now, forms, t, lang)
        case Request.DASHBOARD | Request.LOGOUT:   # the dashboard's login link / sign-out (bot/web)
            from ..web.chat import fulfil as web_fulfil
            return await web_fulfil(s, request, contact, now, t)
        case Request.EXPORT:
            return await export_replies(s, contact, now, forms, t, lang)
        case _:
            assert_never(request)


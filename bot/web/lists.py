"""The rows behind the numbers: desa by reporting status (Belum melapor, with "Kirim pengingat"),
meetings, activities, the recommendation matrix, stories of change; and the Excel download."""
from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, Response

from flows.dates import zone_for_area
from flows.display import choice_labels, fmt_date
from flows.schedule import Due
from storage.completeness import IN_PROGRESS, MISSING, completeness, get_round
from storage.dashboard import ActivityFilter, activity_rows, kader_of, meeting_rows, queue_reminder, reminder_queued

from ..channels import registry
from .. import catalog
from ..reminders import reminder_text
from . import present
from .access import Ctx
from .common import PAGE_SIZE, Period, page_number, pages, period, render
from .pages import STATUSES, status_labels


async def missing_page(ctx: Ctx, notice: str | None = None) -> Response:
    t = ctx.t
    per = await period(ctx)
    status = ctx.request.query_params.get("status") or MISSING
    if status not in STATUSES:
        status = MISSING
    rnd = await get_round(ctx.s, per.round, per.program) if per.round else None
    rows = [r for r in await completeness(ctx.s, ctx.area, rnd, program=per.program)
            if r.status == status] if rnd else []
    page = page_number(ctx)
    paging = pages(len(rows), page)
    rows = rows[(paging["page"] - 1) * PAGE_SIZE:paging["page"] * PAGE_SIZE]
    kader = await kader_of(ctx.s, [r.code for r in rows])
    return render(ctx, "belum.html", per=per, rows=rows, kader=kader, status=status, labels=status_labels(t),
                  statuses=STATUSES, paging=paging, notice=notice, can_remind=status in (MISSING, IN_PROGRESS),
                  channels={name: t(label) for name, label in registry.labels().items()})


async def send_reminder(ctx: Ctx) -> Response:
    """Queue a reminder to one kader of a desa that has not reported (the form's contact and round)."""
    t, lang = ctx.t, ctx.lang
    form = await ctx.request.form()
    rnd = await get_round(ctx.s, str(form.get("putaran", "")), ctx.viewer.contact.program_id)
    try:
        contact_id = int(str(form.get("kader", "")))
    except ValueError:
        contact_id = 0
    rows = {r.code: r for r in await completeness(ctx.s, ctx.area, rnd, program=ctx.viewer.contact.program_id)
            } if rnd else {}
    people = await kader_of(ctx.s, [c for c, r in rows.items() if r.status in (MISSING, IN_PROGRESS) and not r.waiting])
    kader = next((k for ks in people.values() for k in ks if k.contact_id == contact_id), None)
    if kader is None or rnd is None:        # not a kader of a missing desa of this area: nothing to send
        raise HTTPException(404)
    name = kader.name
    if kader.channel is None:
        return await missing_page(ctx, t("%(name)s belum punya nomor atau akun chat yang terdaftar; pengingat tidak "
                                         "bisa dikirim.") % {"name": name})
    plan = present.plan_reminder(ctx.now, kader.area_code, rnd.due, kader.channel, kader.last_message,
                                 ctx.web.templates_whatsapp)
    if plan.how == "impossible":
        return await missing_page(ctx, t("Pengingat untuk %(name)s tidak bisa dikirim lewat WhatsApp: pesan "
                                         "terakhirnya lebih dari 24 jam yang lalu dan templat pengingat belum diatur. "
                                         "Mohon hubungi langsung.") % {"name": name})
    local_day = plan.send_at.astimezone(zone_for_area(kader.area_code)).date()
    key = f"{rnd.name}|manual-{local_day}|{kader.contact_id}"
    areas = catalog.area_index()
    due = Due(key, kader.contact_id, plan.kind, {"round": rnd.name, "due": rnd.due, "name": name,
                                                   "desa": areas.short(kader.area_code),
                                                   "days": abs((date.fromisoformat(rnd.due) - local_day).days)})
    gt = catalog.gettext_for("id")              # the kader reads Indonesian, as scheduled reminders
    payload = {"text": reminder_text(due, gt, "id"), "template": f"reminder_{plan.kind}",
               "variables": {k: v for k, v in due.params.items() if isinstance(v, (str, int))}}
    queued = await queue_reminder(ctx.s, key, kader, payload, plan.send_at, ctx.now)
    at = present.when(plan.send_at, kader.area_code, lang)
    if queued is None:
        earlier = await reminder_queued(ctx.s, key)
        return await missing_page(ctx, t("Pengingat untuk %(name)s sudah diantrekan tadi (%(at)s); hari ini tidak "
                                         "dikirim dua kali.") % {"name": name, "at": present.when(earlier, kader.area_code, lang)})
    if plan.quiet:
        text = t("Pengingat untuk %(name)s diantrekan. Sekarang jam tenang di desanya (20.00–07.00), jadi pesan "
                 "dikirim %(at)s.") % {"name": name, "at": at}
    else:
        text = t("Pengingat untuk %(name)s diantrekan dan dikirim sekarang (%(at)s).") % {"name": name, "at": at}
    if plan.how == "template":
        text += " " + t("Pesan terakhirnya lebih dari 24 jam yang lalu, jadi WhatsApp mengirim templat pengingat "
                        "yang sudah disetujui.")
    return await missing_page(ctx, text)


async def meetings_page(ctx: Ctx) -> Response:
    per = await period(ctx)
    kind = ctx.request.query_params.get("jenis") or None
    page = page_number(ctx)
    found = await meeting_rows(ctx.s, ctx.area, per.date_from, per.date_to, kind, (page - 1) * PAGE_SIZE, PAGE_SIZE,
                               per.program)
    kinds = choice_labels(ctx.web.forms, "pertemuan", ctx.lang).get("kind", {})
    return render(ctx, "pertemuan.html", per=per, rows=found.rows, kinds=kinds, kind=kind,
                  paging=pages(found.total, page), fmt_date=lambda d: fmt_date(d, ctx.lang) if d else "—")


def _activity_filter(ctx: Ctx, per: Period, matrix: bool) -> ActivityFilter:
    q = ctx.request.query_params
    return ActivityFilter(per.round, q.get("status") or None, q.get("bidang") or None, q.get("kendala") or None,
                          q.get("dukungan") or None, q.get("minta") or None, matrix, per.program)


async def activities_page(ctx: Ctx, matrix: bool = False) -> Response:
    per = await period(ctx)
    f = _activity_filter(ctx, per, matrix)
    page = page_number(ctx)
    found = await activity_rows(ctx.s, ctx.area, f, (page - 1) * PAGE_SIZE, PAGE_SIZE)
    labels = choice_labels(ctx.web.forms, "pemantauan", ctx.lang)
    cells, lessons = None, {}
    if matrix:                        # the seed's columns, the follow-up of each activity filled in
        from flows.localtime import local_date
        from storage import followup as F

        from ..loop.sheets import matrix_cells, matrix_recs
        recs, items = await matrix_recs(ctx.s, ctx.area, per.program), await F.items_by_report(ctx.s, ctx.area)
        today = local_date(ctx.now, ctx.area)
        lessons = await _lessons(ctx, per)

        def cells(report_id: int, index: int, item: dict[str, Any]) -> list[str]:
            rec_id = items.get((report_id, index))
            return matrix_cells(item, labels, recs.get(rec_id) if rec_id else None, today, ctx.t, ctx.lang)
    return render(ctx, "kegiatan.html", per=per, rows=found.rows, f=f, choice=labels, matrix=matrix, cells=cells,
                  lessons=lessons,
                  paging=pages(found.total, page), kec_of=lambda c: ".".join(c.split(".")[:3]),
                  labels_of=lambda values: ", ".join(labels.get("support_from", {}).get(v, v) for v in values or []
                                                     if v != "tidak_perlu") or "—")


async def _lessons(ctx: Ctx, per: Period) -> dict[str, list[tuple[str, str]]]:
    """"Pembelajaran antar desa" of the kecamatan meetings of the period, per kecamatan."""
    from flows.summary_spec import summaries
    from storage.lessons import shared_lessons
    from storage.summary import window_for
    meeting = next((form for form, _ in summaries(ctx.web.forms) if form.id == "pertemuan"), None)
    if meeting is None:
        return {}
    return await shared_lessons(ctx.s, ctx.area, await window_for(ctx.s, per.filters(ctx.area)), meeting)


async def matrix_page(ctx: Ctx) -> Response:
    return await activities_page(ctx, matrix=True)


async def stories_page(ctx: Ctx, notice: str | None = None, problem: str | None = None,
                       status_code: int = 200) -> Response:
    """Stories of change of a period (a round — the current one by default — or dates) of the viewer's program
    (a forum member's pick), side by side, each with what the panels decided and why; a panel in its own area
    selects one here."""
    from flows.selection import panel_level
    from storage.stories import listing, waiting
    per = await period(ctx)
    level = ctx.request.query_params.get("tingkat") or None
    only = bool(ctx.request.query_params.get("terpilih"))
    rnd = await get_round(ctx.s, per.round, per.program) if per.round else None
    lo = max(filter(None, [rnd.start if rnd else None, per.date_from.isoformat() if per.date_from else None]),
             default=None)
    hi = min(filter(None, [rnd.due if rnd else None, per.date_to.isoformat() if per.date_to else None]), default=None)
    rows = await listing(ctx.s, ctx.area, lo, hi, level, only, per.program)
    page = page_number(ctx)
    paging = pages(len(rows), page)
    shown = rows[(paging["page"] - 1) * PAGE_SIZE:paging["page"] * PAGE_SIZE]
    levels = choice_labels(ctx.web.forms, "cerita", ctx.lang).get("level", {})
    from flows.selection import level_label
    mine = panel_level(ctx.viewer.contact.role, ctx.viewer.contact.area_code)
    selectable = ({st.id for st in await waiting(ctx.s, mine, ctx.area, per.program)}
                  if mine and ctx.area == ctx.viewer.contact.area_code else set())
    return render(ctx, "cerita.html", status_code=status_code, rows=shown, levels=levels, level=level, only=only,
                  per=per, paging=paging, panel=lambda lv: level_label(lv, ctx.t), selectable=selectable,
                  my_panel=level_label(mine, ctx.t) if mine else "", notice=notice, problem=problem)


async def download_page(ctx: Ctx) -> Response:
    per = await period(ctx)
    if not ctx.request.query_params.get("berkas"):
        return render(ctx, "unduh.html", per=per)
    from ..reports import export        # openpyxl (~0.1 s): loaded at the first download, not at every server start
    rnd = await get_round(ctx.s, per.round, per.program) if per.round else None
    folder = Path(tempfile.mkdtemp(prefix="pantau-unduh-"))
    path = folder / f"pantau-{ctx.area}.xlsx"
    await export.write_xlsx(ctx.s, path, ctx.area, rnd, ctx.web.forms, catalog.area_index(), export.Progress(False),
                            per.program)

    def cleanup() -> None:
        path.unlink(missing_ok=True)
        folder.rmdir()
    return FileResponse(path, filename=path.name, background=BackgroundTask(cleanup),
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

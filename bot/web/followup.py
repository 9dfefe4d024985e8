"""Tindak lanjut on the dashboard: the fasilitator's work table for the kecamatan meeting (merge the same need
of several desa, write the agreed recommendation, decide desa / kecamatan / carried to the kabupaten with
the OPD and a target month), the koordinator's answer for an OPD, and every recommendation's path (each
change of status, who and when). The same storage calls as the chat (storage/followup.py, scope checked
there again) and the same news to the village (bot/loop)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from flows.localtime import local_date
from flows.loop_steps import sentence
from flows.permissions import FORUM, agency_only, may
from flows.loop_values import ANSWERS, CARRIED, FOR_AGENCIES, LEVELS, LOCAL_OPEN, AgencyView, RecView, overdue, parse_agencies, parse_target, status_label
from flows.problem import N_, Gettext, Problem
from storage import followup as F

from ..loop import _tell_village
from .access import Ctx, may_answer_for_opd, may_recommend
from .common import page_number, pages, program_scope, render

CARDS = 25            # recommendations per page
ITEMS = 100           # waiting items shown (the fasilitator's work table); the count says how many more


def level_labels(t: Gettext) -> dict[str, str]:
    return {"desa": t("Ditangani di desa"), "kecamatan": t("Ditangani di kecamatan"),
            "kabupaten": t("Dibawa ke forum kabupaten")}


#: what a successful POST says after its redirect (303): ``?ok=<key>&n=<count>``, never free text in the URL
DONE = {"rekomendasi": N_("Tersimpan. %(count)s kader desa diberi tahu."),
        "status": N_("Tersimpan. Desa yang mengusulkan akan diberi tahu."),
        "forum": N_("Keputusan forum tersimpan. Desa yang mengusulkan akan diberi tahu.")}


def done(ctx: Ctx, key: str, count: int = 0) -> Response:
    """Redirect after a POST (303): reloading the page never sends the form again; a forum member's program
    pick (``?program=``, a code) is kept."""
    return RedirectResponse(f"/dasbor/wilayah/{ctx.area}/tindak-lanjut?ok={key}&n={count}{_program_param(ctx)}",
                            status_code=303)


def _program_param(ctx: Ctx) -> str:
    picked = ctx.request.query_params.get("program", "")
    return f"&program={picked}" if re.fullmatch(r"[a-z0-9_-]{1,32}", picked) else ""


@dataclass(frozen=True)
class RecFilter:
    kec: str | None = None
    agency: str | None = None
    status: str | None = None
    late: bool = False


def _filter(ctx: Ctx) -> RecFilter:
    q = ctx.request.query_params
    kec = q.get("kecamatan") or None
    if kec is not None and not (kec.startswith(str(ctx.area) + ".") or kec == ctx.area):
        kec = None
    return RecFilter(kec, q.get("opd") or None, q.get("status") or None, q.get("lewat") == "1")


def _keep(r: RecView, f: RecFilter, today: date) -> bool:
    return ((f.kec is None or r.kec == f.kec or r.kec.startswith(f.kec + "."))
            and (f.agency is None or f.agency in (r.agency, *r.co_agencies))
            and (f.status is None or r.status == f.status) and (not f.late or overdue(r, today)))


async def page(ctx: Ctx, notice: str | None = None, problem: str | None = None, typed: dict[str, Any] | None = None,
               status_code: int = 200) -> Response:
    t = ctx.t
    recommend = may_recommend(ctx.viewer, ctx.area)
    agency, only = await _agency(ctx)
    today = local_date(ctx.now, ctx.area)
    program, program_code, programs = await program_scope(ctx)      # their program's items only
    q = ctx.request.query_params
    if notice is None and q.get("ok") in DONE:
        count = int(q["n"]) if (q.get("n") or "").isdigit() and len(q["n"]) < 6 else 0
        notice = t(DONE[q["ok"]]) % {"count": count}
    if only:                  # an OPD: only what was carried to its agency; nothing of the desa's waiting items
        items, count = [], 0
        recs = (await F.recommendations(ctx.s, ctx.area, agency=agency.id, carried_only=True, statuses=FOR_AGENCIES,
                                        program=program) if agency else [])
    else:
        if recommend:         # the fasilitator's own kecamatan: new monitoring reports become items
            await F.sync_items(ctx.s, ctx.area, ctx.now)
        items = await F.open_items(ctx.s, ctx.area, limit=ITEMS, program=program)
        count = await F.count_open(ctx.s, ctx.area, program) if len(items) == ITEMS else len(items)
        recs = await F.recommendations(ctx.s, ctx.area, program=program)
    f = _filter(ctx)
    shown = [r for r in recs if _keep(r, f, today)]
    number = page_number(ctx)
    paging = pages(len(shown), number, CARDS)
    shown = shown[(number - 1) * CARDS:number * CARDS]
    history = await F.history(ctx.s, ctx.area, ids=[r.id for r in shown])
    return render(ctx, "tindaklanjut.html", status_code=status_code, items=items, more_items=count,
                  recs=shown, all_recs=recs, history=history, paging=paging, f=f,
                  kecamatan=sorted({r.kec for r in recs}), agency_names=sorted({a for r in recs
                                                                               for a in (r.agency, *r.co_agencies) if a}),
                  statuses=sorted({r.status for r in recs}), show_items=not only, agency=agency.name if agency else None,
                  recommend=recommend, answer=may_answer_for_opd(ctx.viewer), notice=notice, problem=problem,
                  forum=may(ctx.viewer.contact.role, FORUM) and ctx.area.count(".") == 1,
                  for_agencies=FOR_AGENCIES, carried=CARRIED, local_open=LOCAL_OPEN,
                  typed=typed or {}, levels=level_labels(t), answers=ANSWERS, program_code=program_code,
                  programs=programs,
                  agencies=[] if only else await F.agencies(ctx.s, ctx.area[:5]), status=lambda v: status_label(v, t),
                  late=lambda r: overdue(r, today), target=lambda v: _target(v, ctx.lang))


async def _agency(ctx: Ctx) -> tuple[AgencyView | None, bool]:
    """(the person's agency, whether they see only its recommendations): an OPD's, from its invite."""
    if not agency_only(ctx.viewer.contact.role):
        return None, False
    return await F.contact_agency(ctx.s, ctx.viewer.contact.id), True


def _target(value: str | None, lang: str) -> str:
    from flows.loop_values import fmt_target
    return fmt_target(value, lang)


async def recommend(ctx: Ctx) -> Response:
    """The fasilitator's decision over one or more items (several: the same need of several desa, merged)."""
    t = ctx.t
    if not may_recommend(ctx.viewer, ctx.area):
        raise HTTPException(404)
    form = await ctx.request.form()
    typed: dict[str, Any] = {"text": str(form.get("rekomendasi", "")).strip(), "level": str(form.get("tingkat", "")),
             "agency": " ".join(str(form.get("opd", "")).split())[:120], "target": str(form.get("target", "")).strip(),
             "items": [str(v) for v in form.getlist("usulan")]}
    problem = None
    try:
        chosen = [int(v) for v in typed["items"]]
    except ValueError:
        chosen = []
    text = sentence(typed["text"])
    target: str | Problem | None = None
    if not chosen:
        problem = t("Pilih minimal satu usulan desa. Centang beberapa jika usulannya sama.")
    elif text is None:
        problem = t("Mohon tulis rekomendasinya dalam kalimat, misalnya: Bantuan modal usaha untuk kelompok tenun.")
    elif typed["level"] not in LEVELS:
        problem = t("Pilih di mana rekomendasi ini ditangani.")
    chosen_agencies: list[AgencyView] = []
    if not problem and typed["level"] == "kabupaten":
        found = parse_agencies(typed["agency"], tuple(await F.agencies(ctx.s, ctx.area[:5])))
        if isinstance(found, Problem):
            problem = found.render(t)
        else:
            chosen_agencies = found
    if not problem:                  # every level keeps its target: the fasilitator closes desa and kecamatan ones
        target = parse_target(typed["target"], local_date(ctx.now, ctx.area))
        if isinstance(target, Problem):
            problem = target.render(t)
    if problem:
        return await page(ctx, problem=problem, typed=typed, status_code=400)
    work = {"items": chosen, "text": (text or "")[:1000], "level": typed["level"],
            "agencies": [a.id for a in chosen_agencies],
            "target": target if isinstance(target, str) else None}
    try:
        change = await F.recommend(ctx.s, ctx.viewer.contact, work, ctx.now)
    except F.OutOfScope:
        return await page(ctx, problem=t("Usulan itu sudah dibahas atau di luar wilayah Anda. Muat ulang halaman."),
                          status_code=409)
    told = await _tell_village(ctx.s, change, ctx.now)
    return done(ctx, "rekomendasi", told)


async def answer(ctx: Ctx) -> Response:
    """An OPD answers for its agency, the koordinator for any OPD: a status of a recommendation carried to the
    kabupaten, and a note."""
    t = ctx.t
    local = may_recommend(ctx.viewer, ctx.area)         # the fasilitator closes the desa and kecamatan ones
    if not may_answer_for_opd(ctx.viewer) and not local:
        raise HTTPException(404)
    form = await ctx.request.form()
    status = str(form.get("status", ""))
    note = " ".join(str(form.get("catatan", "")).split())[:500] or None
    reason = " ".join(str(form.get("alasan", "")).split())[:500] or None
    try:
        rec_id = int(str(form.get("rekomendasi", "")))
    except ValueError:
        raise HTTPException(404) from None
    if status not in ANSWERS:
        return await page(ctx, problem=t("Pilih statusnya: diterima, dalam proses, selesai, atau tidak bisa."),
                          status_code=400)
    if status == "tidak_bisa" and (reason is None or len(reason) < 3):
        return await page(ctx, problem=t("Alasannya perlu ditulis, supaya desa memahami. Misalnya: anggaran tahun "
                                         "ini sudah habis."), status_code=400)
    agency, only = await _agency(ctx)
    if only and agency is None:
        raise HTTPException(404)
    agency_id = agency.id if agency else None
    program = ctx.viewer.contact.program_id
    mine = (await F.recommendations(ctx.s, ctx.area, local_only=True, statuses=LOCAL_OPEN, program=program) if local
            else await F.recommendations(ctx.s, ctx.area, agency=agency_id, carried_only=True, statuses=FOR_AGENCIES,
                                         program=program))
    if rec_id not in {r.id for r in mine}:
        raise HTTPException(404)                 # not a recommendation of this page's area (or of the OPD's agency)
    try:
        change = await F.set_status(ctx.s, ctx.viewer.contact, agency_id,
                                    {"rec": rec_id, "status": status, "note": note, "reason": reason}, ctx.now)
    except F.OutOfScope:
        raise HTTPException(404) from None
    await _tell_village(ctx.s, change, ctx.now)
    return done(ctx, "status")


async def select_story(ctx: Ctx) -> Response:
    """A panel selects a story on the dashboard, side by side with the others of its period: the reason and who
    sat on the panel, as in the chat; the storyteller is told."""
    from flows.selection import panel_level
    from storage import stories as S

    from ..loop import _tell_storyteller
    from .lists import stories_page
    t = ctx.t
    level = panel_level(ctx.viewer.contact.role, ctx.viewer.contact.area_code)
    if level is None or ctx.area != ctx.viewer.contact.area_code:
        raise HTTPException(404)
    form = await ctx.request.form()
    try:
        report_id = int(str(form.get("cerita", "")))
    except ValueError:
        raise HTTPException(404) from None
    program = (await program_scope(ctx))[0]
    if report_id not in {st.id for st in await S.waiting(ctx.s, level, ctx.area, program)}:
        return await stories_page(ctx, problem=t("Cerita ini sudah tidak menunggu pilihan panel Anda. Muat ulang "
                                                 "halaman."), status_code=409)
    reason = sentence(str(form.get("alasan", "")))
    panel = sentence(str(form.get("panel", "")), 3)
    if reason is None:
        return await stories_page(ctx, problem=t("Mohon tulis alasan panel dalam satu atau dua kalimat."),
                                  status_code=400)
    if panel is None:
        return await stories_page(ctx, problem=t("Mohon tulis nama anggota panel, misalnya: Ibu Rina, Bapak Yoseph, "
                                                 "Ibu Ani."), status_code=400)
    work = {"report": report_id, "level": level, "reason": reason[:1000], "panel": panel[:500]}
    decision = await S.decide(ctx.s, ctx.viewer.contact, "select", work, ctx.now)
    await _tell_storyteller(ctx.s, ctx.viewer.contact, "select", work, decision, ctx.web.forms, ctx.now)
    return await stories_page(ctx, notice=t("Tersimpan: cerita ini dipilih. Pencerita akan diberi tahu."))


async def back_to_page(ctx: Ctx) -> Response:
    """A reload or a bookmark of a form's address: the page, never a 405."""
    return RedirectResponse(f"/dasbor/wilayah/{ctx.area}/tindak-lanjut", status_code=303)


async def forum(ctx: Ctx) -> Response:
    """The kabupaten forum on the dashboard: the koordinator accepts a recommendation carried from a kecamatan
    (after changing its agencies or target if needed), merges it into another, or returns it with a reason."""
    from storage import forum as Forum

    from ..loop import _tell_fasilitator
    t = ctx.t
    form = await ctx.request.form()
    try:
        rec_id = int(str(form.get("rekomendasi", "")))
    except ValueError:
        raise HTTPException(404) from None
    waiting = {r.id: r for r in await Forum.waiting(ctx.s, ctx.area, ctx.viewer.contact.program_id)}
    rec = waiting.get(rec_id)
    if rec is None:
        return await page(ctx, problem=t("Rekomendasi ini sudah diputuskan. Muat ulang halaman."), status_code=409)
    do = str(form.get("keputusan", ""))
    typed_opd = " ".join(str(form.get("opd", "")).split())
    typed_target = str(form.get("target", "")).strip()
    work: dict[str, Any] = {"rec": rec_id, "do": "reassign"}
    current = ", ".join(a for a in (rec.agency, *rec.co_agencies) if a)
    if typed_opd and typed_opd != current:
        found = parse_agencies(typed_opd, tuple(await F.agencies(ctx.s, ctx.area[:5])))
        if isinstance(found, Problem):
            return await page(ctx, problem=found.render(t), status_code=400)
        work["agencies"] = [a.id for a in found]
    if typed_target and typed_target != _target(rec.target, ctx.lang):
        target = parse_target(typed_target, local_date(ctx.now, ctx.area))
        if isinstance(target, Problem):
            return await page(ctx, problem=target.render(t), status_code=400)
        work["target"] = target
    reason = " ".join(str(form.get("alasan", "")).split())[:500]
    if do not in ("accept", "merge", "return"):
        return await page(ctx, problem=t("Pilih keputusan forum: terima, gabungkan, atau kembalikan."), status_code=400)
    if do == "return" and len(reason) < 3:
        return await page(ctx, problem=t("Alasannya perlu ditulis, supaya kecamatan dan desa memahami. Misalnya: "
                                         "sudah ditangani dana desa."), status_code=400)
    into = str(form.get("gabung_ke", ""))
    if do == "merge" and not into.isdigit():
        return await page(ctx, problem=t("Pilih rekomendasi tujuan penggabungan."), status_code=400)
    try:
        if "agencies" in work or "target" in work:
            await Forum.decide(ctx.s, ctx.viewer.contact, work, ctx.now)
        change = await Forum.decide(ctx.s, ctx.viewer.contact, {"rec": rec_id, "do": do, "reason": reason,
                                                                 "into": int(into) if into.isdigit() else 0}, ctx.now)
    except F.OutOfScope:
        return await page(ctx, problem=t("Keputusan ini tidak bisa disimpan. Muat ulang halaman."), status_code=409)
    if change is not None:
        await _tell_village(ctx.s, change, ctx.now)
        if do == "return":
            await _tell_fasilitator(ctx.s, change, ctx.now)
    return done(ctx, "forum")

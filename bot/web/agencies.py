"""The kabupaten's OPD list on the dashboard (the koordinator's, as `pantau opd add/list/alias`): every agency
with its other names, a form to add one and a form to give one another name. A name that is already another
registered agency joins the two (its people, invites and recommendations move), as on the command line.
Every POST ends in a redirect (303) with what was done in the query, never free text."""
from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from flows.loop_values import agency_norm
from flows.problem import N_
from storage import agencies as A

from .access import Ctx
from .common import render

DONE = {"tambah": N_("OPD \"%(name)s\" ditambahkan."),
        "alias": N_("Nama lain tersimpan untuk \"%(name)s\"."),
        "gabung": N_("Nama itu sudah terdaftar sebagai OPD lain: keduanya digabungkan menjadi \"%(name)s\". "
                     "Pengguna, undangan, dan rekomendasinya ikut pindah.")}


def _kab(ctx: Ctx) -> str:
    if ctx.code is None or ctx.code.count(".") != 1:      # agencies are registered per kabupaten
        raise HTTPException(404)
    return ctx.code


def _done(ctx: Ctx, key: str, agency_id: int) -> Response:
    return RedirectResponse(f"/dasbor/wilayah/{ctx.code}/opd?ok={key}&id={agency_id}", status_code=303)


async def page(ctx: Ctx, problem: str | None = None, typed: dict[str, Any] | None = None, status_code: int = 200) -> Response:
    kab = _kab(ctx)
    rows = await A.listing(ctx.s, kab)
    q = ctx.request.query_params
    notice = None
    if problem is None and q.get("ok") in DONE and (q.get("id") or "").isdigit():
        name = next((a.name for a in rows if str(a.id) == q["id"]), None)
        notice = ctx.t(DONE[q["ok"]]) % {"name": name} if name else None
    return render(ctx, "opd.html", status_code=status_code, rows=rows, notice=notice, problem=problem,
                  typed=typed or {})


async def add(ctx: Ctx) -> Response:
    kab, t = _kab(ctx), ctx.t
    form = await ctx.request.form()
    name = " ".join(str(form.get("nama", "")).split())[:160]
    aliases = [a for a in (" ".join(x.split()) for x in str(form.get("alias", "")).split(",")) if a]
    typed = {"nama": name, "alias": ", ".join(aliases)}
    if len(agency_norm(name)) < 3:
        return await page(ctx, t("Mohon tulis nama lengkap OPD-nya, misalnya: Dinas Koperasi dan UKM."), typed, 400)
    found = await A.resolve(ctx.s, kab, name)
    if found is not None:
        return await page(ctx, t("\"%(name)s\" sudah terdaftar sebagai \"%(agency)s\". Tidak perlu ditambahkan lagi.")
                          % {"name": name, "agency": found.name}, typed, 400)
    for alias in aliases:
        other = await A.resolve(ctx.s, kab, alias)
        if len(agency_norm(alias)) < 2 or other is not None:
            return await page(ctx, t("Nama lain \"%(alias)s\" tidak bisa dipakai: terlalu pendek atau sudah dipakai "
                                     "OPD lain.") % {"alias": alias}, typed, 400)
    try:
        agency = await A.add(ctx.s, kab, name, ctx.now, aliases)
    except A.AgencyError:            # the same name added at the same moment elsewhere
        return await page(ctx, t("OPD ini tidak bisa ditambahkan. Muat ulang halaman lalu periksa daftarnya."),
                          typed, 409)
    return _done(ctx, "tambah", agency.id)


async def alias(ctx: Ctx) -> Response:
    kab, t = _kab(ctx), ctx.t
    form = await ctx.request.form()
    new = " ".join(str(form.get("alias", "")).split())[:160]
    rows = {str(a.id): a for a in await A.listing(ctx.s, kab)}
    agency = rows.get(str(form.get("opd", "")))
    typed = {"opd": str(form.get("opd", "")), "nama_lain": new}
    if agency is None:
        return await page(ctx, t("Pilih OPD yang diberi nama lain."), typed, 400)
    if len(agency_norm(new)) < 2:
        return await page(ctx, t("Mohon tulis nama lainnya, misalnya: BPMD."), typed, 400)
    try:
        kept, merged = await A.alias(ctx.s, kab, agency.name, new)
    except A.AgencyError:
        return await page(ctx, t("Nama lain ini tidak bisa disimpan. Muat ulang halaman lalu coba lagi."), typed, 409)
    return _done(ctx, "gabung" if merged else "alias", kept.id)


async def back_to_page(ctx: Ctx) -> Response:
    """A reload or a bookmark of a form's address: the page, never a 405."""
    return RedirectResponse(f"/dasbor/wilayah/{ctx.code}/opd", status_code=303)

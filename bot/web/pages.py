"""Ringkasan wilayah (kabupaten → kecamatan → desa), the desa page with its reports and revisions,
one revision, and photos."""
from __future__ import annotations

from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from flows.display import choice_labels, report_title
from flows.permissions import AREA, may
from flows.problem import Gettext
from flows.storyteller import anonymous, unnamed
from storage.completeness import completeness, get_round
from storage.db import Session
from storage.dashboard import child_figures, desa_reports, kader_of, media_file, report_detail
from storage.media import failed_media
from storage.programs import forms_of

from .. import media
from ..images import RASTER
from . import present
from .access import Ctx
from .headers import media_headers
from .common import PAGE_SIZE, level, page_number, pages, period, render
from .common import children as child_areas

STATUSES = ("tepat_waktu", "terlambat", "sedang_diisi", "belum")


def status_labels(t: Gettext) -> dict[str, str]:
    return {"tepat_waktu": t("Tepat waktu"), "terlambat": t("Terlambat"), "sedang_diisi": t("Sedang diisi"),
            "belum": t("Belum melapor")}


async def area_page(ctx: Ctx) -> Response:
    if level(ctx.area) == 4:
        return await desa_page(ctx)
    return await summary_page(ctx)


async def summary_page(ctx: Ctx) -> Response:
    from storage.summary import as_json, rollup
    t, lang = ctx.t, ctx.lang
    per = await period(ctx)
    figures = await rollup(ctx.s, per.filters(ctx.area))          # the area and every child, one pass
    enabled = await forms_of(ctx.s, per.program)                  # a program shows only its own forms
    data = as_json(figures)
    children = child_areas(ctx.area)
    paging = None
    if level(ctx.area) == 3:                        # desa of a kecamatan: a page at a time
        paging = pages(len(children), page_number(ctx))
        start = (paging["page"] - 1) * PAGE_SIZE
        children = children[start:start + PAGE_SIZE]
    rollups = child_figures(figures, children)
    # areas without any kader or report add nothing but length: listed only when something is there
    shown = [c for c in children if rollups[c]["monitoring"]["desa_expected"] or rollups[c]["meetings"]["meetings"]]
    monitoring = choice_labels(ctx.web.forms, "pemantauan", lang)
    labels = status_labels(t)
    mon = data["monitoring"]
    tl = mon.get("timeliness") or {}
    return render(ctx, "ringkasan.html", data=data, per=per, children=shown, rollups=rollups, paging=paging,
                  hidden=len(children) - len(shown), statuses=STATUSES, labels=labels,
                  shows=lambda form_id: enabled is None or form_id in enabled,
                  choice=monitoring, child_level=level(ctx.area) + 1,
                  overall=present.stacked_bar([(labels[k], tl.get(k, 0), k) for k in STATUSES], t("Kelengkapan")),
                  bar=lambda rollup: present.stacked_bar(
                      [(labels[k], (rollup["monitoring"].get("timeliness") or {}).get(k, 0), k) for k in STATUSES],
                      t("Kelengkapan")),
                  status_chart=present.bar_chart([(monitoring.get("status", {}).get(k, k), v)
                                                  for k, v in mon["by_status"].items()], t("Keadaan kegiatan"),
                                                 lambda v: present.number(v, lang)),
                  sector_chart=present.bar_chart([(monitoring.get("sector", {}).get(k, k), v)
                                                  for k, v in mon["by_sector"].items()], t("Kegiatan per bidang"),
                                                 lambda v: present.number(v, lang)))


async def desa_page(ctx: Ctx) -> Response:
    t, lang = ctx.t, ctx.lang
    per = await period(ctx)
    page = page_number(ctx)
    found = await desa_reports(ctx.s, ctx.area, (page - 1) * 20, 20, per.program)
    kader = (await kader_of(ctx.s, [ctx.area])).get(ctx.area, [])
    status = None
    if per.round:
        rnd = await get_round(ctx.s, per.round, per.program)
        rows = await completeness(ctx.s, ctx.area, rnd, program=per.program) if rnd else []
        status = rows[0].status if rows else None
    reports = []
    enabled = await forms_of(ctx.s, per.program)
    for r in found.rows:
        form = ctx.web.forms.get((r.form_id, r.form_version))
        if form is None or (enabled is not None and r.form_id not in enabled):
            continue
        reports.append({"r": r, "title": report_title(form, r.answers, lang, t),
                        "rows": present.answer_rows(form, r.answers, lang, t),
                        "photos": present.photos(form, r.answers),
                        "anonymous": anonymous(r.form_id, r.answers)})   # no name of who sent or told it
    never = await failed_media(ctx.s, [p for item in reports for p in item["photos"]])   # not shown as photos
    for item in reports:
        item["photos"] = [p for p in item["photos"] if p not in never]
    return render(ctx, "desa.html", reports=reports, kader=kader, status=status, labels=status_labels(t), per=per,
                  paging=pages(found.total, page, 20))


async def report_area(s: Session, request: Request) -> str | None:
    """The desa of the report in the URL (its access is the desa's), or None if there is no such report."""
    raw = request.path_params["report"]
    if not raw.isdigit() or len(raw) > 18:        # not an id any database holds (and no OverflowError)
        return None
    report_id = int(raw)
    detail = await report_detail(s, report_id)
    if detail is None:
        return None
    request.state.report = detail
    return detail.area_code


async def revision_page(ctx: Ctx) -> Response:
    t, lang = ctx.t, ctx.lang
    r = ctx.request.state.report
    n = int(ctx.request.path_params["n"])
    by_number = {v.revision: v for v in r.revisions}
    if n not in by_number:
        raise HTTPException(404)
    form = ctx.web.forms.get((r.form_id, r.form_version))
    if form is None:
        raise HTTPException(404)
    rev = by_number[n]
    before = by_number.get(n - 1)
    shown = present.photos(form, rev.answers)
    never = await failed_media(ctx.s, shown)          # a photo that never arrived is not shown as one
    hide = anonymous(r.form_id, r.answers)            # an anonymous story: no name in any of its revisions
    now_, then = (unnamed(rev.answers), unnamed(before.answers) if before else None) if hide else (
        rev.answers, before.answers if before else None)
    return render(ctx, "revisi.html", r=r, rev=rev, title=report_title(form, rev.answers, lang, t),
                  rows=present.answer_rows(form, now_, lang, t), who=t("Anonim") if hide else rev.by,
                  changed=present.changes(form, then, now_, lang, t),
                  photos=[p for p in shown if p not in never], count=len(r.revisions))


THUMB = 240


async def photo(ctx: Ctx) -> Response:
    """A photo of a report in the person's area: only one its answers (any revision) name."""
    r = ctx.request.state.report
    sha = ctx.request.path_params["sha"]
    form = ctx.web.forms.get((r.form_id, r.form_version))
    named = {p for rev in r.revisions for p in present.photos(form, rev.answers)} if form else set()
    found = await media_file(ctx.s, sha) if sha in named else None
    if found is None or not Path(found[0]).is_file():
        raise HTTPException(404)
    path, mime = Path(found[0]), found[1]
    if mime not in RASTER:                # stored before photos were checked by content: never served
        raise HTTPException(404)
    if ctx.request.query_params.get("kecil"):
        path, mime = _thumbnail(path, sha), "image/jpeg"
    return FileResponse(path, media_type=mime, headers=media_headers(sha, mime))


def _thumbnail(path: Path, sha: str) -> Path:
    target = media.media_dir() / "thumbs" / f"{sha}-{THUMB}.jpg"
    if not target.exists():
        from PIL import Image
        target.parent.mkdir(parents=True, exist_ok=True)
        with Image.open(path) as img:
            img.thumbnail((THUMB, THUMB))
            tmp = target.with_suffix(".part")
            img.convert("RGB").save(tmp, "JPEG", quality=80)
            tmp.replace(target)
    return target


async def home(ctx: Ctx) -> Response:
    """The person's own area; an OPD, who sees only the follow-up of its agency, its Tindak lanjut page."""
    area = ctx.viewer.contact.area_code
    if not may(ctx.viewer.contact.role, AREA):
        return RedirectResponse(f"/dasbor/wilayah/{area}/tindak-lanjut", status_code=303)
    return RedirectResponse(f"/dasbor/wilayah/{area}", status_code=303)

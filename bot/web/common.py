"""What the dashboard's pages share: rendering with the person's language, breadcrumbs, filters, paging."""
from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response

from flows.display import fmt_date
from flows.localtime import local_date
from flows.permissions import may
from flows.problem import N_
from storage.completeness import data_round, get_round
from storage.repo import Tx
from storage.summary import Filters

from .. import catalog
from . import present
from .access import Ctx, Refused

PAGE_SIZE = 50
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)     # what a date filter may name


def level(code: str) -> int:
    return code.count(".") + 1


@functools.lru_cache(maxsize=8)
def _codes(at_level: int) -> list[str]:
    return sorted(c for c in catalog.area_names() if c.count(".") + 1 == at_level)


def children(code: str) -> list[str]:
    """The areas one level below ``code``, in code order (a binary search, not a scan of 83,762 desa)."""
    codes = _codes(level(code) + 1)
    return codes[bisect.bisect_left(codes, code + "."):bisect.bisect_left(codes, code + "/")]


def crumbs(ctx: Ctx, code: str) -> list[tuple[str, str]]:
    """(name, url) from the person's own area down to ``code``."""
    areas = catalog.area_index()
    top = ctx.viewer.contact.area_code
    chain = [c for c in reversed(areas.lineage(code)) if c == top or c.startswith(top + ".")]
    return [(areas.short(c), f"/dasbor/wilayah/{c}") for c in chain]


def render(ctx: Ctx, name: str, status_code: int = 200, **context: Any) -> Response:
    lang = ctx.lang
    areas = catalog.area_index()
    base = {
        "t": ctx.t, "lang": lang, "viewer": ctx.viewer, "csrf": ctx.csrf, "areas": areas,
        "n": lambda v: present.number(v, lang), "pct": lambda v: present.percent(v, lang),
        "when": lambda v, area=None: present.when(v, area or ctx.viewer.contact.area_code, lang),
        "day": lambda iso: fmt_date(iso, lang) if iso else "—",
        "code": ctx.code, "crumbs": crumbs(ctx, ctx.code) if ctx.code else [],
        "here": ctx.request.url.path + (("?" + ctx.request.url.query) if ctx.request.url.query else ""),
        "query": lambda **kw: query(ctx, **kw),
        "can": lambda what: may(ctx.viewer.contact.role, what),      # which tabs this person sees
    }
    response: Response = ctx.web.templates.TemplateResponse(ctx.request, name, {**base, **context},
                                                            status_code=status_code)
    return response


def query(ctx: Ctx, **changes: Any) -> str:
    """This page's query string with some parameters changed (None removes one); a new filter starts
    at page 1."""
    params = dict(ctx.request.query_params)
    if "hal" not in changes:
        params.pop("hal", None)
    for k, v in changes.items():
        if v is None or v == "":
            params.pop(k, None)
        else:
            params[k] = str(v)
    return "?" + urlencode(params) if params else "?"


@dataclass(frozen=True)
class Period:
    """The filter of a page: a round (default: the current one) or a date range."""
    round: str | None
    date_from: date | None
    date_to: date | None
    rounds: list[str]
    due: str | None
    problem: str | None = None
    program: int | None = None          # the viewer's program; a forum member's pick (None: every program)
    program_code: str = ""              # the pick, for the links (``?program=``)
    programs: tuple[tuple[str, str], ...] = ()    # (code, name) a forum member may pick from

    def filters(self, code: str) -> Filters:
        return Filters(code, self.date_from, self.date_to, self.round, self.program)

    def params(self) -> dict[str, str]:
        return {"putaran": self.round or "", "dari": self.date_from.isoformat() if self.date_from else "",
                "sampai": self.date_to.isoformat() if self.date_to else "", "program": self.program_code}


async def period(ctx: Ctx) -> Period:
    q = ctx.request.query_params
    scope = await program_scope(ctx)
    rounds = [r.name for r in reversed(await Tx(ctx.s).rounds(scope[0]))]
    problem = None
    try:
        dfrom = date.fromisoformat(q["dari"]) if q.get("dari") else None
        dto = date.fromisoformat(q["sampai"]) if q.get("sampai") else None
    except ValueError:
        dfrom = dto = None
        problem = ctx.t("Tanggal harus ditulis TTTT-BB-HH, misalnya 2024-08-31. Filter tanggal tidak dipakai.")
    for day in (dfrom, dto):
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:     # far dates overflow the zone arithmetic
            raise Refused(400, N_("Tanggal %(date)s di luar jangkauan. Mohon pakai tanggal antara %(first)s dan "
                                  "%(last)s."), {"date": day.isoformat(), "first": FIRST_DAY.isoformat(),
                                                 "last": LAST_DAY.isoformat()})
    if dfrom and dto and dto < dfrom:
        problem = ctx.t("Tanggal akhir sebelum tanggal awal. Filter tanggal tidak dipakai.")
        dfrom = dto = None
    name = q.get("putaran")
    if name is None and not (dfrom or dto):
        rnd = await data_round(ctx.s, ctx.code or ctx.viewer.contact.area_code,
                               local_date(ctx.now, ctx.viewer.contact.area_code), scope[0])
    else:
        rnd = await get_round(ctx.s, name, scope[0]) if name else None
    return Period(rnd.name if rnd else None, dfrom, dto, rounds, rnd.due if rnd else None, problem, *scope)


async def program_scope(ctx: Ctx) -> tuple[int | None, str, tuple[tuple[str, str], ...]]:
    """(program, its code, the programs to pick from): a person of one program sees only it; a forum member
    (every program) sees all, or the one picked with ``?program=`` (an unknown code: all)."""
    mine = ctx.viewer.contact.program_id
    if mine is not None:
        return mine, "", ()
    from storage.programs import program_names
    known = await program_names(ctx.s)
    picked = ctx.request.query_params.get("program", "")
    chosen = next((p for p in known if p[1] == picked), None)
    return (chosen[0] if chosen else None, chosen[1] if chosen else "",
            tuple((code, name) for _, code, name in known) if len(known) > 1 else ())


def page_number(ctx: Ctx) -> int:
    """``?hal=`` as a page number; anything else (a word, 0, negative, more digits than any list) is a 400."""
    raw = ctx.request.query_params.get("hal", "1") or "1"
    if not raw.isdigit() or len(raw) > 6 or int(raw) < 1:
        raise Refused(400, N_("Nomor halaman \"%(page)s\" tidak dikenal. Mohon buka daftar ini dari halaman 1."),
                      {"page": raw[:12]})
    return int(raw)


def pages(total: int, page: int, size: int = PAGE_SIZE) -> dict[str, Any]:
    """The paging of a list; a page past the last one is a 404 that says how many there are."""
    last = max(1, -(-total // size))
    if page > last:
        raise Refused(404, N_("Halaman %(page)s tidak ada: daftar ini hanya sampai halaman %(last)s."),
                      {"page": page, "last": last})
    return {"page": page, "last": last, "total": total}

"""The coordinator dashboard, served by ``pantau serve`` under /dasbor: server-rendered pages (Jinja2),
charts as inline SVG, signed in from a one-time link sent in the chat (``dasbor``).

``routes(pipeline)`` is all bot/server.py needs; every page goes through ``access.guarded``.
"""
from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from flows import permissions as P
from storage.web import end_session, login_link_state, set_session_lang, use_login_link

from storage.db import Session

from .. import catalog
from ..config import public_url, reminder_templates, web_secret
from . import agencies, followup, forum, lists, pages
from .access import Ctx, Refused, SignInNeeded, Web, clear_cookie, guarded, set_cookie
from .headers import SecurityHeaders, same_site
from ..pipeline import Pipeline

HERE = Path(__file__).resolve().parent


def make_web(pipeline: Pipeline, env: Mapping[str, str] | None = None) -> Web:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    def static(name: str) -> str:
        return f"/dasbor/static/{name}"

    def qs(params: Mapping[str, Any]) -> str:
        return urlencode({k: v for k, v in params.items() if v})
    templates.env.globals["static"] = static
    templates.env.globals["qs"] = qs
    if (env if env is not None else os.environ).get("PANTAU_WEB_SECRET"):
        web_secret(env)                                  # a wrong value stops the start, naming the variable
    return Web(pipeline.db, pipeline.forms, pipeline.now, templates, lambda: web_secret(env),
               public_url(env).startswith("https://"), reminder_templates(env))


def _message(web: Web, request: Request, title: str, text: str, status: int, lang: str = "id") -> Response:
    return web.templates.TemplateResponse(request, "pesan.html", {
        "t": catalog.gettext_for(lang), "lang": lang, "title": title, "text": text, "viewer": None},
        status_code=status, headers={"Cache-Control": "no-store"})


def routes(pipeline: Pipeline, env: Mapping[str, str] | None = None) -> list[BaseRoute]:
    web = make_web(pipeline, env)

    async def sign_in_page(request: Request) -> Response:
        """The link from the chat. Opening it does not use it (chat apps open links to preview them):
        the button below does."""
        token = request.path_params["token"]
        t = catalog.gettext_for("id")
        async with web.db.session() as s:
            state = await login_link_state(s, token, web.now())
        if state != "ok":
            return _refused(request, state)
        return web.templates.TemplateResponse(request, "masuk.html", {"t": t, "lang": "id", "token": token,
                                                                        "viewer": None},
                                              headers={"Cache-Control": "no-store"})

    def _refused(request: Request, state: str) -> Response:
        t = catalog.gettext_for("id")
        why = {"used": t("Tautan ini sudah dipakai. Setiap tautan hanya bisa dipakai sekali."),
               "expired": t("Tautan ini sudah kedaluwarsa: tautan hanya berlaku 15 menit."),
               }.get(state, t("Tautan ini tidak dikenal."))
        return _message(web, request, t("Tautan tidak bisa dipakai"),
                        why + " " + t("Ketik \"dasbor\" di chat Pantau untuk mendapat tautan baru."), 410)

    async def sign_in(request: Request) -> Response:
        token = request.path_params["token"]
        if not same_site(request, public_url(env)):       # login CSRF: another site signing you in as someone
            t = catalog.gettext_for("id")
            return _message(web, request, t("Permintaan ditolak"),
                            t("Tautan masuk hanya bisa dibuka dari halaman Pantau sendiri. Buka lagi tautan dari "
                              "chat Pantau, lalu tekan \"Buka dasbor\"."), 403)
        async with web.db.session() as s, s.begin():
            state, key = await use_login_link(s, token, "id", web.now())
        if key is None:
            return _refused(request, state)
        response = RedirectResponse("/dasbor", status_code=303)
        set_cookie(web, request, response, key)
        return response

    async def sign_out(ctx: Ctx) -> Response:
        await end_session(ctx.s, ctx.viewer.session_id, ctx.now)
        t = ctx.t
        response = _message(web, ctx.request, t("Anda sudah keluar"),
                            t("Dasbor sudah ditutup. Ketik \"dasbor\" di chat Pantau untuk membukanya lagi."), 200,
                            ctx.lang)
        clear_cookie(web, ctx.request, response)
        return response

    async def language(ctx: Ctx) -> Response:
        form = await ctx.request.form()
        lang = str(form.get("lang", "id"))
        await set_session_lang(ctx.s, ctx.viewer.session_id, lang if lang in ("id", "en") else "id")
        back = str(form.get("next", "/dasbor"))
        return RedirectResponse(back if back.startswith("/dasbor") and "//" not in back else "/dasbor", status_code=303)

    def g(page: Callable[[Ctx], Awaitable[Response]], need: str = P.AREA,
          area_of: Callable[[Session, Request], Awaitable[str | None]] | None = None
          ) -> Callable[[Request], Awaitable[Response]]:
        return guarded(web, page, area_of, need)

    area = "/wilayah/{code:str}"
    inner = [
        Route("/", g(pages.home, P.DASHBOARD)),
        Route("/masuk/{token:str}", sign_in_page, methods=["GET"]),
        Route("/masuk/{token:str}", sign_in, methods=["POST"]),
        Route("/keluar", g(sign_out, P.DASHBOARD), methods=["POST"]),
        Route("/bahasa", g(language, P.DASHBOARD), methods=["POST"]),
        Route(area, g(pages.area_page)),
        Route(area + "/belum", g(lists.missing_page, P.MISSING)),
        Route(area + "/pengingat", g(lists.send_reminder, P.REMIND), methods=["POST"]),
        Route(area + "/pertemuan", g(lists.meetings_page)),
        Route(area + "/kegiatan", g(lists.activities_page)),
        Route(area + "/matriks", g(lists.matrix_page)),
        Route(area + "/cerita", g(lists.stories_page, P.STORIES)),
        Route(area + "/cerita/pilih", g(followup.select_story, P.STORIES), methods=["POST"]),
        Route(area + "/tindak-lanjut", g(followup.page, P.FOLLOWUP)),
        Route(area + "/tindak-lanjut", g(followup.recommend, P.RECOMMEND), methods=["POST"]),
        Route(area + "/tindak-lanjut/status", g(followup.answer, P.FOLLOWUP), methods=["POST"]),
        Route(area + "/tindak-lanjut/forum", g(followup.forum, P.FORUM), methods=["POST"]),
        Route(area + "/tindak-lanjut/status", g(followup.back_to_page, P.FOLLOWUP), methods=["GET"]),
        Route(area + "/tindak-lanjut/forum", g(followup.back_to_page, P.FOLLOWUP), methods=["GET"]),
        Route(area + "/opd", g(agencies.page, P.AGENCIES)),
        Route(area + "/opd", g(agencies.add, P.AGENCIES), methods=["POST"]),
        Route(area + "/opd/alias", g(agencies.alias, P.AGENCIES), methods=["POST"]),
        Route(area + "/opd/alias", g(agencies.back_to_page, P.AGENCIES), methods=["GET"]),
        Route(area + "/unduh", g(lists.download_page, P.EXPORT)),
        Route(area + "/forum", g(forum.page)),
        Route("/laporan/{report:str}/revisi/{n:int}", g(pages.revision_page, area_of=pages.report_area)),
        Route("/laporan/{report:str}/foto/{sha:str}", g(pages.photo, area_of=pages.report_area)),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]

    async def not_signed_in(request: Request, exc: Exception) -> Response:
        t = catalog.gettext_for("id")
        return _message(web, request, t("Silakan masuk"),
                        t("Sesi dasbor Anda sudah berakhir atau belum dibuka. Ketik \"dasbor\" di chat Pantau untuk "
                          "mendapat tautan masuk."), 401)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)          # registered for HTTPException (and Refused) only
        t = catalog.gettext_for("id")
        if isinstance(exc, Refused):                   # a page or date out of range: what to do instead
            title = t("Tidak ditemukan") if exc.status_code == 404 else t("Alamat tidak bisa dipakai")
            return _message(web, request, title, t(exc.msgid) % exc.values, exc.status_code)
        if exc.status_code == 403:
            return _message(web, request, t("Permintaan ditolak"),
                            t("Formulir ini sudah tidak berlaku. Muat ulang halaman lalu coba lagi."), 403)
        if exc.status_code == 404:
            return _message(web, request, t("Tidak ditemukan"),
                            t("Halaman ini tidak ada, atau di luar wilayah Anda."), 404)
        return _message(web, request, t("Terjadi kesalahan"), str(exc.detail), exc.status_code)

    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    app = Starlette(routes=inner, exception_handlers={SignInNeeded: not_signed_in, HTTPException: http_error},
                    middleware=[Middleware(SecurityHeaders)])
    return [Mount("/dasbor", app=app)]

"""Every access rule of the dashboard, in one place: the signed session cookie, CSRF on every form post,
and the area scope (a person sees their own area and what is below it; anything else is "not found").

A page is written as ``async def page(ctx: Ctx) -> Response`` and wrapped by ``guarded``: by the time
it runs the person is signed in, the area in its URL is theirs, and a POST carried the right token.
"""
from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from hashlib import sha256
from typing import Any

from itsdangerous import BadSignature, Signer
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from flows.forms import FormVersions
from flows.permissions import ANSWER, AREA, RECOMMEND, may
from flows.problem import N_, Gettext
from storage.db import Database, Session
from storage.web import IDLE_LIMIT, Viewer, viewer_for

from .. import catalog

COOKIE = "pantau_dasbor"


@dataclass
class Web:
    """What every page needs: the database, forms, clock, templates and the cookie key."""
    db: Database
    forms: FormVersions
    now: Callable[[], datetime]
    templates: Jinja2Templates
    load_secret: Callable[[], bytes]   # read on first use: an app that never serves a page writes no key file
    secure: bool                       # cookies only over https (PANTAU_PUBLIC_URL is https)
    templates_whatsapp: set[str] = field(default_factory=set)
    _secret: bytes | None = None

    @property
    def secret(self) -> bytes:
        if self._secret is None:
            self._secret = self.load_secret()
        return self._secret

    @property
    def signer(self) -> Signer:
        return Signer(self.secret, salt="pantau-dasbor-session")


@dataclass
class Ctx:
    web: Web
    request: Request
    s: Session                         # the request's database session (one transaction)
    viewer: Viewer
    now: datetime
    code: str | None                   # the area of the URL, checked

    @property
    def area(self) -> str:
        """The area of a page that has one in its URL (or found by ``area_of``): checked, never None there."""
        if self.code is None:
            raise HTTPException(404)
        return self.code

    @property
    def lang(self) -> str:
        return self.viewer.lang

    @property
    def t(self) -> Gettext:
        return catalog.gettext_for(self.lang)

    @property
    def csrf(self) -> str:
        return csrf_token(self.web.secret, self.viewer.session_id)


def csrf_token(secret: bytes, session_id: str) -> str:
    """Bound to the session: a page of another session (or another site) cannot post for this one."""
    return hmac.new(secret, b"csrf:" + session_id.encode(), sha256).hexdigest()


def in_scope(viewer_area: str, code: str) -> bool:
    """``code`` is the person's own area or below it (Kemendagri codes nest by prefix), and a real area."""
    return (code == viewer_area or code.startswith(viewer_area + ".")) and code in catalog.area_names()


def require_scope(viewer: Viewer, code: str) -> None:
    if not in_scope(viewer.contact.area_code, code):
        raise HTTPException(404)


def may_recommend(viewer: Viewer, code: str | None) -> bool:
    """The follow-up work table (tindak lanjut) is the fasilitator's, for their own kecamatan: they merge the
    desa's needs and decide where each is handled. Others in scope read it."""
    return may(viewer.contact.role, RECOMMEND) and code == viewer.contact.area_code


def may_answer_for_opd(viewer: Viewer) -> bool:
    """A koordinator answers for any OPD of the recommendations carried to the kabupaten in their area; an OPD
    for its own agency only (``agency_only``)."""
    return may(viewer.contact.role, ANSWER)


class Refused(HTTPException):
    """A URL the dashboard does not answer for this person or these values (a page of another role, a page
    number or date out of range): 400 or 404 with a message to show, in Indonesian (``msgid`` and its values;
    bot/web/__init__.py renders it)."""

    def __init__(self, status: int, msgid: str, values: dict[str, Any] | None = None):
        super().__init__(status)
        self.msgid, self.values = msgid, values or {}


MAX_PARAM = 200
UNREADABLE = N_("Alamat halaman ini tidak bisa dibaca. Mohon buka lagi dari menu dasbor.")
NOT_YOURS = N_("Halaman ini bukan untuk peran Anda. Silakan kembali ke halaman awal dasbor.")


def cookie_key(web: Web, request: Request) -> str | None:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        return web.signer.unsign(raw).decode()
    except BadSignature:
        return None


def _secure(web: Web, request: Request) -> bool:
    """Secure when the public address is https, or the request came over https (behind a proxy that
    says so: uvicorn reads X-Forwarded-Proto from a local proxy)."""
    return web.secure or request.url.scheme == "https"


def set_cookie(web: Web, request: Request, response: Response, key: str) -> None:
    response.set_cookie(COOKIE, web.signer.sign(key).decode(), max_age=int(IDLE_LIMIT.total_seconds()),
                        path="/dasbor", httponly=True, secure=_secure(web, request), samesite="lax")


def clear_cookie(web: Web, request: Request, response: Response) -> None:
    response.delete_cookie(COOKIE, path="/dasbor", httponly=True, secure=_secure(web, request), samesite="lax")


class SignInNeeded(Exception):
    pass


def guarded(web: Web, page: Callable[[Ctx], Awaitable[Response]],
            area_of: Callable[[Session, Request], Awaitable[str | None]] | None = None,
            need: str = AREA) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint for ``page``: signed in, allowed to the person's role (``need``, flows/permissions.py),
    area in scope, CSRF checked on POST, one transaction.

    ``area_of(ctx_s, request)`` finds the area of a URL without one (a report's desa); it returns None
    for something that does not exist, which is a 404 like an area outside the person's scope."""
    async def endpoint(request: Request) -> Response:
        now = web.now()
        key = cookie_key(web, request)
        async with web.db.session() as s, s.begin():
            viewer = await viewer_for(s, key, now) if key else None
            if viewer is None or key is None:      # (a viewer is found only for a key)
                raise SignInNeeded()
            if not may(viewer.contact.role, need):
                raise Refused(404, NOT_YOURS)
            if any(len(v) > MAX_PARAM or "\x00" in v for v in request.query_params.values()):
                raise Refused(400, UNREADABLE)           # no filter is that long; NUL breaks PostgreSQL text
            if request.method == "POST":
                form = await request.form()
                if not hmac.compare_digest(str(form.get("csrf", "")), csrf_token(web.secret, viewer.session_id)):
                    raise HTTPException(403)
            code = request.path_params.get("code")
            if area_of is not None:
                code = await area_of(s, request)
                if code is None:
                    raise HTTPException(404)
                report = getattr(request.state, "report", None)       # a report of another program: not theirs
                mine = viewer.contact.program_id
                if report is not None and mine is not None and report.program_id != mine:
                    raise HTTPException(404)
            if code is not None:
                require_scope(viewer, code)
            response = await page(Ctx(web, request, s, viewer, now, code))
        response.headers.setdefault("Cache-Control", "no-store")
        if "set-cookie" not in response.headers:      # the cookie lives as long as the session: 12 h from now
            set_cookie(web, request, response, key)
        return response
    return endpoint

"""The dashboard's HTTP hardening, in one place: security headers on every response under /dasbor, the
sign-in POST refused when it comes from another site (login CSRF), and how a stored photo is served.

The pages have no JavaScript and no inline styles (one stylesheet under /dasbor/static, charts as inline
SVG drawn on the server), so the policy allows nothing but this site's stylesheet, images and forms.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..images import RASTER

CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'")
HEADERS = {
    "content-security-policy": CSP,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
}
# a stored file is never a page: no script, no plugin, no frame, even if a browser were to render it as one
MEDIA_CSP = "default-src 'none'; img-src 'self'; sandbox; frame-ancestors 'none'"


class SecurityHeaders:
    """Pure ASGI middleware: adds ``HEADERS`` to every response that does not set its own value."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.decode("latin-1").lower() for k, _ in headers}
                headers += [(k.encode(), v.encode()) for k, v in HEADERS.items() if k not in present]
                message = {**message, "headers": headers}
            await send(message)
        await self.app(scope, receive, with_headers)


def same_site(request: Request, public_url: str) -> bool:
    """A form post from this site. A browser says where a request comes from in Sec-Fetch-Site (set by the
    browser, never by a page); one too old for it sends Origin with every POST, which must name this site
    (the public address, or the Host the request came to). A client that sends neither (curl, a test) is
    no browser a forged page could drive."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None:
        return True
    ours = {_origin(public_url)} if public_url else set()
    host = request.headers.get("host")
    if host:
        ours.add(f"{request.url.scheme}://{host}".lower())
        ours.add(f"https://{host}".lower())   # behind a TLS-terminating proxy that does not say so
    return _origin(origin) in ours         # "null" (a sandboxed frame, a data: page) is never ours


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def media_headers(sha: str, mime: str) -> dict[str, str]:
    """Headers of a photo served to a signed-in person: shown as an image, never sniffed, never a page."""
    return {"Cache-Control": "private, max-age=86400", "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": MEDIA_CSP,
            "Content-Disposition": f'inline; filename="foto-{sha[:12]}{RASTER.get(mime, ".bin")}"'}

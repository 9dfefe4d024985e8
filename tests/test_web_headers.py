"""The dashboard's HTTP hardening (issue 28): security headers on every response, photos served as images
only (never as a page), and a sign-in POST from another site refused (login CSRF)."""
from __future__ import annotations

import re
from pathlib import Path

import httpx
from sqlalchemy import update

from bot.web.headers import CSP
from storage.models import Media

from .images import SVG
from .test_web import run, sign_in, web_env  # noqa: F401 - a fixture
from .web_scenario import KAB

EVERY = {"content-security-policy": CSP, "x-frame-options": "DENY", "x-content-type-options": "nosniff",
         "referrer-policy": "same-origin"}


def secure(resp: httpx.Response) -> None:
    for name, value in EVERY.items():
        assert resp.headers.get(name) == value, (resp.request.url, name, resp.headers.get(name))
    assert "frame-ancestors 'none'" in resp.headers["content-security-policy"]
    assert "script-src" not in CSP and "unsafe-inline" not in CSP     # no script at all (default-src 'none')


def test_every_dashboard_response_carries_the_security_headers(db_url):
    async def scenario(w, client):
        link = await w.login_link()
        path = link.split("pantau.example.org", 1)[1]
        secure(await client.get(path))                                           # the sign-in page
        secure(await client.get(f"/dasbor/wilayah/{KAB}"))                       # 401: not signed in yet
        secure(await client.post(path))                                          # 303 into the dashboard
        for url in (f"/dasbor/wilayah/{KAB}", f"/dasbor/wilayah/{KAB}/belum", f"/dasbor/wilayah/{KAB}/tindak-lanjut",
                    f"/dasbor/wilayah/{KAB}/unduh", "/dasbor/wilayah/81.01", "/dasbor/tidak-ada",
                    "/dasbor/static/dasbor.css", f"/dasbor/wilayah/{w.corrected}"):
            resp = await client.get(url)
            assert resp.status_code in (200, 404), url
            secure(resp)
        secure(await client.post("/dasbor/keluar", data={"csrf": "0" * 64}))     # 403
    run(db_url, scenario)


def test_photos_are_images_never_pages(db_url):
    async def scenario(w, client):
        await sign_in(w, client)
        desa = (await client.get(f"/dasbor/wilayah/{w.corrected}")).text
        full = re.search(r'href="(/dasbor/laporan/\d+/foto/[0-9a-f]+)"', desa).group(1)
        for url in (full, full + "?kecil=1"):
            resp = await client.get(url)
            assert resp.status_code == 200 and resp.headers["content-type"] in ("image/png", "image/jpeg")
            assert resp.headers["x-content-type-options"] == "nosniff"
            assert re.fullmatch(r'inline; filename="foto-[0-9a-f]{12}\.(png|jpg)"', resp.headers["content-disposition"])
            assert "sandbox" in resp.headers["content-security-policy"]
        # a file stored before photos were checked by content, an SVG with a script: never served
        async with w.p.db.session() as s, s.begin():
            path = (await s.get(Media, w.photo)).path
            await s.execute(update(Media).where(Media.sha256 == w.photo).values(mime="image/svg+xml"))
        Path(path).write_bytes(SVG)
        for url in (full, full + "?kecil=1"):
            resp = await client.get(url)
            assert resp.status_code == 404 and b"<script>fetch" not in resp.content
    run(db_url, scenario)


def test_a_sign_in_posted_from_another_site_is_refused(db_url):
    """Login CSRF: a page elsewhere posting an attacker's link would sign the victim in as the attacker. The
    POST from another origin (or marked cross-site by the browser) is refused and the link stays unused."""
    async def scenario(w, client):
        link = await w.login_link()
        path = link.split("pantau.example.org", 1)[1]
        for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"},
                        {"Origin": "null"}, {"Sec-Fetch-Site": "same-site", "Origin": "https://x.pantau.example.org"},
                        {"Origin": "http://pantau.example.org.evil.example"},
                        {"Sec-Fetch-Site": "cross-site", "Origin": "https://pantau.example.org"}):
            refused = await client.post(path, headers=headers)
            assert refused.status_code == 403 and "Permintaan ditolak" in refused.text, headers
            assert "pantau_dasbor" not in refused.headers.get("set-cookie", "")
        ok = await client.post(path, headers={"Origin": "https://pantau.example.org", "Sec-Fetch-Site": "same-origin"})
        assert ok.status_code == 303 and ok.headers["location"] == "/dasbor"    # the link was still unused
    run(db_url, scenario)

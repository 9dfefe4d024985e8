"""Hostile requests against the webhooks, through the real HTTP server with `pantau serve`'s settings
(uvicorn_options): bodies bounded before parsing, slow clients cut off, field values that cannot be
stored refused without a traceback, and media fetched only from Twilio, within a size and a time limit,
after the message is stored."""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
from pathlib import Path
import socket

import httpx
import pytest
import uvicorn
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from bot import media
from bot.config import reload
from bot.server import build_app, uvicorn_options
from storage.models import InboundMessage, Media, Outbox

from .conftest import open_pipeline
from .images import image_bytes
from .test_whatsapp import SID, Phone, config
from .twilio_peer import TwilioPeer, free_port

PUBLIC = "https://pantau.example.org"
TOKEN = "a" * 32


@contextlib.asynccontextmanager
async def bounded(app, port: int):
    """The app under uvicorn with the options `pantau serve` uses."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="on", **uvicorn_options()))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@contextlib.asynccontextmanager
async def whatsapp_app(db_url, peer, media_hosts=None, **settings):
    for key, value in settings.items():
        os.environ[key] = str(value)
    reload()
    cfg = config(peer, PUBLIC)
    if media_hosts:
        cfg = dataclasses.replace(cfg, media_hosts=media_hosts)
    pipeline = await open_pipeline(db_url)
    try:
        async with bounded(build_app(pipeline, {"whatsapp": cfg}, run_senders=False), free_port()) as url:
            yield url, pipeline, Phone(url, PUBLIC, peer)
    finally:
        await asyncio.gather(*media._tasks, return_exceptions=True)
        await pipeline.db.close()
        for key in settings:
            os.environ.pop(key, None)
        reload()


async def in_thread(fn, *args, **kw):
    return await asyncio.to_thread(fn, *args, **kw)


async def inbound_rows(pipeline) -> list[InboundMessage]:
    async with pipeline.db.session() as s:
        return list(await s.scalars(select(InboundMessage).order_by(InboundMessage.id)))


@pytest.fixture
def peer():
    return TwilioPeer(SID, TOKEN)


async def test_unsigned_big_and_multipart_bodies_are_refused_unread(db_url, peer):
    """413 / 415 come before the signature check (403), which before came after parsing the whole form
    (a multipart upload spooled to a temp file first)."""
    async with whatsapp_app(db_url, peer) as (url, pipeline, phone):
        big = await in_thread(httpx.post, url + "/whatsapp/inbound", content=b"Body=" + b"x" * 3_000_000,
                              headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=30)
        assert big.status_code == 413
        files = {"MediaUrl0": ("big.bin", b"\0" * 3_000_000, "application/octet-stream")}
        multipart = await in_thread(httpx.post, url + "/whatsapp/inbound", files=files, timeout=30)
        assert multipart.status_code == 415
        # a declared length over the limit is refused before a byte of the body is read
        head = (b"POST /whatsapp/inbound HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-"
                b"urlencoded\r\nContent-Length: 600000000\r\n\r\n")
        answer = await in_thread(idle_until_closed, int(url.rsplit(":", 1)[1]), head, 15)
        assert answer is not None and answer.startswith(b"HTTP/1.1 413"), answer
        assert await inbound_rows(pipeline) == []


def idle_until_closed(port: int, first: bytes, wait: float) -> bytes | None:
    """Send ``first`` then nothing: what the server answers before closing, or None if it is still open."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        if first:
            sock.sendall(first)
        sock.settimeout(wait)
        got = b""
        try:
            while True:
                chunk = sock.recv(1000)
                if not chunk:
                    return got
                got += chunk
        except socket.timeout:
            return None


async def test_slow_clients_are_cut_off(db_url, peer):
    settings = {"PANTAU_HTTP_HEADER_TIMEOUT": "1", "PANTAU_HTTP_BODY_TIMEOUT": "1"}
    async with whatsapp_app(db_url, peer, **settings) as (url, pipeline, phone):
        port = int(url.rsplit(":", 1)[1])
        # connected, nothing sent / half the headers sent: closed after the header deadline
        assert await in_thread(idle_until_closed, port, b"", 5) == b""
        assert await in_thread(idle_until_closed, port, b"POST /whatsapp/inbound HTTP/1.1\r\nHost: x\r\n", 5) == b""
        # headers complete, the body dripping: 408 after the body deadline
        head = (b"POST /whatsapp/inbound HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: 100\r\n\r\nBody=x")
        answer = await in_thread(idle_until_closed, port, head, 5)
        assert answer is not None and answer.startswith(b"HTTP/1.1 408")
        # an ordinary request afterwards is served
        assert (await in_thread(httpx.get, url + "/health")).status_code == 200


async def test_oversized_headers_are_refused_before_the_app_sees_them(db_url, peer):
    async with whatsapp_app(db_url, peer) as (url, pipeline, phone):
        port = int(url.rsplit(":", 1)[1])
        # 20 KB of headers, never finished: answered 431 and closed, whether or not more would follow
        head = b"POST /whatsapp/inbound HTTP/1.1\r\nHost: x\r\n" + b"X-Pad: " + b"a" * 20_000 + b"\r\n"
        answer = await in_thread(idle_until_closed, port, head, 5)
        assert answer is not None and answer.startswith(b"HTTP/1.1 431")
        # the same in a single read (100 KB of headers at once)
        head = (b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"X-Pad: " + b"a" * 100_000 + b"\r\n\r\n")
        answer = await in_thread(idle_until_closed, port, head, 5)
        assert answer is not None and answer.startswith(b"HTTP/1.1 431")
        # requests sent one after the other on one connection: a big body is a body, not headers
        body = b"Body=" + b"x" * 30_000
        pipelined = (b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
                     b"POST /whatsapp/inbound HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                     b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
        answer = await in_thread(idle_until_closed, port, pipelined, 5)
        assert answer is not None and answer.startswith(b"HTTP/1.1 200")
        assert b"HTTP/1.1 403" in answer and b"431" not in answer      # unsigned: forbidden, read as a body
        # a webhook with ordinary headers is served, and nothing of the refused ones was stored
        await in_thread(phone.say, "halo")
        assert len(await inbound_rows(pipeline)) == 1


async def test_connections_over_the_limit_get_503(db_url, peer):
    async with whatsapp_app(db_url, peer, PANTAU_HTTP_MAX_CONNECTIONS="2", PANTAU_HTTP_HEADER_TIMEOUT="30") \
            as (url, pipeline, phone):
        port = int(url.rsplit(":", 1)[1])
        held = await in_thread(lambda: [socket.create_connection(("127.0.0.1", port)) for _ in range(3)])
        try:
            await asyncio.sleep(0.2)
            resp = await in_thread(httpx.get, url + "/health")
            assert resp.status_code == 503
        finally:
            for sock in held:
                sock.close()
        await asyncio.sleep(0.2)
        assert (await in_thread(httpx.get, url + "/health")).status_code == 200


@pytest.mark.parametrize("fields,status,stored_kind", [
    ({"NumMedia": "abc"}, 400, None),
    ({"NumMedia": "-1"}, 400, None),
    ({"From": "whatsapp:+62" + "8" * 100}, 400, None),
    ({"MessageSid": "SM" + "f" * 100}, 400, None),
    ({"MessageSid": ""}, 400, None),
    ({"Latitude": "abc", "Longitude": "130.5"}, 200, "other"),
    ({"Latitude": "nan", "Longitude": "nan"}, 200, "other"),
    ({"Latitude": "91", "Longitude": "1e400"}, 200, "other"),
    ({"Latitude": "-3.21", "Longitude": "130.50"}, 200, "location"),
    ({"Body": "Balai \ud800desa"}, 200, "text"),
])
async def test_bad_field_values_answer_400_or_are_stored_as_unreadable(db_url, peer, fields, status, stored_kind,
                                                                       caplog):
    async with whatsapp_app(db_url, peer) as (url, pipeline, phone):
        form = phone.form("halo", **fields)
        if "\ud800" in form["Body"]:
            form["Body"] = form["Body"].encode("utf-8", "surrogatepass").decode("latin-1")   # bytes on the wire
        resp = await in_thread(phone.post, form)
        assert resp.status_code == status, resp.text
        rows = await inbound_rows(pipeline)
        if stored_kind is None:
            assert rows == []
        else:
            [row] = rows
            assert row.payload["kind"] == stored_kind
    assert "Traceback" not in caplog.text


class MediaHost:
    """A media server on its own origin: records every request, serves what a test puts there."""

    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.requests: list[dict] = []
        self.routes: dict[str, object] = {}

    def app(self):
        async def any_path(request: Request):
            self.requests.append({"path": request.url.path, "auth": request.headers.get("authorization")})
            return await self.routes[request.url.path](request)
        return Starlette(routes=[Route("/{path:path}", any_path)])


@contextlib.asynccontextmanager
async def hosts(*apps):
    async with contextlib.AsyncExitStack() as stack:
        for app, port in apps:
            await stack.enter_async_context(bounded(app, port))
        yield


async def photo(phone, url):
    return await in_thread(phone.post, phone.form("", NumMedia="1", MessageType="image",
                                                  MediaContentType0="image/jpeg", MediaUrl0=url))


async def media_rows(pipeline) -> list[Media]:
    async with pipeline.db.session() as s:
        return list(await s.scalars(select(Media)))


async def test_media_on_a_foreign_host_is_never_fetched(db_url, peer, tmp_path, monkeypatch):
    monkeypatch.setenv("PANTAU_MEDIA_DIR", str(tmp_path / "media"))
    evil = MediaHost()
    evil.routes["/steal.jpg"] = lambda r: _ok(b"\xff\xd8\xff")
    async with hosts((evil.app(), evil.port)), whatsapp_app(db_url, peer) as (url, pipeline, phone):
        await registered(phone, pipeline)
        for foreign in (evil.url + "/steal.jpg", "file:///etc/passwd", "ftp://api.twilio.com/x",
                        "https://api.twilio.com.evil.org/x", "https://user:pw@api.twilio.com/x"):
            resp = await photo(phone, foreign)
            assert resp.status_code == 200
        assert evil.requests == []                                      # no request, no credentials
        assert await media_rows(pipeline) == []
        kinds = [r.payload["kind"] for r in await inbound_rows(pipeline)][-5:]
        assert kinds == ["other"] * 5                                   # asked to send it again


async def _ok(data: bytes, ctype: str = "image/jpeg"):
    return Response(data, media_type=ctype)


async def registered(phone, pipeline):
    for text in ("halo", "Siti Aminah", "1", "Kilmury, Kilmury", "ya", "1", "1", "kemarin", "Balai desa",
                 "L 79 P 38", "20", "2"):
        await in_thread(phone.say, text)


async def test_media_is_fetched_after_the_commit_within_limits(db_url, peer, tmp_path, monkeypatch):
    """Each photo's message is stored (and answered 200) at once; the download happens afterwards: a
    redirect to the CDN without the account's credentials, an oversized file cut off at the cap, a
    page that is not an image refused, a drip cut off at the deadline and tried again later."""
    monkeypatch.setenv("PANTAU_MEDIA_DIR", str(tmp_path / "media"))
    cdn = MediaHost()
    peer_media = MediaHost()     # stands in for api.twilio.com's media URLs (the allowed origin is the peer's)
    jpeg = image_bytes("daftar hadir " * 100)

    async def redirect(request):
        return Response(status_code=307, headers={"Location": cdn.url + "/signed/sheet.jpg?sig=1"})

    async def huge(request):
        async def chunks():
            for _ in range(64):
                yield b"\0" * 65536                                   # 4 MB, no Content-Length
        return StreamingResponse(chunks(), media_type="image/jpeg")

    async def drip(request):
        async def chunks():
            for _ in range(100):
                yield b"x"
                await asyncio.sleep(0.5)
        return StreamingResponse(chunks(), media_type="image/jpeg")

    cdn.routes["/signed/sheet.jpg"] = lambda r: _ok(jpeg)
    peer_media.routes.update({"/m/ok": redirect, "/m/huge": huge, "/m/html": lambda r: _ok(b"<html>", "text/html"),
                              "/m/drip": drip})
    settings = {"PANTAU_MEDIA_MAX_BYTES": str(1024 * 1024), "PANTAU_MEDIA_TIMEOUT": "1.5"}
    base = peer_media.url
    async with hosts((cdn.app(), cdn.port), (peer_media.app(), peer_media.port)):
        async with whatsapp_app(db_url, peer, (base, cdn.url), **settings) as (url, pipeline, phone):
            await registered(phone, pipeline)
            for path in ("/m/ok", "/m/huge", "/m/html", "/m/drip"):
                assert (await photo(phone, base + path)).status_code == 200
                await in_thread(phone.say, "lewati") if path == "/m/ok" else None
            await asyncio.gather(*media._tasks)
            rows = {r.url.rsplit("/", 1)[1]: r for r in await media_rows(pipeline)}
    assert rows["ok"].status == "stored" and Path(rows["ok"].path).read_bytes() == jpeg
    auth = {r["path"]: r["auth"] for r in peer_media.requests + cdn.requests}
    assert auth["/m/ok"].startswith("Basic ") and auth["/signed/sheet.jpg"] is None   # credentials to Twilio only
    assert rows["huge"].status == "failed" and "bytes" in rows["huge"].error
    assert rows["html"].status == "failed" and "not an image" in rows["html"].error
    assert rows["drip"].status == "pending" and rows["drip"].attempts == 1          # tried again later
    leftovers = [p.name for p in (tmp_path / "media").iterdir() if p.suffix == ".part"]
    assert leftovers == []


async def test_a_photo_that_can_never_be_fetched_is_answered_once_and_not_shown_as_a_photo(db_url, peer, tmp_path,
                                                                                       monkeypatch):
    """A WhatsApp photo refused for good after the commit (not an image): its row is failed, the person is
    asked politely, once, to send it again (through the outbox), and the report's reference to it is
    known as not received (the dashboard does not show it as a photo)."""
    from storage.media import failed_media
    monkeypatch.setenv("PANTAU_MEDIA_DIR", str(tmp_path / "media"))
    peer_media = MediaHost()
    peer_media.routes["/m/html"] = lambda r: _ok(b"<html>", "text/html")
    async with hosts((peer_media.app(), peer_media.port)):
        async with whatsapp_app(db_url, peer, (peer_media.url,)) as (url, pipeline, phone):
            await registered(phone, pipeline)
            assert (await photo(phone, peer_media.url + "/m/html")).status_code == 200
            await asyncio.gather(*media._tasks)
            [row] = await media_rows(pipeline)
            async with pipeline.db.session() as s:
                notices = [(o.external_id, o.payload["text"]) for o in await s.scalars(select(Outbox))
                           if "foto" in o.payload["text"] and "Maaf" in o.payload["text"]]
                assert await failed_media(s, [row.sha256, "0" * 64]) == {row.sha256}
            await media.fetch_pending(pipeline.db, media.TwilioMedia(config(peer, PUBLIC)), row.sha256, row.url, 0)
            async with pipeline.db.session() as s:
                again = [o for o in await s.scalars(select(Outbox)) if "belum dapat kami terima" in o.payload["text"]]
    assert row.status == "failed" and row.channel == "whatsapp" and row.external_id == phone.number
    assert notices == [(phone.number, "Maaf, foto Anda belum dapat kami terima. Mohon kirim ulang fotonya.")]
    assert len(again) == 1                                        # told once, however often it is tried


async def test_outbox_unchanged_by_refused_requests(db_url, peer):
    async with whatsapp_app(db_url, peer) as (url, pipeline, phone):
        await in_thread(phone.post, phone.form("halo", NumMedia="abc"))
        async with pipeline.db.session() as s:
            assert list(await s.scalars(select(Outbox))) == []


async def test_a_message_that_could_not_be_stored_answers_503_without_a_traceback(db_url, peer, caplog):
    import sqlite3

    from sqlalchemy.exc import OperationalError
    async with whatsapp_app(db_url, peer) as (url, pipeline, phone):
        async def locked(items):
            raise OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))
        real, pipeline.handle_batch = pipeline.handle_batch, locked
        form = phone.form("halo")
        assert (await in_thread(phone.post, form)).status_code == 503
        pipeline.handle_batch = real
        assert (await in_thread(phone.post, form)).status_code == 200          # Twilio's retry is stored
        assert len(await inbound_rows(pipeline)) == 1
    assert "Traceback" not in caplog.text

"""A 200 from the Telegram webhook (or a polling offset moved past an update) means the update is stored.

Failures are forced where they happen in production: the database locked (every write of the batch
fails as SQLite's busy timeout would), Telegram's getFile answering 502, text that no database encoding
can hold. Each time the update must come back (webhook 503 → Telegram redelivers; polling offset
held) and end up stored exactly once. Bodies that are not updates get 400, oversized ones 413."""
from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from telegram import Update

from bot.pipeline import Pipeline
from bot.channels.registry import Live
from bot.server import build_app
from bot.channels.telegram import Limits, NotStored, TelegramChannel, send_due
from storage.models import InboundMessage, Media

from .conftest import open_pipeline
from .images import image_bytes
from .telegram.harness import SECRET, TOKEN, Harness, needs_emulator
from .twilio_peer import free_port, serving


def lock_the_database(pipeline: Pipeline, failures: int) -> list[int]:
    """The next ``failures`` batch writes fail the way a locked SQLite database fails them."""
    calls = [0]
    real = pipeline.handle_batch

    async def locked(items):
        calls[0] += 1
        if calls[0] <= failures:
            raise OperationalError("INSERT INTO inbound", {}, sqlite3.OperationalError("database is locked"))
        return await real(items)
    pipeline.handle_batch = locked
    return calls


async def stored(pipeline: Pipeline) -> list[InboundMessage]:
    async with pipeline.db.session() as s:
        return list(await s.scalars(select(InboundMessage).order_by(InboundMessage.id)))


async def until(predicate, timeout: float = 20.0):
    for _ in range(int(timeout / 0.05)):
        if await predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached")


def update(update_id: int, text: str, chat: int = 4242) -> dict:
    return {"update_id": update_id, "message": {"message_id": update_id, "date": 0, "text": text,
                                                "chat": {"id": chat, "type": "private"}}}


async def post(url: str, **kw) -> httpx.Response:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json",
               **kw.pop("headers", {})}
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.post(url + "/telegram/webhook", headers=headers, **kw)


@contextlib.asynccontextmanager
async def webhook_app(db_url):
    """The Starlette app with a Telegram channel whose Bot API is a dead address (no request needs it)."""
    from bot.channels.telegram import TelegramConfig
    pipeline = await open_pipeline(db_url)
    channel = TelegramChannel(TelegramConfig(TOKEN, "http://127.0.0.1:9/bot", None, SECRET), pipeline)
    channel.start = channel.stop = _nothing           # no getMe/setMyCommands against the dead address
    async with serving(build_app(pipeline, [Live("telegram", channel.cfg, channel)], run_senders=False), free_port()) as url:
        yield url, pipeline
    await pipeline.db.close()


async def _nothing():
    return None


async def test_locked_database_answers_503_and_the_redelivered_update_is_stored(db_url):
    async with webhook_app(db_url) as (url, pipeline):
        calls = lock_the_database(pipeline, failures=4)        # the pipeline's own retries all fail
        first = await post(url, json=update(1, "halo"))
        assert first.status_code == 503 and await stored(pipeline) == []      # not acknowledged, not stored
        again = await post(url, json=update(1, "halo"))                       # Telegram delivers it again
        assert again.status_code == 200 and [m.message_id for m in await stored(pipeline)] == ["1"]
        assert calls[0] == 5
        assert (await post(url, json=update(1, "halo"))).status_code == 200   # a third copy: a duplicate
        assert len(await stored(pipeline)) == 1


async def test_text_no_database_can_encode_is_stored_not_lost(db_url):
    async with webhook_app(db_url) as (url, pipeline):
        body = '{"update_id": 7, "message": {"message_id": 7, "date": 0, "text": "Balai \\ud800desa",' \
               ' "chat": {"id": 4242, "type": "private"}}}'
        resp = await post(url, content=body, headers={"Content-Type": "application/json",
                                                      "X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert resp.status_code == 200
        [row] = await stored(pipeline)
        assert row.payload["text"] == "Balai \ufffddesa"


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"{}", b'{"update_id": "x"}', b"\xff\xfe",
                                  b'{"update_id": true}'])
async def test_a_body_that_is_not_an_update_is_refused_with_400(db_url, body):
    async with webhook_app(db_url) as (url, pipeline):
        resp = await post(url, content=body, headers={"Content-Type": "application/json",
                                                      "X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert resp.status_code == 400 and await stored(pipeline) == []


async def test_an_oversized_body_is_refused_before_it_is_read(db_url):
    async with webhook_app(db_url) as (url, pipeline):
        resp = await post(url, content=b"{" + b" " * 2_000_000 + b"}")
        assert resp.status_code == 413


@needs_emulator
async def test_polling_holds_the_offset_until_the_update_is_stored(emulator, db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("PANTAU_MEDIA_DIR", str(tmp_path / "media"))
    h = Harness(emulator, db_url)
    async with serving(h.compat.app(), h.compat_port):
        h.pipeline = await open_pipeline(db_url)
        h.channel = TelegramChannel(h.cfg, h.pipeline)
        await h.channel.start()
        lock_the_database(h.pipeline, failures=4)
        await h.user.send("halo")
        with pytest.raises(NotStored) as held:
            await h.channel.poll_once(None, timeout=1)
        assert await stored(h.pipeline) == []
        offset = await h.channel.poll_once(held.value.offset, timeout=1)   # the same update, handed out again
        [row] = await stored(h.pipeline)
        assert row.payload["text"] == "halo" and offset == int(row.message_id) + 1
        await h.channel.stop()
        await h.pipeline.db.close()


@needs_emulator
async def test_polling_offset_stops_at_the_first_unstored_update_of_any_chat(emulator, db_url, tmp_path,
                                                                            monkeypatch):
    """Two chats in one getUpdates answer; one chat's update fails: the offset stays at it, the other
    chat's update is stored, and on the next poll it is a duplicate (dropped), the failed one stored."""
    monkeypatch.setenv("PANTAU_MEDIA_DIR", str(tmp_path / "media"))
    h = Harness(emulator, db_url)
    async with serving(h.compat.app(), h.compat_port):
        h.pipeline = await open_pipeline(db_url)
        h.channel = TelegramChannel(h.cfg, h.pipeline)
        bot = h.channel.app.bot
        real = h.channel._handle

        async def flaky(u, _context=None, fail={"5"}):  # noqa: B006 - one set shared across calls on purpose
            if str(u.update_id) in fail:
                fail.clear()
                raise OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))
            return await real(u)
        h.channel._handle = flaky
        batch = [Update.de_json(update(5, "halo", chat=1), bot), Update.de_json(update(6, "halo", chat=2), bot)]
        with pytest.raises(NotStored) as held:
            await h.channel.process(batch)
        assert held.value.first_update_id == 5 and [m.message_id for m in await stored(h.pipeline)] == ["6"]
        await h.channel.process(batch)
        assert sorted(m.message_id for m in await stored(h.pipeline)) == ["5", "6"]
        await h.pipeline.db.close()


@needs_emulator
async def test_a_failed_getfile_neither_loses_nor_holds_the_message_and_the_photo_arrives_later(
        emulator, db_url, tmp_path, monkeypatch):
    """Photos are fetched after the commit: with getFile answering 502 the update is stored at once (the
    polling offset moves on, the next message is answered), the photo row is pending and the report's
    answer refers to it; the fetcher's next try stores the file. On a 400 (a file Telegram will never
    hand out) the row is marked failed and the person is asked, once, to send the photo again."""
    from bot import media
    from storage.models import Outbox
    monkeypatch.setenv("PANTAU_MEDIA_DIR", str(tmp_path / "media"))
    h = Harness(emulator, db_url)
    async with serving(h.compat.app(), h.compat_port):
        h.pipeline = await open_pipeline(db_url)
        h.channel = TelegramChannel(h.cfg, h.pipeline)
        await h.channel.start()
        h.compat.fail_next = [("getFile", 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})]
        sheet = image_bytes("sheet" * 100)
        await h.user.send_photo(sheet)
        offset = await h.channel.poll_once(None, timeout=1)            # stored although getFile fails
        [row] = await stored(h.pipeline)
        assert row.payload["kind"] == "photo" and offset == int(row.message_id) + 1
        await asyncio.gather(*media._tasks)
        assert h.compat.fail_next == []                                # the failure did happen
        async with h.pipeline.db.session() as s:
            [pending] = (await s.scalars(select(Media))).all()
        assert pending.status == "pending" and pending.attempts == 1 and pending.sha256 == row.payload["photo"]
        await h.user.send("halo")                                      # not held up by the photo
        offset = await h.channel.poll_once(offset, timeout=1)
        assert len(await stored(h.pipeline)) == 2
        assert await media.fetch_pending(h.pipeline.db, h.channel.media, pending.sha256, pending.url, 1)
        async with h.pipeline.db.session() as s:
            [photo] = (await s.scalars(select(Media))).all()
        assert photo.status == "stored" and Path(photo.path).read_bytes() == sheet

        h.compat.fail_next = [("getFile", 400, {"ok": False, "error_code": 400,
                                                "description": "Bad Request: file is too big"})]
        await h.user.send_photo(image_bytes("big" * 100))
        await h.channel.poll_once(offset, timeout=1)
        await asyncio.gather(*media._tasks)
        async with h.pipeline.db.session() as s:
            failed = [m for m in (await s.scalars(select(Media))).all() if m.status == "failed"]
            notices = [r for r in (await s.scalars(select(Outbox))).all() if "foto Anda belum" in r.payload["text"]]
        assert len(failed) == 1 and "too big" in failed[0].error and len(notices) == 1
        assert (await stored(h.pipeline))[-1].payload["photo"] == failed[0].sha256
        h.compat.fail_next = [("getFile", 400, {"ok": False, "error_code": 400, "description": "Bad Request"})]
        assert not await media.fetch_pending(h.pipeline.db, h.channel.media, failed[0].sha256, failed[0].url, 0)
        async with h.pipeline.db.session() as s:                      # told once, however often it is tried
            assert len([r for r in (await s.scalars(select(Outbox))).all()
                        if "foto Anda belum" in r.payload["text"]]) == 1
        await send_due(h.pipeline.db, h.channel.app.bot, Limits(1000, 1000))
        read = [m["text"] for m in await h.user.read()]
        assert "Maaf, foto Anda belum dapat kami terima. Mohon kirim ulang fotonya." in read
        await h.channel.stop()
        await h.pipeline.db.close()


@needs_emulator
async def test_start_warms_what_the_first_message_needs_before_polling(emulator, db_url, tmp_path, monkeypatch):
    """The area index and the parsers are built in start(), not by the first person's message."""
    from bot import catalog
    monkeypatch.setenv("PANTAU_MEDIA_DIR", str(tmp_path / "media"))
    h = Harness(emulator, db_url)
    async with serving(h.compat.app(), h.compat_port):
        h.pipeline = await open_pipeline(db_url)
        h.channel = TelegramChannel(h.cfg, h.pipeline)
        catalog.area_index.cache_clear()
        await h.channel.start()
        assert catalog.area_index.cache_info().currsize == 1
        built = catalog.area_index.cache_info().misses
        await h.user.send("/start")
        await h.channel.poll_once(None, timeout=1)
        await h.user.send("Siti Aminah")
        await h.channel.poll_once(None, timeout=1)
        assert catalog.area_index.cache_info().misses == built       # nothing rebuilt for the first messages
        await h.channel.stop()
        await h.pipeline.db.close()


@needs_emulator
async def test_a_poison_update_is_dropped_after_bounded_tries_and_the_person_told_once(emulator, db_url, tmp_path,
                                                                                        monkeypatch, caplog):
    """An update that fails for a reason of its own (here: a bug on its text) holds the polling offset for
    POISON_ATTEMPTS polls, then is dropped with a log line that does not quote it: the offset moves on, the
    chat's next message is answered, and the person reads one apology. A redelivery is a duplicate."""
    from bot.channels.telegram import POISON_ATTEMPTS
    monkeypatch.setenv("PANTAU_MEDIA_DIR", str(tmp_path / "media"))
    h = Harness(emulator, db_url)
    async with serving(h.compat.app(), h.compat_port):
        h.pipeline = await open_pipeline(db_url)
        h.channel = TelegramChannel(h.cfg, h.pipeline)
        await h.channel.start()
        real = h.pipeline.handle

        async def buggy(inbound, media=None):
            if inbound.text == "racun rahasia":
                raise KeyError("a bug")
            return await real(inbound, media)
        h.pipeline.handle = buggy
        await h.user.send("racun rahasia")
        await h.user.send("halo")
        offset = None
        for _ in range(POISON_ATTEMPTS - 1):
            with pytest.raises(NotStored) as held:
                await h.channel.poll_once(offset, timeout=1)
            offset = held.value.offset
            assert await stored(h.pipeline) == []              # neither, yet: "halo" waits behind it
        caplog.set_level("INFO")
        offset = await h.channel.poll_once(offset, timeout=1)
        rows = await stored(h.pipeline)
        assert [r.payload.get("kind") for r in rows] == ["dropped", "text"] and offset == int(rows[-1].message_id) + 1
        assert "dropped after 3 attempt(s): KeyError" in caplog.text and "racun" not in caplog.text
        await send_due(h.pipeline.db, h.channel.app.bot, Limits(1000, 1000))
        read = [m["text"] for m in await h.user.read()]
        assert read[0].startswith("Maaf, ada gangguan") and "Selamat datang di Pantau" in "\n".join(read[1:])
        assert sum(text.startswith("Maaf, ada gangguan") for text in read) == 1
        again = Update.de_json({"update_id": int(rows[0].message_id), "message": {
            "message_id": 1, "date": 0, "text": "racun rahasia", "chat": {"id": 4242, "type": "private"}}},
            h.channel.app.bot)
        h.pipeline.handle = real                               # (the bug fixed meanwhile)
        await h.channel.process([again])                       # redelivered: a duplicate, nothing new
        assert len(await stored(h.pipeline)) == 2
        await h.channel.stop()
        await h.pipeline.db.close()

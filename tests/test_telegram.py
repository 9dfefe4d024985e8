"""Telegram end to end against a real peer: the telegram-test-api Bot API emulator (npm), behind the
compatibility layer in tests/telegram/compat.py, driven by a simulated user — in polling and in
webhook mode. Plus adapter tests on captured Telegram update payloads."""
import json
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from telegram import Bot, Update

from bot.channels.registry import Live
from bot.server import build_app
from bot.channels.telegram import Limits, TelegramChannel, TelegramConfig, send_due, to_inbound
from storage.models import InboundMessage, Media, Outbox, Report

from .conftest import NOW, open_pipeline
from .images import image_bytes
from .telegram.harness import SECRET, TOKEN, Harness, needs_emulator
from .twilio_peer import free_port, serving

FIXTURES = json.loads((Path(__file__).parent / "telegram" / "updates.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name,kind,text", [("text", "text", "79 orang"), ("location", "location", ""),
                                            ("voice", "voice", ""), ("sticker", "sticker", ""),
                                            ("command", "text", "/start")])
async def test_captured_updates_become_inbound_messages(name, kind, text):
    bot = Bot(TOKEN)
    update = Update.de_json(FIXTURES[name], bot)
    inbound, media_row = await to_inbound(update)
    assert inbound.kind == kind and inbound.text == text and media_row is None
    assert inbound.channel == "telegram" and inbound.sender == str(FIXTURES[name]["message"]["chat"]["id"])
    assert inbound.message_id == str(FIXTURES[name]["update_id"])
    if kind == "location":
        assert inbound.location == (-3.2174, 130.5031)


def test_bad_settings_fail_at_start():
    from bot.config import ConfigError
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN"):
        TelegramConfig.from_env({"TELEGRAM_BOT_TOKEN": "abc"})
    with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_SECRET"):
        TelegramConfig.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "PANTAU_PUBLIC_URL": "https://x.org"}, webhook=True)


def texts(messages):
    return "\n".join(m["text"] for m in messages)


async def full_conversation(h: Harness):
    out = await h.turn("/start")
    assert "Selamat datang di Pantau" in texts(out)
    await h.turn("Siti Aminah")
    out = await h.turn("Kader desa")
    out = await h.turn("Kilmury, Kilmury")
    assert out[-1]["keyboard"] == ["Ya", "Tidak"] and "Desa Kilmury, Kec. Kilmury" in texts(out)
    out = await h.turn("Ya")                                   # a tap on the reply keyboard
    assert out[-1]["keyboard"][0] == "Laporan pertemuan"
    out = await h.turn("Laporan pertemuan")
    assert "Musyawarah desa" in out[-1]["keyboard"], out
    await h.turn("Musyawarah desa")
    await h.turn("kemarin")
    out = await h.turn("/batal")
    assert out[-1]["keyboard"] == ["Ya", "Tidak"]
    out = await h.turn("Tidak")                                # not cancelled: continues where it was
    assert "Di mana tempatnya?" in texts(out)
    await h.turn("/start")                                     # leaves to the menu; the draft is kept
    out = await h.turn("1")
    assert "Di mana tempatnya?" in texts(out)
    await h.turn("Balai desa")
    out = await h.turn("L 79 P 38")
    assert "Jumlah peserta: 117 orang" in texts(out)
    await h.turn("20")
    await h.turn("2")
    sheet = image_bytes("attendance sheet " * 20)
    out = await h.turn(photo=sheet)
    import asyncio

    from bot import media
    await asyncio.gather(*media._tasks)         # the download runs after the update is stored
    out = await h.turn("lewati")
    assert "Foto daftar hadir: foto terlampir" in texts(out)
    out = await h.turn("Kirim")
    assert "Laporan pertemuan sudah tersimpan" in texts(out)
    out = await h.turn("/ubah")
    assert "Musyawarah desa" in out[-1]["keyboard"][0]
    await h.turn("1")
    await h.turn("Laki-laki: 79")               # the answer's button
    out = await h.turn("L 80 P 40")
    assert "Laki-laki: 80" in texts(out)
    out = await h.turn("Kirim")
    assert "perbaikan ke-1" in texts(out)
    async with h.pipeline.db.session() as s:
        [report] = (await s.scalars(select(Report))).all()
        assert report.revision == 2 and report.answers["men"] == 80 and report.answers["total"] == 120
        [photo] = (await s.scalars(select(Media))).all()
        assert Path(photo.path).stat().st_size == len(sheet)              # the largest size was downloaded
        rows = (await s.scalars(select(Outbox))).all()
        assert all(r.status == "sent" for r in rows)
    assert [c["command"] for c in h.compat.commands] == ["start", "lapor", "ubah", "bantuan", "batal", "bahasa"]


@needs_emulator
async def test_polling_mode(emulator, db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("PANTAU_MEDIA_DIR", str(tmp_path / "media"))
    h = Harness(emulator, db_url)
    async with serving(h.compat.app(), h.compat_port):
        h.pipeline = await open_pipeline(db_url)
        h.channel = TelegramChannel(h.cfg, h.pipeline)
        await h.channel.start()
        await full_conversation(h)
        # a redelivered update changes nothing and sends nothing twice
        async with h.pipeline.db.session() as s:
            before = len((await s.scalars(select(Outbox))).all())
        last = Update.de_json({"update_id": 1, "message": {"message_id": 1, "date": 0, "text": "halo",
                                                          "chat": {"id": 4242, "type": "private"}}}, h.channel.app.bot)
        await h.channel.process([last])
        async with h.pipeline.db.session() as s:
            assert len((await s.scalars(select(Outbox))).all()) == before
        # Telegram says "slow down" to one chat and "blocked" for another
        from storage.repo import Tx
        async with h.pipeline.db.session() as s, s.begin():
            tx = Tx(s)
            await tx.enqueue("telegram", "4242", {"text": "satu"}, NOW)
            await tx.enqueue("telegram", "999", {"text": "dua"}, NOW)
        h.compat.fail_next = [
            ("sendMessage", 429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 7",
                                  "parameters": {"retry_after": 7}}),
            ("sendMessage", 403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"})]
        await send_due(h.pipeline.db, h.channel.app.bot, Limits(1000, 1000), NOW)
        async with h.pipeline.db.session() as s:
            rows = {r.payload["text"]: r for r in (await s.scalars(select(Outbox))).all() if r.payload["text"] in ("satu", "dua")}
        assert rows["satu"].status == "pending" and "retry_after" in rows["satu"].error
        assert (rows["satu"].next_attempt_at.replace(tzinfo=None) - NOW.replace(tzinfo=None)).total_seconds() == 7
        assert rows["dua"].status == "failed" and "blocked" in rows["dua"].error
        await h.channel.stop()
        await h.pipeline.db.close()


@needs_emulator
async def test_webhook_mode_checks_the_secret(emulator, db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("PANTAU_MEDIA_DIR", str(tmp_path / "media"))
    h = Harness(emulator, db_url)
    h.webhook = True
    app_port = free_port()
    async with serving(h.compat.app(), h.compat_port):
        h.pipeline = await open_pipeline(db_url)
        h.channel = TelegramChannel(h.cfg.__class__(TOKEN, h.cfg.api_base_url, f"http://127.0.0.1:{app_port}", SECRET),
                                    h.pipeline)
        async with serving(build_app(h.pipeline, [Live("telegram", h.channel.cfg, h.channel)], run_senders=False), app_port) as url:
            import asyncio
            wrong = await asyncio.to_thread(httpx.post, url + "/telegram/webhook", json={"update_id": 9},
                                            headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})
            missing = await asyncio.to_thread(httpx.post, url + "/telegram/webhook", json={"update_id": 9})
            assert wrong.status_code == 403 and missing.status_code == 403
            async with h.pipeline.db.session() as s:
                assert (await s.scalars(select(InboundMessage))).all() == []
            await full_conversation(h)
            from bot.channels.telegram_updates import ALLOWED_UPDATES
            assert h.compat.allowed_updates["setWebhook"] == ALLOWED_UPDATES      # groups etc. are filtered too
            await h.channel.app.bot.delete_webhook()
        await h.pipeline.db.close()

"""Issue 11 through a real database: the menu's "Ubah laporan" option, the draft reminder, the error boundary."""
import logging
from datetime import timedelta

from sqlalchemy import select

from bot import pipeline as pipeline_module
from bot.reminders import run_once
from storage.models import InboundMessage, Outbox, Session

from .conftest import NOW
from .conftest import open_pipeline
from .test_pipeline import MEETING, register_kader, send


async def test_the_menu_option_ubah_laporan_lists_the_sent_report(db_url):
    p = await open_pipeline(db_url)
    await register_kader(p)
    for text in MEETING:
        await send(p, text)
    for pick in ("4", "Ubah laporan yang sudah dikirim"):
        await send(p, "menu")
        replies = await send(p, pick)
        text = "\n".join(r.text + " " + " ".join(r.choices) for r in replies)
        assert "belum mengirim" not in text and "Laporan mana yang ingin diperbaiki?" in text
    await p.db.close()


async def state_of(p) -> dict:
    async with p.db.session() as s:
        return (await s.scalars(select(Session))).one().state


async def test_a_silent_draft_gets_one_reminder_before_it_is_dropped(db_url):
    p = await open_pipeline(db_url)
    await register_kader(p)
    for text in MEETING[:3]:
        await send(p, text)

    async def reminders():
        async with p.db.session() as s:
            rows = (await s.scalars(select(Outbox).order_by(Outbox.id))).all()
        return [r for r in rows if "belum selesai" in r.payload.get("text", "")]
    # 3:00 UTC is 12:00 in Maluku (WIT): 10 h later is 22:00 there, outside working hours
    assert await run_once(p.db, p.forms, NOW + timedelta(hours=5)) == 0
    await run_once(p.db, p.forms, NOW + timedelta(hours=11))
    assert await reminders() == []
    await run_once(p.db, p.forms, NOW + timedelta(hours=21))        # 8:00 WIT the next day
    await run_once(p.db, p.forms, NOW + timedelta(hours=22))
    [row] = await reminders()
    assert "laporan pertemuan Anda belum selesai" in row.payload["text"] and "menu" in row.payload["text"]
    assert row.channel == "terminal" and row.external_id == "+6281234567890"
    await p.db.close()


async def test_an_engine_error_is_answered_once_and_loses_nothing(db_url, monkeypatch, caplog):
    p = await open_pipeline(db_url)
    await register_kader(p)
    for text in MEETING[:4]:
        await send(p, text)
    before = await state_of(p)
    real = pipeline_module.advance

    def broken(session, inbound, ctx):
        if inbound.text == "rahasia 79":
            raise ZeroDivisionError("boom rahasia 79")
        return real(session, inbound, ctx)
    monkeypatch.setattr(pipeline_module, "advance", broken)
    caplog.set_level(logging.INFO)
    replies = await send(p, "rahasia 79", message_id="crash-1")
    assert [r.text for r in replies] == ["Maaf, ada gangguan. Jawaban terakhir Anda belum tersimpan. "
                                         "Ketik menu untuk melanjutkan."]
    assert "rahasia" not in caplog.text and "ZeroDivisionError" in caplog.text
    assert await send(p, "rahasia 79", message_id="crash-1") is None       # the platform's retry: answered once
    after = await state_of(p)
    assert after["form"] == before["form"]
    async with p.db.session() as s:
        row = (await s.scalars(select(InboundMessage).where(InboundMessage.message_id == "crash-1"))).one()
        assert row.payload["failed"] == "ZeroDivisionError"
    replies = await send(p, "79")
    assert "perempuan" in replies[-1].text                             # the draft goes on where it was
    await p.db.close()

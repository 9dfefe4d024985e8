"""Finding 8 (issue 12): every log line of a full conversation, a forced database error and a
Telegram request, captured at INFO: no phone number, message body, bot token or SQL parameter."""
import logging

import httpx
import pytest
from sqlalchemy import text

from bot.logsafe import install, redact
from bot.pipeline import Pipeline
from flows.types import Inbound
from storage.db import Database

from .conftest import NOW

PHONE = "+6281234567890"
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
SECRET_WORDS = "RahasiaDesaKilmury"


@pytest.mark.parametrize("line,hidden", [
    (f"GET https://api.telegram.org/bot{TOKEN}/getMe", TOKEN),
    (f"Key (channel, external_id)=(phone, {PHONE}) already exists.", PHONE),
    ("DETAIL:  Failing row contains (7, terminal, m1, Siti rahasia).", "Siti rahasia"),
    ("whatsapp:+6281234567890 failed", "6281234567890"),
    ("sender 081234567890", "081234567890"),
])
def test_redact_hides_what_is_private(line, hidden):
    assert hidden not in redact(line)


def test_redact_keeps_ordinary_numbers():
    assert redact("batch of 500 retried after 20 ms (2024-08-15)") == "batch of 500 retried after 20 ms (2024-08-15)"


async def test_no_private_value_in_any_log_line_of_a_conversation_and_a_database_error(db_url, caplog):
    install()
    caplog.set_level(logging.INFO)                        # the root, and so every library's INFO lines
    for name in ("sqlalchemy.engine", "httpx", "telegram", "uvicorn.error", "pantau"):
        logging.getLogger(name).setLevel(logging.INFO)
    try:
        db = Database(db_url)
        p = await Pipeline.open(db, now=lambda: NOW)
        script = ["halo", "Siti Aminah", "1", "Kilmury, Kilmury", "ya", "1", "1", "kemarin", "Balai desa",
                  "L 79 P 38", "20", "2", "lewati", SECRET_WORDS, "kirim"]
        for i, message in enumerate(script):
            await p.handle(Inbound("terminal", PHONE, f"log-{i}", text=message))
        await p.handle(Inbound("terminal", PHONE, "log-0", text="halo"))          # a duplicate (logged at INFO)
        # a database error in the middle of a message: the outbox is gone
        async with db.engine.begin() as conn:
            await conn.execute(text("ALTER TABLE outbox RENAME TO outbox_moved"))
        with pytest.raises(Exception) as failed:
            await p.handle(Inbound("terminal", PHONE, "log-err", text=f"menu {SECRET_WORDS}"))
        logging.getLogger("uvicorn.error").exception("Exception in ASGI application")   # as uvicorn logs it
        assert "hidden due to hide_parameters" in str(failed.value)
        async with db.engine.begin() as conn:
            await conn.execute(text("ALTER TABLE outbox_moved RENAME TO outbox"))
        # a Telegram API request as python-telegram-bot makes it (httpx logs the URL at INFO)
        async with httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(200, json={}))) as c:
            await c.get(f"https://api.telegram.org/bot{TOKEN}/getMe")
        await db.close()
    finally:
        for name in ("sqlalchemy.engine", "httpx", "telegram", "uvicorn.error", "pantau"):
            logging.getLogger(name).setLevel(logging.NOTSET)
    logged = caplog.text
    assert "HTTP Request" in logged and "Exception in ASGI application" in logged     # the lines are there
    assert "sqlalchemy" in logged.lower() or "INSERT" in logged or "outbox" in logged
    for private in (PHONE, PHONE[1:], "81234567890", TOKEN, SECRET_WORDS, "Siti Aminah", "Balai desa"):
        assert private not in logged, private

"""The Telegram test harness shared by the end-to-end tests: the telegram-test-api Bot API emulator (npm)
behind tests/telegram/compat.py, and a simulated person talking through it to one Pantau pipeline.

The ``emulator`` fixture lives in tests/conftest.py; tests import the rest from here."""
from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.channels.telegram import Limits, TelegramConfig, send_due
from storage.models import InboundMessage

from ..twilio_peer import free_port
from .compat import Compat, SimUser

ROOT = Path(__file__).resolve().parent.parent.parent
EMULATOR = ROOT / "node_modules" / "telegram-test-api"
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
SECRET = "s3cret-token-for-tests"
needs_emulator = pytest.mark.skipif(not EMULATOR.exists() or not shutil.which("node"),
                                    reason="telegram-test-api is installed by .ci/run (npm ci)")


class Harness:
    """One simulated person (chat 4242) and the compatibility layer in front of the emulator; a test sets
    ``pipeline`` and ``channel`` once the compat app is serving on ``compat_port``."""

    def __init__(self, emulator, db_url):
        self.compat = Compat(emulator, TOKEN)
        self.compat_port = free_port()
        self.cfg = TelegramConfig(TOKEN, f"http://127.0.0.1:{self.compat_port}/bot", None, SECRET)
        self.db_url = db_url
        self.user = SimUser(emulator, self.compat, 4242)
        self.offset = None
        self.webhook = False

    async def inbound_count(self) -> int:
        async with self.pipeline.db.session() as s:
            return await s.scalar(select(func.count()).select_from(InboundMessage))

    async def turn(self, text: str = "", photo: bytes | None = None) -> list[dict]:
        before = await self.inbound_count() if self.webhook else 0
        if photo is not None:
            await self.user.send_photo(photo)
        else:
            await self.user.send(text)
        if self.webhook:
            for _ in range(400):          # the update arrives by webhook; wait until it is committed
                if await self.inbound_count() > before:
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError(f"the webhook never delivered {text!r}")
        else:
            self.offset = await self.channel.poll_once(self.offset, timeout=1)
        await send_due(self.pipeline.db, self.channel.app.bot, Limits(1000, 1000))
        return await self.user.read()

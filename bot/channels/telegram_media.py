"""Telegram photos fetched after their message's commit: the ``Fetcher`` of bot/media.py for Telegram."""
from __future__ import annotations

import asyncio
from pathlib import Path

from telegram import Bot
from telegram.error import BadRequest, TelegramError

from .. import media
from ..config import settings


class TelegramMedia:
    """The Telegram ``Fetcher`` (bot/media.py): getFile and the download after the message's commit,
    within the media size cap and deadline. A 400 (a file Telegram will never hand out) is for good;
    network errors, 5xx and 429 are tried again."""
    prefix = media.TELEGRAM_PREFIX

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def __call__(self, url: str) -> tuple[str, Path, str, int]:
        s = settings()
        try:
            async with asyncio.timeout(s.media_timeout):
                file = await self.bot.get_file(url[len(self.prefix):])
                if (file.file_size or 0) > s.media_max_bytes:
                    raise media.Refused(f"{file.file_size} bytes, over {s.media_max_bytes}")
                data = bytes(await file.download_as_bytearray())
        except BadRequest as exc:                 # (a NetworkError subclass: first)
            raise media.Refused(f"telegram: {exc.message[:80]}") from None
        except (TelegramError, TimeoutError) as exc:
            raise media.Transient(type(exc).__name__) from None
        if len(data) > s.media_max_bytes:
            raise media.Refused(f"over {s.media_max_bytes} bytes")
        mime, suffix = media.checked_image(data)         # by content; NotAPhoto tells the sender so
        digest, path = media.store_bytes(data, suffix)
        return digest, path, mime, len(data)

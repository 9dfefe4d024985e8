"""Telegram through python-telegram-bot, used as a transport only.

One handler turns an update into our ``Inbound`` (no ConversationHandler, no persistence, no
JobQueue: all state lives in the database). ``pantau telegram`` long-polls; ``pantau serve`` takes
webhooks at /telegram/webhook with the secret token checked. Replies leave through the outbox
(``send_due``): reply keyboards for choices, ≈30 msg/s overall and 1 msg/s per chat, ``retry_after``
honoured, network errors retried, blocked users recorded and not retried.
"""
from __future__ import annotations

import asyncio
import collections
import contextlib
import hmac
import logging
import os
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import BotCommand, KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application, ApplicationBuilder, TypeHandler

from flows.types import Inbound
from storage.db import Database
from storage.repo import Tx

from . import media
from .config import ConfigError, _get, outbox_in_doubt_after
from .pipeline import Pipeline, clock
from .telegram_updates import ALLOWED_UPDATES, classify_update, inbound_for, respond

log = logging.getLogger("pantau.telegram")
WEBHOOK_PATH = "/telegram/webhook"
COMMANDS = [("start", "Mulai / menu"), ("lapor", "Kirim laporan"), ("ubah", "Perbaiki laporan"),
            ("bantuan", "Bantuan"), ("batal", "Batalkan laporan"), ("bahasa", "Ganti bahasa")]


@dataclass(frozen=True)
class TelegramConfig:
    token: str
    api_base_url: str
    public_url: str | None
    webhook_secret: str | None

    @classmethod
    def from_env(cls, env=None, webhook: bool = False) -> "TelegramConfig":
        env = env if env is not None else os.environ
        token = _get("TELEGRAM_BOT_TOKEN", r"\d{5,}:[A-Za-z0-9_-]{30,}", "123456789:AA… from BotFather", env=env)
        base = (env.get("TELEGRAM_API_BASE_URL") or "https://api.telegram.org/bot").strip()
        if not re.fullmatch(r"https?://\S+", base):
            raise ConfigError("TELEGRAM_API_BASE_URL tidak sesuai bentuknya (contoh: https://api.telegram.org/bot)")
        public = _get("PANTAU_PUBLIC_URL", r"https?://[^\s/]+(/[^\s]*)?", "https://pantau.example.org",
                      required=webhook, env=env)
        secret = _get("TELEGRAM_WEBHOOK_SECRET", r"[A-Za-z0-9_-]{16,256}", "16 or more letters, digits, _ or -",
                      required=webhook, env=env)
        return cls(token, base.rstrip("/"), public.rstrip("/") if public else None, secret)


def build_application(cfg: TelegramConfig) -> Application:
    """PTB as transport: no updater (we poll or take webhooks ourselves), one handler."""
    file_base = cfg.api_base_url.rsplit("/bot", 1)[0] + "/file/bot" if cfg.api_base_url.endswith("/bot") \
        else cfg.api_base_url + "/file/bot"
    return (ApplicationBuilder().token(cfg.token).base_url(cfg.api_base_url).base_file_url(file_base)
            .updater(None).build())


async def to_inbound(update: Update) -> tuple[Inbound, tuple | None] | None:
    """A Telegram update as our Inbound (and the stored photo, if any); None for updates we ignore."""
    msg = update.effective_message
    chat = update.effective_chat
    if msg is None or chat is None:
        return None
    kind, photo, media_row, location = "text", None, None, None
    text = msg.text or msg.caption or ""
    if msg.photo:
        largest = max(msg.photo, key=lambda p: (p.file_size or 0, p.width * p.height))
        file = await largest.get_file()
        data = bytes(await file.download_as_bytearray())
        digest, path = media.store_bytes(data, ".jpg")
        kind, photo, media_row = "photo", digest, (digest, str(path), "image/jpeg", len(data))
    elif msg.location:
        kind, location = "location", (msg.location.latitude, msg.location.longitude)
    elif msg.voice or msg.audio:
        kind = "voice"
    elif msg.sticker:
        kind = "sticker"
    elif not msg.text:
        kind = "other"
    inbound = Inbound(channel="telegram", sender=str(chat.id), message_id=str(update.update_id), text=text,
                      photo=photo, location=location, kind=kind)
    return inbound, media_row


class TelegramChannel:
    def __init__(self, cfg: TelegramConfig, pipeline: Pipeline):
        self.cfg, self.pipeline = cfg, pipeline
        self.app = build_application(cfg)
        self.app.add_handler(TypeHandler(Update, self._handle))
        self._chat_locks: dict[int, asyncio.Lock] = {}

    async def start(self) -> None:
        await self.app.initialize()
        try:
            await self.app.bot.set_my_commands([BotCommand(c, d) for c, d in COMMANDS])
        except (BadRequest, NetworkError):
            log.warning("could not register the bot's commands")

    async def stop(self) -> None:
        await self.app.shutdown()

    async def _handle(self, update: Update, _context) -> None:
        verdict = classify_update(update)          # private chats only (bot/telegram_updates.py)
        if verdict.action != "input":
            await respond(self.pipeline.db, self.app.bot, update, verdict, clock())
            return
        item = await inbound_for(update, verdict, self.app.bot, to_inbound)
        if item:
            await self.pipeline.handle(*item)

    async def process(self, updates: list[Update]) -> None:
        """Updates of one chat in order, different chats concurrently."""
        by_chat: dict[int, list[Update]] = {}
        for u in updates:
            by_chat.setdefault(u.effective_chat.id if u.effective_chat else 0, []).append(u)

        async def one_chat(chat_updates):
            for u in chat_updates:
                await self.app.process_update(u)
        await asyncio.gather(*(one_chat(v) for v in by_chat.values()))

    async def poll_once(self, offset: int | None, timeout: int = 25) -> int | None:
        updates = await self.app.bot.get_updates(offset=offset, timeout=timeout, allowed_updates=ALLOWED_UPDATES)
        if updates:
            await self.process(list(updates))
            return updates[-1].update_id + 1
        return offset

    async def poll_forever(self) -> None:
        offset = None
        while True:
            try:
                offset = await self.poll_once(offset)
            except (NetworkError, TimedOut):
                await asyncio.sleep(2)

    def route(self) -> Route:
        secret = (self.cfg.webhook_secret or "").encode()

        async def webhook(request: Request) -> Response:
            given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "").encode()
            if not secret or not hmac.compare_digest(given, secret):
                return Response("forbidden", status_code=403)
            data = await request.json()
            await self.process([Update.de_json(data, self.app.bot)])
            return Response("ok")
        return Route(WEBHOOK_PATH, webhook, methods=["POST"])


def keyboard(payload: dict):
    choices = payload.get("choices") or []
    if not choices:
        return ReplyKeyboardRemove()
    rows = [[KeyboardButton(c) for c in choices[i:i + 2]] for i in range(0, len(choices), 2)] \
        if payload.get("yes_no") or all(len(c) <= 12 for c in choices) else [[KeyboardButton(c)] for c in choices]
    return ReplyKeyboardMarkup(rows, one_time_keyboard=True, resize_keyboard=True)


class Limits:
    """≈30 messages a second overall and 1 a second per chat (Telegram's limits).

    A sliding window anchored at each send's *completion*: send k+30 starts only a full second
    after send k's answer came back. Telegram received send k before answering it and receives
    send k+30 after it starts, so it never sees more than 30 in one second, whatever the network
    jitter. The price is one round trip per second of sending (≈ 1 % at 10 ms) and only when the
    limit binds at all (sends one after another cannot reach 30/s once a round trip passes 33 ms).
    ``clock``/``sleep`` are there for tests."""

    def __init__(self, overall: float = 30.0, per_chat: float = 1.0, clock=time.monotonic, sleep=asyncio.sleep):
        self.burst, self.chat_interval = max(1, int(overall)), 1.0 / per_chat
        self.recent: collections.deque[list[float]] = collections.deque(maxlen=self.burst)
        self.next_chat: dict[str, float] = {}
        self.clock, self.sleep = clock, sleep

    def chat_ready(self, chat: str) -> bool:
        return self.next_chat.get(chat, 0.0) <= self.clock()

    @contextlib.asynccontextmanager
    async def slot(self, chat: str):
        """Wait for a free slot for ``chat``, hold it while the request runs, anchor it at its end."""
        while True:
            now = self.clock()
            wait = self.next_chat.get(chat, 0.0) - now
            if len(self.recent) == self.burst:
                wait = max(wait, self.recent[0][0] + 1.0 - now)
            if wait <= 0:
                break
            await self.sleep(wait)
        mark = [now]
        self.recent.append(mark)
        self.next_chat[chat] = now + self.chat_interval
        try:
            yield
        finally:
            mark[0] = self.clock()
            self.next_chat[chat] = mark[0] + self.chat_interval


async def send_due(db: Database, bot, limits: Limits, now: datetime | None = None) -> int:
    """Send what is due; a chat whose per-chat slot is taken waits for the next round (order kept).

    Rows are claimed ("sending") and committed before sending, each outcome committed after its
    request. Telegram offers no way to ask whether a message went out, so a row left "sending" by a
    killed sender is sent again (at-least-once; see README)."""
    now = now or clock()
    async with db.session() as s, s.begin():
        tx = Tx(s)
        for row in await tx.in_doubt("telegram", now - outbox_in_doubt_after()):
            await tx.retry_later(row.id, row.attempts, now, "in doubt: sender stopped mid-send, sending again")
        rows = await tx.claim_due("telegram", now)
    sent = 0
    held: set[str] = set()
    for row in rows:
        chat = row.external_id
        if chat in held or (not limits.chat_ready(chat) and sent):
            held.add(chat)
            outcome = ("retry", row.attempts, now, "waiting for the chat's turn")
        else:
            async with limits.slot(chat):
                outcome = await _send_one(bot, row, now)
            if outcome[0] == "retry":
                held.add(chat)
        async with db.session() as s, s.begin():
            sent += await Tx(s).record_outcome(row.id, outcome, now)
    return sent


async def _send_one(bot, row, now: datetime) -> tuple:
    """("sent", message id) | ("retry", attempts, at, error) | ("failed", error)."""
    chat, p = row.external_id, row.payload
    try:
        markup = keyboard(p)
        if p.get("image"):
            with open(p["image"], "rb") as fh:
                result = await bot.send_photo(chat, fh, caption=p.get("text", "")[:1024], reply_markup=markup)
        elif p.get("document"):
            with open(p["document"], "rb") as fh:
                result = await bot.send_document(chat, fh, caption=p.get("text", "")[:1024])
        else:
            result = await bot.send_message(chat, p.get("text", "")[:4096], reply_markup=markup)
    except RetryAfter as exc:
        delay = exc.retry_after if isinstance(exc.retry_after, (int, float)) else exc.retry_after.total_seconds()
        return ("retry", row.attempts, now + timedelta(seconds=delay), "429 retry_after")
    except Forbidden as exc:            # blocked by the user: never retried
        return ("failed", f"forbidden: {exc.message}")
    except BadRequest as exc:
        return ("failed", f"bad request: {exc.message}")
    except (NetworkError, TimedOut, OSError) as exc:
        attempts = row.attempts + 1
        return ("retry", attempts, now + timedelta(seconds=min(2 ** attempts, 600)), type(exc).__name__)
    return ("sent", str(result.message_id))


async def run_sender(db: Database, bot, every: float = 0.2) -> None:
    limits = Limits()
    while True:
        try:
            await send_due(db, bot, limits)
        except Exception:
            log.exception("telegram sender round failed")
        await asyncio.sleep(every)

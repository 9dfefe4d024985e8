"""Telegram through python-telegram-bot, used as a transport only.

One handler turns an update into our ``Inbound`` (no ConversationHandler, no persistence, no
JobQueue: all state lives in the database). ``pantau telegram`` long-polls; ``pantau serve`` takes
webhooks at /telegram/webhook with the secret token checked. An update is acknowledged (webhook 200,
polling offset) only once it is committed. Replies leave through the one outbox loop (bot/outbox.py)
with ``TelegramOutbox`` as the adapter.
"""
from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

# PTB's time periods (RetryAfter.retry_after, …) as timedelta, as its next major version gives them, instead
# of seconds with a deprecation warning; PTB reads the variable each time such a value is read
# (telegram/_utils/datetime.py get_timedelta_value), so setting it here, before any is read, is enough.
# An operator's own setting is kept: _send_one takes seconds as well.
os.environ.setdefault("PTB_TIMEDELTA", "true")

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Bot, BotCommand, Update
from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.ext import ApplicationBuilder, ContextTypes, TypeHandler

from flows.types import Inbound
from flows.problem import N_
from storage.db import Database, never_stored, outage
from storage.repo import Tx

from .. import catalog, media
from ..config import TelegramConfig, settings
from ..inputs import clean_text
from ..clock import clock
from ..pipeline import Pipeline
from .registry import Job, Runtime
from .telegram_media import TelegramMedia
# the sending side, imported from here by the server, the CLI and the tests
from .telegram_sender import Limits as Limits, TelegramOutbox as TelegramOutbox, keyboard as keyboard
from .telegram_sender import run_sender as run_sender, send_due as send_due
from .telegram_updates import ALLOWED_UPDATES, InboundItem, classify_update, inbound_for, respond

if TYPE_CHECKING:
    from telegram.ext import Application, ExtBot, JobQueue

    # what build_application builds: PTB's default context, no persistence, no job queue used
    TelegramApp = Application[ExtBot[None], ContextTypes.DEFAULT_TYPE, dict[Any, Any], dict[Any, Any],
                              dict[Any, Any], JobQueue[ContextTypes.DEFAULT_TYPE]]

log = logging.getLogger("pantau.telegram")
WEBHOOK_PATH = "/telegram/webhook"
POISON_ATTEMPTS = 3        # tries of an update that fails for a reason of its own before it is dropped
DROPPED = N_("Maaf, ada gangguan. Jawaban terakhir Anda belum tersimpan. Ketik menu untuk melanjutkan.")
COMMANDS = [("start", "Mulai / menu"), ("lapor", "Kirim laporan"), ("ubah", "Perbaiki laporan"),
            ("bantuan", "Bantuan"), ("batal", "Batalkan laporan"), ("bahasa", "Ganti bahasa")]


def build_application(cfg: TelegramConfig) -> TelegramApp:
    """PTB as transport: no updater (we poll or take webhooks ourselves), one handler."""
    file_base = cfg.api_base_url.rsplit("/bot", 1)[0] + "/file/bot" if cfg.api_base_url.endswith("/bot") \
        else cfg.api_base_url + "/file/bot"
    return (ApplicationBuilder().token(cfg.token).base_url(cfg.api_base_url).base_file_url(file_base)
            .updater(None).build())


async def to_inbound(update: Update) -> InboundItem | None:
    """A Telegram update as our Inbound (and a pending media row for its photo, fetched after the commit);
    None for updates we ignore. Nothing here calls Telegram: a failing getFile cannot lose the message."""
    msg = update.effective_message
    chat = update.effective_chat
    if msg is None or chat is None:
        return None
    photo: str | None = None
    media_row: media.MediaRow | None = None
    location: tuple[float, float] | None = None
    kind = "text"
    text = clean_text(msg.text or msg.caption or "")
    if msg.photo:
        cap = settings().media_max_bytes
        fitting = [p for p in msg.photo if (p.file_size or 0) <= cap]
        if fitting:
            largest = max(fitting, key=lambda p: (p.file_size or 0, p.width * p.height))
            pending = media.PendingMedia.for_telegram(largest.file_id, str(chat.id), update.update_id)
            kind, photo, media_row = "photo", pending.key, pending.media_row()
        else:            # over the size we keep: asked to send it again
            log.warning("telegram photo over %d bytes; asking to send again", cap)
            kind = "other"
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
    def __init__(self, cfg: TelegramConfig, pipeline: Pipeline) -> None:
        self.cfg, self.pipeline = cfg, pipeline
        self.app = build_application(cfg)
        self.app.add_handler(TypeHandler(Update, self._handle))
        self.media = TelegramMedia(self.app.bot)
        self._chat_locks: dict[int, asyncio.Lock] = {}
        self._attempts: dict[int, int] = {}        # update id → failed tries (poison updates, ``process``)

    async def start(self) -> None:
        """Connect (getMe), warm what the first message needs (bot/warmup.py), register the commands:
        all before the first getUpdates or webhook."""
        from ..warmup import warm_up
        await self.app.initialize()
        await warm_up(self.pipeline)
        try:
            await self.app.bot.set_my_commands([BotCommand(c, d) for c, d in COMMANDS])
        except (BadRequest, NetworkError):
            log.warning("could not register the bot's commands")

    async def stop(self) -> None:
        await self.app.shutdown()

    async def _handle(self, update: Update, _context: ContextTypes.DEFAULT_TYPE | None = None) -> None:
        """One update into the pipeline; any failure propagates (nothing here swallows it)."""
        verdict = classify_update(update)          # private chats only (bot/telegram_updates.py)
        if verdict.action != "input":
            await respond(self.pipeline.db, self.app.bot, update, verdict, clock())
            return
        item = await inbound_for(update, verdict, self.app.bot, to_inbound)
        if item:
            replies = await self.pipeline.handle(*item)
            row = item[1]
            if replies is not None and row is not None and len(row) > 4:      # stored: now the photo, in the background
                media.start_fetch(self.pipeline.db, self.media,
                                  media.PendingMedia(row[0], row[4], row[2], "telegram", row[6] or ""))

    async def process(self, updates: list[Update]) -> None:
        """Updates of one chat in order, different chats concurrently; raises ``NotStored`` naming the
        updates that were not stored (a chat stops at its first failure: its later updates wait too).
        An update that fails for a reason of its own (not the database or the network being down) is
        tried ``POISON_ATTEMPTS`` times — once when it can never be stored — and then dropped on
        purpose (``_drop``): the chat's later updates go on.

        PTB's ``process_update`` is not used: it swallows a handler's exception, and a webhook or a
        polling offset must never acknowledge an update that was not committed."""
        by_chat: dict[int, list[Update]] = {}
        for u in updates:
            by_chat.setdefault(u.effective_chat.id if u.effective_chat else 0, []).append(u)
        failed: list[int] = []
        errors: list[BaseException] = []

        async def one_chat(chat_updates: list[Update]) -> None:
            for i, u in enumerate(chat_updates):
                try:
                    await self._handle(u)
                    self._attempts.pop(u.update_id, None)
                except Exception as exc:  # noqa: BLE001 - reported to the caller, which must not acknowledge
                    if self._poison(u, exc):
                        await self._drop(u, exc)
                        continue
                    failed.extend(x.update_id for x in chat_updates[i:])
                    errors.append(exc)
                    log.warning("telegram update %s not stored (%s); it will be delivered again",
                                u.update_id, type(exc).__name__)
                    return
        await asyncio.gather(*(one_chat(v) for v in by_chat.values()))
        if failed:
            raise NotStored(min(failed), errors[0])

    def _poison(self, update: Update, exc: Exception) -> bool:
        """Whether to give up on this update: never while the database or the network is down (everyone's
        updates fail alike and will succeed later); at once when the update can never be stored; else
        after ``POISON_ATTEMPTS`` tries (counted in this process)."""
        if not never_stored(exc) and (outage(exc) or isinstance(exc, (NetworkError, OSError, TimeoutError))):
            return False
        n = self._attempts[update.update_id] = self._attempts.get(update.update_id, 0) + 1
        return never_stored(exc) or n >= POISON_ATTEMPTS

    async def _drop(self, update: Update, exc: Exception) -> None:
        """Dropped on purpose, with a log line (never the message), so the offset moves past it; the person,
        in a private chat, told once (recorded under the update's id: a redelivery is a duplicate)."""
        n = self._attempts.pop(update.update_id, 1)
        log.error("telegram update %s dropped after %d attempt(s): %s", update.update_id, n, type(exc).__name__)
        try:
            verdict = classify_update(update)
        except Exception:      # noqa: BLE001 - an update too broken to read has nobody to tell: dropped all the same
            return
        if verdict.action != "input" or verdict.chat_id is None:
            return
        chat, now = str(verdict.chat_id), clock()
        try:
            async with self.pipeline.db.session() as s, s.begin():
                tx = Tx(s)
                if await tx.record_inbound("telegram", str(update.update_id), chat, {"kind": "dropped"}, now):
                    contact = (await tx.contacts_for_many([("telegram", chat)])).get(("telegram", chat))
                    t = catalog.gettext_for(contact.lang if contact else "id")
                    await tx.enqueue("telegram", chat, {"text": t(DROPPED)}, now)
        except Exception as again:     # noqa: BLE001 - dropped all the same; nobody to tell
            log.warning("could not tell chat of dropped update %s (%s)", update.update_id, type(again).__name__)

    async def poll_once(self, offset: int | None, timeout: int = 25) -> int | None:
        """One getUpdates; the returned offset moves only past updates that were stored or deliberately
        dropped (ignored kinds, unreadable payloads). After a failure it stays at the first update that
        was not stored, so Telegram hands it (and those after it) out again; duplicates are dropped."""
        updates = await self.app.bot.get_updates(offset=offset, timeout=timeout, allowed_updates=ALLOWED_UPDATES)
        if not updates:
            return offset
        try:
            await self.process(list(updates))
        except NotStored as exc:
            exc.offset = exc.first_update_id
            raise
        return updates[-1].update_id + 1

    async def poll_forever(self, backoff: Sequence[float] = (1, 2, 5, 10, 30)) -> None:
        offset: int | None = None
        failures = 0
        while True:
            try:
                offset = await self.poll_once(offset)
                failures = 0
            except NotStored as exc:            # the database is locked, down, …: same updates again, later
                offset = exc.offset
                await asyncio.sleep(backoff[min(failures, len(backoff) - 1)])
                failures += 1
            except (NetworkError, TimedOut):
                await asyncio.sleep(2)

    def route(self, max_body: int = 1_000_000) -> Route:
        """POST /telegram/webhook: 403 without the secret, 413 over ``max_body`` bytes, 400 for a body that
        is not an update, 503 when the update could not be stored (Telegram delivers it again), and
        200 only once it is committed (or deliberately ignored)."""
        from ..http_limits import BodyTooLarge, BodyTooSlow, read_body
        secret = (self.cfg.webhook_secret or "").encode()

        async def webhook(request: Request) -> Response:
            given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "").encode()
            if not secret or not hmac.compare_digest(given, secret):
                return Response("forbidden", status_code=403)
            try:
                body = await read_body(request, max_body)
            except BodyTooLarge:
                return Response("too large", status_code=413)
            except BodyTooSlow:
                return Response("request timeout", status_code=408)
            update = parse_update(body, self.app.bot)
            if update is None:
                return Response("not a Telegram update", status_code=400)
            try:
                await self.process([update])
            except NotStored:
                return Response("not stored, try again", status_code=503)
            return Response("ok")
        return Route(WEBHOOK_PATH, webhook, methods=["POST"])


class NotStored(Exception):
    """Some updates of a batch were not committed; ``first_update_id`` is the earliest of them."""

    def __init__(self, first_update_id: int, cause: BaseException) -> None:
        super().__init__(f"update {first_update_id} not stored: {type(cause).__name__}")
        self.first_update_id, self.cause = first_update_id, cause
        self.offset = first_update_id


def parse_update(body: bytes, bot: Bot) -> Update | None:
    """A webhook body as an Update, or None (logged) for malformed JSON, a non-object or no update_id:
    such a body can never succeed, so it is refused with 400, never a traceback."""
    try:
        data = json.loads(body)
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int) \
                or isinstance(data.get("update_id"), bool):
            raise ValueError("not an object with an integer update_id")
        return Update.de_json(data, bot)
    except RecursionError:             # nested deeper than any real update: refused, never a traceback
        log.warning("telegram webhook body refused: nested too deeply")
        return None
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        log.warning("telegram webhook body refused: %s", str(exc)[:120])
        return None


# ---------------------------------------------------------------- how it runs (bot/channels/registry.py)

def configured(env: Mapping[str, str], webhook: bool) -> TelegramConfig | None:
    """Configured when the bot's token is set; for the web server the public URL and the webhook secret too."""
    return TelegramConfig.from_env(env, webhook=webhook) if env.get("TELEGRAM_BOT_TOKEN") else None


async def start(channel: TelegramChannel) -> None:
    """Connect and warm up (``TelegramChannel.start``), then ask Telegram to deliver to our webhook."""
    await channel.start()
    if channel.cfg.public_url:
        await channel.app.bot.set_webhook(channel.cfg.public_url + WEBHOOK_PATH,
                                          secret_token=channel.cfg.webhook_secret, allowed_updates=ALLOWED_UPDATES)


async def stop(channel: TelegramChannel) -> None:
    await channel.stop()


def _jobs(db: Database, bot: Bot) -> list[Job]:
    return [lambda: run_sender(db, bot), lambda: media.run_media_fetcher(db, TelegramMedia(bot))]


@asynccontextmanager
async def senders(db: Database, cfg: TelegramConfig, opened: TelegramChannel | None) -> AsyncIterator[list[Job]]:
    """The outbox sender and the photo fetcher, through the web process's bot when there is one (already
    connected by ``start``), else through a bot of their own, connected here and closed after."""
    if opened is not None:
        yield _jobs(db, opened.app.bot)
        return
    app = build_application(cfg)
    await app.initialize()
    try:
        yield _jobs(db, app.bot)
    finally:
        await app.shutdown()


RUNTIME = Runtime(settings=configured, open=TelegramChannel, routes=lambda channel, _pipeline: [channel.route()],
                  start=start, stop=stop, warms_up=True, senders=senders)

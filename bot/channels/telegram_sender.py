"""Telegram's side of the one outbox loop (bot/outbox.py): ``TelegramOutbox`` sends a row, reply keyboards
for choices, within Telegram's limits (``Limits``). Imported through bot/channels/telegram.py, which sets
PTB_TIMEDELTA before python-telegram-bot is read.
"""
from __future__ import annotations

import asyncio
import collections
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot, KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove
from telegram.error import BadRequest, Forbidden, NetworkError, TimedOut
from telegram.error import RetryAfter as RetryAfter_

from storage.db import Database
from storage.models import Outbox
from storage.repo import Tx

from ..outbox import Failed, NotSent, Outcome, OutboxLoop, RetryAfter, Sent


def keyboard(payload: dict[str, Any]) -> ReplyKeyboardMarkup | ReplyKeyboardRemove:
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

    def __init__(self, overall: float = 30.0, per_chat: float = 1.0, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.burst, self.chat_interval = max(1, int(overall)), 1.0 / per_chat
        self.recent: collections.deque[list[float]] = collections.deque(maxlen=self.burst)
        self.next_chat: dict[str, float] = {}
        self.clock, self.sleep = clock, sleep

    @contextlib.asynccontextmanager
    async def slot(self, chat: str) -> AsyncIterator[None]:
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


class TelegramOutbox:
    """The Telegram adapter of the one outbox loop (bot/outbox.py): reply keyboards for choices, ≈30
    msg/s overall and 1 msg/s per chat (``Limits``), ``retry_after`` honoured for the chat — for the
    whole channel when a second chat is told to wait within a second — blocked users failed for good.
    Telegram cannot be asked whether a message arrived: a row in doubt is sent again (at-least-once)."""

    name = "telegram"

    def __init__(self, bot: Bot, limits: Limits | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.bot, self.limits, self.clock = bot, limits or Limits(), clock
        self._last_429: tuple[str, float] | None = None
        self.held: Callable[[], bool] = lambda: False      # set by the outbox loop: the channel is held

    async def prepare(self, tx: Tx, rows: list[Outbox], now: datetime) -> None:
        return None

    def ready(self, chat: str) -> bool:
        """The chat's next slot is free now or within 50 ms (``send`` waits that out); otherwise the chat's
        next row waits for a later round, so other chats are not held up."""
        return self.limits.next_chat.get(chat, 0.0) - self.limits.clock() <= 0.05

    async def settle(self, tx: Tx, row: Outbox) -> str | None:
        return None

    async def send(self, row: Outbox) -> Outcome:
        async with self.limits.slot(row.external_id):
            if self.held():                 # the channel was held while this request waited for its slot
                return NotSent()
            outcome = await _send_one(self.bot, row)
        if isinstance(outcome, RetryAfter) and not outcome.counts:      # a 429
            now, last = self.clock(), self._last_429
            if last is not None and last[0] != row.external_id and now - last[1] < 1.0:
                outcome = RetryAfter(outcome.seconds, outcome.error + " (several chats: whole channel)", "channel",
                                     False)
            self._last_429 = (row.external_id, now)
        return outcome


async def send_due(db: Database, bot: Bot, limits: Limits, now: datetime | None = None) -> int:
    """One round of the outbox loop for Telegram (tests, benchmarks); returns how many were sent."""
    return await OutboxLoop(db, TelegramOutbox(bot, limits)).round(now)


async def _send_one(bot: Bot, row: Outbox) -> Outcome:
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
    except RetryAfter_ as exc:
        wait = exc.retry_after            # a timedelta (PTB_TIMEDELTA, above), seconds if the operator opted out
        delay = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        return RetryAfter(delay, "429 retry_after", "chat", counts=False)
    except Forbidden as exc:            # blocked by the user: never retried
        return Failed(f"forbidden: {exc.message}")
    except BadRequest as exc:
        return Failed(f"bad request: {exc.message}")
    except FileNotFoundError as exc:
        return Failed(f"file gone: {exc.filename}")
    except (NetworkError, TimedOut, OSError) as exc:   # TimedOut too: Telegram cannot be asked, so send again
        return RetryAfter(None, type(exc).__name__)
    return Sent(str(result.message_id))


async def run_sender(db: Database, bot: Bot, every: float = 0.2) -> None:
    await OutboxLoop(db, TelegramOutbox(bot)).run_forever(every)

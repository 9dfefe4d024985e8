"""A round of reminders through the Telegram sender against a local Bot API stand-in.

    python -m bench.broadcast [--messages 10000] [--db sqlite|postgres]

The stand-in answers sendMessage like the Bot API and enforces Telegram's broadcast limit
itself: more than 30 messages in any one second gets 429 with retry_after. The sender is the
real one (bot/telegram.py: claim rows, python-telegram-bot's Bot, per-row commit). Prints
achieved_msgs_per_s=… fraction_of_limit=… http_429=…
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import os
import socket
import tempfile
import time

from bench.setup import postgres_url

TOKEN = "123456:bench-token"
LIMIT = 30


class StandIn:
    """The Bot API's sendMessage with its limit: a sliding one-second window of 30 messages."""

    def __init__(self):
        self.times: collections.deque[float] = collections.deque()
        self.sent = self.refused = 0

    def app(self):
        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import JSONResponse
        from starlette.routing import Route

        async def get_me(request: Request):
            return JSONResponse({"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "Pantau",
                                                        "username": "pantau_bot"}})

        async def send_message(request: Request):
            data = await request.json() if "json" in request.headers.get("content-type", "") \
                else dict(await request.form())
            now = time.monotonic()
            while self.times and self.times[0] <= now - 1.0:
                self.times.popleft()
            if len(self.times) >= LIMIT:
                self.refused += 1
                return JSONResponse({"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                                     "parameters": {"retry_after": 1}}, status_code=429)
            self.times.append(now)
            self.sent += 1
            return JSONResponse({"ok": True, "result": {
                "message_id": self.sent, "date": int(time.time()), "text": data.get("text", ""),
                "chat": {"id": int(data["chat_id"]), "type": "private"}}})

        return Starlette(routes=[Route(f"/bot{TOKEN}/getMe", get_me, methods=["GET", "POST"]),
                                 Route(f"/bot{TOKEN}/sendMessage", send_message, methods=["POST"])])


async def main(messages: int, db_kind: str) -> None:
    import uvicorn
    from sqlalchemy import insert, text
    from telegram import Bot

    from bot.pipeline import Pipeline, clock
    from bot.channels.telegram import Limits, send_due
    from storage.db import Database
    from storage.models import Outbox

    url = postgres_url() if db_kind == "postgres" else f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/broadcast.db"
    db = Database(url)
    if db_kind == "postgres":
        await db.migrate()
        async with db.engine.begin() as conn:
            await conn.execute(text("TRUNCATE outbox RESTART IDENTITY"))
    await Pipeline.open(db)
    now = clock()
    async with db.engine.begin() as conn:
        await conn.execute(insert(Outbox), [
            {"channel": "telegram", "external_id": str(100_000 + i), "status": "pending", "attempts": 0,
             "created_at": now, "next_attempt_at": now,
             "payload": {"text": "Bapak/Ibu, laporan pemantauan putaran ini belum kami terima. Ketik menu untuk "
                                 "mulai."}} for i in range(messages)])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    stand_in = StandIn()
    server = uvicorn.Server(uvicorn.Config(stand_in.app(), host="127.0.0.1", port=port, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{port}/bot")
    await bot.initialize()
    limits = Limits()
    start = time.perf_counter()
    last_report = start
    while stand_in.sent < messages:
        if not await send_due(db, bot, limits):
            await asyncio.sleep(0.05)
        if time.perf_counter() - last_report > 30:
            last_report = time.perf_counter()
            print(f"  {stand_in.sent:,} of {messages:,} sent", flush=True)
    elapsed = time.perf_counter() - start
    await bot.shutdown()
    server.should_exit = True
    await serving
    await db.close()
    rate = messages / elapsed
    print(f"achieved_msgs_per_s={rate:.2f} fraction_of_limit={rate / LIMIT:.3f} http_429={stand_in.refused} "
          f"messages={messages} seconds={elapsed:.0f} db={db_kind} cpus={os.cpu_count()}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=10_000)
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    a = ap.parse_args()
    asyncio.run(main(a.messages, a.db))

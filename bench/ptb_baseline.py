"""The in-memory anchor for bench.inbound: python-telegram-bot's ConversationHandler on the same script.

    python -m bench.inbound --users 2000 --db sqlite --baseline ptb

Each simulated person sends the same 11 messages as in bench.inbound as Telegram ``Update`` objects to an
``Application`` with one ``ConversationHandler`` (a state per question, the answer kept in ``user_data``,
the next question's text made). Nothing is stored durably and nothing is sent (Pantau's pipeline only
queues its replies too): the most a Python bot on this machine does per message without a database. The
bot never calls Telegram (``getMe`` is answered by a stand-in request object).
"""
from __future__ import annotations

import asyncio
import json
import statistics
import time
from datetime import datetime, timezone


async def run(users: int, script: list[str], concurrency: int) -> dict:
    from telegram import Chat, Message, Update, User
    from telegram.ext import ApplicationBuilder, ContextTypes, ConversationHandler, MessageHandler, filters
    from telegram.request import BaseRequest

    class NoNetwork(BaseRequest):
        """Answers getMe; the benchmark sends nothing else."""

        @property
        def read_timeout(self) -> float | None:
            return None

        async def initialize(self) -> None:
            return None

        async def shutdown(self) -> None:
            return None

        async def do_request(self, url, method, request_data=None, read_timeout=None, write_timeout=None,
                             connect_timeout=None, pool_timeout=None):
            me = {"id": 1, "is_bot": True, "first_name": "Pantau", "username": "pantau_bench_bot"}
            return 200, json.dumps({"ok": True, "result": me}).encode()

    questions = [f"Pertanyaan {i + 1}?" for i in range(len(script))]

    def state(i: int):
        async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
            context.user_data[i] = update.message.text
            context.user_data["reply"] = questions[i] if i + 1 < len(script) else "Terima kasih, tersimpan."
            return i + 1 if i + 1 < len(script) else ConversationHandler.END
        return [MessageHandler(filters.TEXT, answer)]

    async def first(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        return await state(0)[0].callback(update, context)

    app = ApplicationBuilder().token("1:bench").request(NoNetwork()).get_updates_request(NoNetwork()).updater(
        None).build()
    app.add_handler(ConversationHandler(entry_points=[MessageHandler(filters.TEXT, first)],
                                        states={i: state(i) for i in range(1, len(script))}, fallbacks=[]))
    await app.initialize()
    now = datetime.now(timezone.utc)
    from bench.inbound import Gate     # the same gate as Pantau's side of the run
    sem = Gate(concurrency)
    latencies: list[float] = []
    next_id = iter(range(1, 10**9))

    async def person(u: int) -> None:
        user, chat = User(u + 1, f"u{u}", False), Chat(u + 1, Chat.PRIVATE)
        for j, text in enumerate(script):
            async with sem:
                t0 = time.perf_counter()
                n = next(next_id)
                message = Message(j + 1, now, chat, from_user=user, text=text)
                message.set_bot(app.bot)
                await app.process_update(Update(n, message=message))
                latencies.append(time.perf_counter() - t0)

    begin = time.perf_counter()
    await asyncio.gather(*(person(u) for u in range(users)))
    elapsed = time.perf_counter() - begin
    finished = sum(1 for data in app.user_data.values() if len(data) == len(script) + 1)
    await app.shutdown()
    if finished != users:           # every conversation must have walked all its states
        raise RuntimeError(f"only {finished} of {users} conversations finished")
    lat = sorted(latencies)
    return {"throughput": len(lat) / elapsed, "p50_ms": statistics.median(lat) * 1000,
            "p99_ms": lat[int(len(lat) * 0.99) - 1] * 1000, "messages": len(lat)}


last = 0.0     # the throughput of the last run (for the ratio bench.inbound prints)


def line(users: int, script: list[str], concurrency: int) -> str:
    global last
    r = asyncio.run(run(users, script, concurrency))
    last = r["throughput"]
    return (f"baseline=ptb throughput_msgs_per_s={r['throughput']:.0f} p50_ms={r['p50_ms']:.1f} "
            f"p99_ms={r['p99_ms']:.1f} messages={r['messages']} (in memory, not durable)")

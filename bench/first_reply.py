"""The first reply a kader sees: a signed WhatsApp webhook in, the reply out at the Twilio stand-in.

    python -m bench.first_reply [--channel whatsapp|telegram] [--db sqlite|postgres] [--messages 200] [--gap 0.1]

`pantau serve` runs as in bench.webhooks (web process, senders process, job worker); one message at a time
(``--gap`` seconds after the previous reply arrived, a quiet hour), each from another person, so every
reply is the first of its exchange. WhatsApp: a registered kader's "menu", from the signed webhook written
to the reply's POST read by the stand-in of Twilio's API. Telegram: a new person's /start typed into the
Bot API emulator (telegram-test-api behind tests/telegram/compat.py, which delivers webhooks) until the
reply can be read there (read every 5 ms; the compat layer reads the emulator's new updates every 5 ms too),
and Pantau's share is printed too: the update handed to the webhook → the reply's sendMessage reaching the
compat layer. Prints first_reply_p50_ms=… p90_ms=… p99_ms=… n=… (and
pantau_p50_ms=… pantau_p90_ms=… for Telegram).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from urllib.parse import parse_qs

from bench.setup import postgres_url
from bench.webhooks import (FROM, SID, TOKEN, Connections, free_ports, prepare, request_bytes, twilio_stub,
                            wait_healthy, wait_settled)


def recorder(arrivals: dict[str, asyncio.Future]):
    """For the Twilio stand-in: the moment each reply to a number arrives is recorded."""
    def on_post(data: bytes, at: float) -> None:
        to = parse_qs(data.decode()).get("To", [""])[0].removeprefix("whatsapp:")
        waiting = arrivals.get(to)
        if waiting is not None and not waiting.done():
            waiting.set_result(at)
    return on_post


async def run(args) -> None:
    postgres = args.db == "postgres"
    tmp = tempfile.mkdtemp(prefix="pantau-bench-")
    url = postgres_url() if postgres else f"sqlite+aiosqlite:///{tmp}/pantau.db"
    phones, _ = await prepare(url, args.messages, 1, postgres)
    port, stub_port = free_ports(2)
    public = f"http://127.0.0.1:{port}"
    arrivals: dict[str, asyncio.Future] = {}
    stub = await twilio_stub(stub_port, recorder(arrivals))
    env = dict(os.environ, PANTAU_DATABASE_URL=url, PANTAU_DATA_DIR=tmp, PANTAU_LOG_LEVEL="WARNING",
               TWILIO_ACCOUNT_SID=SID, TWILIO_AUTH_TOKEN=TOKEN, TWILIO_WHATSAPP_FROM=FROM, PANTAU_PUBLIC_URL=public,
               TWILIO_API_BASE_URL=f"http://127.0.0.1:{stub_port}")
    env.pop("PANTAU_NOW", None)
    server = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
                               "--no-scheduler"], env=env, stdout=subprocess.DEVNULL,
                              stderr=open(f"{tmp}/server.log", "w"))
    try:
        await wait_healthy(port, server)
        await wait_settled(server.pid)
        conns = Connections(port, 1)
        await conns.open()
        waits: list[float] = []
        missing = 0
        loop = asyncio.get_running_loop()
        for i, phone in enumerate(phones):
            arrivals[phone] = loop.create_future()
            t0 = time.perf_counter()
            status = await conns.send(request_bytes(public, phone, f"SM{i:08d}{'f' * 22}", "menu"))
            try:
                waits.append(await asyncio.wait_for(arrivals[phone], 10) - t0 if status == 200 else 10.0)
            except asyncio.TimeoutError:
                missing += 1
            await asyncio.sleep(args.gap)
        report(waits, missing, args)
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
        stub.close()


async def run_telegram(args) -> None:
    from pathlib import Path

    from tests.telegram.compat import Compat, SimUser

    class Timed(Compat):
        """The compat layer, noting when an update is handed to the webhook and when a reply comes."""
        handed: float | None = None
        shares: list[float] = []
        poll = 0.005

        async def _pull(self, client):
            updates = await super()._pull(client)
            if updates:
                self.handed = time.perf_counter()
            return updates

        def app(self):
            inner = super().app()

            async def timed(scope, receive, send):
                if scope["type"] == "http" and scope["path"].endswith("/sendMessage") and self.handed:
                    self.shares.append(time.perf_counter() - self.handed)
                    self.handed = None
                await inner(scope, receive, send)
            return timed
    from tests.telegram.harness import SECRET, TOKEN
    from tests.twilio_peer import serving
    tmp = tempfile.mkdtemp(prefix="pantau-bench-")
    url = postgres_url() if args.db == "postgres" else f"sqlite+aiosqlite:///{tmp}/pantau.db"
    emu_port, compat_port, port = free_ports(3)
    root = Path(__file__).resolve().parent.parent
    # stdin a pipe kept open: the emulator stops when its stdin ends (tests/telegram/emulator.js)
    emulator = subprocess.Popen(["node", str(root / "tests" / "telegram" / "emulator.js"), str(emu_port)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=root)
    assert emulator.stdout is not None and emulator.stdout.readline().strip() == b"ready"
    emu = f"http://127.0.0.1:{emu_port}"
    compat = Timed(emu, TOKEN)
    env = dict(os.environ, PANTAU_DATABASE_URL=url, PANTAU_DATA_DIR=tmp, PANTAU_LOG_LEVEL="WARNING",
               TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{compat_port}/bot",
               TELEGRAM_WEBHOOK_SECRET=SECRET, PANTAU_PUBLIC_URL=f"http://127.0.0.1:{port}")
    for name in [k for k in env if k.startswith("TWILIO_") or k == "PANTAU_NOW"]:
        env.pop(name)
    server = None
    try:
        async with serving(compat.app(), compat_port):
            server = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port",
                                       str(port), "--no-scheduler"], env=env, stdout=subprocess.DEVNULL,
                                      stderr=open(f"{tmp}/server.log", "w"))
            await wait_healthy(port, server)
            await wait_settled(server.pid)
            waits: list[float] = []
            missing = 0
            for i in range(args.messages):
                user = SimUser(emu, compat, 7000 + i)
                t0 = time.perf_counter()
                await user.send("/start")
                while not await user.read():
                    if time.perf_counter() - t0 > 10:
                        missing += 1
                        break
                    await asyncio.sleep(0.005)
                else:
                    waits.append(time.perf_counter() - t0)
                await asyncio.sleep(args.gap)
            report(waits, missing, args)
            share = sorted(compat.shares)
            print(f"pantau_p50_ms={statistics.median(share) * 1000:.1f} "
                  f"pantau_p90_ms={statistics.quantiles(share, n=10)[8] * 1000:.1f}")
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        emulator.terminate()
        emulator.wait(10)


def report(waits: list[float], missing: int, args) -> None:
    lat = sorted(waits)
    q = statistics.quantiles(lat, n=100)
    print(f"first_reply_p50_ms={statistics.median(lat) * 1000:.1f} p90_ms={q[89] * 1000:.1f} "
          f"p99_ms={q[98] * 1000:.1f} n={len(lat)} no_reply={missing} channel={args.channel} db={args.db} "
          f"cpus={os.cpu_count()}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--channel", choices=["whatsapp", "telegram"], default="whatsapp")
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--messages", type=int, default=200)
    ap.add_argument("--gap", type=float, default=0.1, help="seconds between a reply and the next message")
    args = ap.parse_args()
    asyncio.run(run_telegram(args) if args.channel == "telegram" else run(args))


if __name__ == "__main__":
    main()

"""`pantau serve` with Telegram webhooks, SIGKILLed: while a reply is held between "Telegram has it" and
"marked sent", and repeatedly while a person types. The server is a real subprocess; Telegram is the
emulator behind tests/telegram/compat.py, which delivers webhooks and, like Telegram, delivers an
update again until the webhook answers 2xx. What the person reads must keep its order: an in-doubt
reply is resent in its place (Telegram cannot be asked: at-least-once, so it may appear twice in a
row), never after a newer one; every update acknowledged is stored."""
from __future__ import annotations

import asyncio
import os
import random

from sqlalchemy import func, select

from storage.db import Database
from storage.models import InboundMessage, Outbox

from .test_crash import Server, outbox_settled, servers  # noqa: F401 - a fixture
from .telegram.harness import SECRET, TOKEN, needs_emulator
from .telegram.compat import Compat, SimUser
from .twilio_peer import free_port, serving


def telegram_env(db_url: str, tmp_path, port: int, compat_port: int) -> dict:
    env = dict(os.environ)
    env.pop("PANTAU_NOW", None)           # real time: in-doubt rows must age
    for name in [k for k in env if k.startswith("TWILIO_")]:
        env.pop(name)
    env.update(PANTAU_DATABASE_URL=db_url, PANTAU_DATA_DIR=str(tmp_path / "data"), PANTAU_LOG_LEVEL="WARNING",
               TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{compat_port}/bot",
               TELEGRAM_WEBHOOK_SECRET=SECRET, PANTAU_PUBLIC_URL=f"http://127.0.0.1:{port}",
               PANTAU_OUTBOX_IN_DOUBT_SECONDS="1")
    return env


def collapsed(texts: list[str]) -> list[str]:
    """What the person read, a message repeated right after itself counted once (at-least-once)."""
    out: list[str] = []
    for t in texts:
        if not out or out[-1] != t:
            out.append(t)
    return out


async def read_until(user: SimUser, got: list[str], predicate, timeout: float = 60) -> None:
    for _ in range(int(timeout / 0.1)):
        got += [m["text"] for m in await user.read()]
        if predicate(got):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the person read only {got}")


@needs_emulator
async def test_a_reply_held_across_a_sigkill_is_resent_in_its_place(emulator, db_url, tmp_path, servers):
    compat = Compat(emulator, TOKEN)
    compat_port, port = free_port(), free_port()
    env = telegram_env(db_url, tmp_path, port, compat_port)
    env["PANTAU_OUTBOX_IN_DOUBT_SECONDS"] = "4"       # newer replies come before the held ones are settled
    server = Server(env, port, tmp_path / "server.log")
    servers.append(server)
    user = SimUser(emulator, compat, 4242)
    async with serving(compat.app(), compat_port):
        compat.hold = asyncio.Event()
        await server.start()
        await user.send("/start")
        await asyncio.wait_for(compat.held.wait(), 60)       # the welcome reached Telegram; no answer yet
        server.kill()
        db = Database(db_url)
        async with db.session() as s:
            statuses = list(await s.scalars(select(Outbox.status).order_by(Outbox.id)))
        assert statuses[0] == "sending" and "sent" not in statuses, statuses
        held, compat.hold = compat.hold, None
        held.set()
        await server.start()
        await user.send("Siti Aminah")      # she saw the welcome and types ahead: the new reply must wait
        read: list[str] = []
        await read_until(user, read, lambda got: any("Apa peran Anda?" in t for t in got))
        await outbox_settled(db)
        server.stop()
    order = collapsed(read)
    assert "Selamat datang" in order[0] and "Siapa nama" in order[1] and "Apa peran Anda?" in order[2], read
    assert len(read) - len(order) <= 1                       # at most the held one twice
    await db.close()


@needs_emulator
async def test_telegram_server_killed_while_a_person_types(emulator, db_url, tmp_path, servers):
    """Six SIGKILLs while a cadre registers and reports: every update stored once, every reply read in
    the order it was written (a resend appears right after itself, if at all)."""
    compat = Compat(emulator, TOKEN)
    compat_port, port = free_port(), free_port()
    server = Server(telegram_env(db_url, tmp_path, port, compat_port), port, tmp_path / "server.log")
    servers.append(server)
    user = SimUser(emulator, compat, 4343)
    script = ["/start", "Siti Aminah", "Kader desa", "Kilmury, Kilmury", "Ya", "Laporan pertemuan",
              "Musyawarah desa", "kemarin", "Balai desa", "L 79 P 38", "20", "2", "lewati", "lewati", "Kirim"]
    rng = random.Random(5)
    db = Database(db_url)

    async def stored_count() -> int:
        async with db.session() as s:
            return await s.scalar(select(func.count()).select_from(InboundMessage))

    async with serving(compat.app(), compat_port):
        await server.start()
        kills = 0
        for i, text in enumerate(script):
            await user.send(text)
            if kills < 6 and rng.random() < 0.6:
                await asyncio.sleep(rng.uniform(0.0, 0.5))       # mid-webhook, mid-send or idle
                server.kill()
                kills += 1
                await server.start()
            for _ in range(600):                                  # redelivered until stored
                if await stored_count() > i:
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(rng.uniform(0.1, 0.4))
        await outbox_settled(db)
        await asyncio.sleep(0.5)
        read = [m["text"] for m in await user.read()]
        server.stop()
    async with db.session() as s:
        stored = await s.scalar(select(func.count()).select_from(InboundMessage))
        written = [r.payload["text"] for r in await s.scalars(select(Outbox).order_by(Outbox.id))]
    await db.close()
    assert kills >= 3
    assert stored == len(script), "an update was lost or stored twice"
    assert collapsed(read) == collapsed(written), "a reply overtook an earlier one, or was lost"
    assert any("Laporan pertemuan sudah tersimpan" in t for t in read)

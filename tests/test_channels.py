"""Channels as plugins (bot/channels/registry.py) and the one routing rule for notices (storage/routing.py).

A channel added here, in the test suite alone, gets registration, a report, a reminder and a notice, and its
rows leave through the one outbox loop. A person is reached where they last wrote."""
import asyncio
import contextlib
import hmac
import itertools
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.channels import registry
from bot.channels.registry import ChannelSpec, Runtime
from bot.config import ConfigError, Settings
from bot.outbox import OutboxLoop, Sent
from bot.server import build_app
from bot.pipeline import Pipeline
from bot.reminders import run_once
from flows.types import Inbound, NewContact
from storage.keys import identity_key
from storage.models import Outbox, Report
from storage.repo import Tx
from storage.routing import reach

from .conftest import NOW, open_pipeline

_ids = itertools.count(1)
KILMURY_KEC = "81.05.08"
MEETING = ("1", "1", "kemarin", "Balai desa", "L 79 P 38", "20", "2", "lewati", "lewati", "kirim")


class FakeChannel:
    """The outbound half of a channel that exists only in this test: it records what it was given."""
    name = "merpati"

    def __init__(self):
        self.sent: list[tuple[str, str]] = []

    async def prepare(self, tx, rows, now):
        return None

    def ready(self, recipient):
        return True

    async def send(self, row):
        self.sent.append((row.external_id, row.payload.get("text", "")))
        return Sent(f"m{len(self.sent)}")

    async def settle(self, tx, row):
        return None


@pytest.fixture
def merpati():
    registry.register(ChannelSpec("merpati", "Merpati"))
    yield "merpati"
    registry.unregister("merpati")


# ---------------------------------------------------------------- merpati, mounted: one module's worth, here

@dataclass(frozen=True)
class MerpatiConfig:
    token: str


def merpati_settings(env, webhook):
    token = env.get("MERPATI_TOKEN")
    if not token:
        return None
    if len(token) < 16:
        raise ConfigError("MERPATI_TOKEN terlalu pendek")
    return MerpatiConfig(token)


def merpati_routes(cfg: MerpatiConfig, pipeline: Pipeline):
    """POST /merpati/inbound, a JSON message with the shared token in a header; 200 once it is stored."""
    async def inbound(request: Request) -> Response:
        if not hmac.compare_digest(request.headers.get("X-Merpati-Token", ""), cfg.token):
            return Response("forbidden", status_code=403)
        body = await request.json()
        replies = await pipeline.handle(Inbound("merpati", body["from"], body["id"], text=body["text"]))
        return JSONResponse({"stored": replies is not None})
    return [Route("/merpati/inbound", inbound, methods=["POST"])]


def merpati_runtime(channel: FakeChannel, started: list[str]) -> Runtime:
    async def start(cfg):
        started.append("start")

    async def stop(cfg):
        started.append("stop")

    @contextlib.asynccontextmanager
    async def senders(db, cfg, opened):
        started.append("senders")
        yield [lambda: OutboxLoop(db, channel).run_forever(0.05)]
    return Runtime(settings=merpati_settings, routes=merpati_routes, start=start, stop=stop, senders=senders)


async def eventually(predicate, what: str, timeout: float = 30.0):
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def test_a_channel_added_in_the_tests_alone_is_mounted_by_the_server_and_sent_by_the_background(db_url):
    """The registry drives the runtime: the settings find the channel in the environment, build_app mounts its
    route and starts it, the background work loop runs its sender; registration, a notice, a report and a
    reminder reach the person through it. Nothing outside this file names it."""
    channel, started = FakeChannel(), []
    registry.register(ChannelSpec("merpati", "Merpati", runtime=merpati_runtime(channel, started),
                                  variables=("MERPATI_TOKEN",)))
    try:
        token = "burung-merpati-rahasia"
        assert Settings.from_env({"PANTAU_DATA_DIR": "/nonexistent"}).channels() == {}
        with pytest.raises(ConfigError, match="MERPATI_TOKEN"):
            Settings.from_env({"MERPATI_TOKEN": "pendek"}).channels()
        configs = Settings.from_env({"MERPATI_TOKEN": token, "PANTAU_DATA_DIR": "/nonexistent"}).channels()
        assert configs == {"merpati": MerpatiConfig(token)}

        p = await open_pipeline(db_url)
        async with p.db.session() as s, s.begin():          # a fasilitator who writes on the new channel
            await Tx(s).create_contact("merpati", "burung-fasil",
                                       NewContact("Pak Fasil", "fasilitator", KILMURY_KEC, "id"), NOW)
        app = build_app(p, configs, run_senders=True)
        async with app.router.lifespan_context(app), httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://pantau.test") as client:
            assert started == ["start", "senders"]

            async def say_over_http(sender: str, *texts: str) -> None:
                for text in texts:
                    r = await client.post("/merpati/inbound", json={"from": sender, "id": f"c{next(_ids)}", "text": text},
                                          headers={"X-Merpati-Token": token})
                    assert r.status_code == 200 and r.json() == {"stored": True}

            def heard(who: str, words: str) -> bool:
                return any(words in text for to, text in channel.sent if to == who)

            r = await client.post("/merpati/inbound", json={"from": "x", "id": "x1", "text": "halo"},
                                  headers={"X-Merpati-Token": "salah"})
            assert r.status_code == 403
            # registration, and the notice to the fasilitator on their own channel
            await say_over_http("burung-siti", "halo", "Siti Aminah", "1", "Kilmury, Kilmury", "ya")
            await eventually(lambda: heard("burung-siti", "belum diverifikasi"), "the registration's reply")
            await eventually(lambda: heard("burung-fasil", "Siti Aminah mendaftar sebagai kader"), "the notice")
            # a report
            await say_over_http("burung-siti", *MEETING)
            await eventually(lambda: heard("burung-siti", "tersimpan"), "the report's confirmation")
            async with p.db.session() as s:
                assert (await s.scalar(select(Report))).answers["total"] == 117
            # a reminder: a draft left silent gets one, sent by the background loop on the channel it was typed on
            await say_over_http("burung-siti", "1", "1", "kemarin")
            assert not heard("burung-siti", "belum selesai")
            await run_once(p.db, p.forms, NOW + timedelta(hours=21))       # 8:00 WIT the next day
            await run_once(p.db, p.forms, NOW + timedelta(hours=22))
            await eventually(lambda: heard("burung-siti", "belum selesai"), "the reminder")
            for _ in range(600):              # every row written down as sent, all of them on merpati
                rows = await rows_to(p, "burung-siti") + await rows_to(p, "burung-fasil")
                if {r.status for r in rows} == {"sent"}:
                    break
                await asyncio.sleep(0.05)
            assert {(r.channel, r.status) for r in rows} == {("merpati", "sent")}
        assert started == ["start", "senders", "stop"]
        await p.db.close()
    finally:
        registry.unregister("merpati")


async def say(p: Pipeline, channel: str, sender: str, *texts: str) -> str:
    out = ""
    for text in texts:
        replies = await p.handle(Inbound(channel, sender, f"c{next(_ids)}", text=text))
        out = "\n".join(r.text for r in replies or [])
    return out


async def rows_to(p: Pipeline, external_id: str) -> list[Outbox]:
    async with p.db.session() as s:
        return list(await s.scalars(select(Outbox).where(Outbox.external_id == external_id).order_by(Outbox.id)))


async def test_a_channel_added_in_the_tests_alone_registers_reports_is_reminded_and_notified(db_url, merpati):
    p = await open_pipeline(db_url)
    async with p.db.session() as s, s.begin():          # a fasilitator who writes on the new channel
        await Tx(s).create_contact(merpati, "burung-fasil", NewContact("Pak Fasil", "fasilitator", KILMURY_KEC, "id"),
                                   NOW)
    # registration and a notice: the fasilitator is asked on their own channel
    out = await say(p, merpati, "burung-siti", "halo", "Siti Aminah", "1", "Kilmury, Kilmury", "ya")
    assert "belum diverifikasi" in out
    [asked] = await rows_to(p, "burung-fasil")
    assert asked.channel == merpati and "Siti Aminah mendaftar sebagai kader" in asked.payload["text"]
    # a report
    out = await say(p, merpati, "burung-siti", *MEETING)
    assert "tersimpan" in out
    async with p.db.session() as s:
        assert (await s.scalar(select(Report))).answers["total"] == 117
    # a reminder: a draft left silent gets one, on the channel it was typed on
    await say(p, merpati, "burung-siti", "1", "1", "kemarin")
    await run_once(p.db, p.forms, NOW + timedelta(hours=21))       # 8:00 WIT the next day
    await run_once(p.db, p.forms, NOW + timedelta(hours=22))
    reminders = [r for r in await rows_to(p, "burung-siti") if "belum selesai" in r.payload.get("text", "")]
    assert [r.channel for r in reminders] == [merpati]
    # every row leaves through the one outbox loop, to the right person
    channel = FakeChannel()
    loop = OutboxLoop(p.db, channel)
    while await loop.round(NOW + timedelta(hours=23)):
        pass
    assert ("burung-fasil", asked.payload["text"]) in channel.sent
    assert any("belum selesai" in text for who, text in channel.sent if who == "burung-siti")
    assert {r.status for r in await rows_to(p, "burung-siti")} == {"sent"}
    await p.db.close()


async def test_the_dashboard_and_storage_learn_a_channel_from_the_registry(merpati):
    assert registry.labels()[merpati] == "Merpati"
    assert identity_key(merpati, "+6281200000001") == (merpati, "+6281200000001")      # not a phone channel
    registry.register(ChannelSpec(merpati, "Merpati", phone_ids=True))
    assert identity_key(merpati, "+6281200000001") == ("phone", "+6281200000001")     # one person across them
    registry.unregister(merpati)
    assert identity_key(merpati, "+6281200000001") == (merpati, "+6281200000001")


async def test_a_kader_who_writes_on_the_terminal_hears_back_there_not_on_whatsapp(db_url):
    """Issue 24: news to a person whose id is a phone number was queued on WhatsApp even when they only
    ever wrote on another channel, and sat pending for ever."""
    p = await open_pipeline(db_url)
    async with p.db.session() as s, s.begin():
        await Tx(s).create_contact("terminal", "fasil-kilmury",
                                   NewContact("Pak Fasil", "fasilitator", KILMURY_KEC, "id"), NOW)
    await say(p, "terminal", "+6281200000001", "halo", "Siti Aminah", "1", "Kilmury, Kilmury", "ya")
    await say(p, "terminal", "fasil-kilmury", "menunggu")
    await say(p, "terminal", "fasil-kilmury", "1")                  # approve Siti
    [news] = [r for r in await rows_to(p, "+6281200000001") if "disetujui" in r.payload.get("text", "")]
    assert news.channel == "terminal"
    await p.db.close()


async def test_notices_go_where_the_person_last_wrote_else_where_they_registered(db_url):
    clock = [NOW]
    p = await open_pipeline(db_url, now=lambda: clock[0])
    phone = "+6281200000009"
    async with p.db.session() as s, s.begin():
        contact = await Tx(s).create_contact("whatsapp", phone, NewContact("Ibu Ana", "kader", "81.05.08.2010", "id"),
                                             NOW)
    async with p.db.session() as s:
        assert await reach(s, contact.id) == ("whatsapp", phone)        # never wrote: the registered channel
    await p.handle(Inbound("terminal", phone, "r1", text="halo"))
    async with p.db.session() as s:
        assert await reach(s, contact.id) == ("terminal", phone)        # wrote on the terminal
    clock[0] = NOW + timedelta(minutes=5)
    await p.handle(Inbound("whatsapp", phone, "r2", text="halo"))
    async with p.db.session() as s:
        assert await reach(s, contact.id) == ("whatsapp", phone)        # then on WhatsApp: the latest wins
    await p.db.close()

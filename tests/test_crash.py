"""`pantau serve` killed with SIGKILL while WhatsApp messages flow, and while the outbox sender is
between "Twilio accepted" and "marked sent". The server is a real subprocess; Twilio's side is the
local stand-in (tests/twilio_peer.py), which signs its status callbacks like Twilio and, like
Twilio, retries a webhook that got no answer."""
from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import date, timedelta
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from sqlalchemy import func, insert, select
from twilio.request_validator import RequestValidator

from bot import catalog
from storage.db import Database
from storage.models import Contact, Identity, InboundMessage, Outbox, Report, ReportRevision, Session

from .conftest import NOW
from .twilio_peer import TwilioPeer, free_port, serving

SID, TOKEN = "AC" + "2" * 32, "b" * 32
FROM = "whatsapp:+14155238886"


class Server:
    """`python -m bot.cli.main serve` as a child process that can be SIGKILLed and started again."""

    def __init__(self, env: dict, port: int, log_path, workers: int = 1):
        self.env, self.port, self.log_path, self.workers = env, port, log_path, workers
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen | None = None

    async def start(self) -> None:
        with open(self.log_path, "ab") as log:      # the child writes to its own copy of the descriptor
            self.proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port",
                                          str(self.port), "--no-scheduler", "--workers", str(self.workers)],
                                         env=self.env, stdout=log, stderr=log, start_new_session=True)
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient(timeout=1) as client:
            while time.monotonic() < deadline:
                assert self.proc.poll() is None, self.log_path.read_text()[-3000:]
                try:
                    if (await client.get(self.url + "/health")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.05)
        raise AssertionError("server did not start: " + self.log_path.read_text()[-3000:])

    def kill(self) -> None:
        """SIGKILL to the server and its worker processes (its own process group)."""
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()

    def worker_pids(self) -> list[int]:
        """The worker processes of ``--workers N`` (children of the supervisor)."""
        with open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children") as fh:
            children = [int(pid) for pid in fh.read().split()]
        workers = []
        for pid in children:          # not multiprocessing's resource tracker
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                if b"spawn_main" in fh.read():
                    workers.append(pid)
        return workers

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:   # the data checks below do not depend on a clean stop
                self.kill()


@pytest.fixture
def servers():
    """Servers a test starts; none outlives the test, whatever it asserts (an orphan would keep the
    sender's leader lock and starve the next test)."""
    started: list[Server] = []
    yield started
    for server in started:
        server.kill()


async def register_phones(db_url: str, n: int) -> list[str]:
    db = Database(db_url)
    desa = [c for c in catalog.area_names() if c.count(".") == 3][:n]
    phones = [f"+62812{i:07d}" for i in range(n)]
    async with db.engine.begin() as conn:
        await conn.execute(insert(Contact), [{"id": i + 1, "name": f"Kader {i}", "role": "kader", "area_code": code,
                                              "lang": "id", "created_at": NOW} for i, code in enumerate(desa)])
        await conn.execute(insert(Identity), [{"channel": "phone", "external_id": p, "contact_id": i + 1}
                                              for i, p in enumerate(phones)])
    await db.close()
    return phones


def server_env(db_url: str, tmp_path, port: int, peer: TwilioPeer) -> dict:
    env = dict(os.environ)
    env.pop("PANTAU_NOW", None)     # real time: in-doubt rows must age
    env.update(PANTAU_DATABASE_URL=db_url, PANTAU_DATA_DIR=str(tmp_path / "data"), PANTAU_LOG_LEVEL="WARNING",
               TWILIO_ACCOUNT_SID=SID, TWILIO_AUTH_TOKEN=TOKEN, TWILIO_WHATSAPP_FROM=FROM,
               PANTAU_PUBLIC_URL=f"http://127.0.0.1:{port}", TWILIO_API_BASE_URL=peer.url,
               PANTAU_OUTBOX_IN_DOUBT_SECONDS="1")
    return env


def signed(url: str, form: dict) -> dict:
    return {"X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(url, form)}


async def deliver(client: httpx.AsyncClient, server: Server, phone: str, sid: str, body: str) -> int:
    """Post one inbound message the way Twilio does, retrying until the app answers 200; returns tries."""
    form = {"MessageSid": sid, "SmsMessageSid": sid, "AccountSid": SID, "From": f"whatsapp:{phone}", "To": FROM,
            "Body": body, "NumMedia": "0", "MessageType": "text", "WaId": phone[1:], "ApiVersion": "2010-04-01"}
    url = server.url + "/whatsapp/inbound"
    tries = 0
    while True:
        tries += 1
        try:
            resp = await client.post(url, data=form, headers=signed(url, form))
            if resp.status_code == 200:
                return tries
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.1)


async def outbox_settled(db: Database, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with db.session() as s:
            open_rows = await s.scalar(select(func.count()).select_from(Outbox)
                                       .where(Outbox.status.in_(("pending", "sending"))))
        if open_rows == 0:
            return
        await asyncio.sleep(0.3)
    raise AssertionError(f"{open_rows} outbox rows still not sent")


def deliveries_per_row(peer: TwilioPeer) -> Counter:
    """How many times Twilio was asked to send each outbox row (its id rides on the status callback)."""
    return Counter(int(parse_qs(urlparse(r["form"]["StatusCallback"]).query)["o"][0])
                   for r in peer.requests if r["path"].endswith("/Messages.json") and "StatusCallback" in r["form"])


async def test_server_killed_twenty_times_while_messages_flow(db_url, tmp_path, servers):
    peer = TwilioPeer(SID, TOKEN)
    peer.callbacks = True
    phones = await register_phones(db_url, 12)
    port = free_port()
    server = Server(server_env(db_url, tmp_path, port, peer), port, tmp_path / "server.log")
    servers.append(server)
    rng = random.Random(11)
    stop = asyncio.Event()
    rounds_done: Counter = Counter()
    sent_ids: dict[str, list[str]] = {p: [] for p in phones}

    async def kader(phone: str, client: httpx.AsyncClient):
        r = 0
        while not stop.is_set():
            r += 1
            d = date.today() - timedelta(days=r)
            day = f"{d.day}/{d.month}/{d.year}"   # a new meeting every round: a new report
            for j, text in enumerate(["menu", "1", "1", day, "Balai desa", "L 79 P 38", "20", "2", "lewati",
                                      "lewati", "kirim"]):
                sid = f"SM{phone[1:]}{r:04d}{j:02d}"
                await deliver(client, server, phone, sid, text)
                sent_ids[phone].append(sid)
                await asyncio.sleep(rng.uniform(0.05, 0.2))   # people type; kills land mid-report
            rounds_done[phone] += 1

    async with serving(peer.app(), peer.port):
        await server.start()
        kills = 0
        async with httpx.AsyncClient(timeout=10) as client:
            people = [asyncio.create_task(kader(p, client)) for p in phones]
            while kills < 20:
                await asyncio.sleep(rng.uniform(0.3, 1.2))
                server.kill()                     # at whatever point the work is
                kills += 1
                await server.start()
            stop.set()
            await asyncio.gather(*people)
        db = Database(db_url)
        await outbox_settled(db)
        server.stop()
        await asyncio.sleep(0.5)                  # last status callbacks

    async with db.session() as s:
        stored = set(await s.scalars(select(InboundMessage.message_id)))
        reports = (await s.execute(select(Report.area_code, Report.period, Report.men, Report.women,
                                          Report.revision))).all()
        revisions = await s.scalar(select(func.count()).select_from(ReportRevision))
        seqs = dict((await s.execute(select(Session.external_id, Session.seq))).all())
        rows = (await s.execute(select(Outbox.id, Outbox.external_id, Outbox.status))).all()
    await db.close()
    assert kills >= 20
    acknowledged = {sid for ids in sent_ids.values() for sid in ids}
    assert acknowledged <= stored, "a message answered 200 was lost"
    assert len(reports) == sum(rounds_done.values()) == revisions, "a report was stored twice or not at all"
    assert all(r.revision == 1 and (r.men, r.women) == (79, 38) for r in reports)
    assert {p: seqs[p] for p in phones} == {p: len(sent_ids[p]) for p in phones}, "a session update was lost"
    per_person = Counter(e for _, e, _ in rows)
    by_rounds = {(rounds_done[p], per_person[p]) for p in phones}
    assert len(by_rounds) == len({n for n, _ in by_rounds}), "same messages, different replies: doubled or lost"
    assert {status for *_, status in rows} == {"sent"}
    assert deliveries_per_row(peer) == Counter({row_id: 1 for row_id, *_ in rows}), "a reply was sent twice"


@pytest.mark.parametrize("callbacks", [True, False], ids=["status-callback", "message-list"])
async def test_sender_killed_after_twilio_accepted_but_before_marking_sent(db_url, tmp_path, callbacks, servers):
    """Twilio has taken the message; the server dies before it records that. After the restart the
    row is settled from Twilio's record (its status callback, else its message list): one message."""
    peer = TwilioPeer(SID, TOKEN)
    peer.callbacks = callbacks
    peer.hold = asyncio.Event()                   # accept, but do not answer the sender yet
    phone, = await register_phones(db_url, 1)
    port = free_port()
    server = Server(server_env(db_url, tmp_path, port, peer), port, tmp_path / "server.log")
    servers.append(server)
    async with serving(peer.app(), peer.port):
        await server.start()
        async with httpx.AsyncClient(timeout=10) as client:
            await deliver(client, server, phone, "SM" + "9" * 32, "bantuan")
        await asyncio.wait_for(peer.received.wait(), 30)
        server.kill()
        db = Database(db_url)
        async with db.session() as s:
            in_doubt = (await s.execute(select(Outbox.id, Outbox.status))).all()
        assert [status for _, status in in_doubt][:1] == ["sending"], in_doubt
        held, peer.hold = peer.hold, None
        held.set()                                # the old request gets its answer, to a dead socket
        await server.start()
        await outbox_settled(db)
        server.stop()
    async with db.session() as s:
        rows = (await s.execute(select(Outbox.id, Outbox.status, Outbox.provider_id).order_by(Outbox.id))).all()
    await db.close()
    assert deliveries_per_row(peer) == Counter({r.id: 1 for r in rows})
    assert rows[0].provider_id == peer.created[0]["sid"]


async def test_two_worker_processes_serve_together_and_send_each_reply_once(db_url, tmp_path, servers):
    """`pantau serve --workers 2` on PostgreSQL (two processes on one port): twelve kader report at once;
    every report stored once, every session counts every message, one elected sender sends each
    reply once."""
    if not db_url.startswith("postgresql"):
        pytest.skip("several worker processes need PostgreSQL (SQLite is one process)")
    peer = TwilioPeer(SID, TOKEN)
    phones = await register_phones(db_url, 12)
    port = free_port()
    server = Server(server_env(db_url, tmp_path, port, peer), port, tmp_path / "server.log", workers=2)
    servers.append(server)
    script = ["menu", "1", "1", "kemarin", "Balai desa", "L 79 P 38", "20", "2", "lewati", "lewati", "kirim"]

    async def kader(phone: str, client: httpx.AsyncClient):
        for j, text in enumerate(script):
            await deliver(client, server, phone, f"SM{phone[1:]}{j:02d}", text)

    async with serving(peer.app(), peer.port):
        await server.start()
        assert len(server.worker_pids()) == 2
        async with httpx.AsyncClient(timeout=10, limits=httpx.Limits(max_keepalive_connections=0)) as client:
            await asyncio.gather(*(kader(p, client) for p in phones))
        db = Database(db_url)
        await outbox_settled(db)
        server.stop()
    async with db.session() as s:
        reports = (await s.execute(select(Report.area_code, Report.revision, Report.men))).all()
        seqs = dict((await s.execute(select(Session.external_id, Session.seq))).all())
        rows = (await s.execute(select(Outbox.id, Outbox.status))).all()
    await db.close()
    assert len(reports) == 12 and {(r.revision, r.men) for r in reports} == {(1, 79)}
    assert {p: seqs[p] for p in phones} == {p: len(script) for p in phones}
    assert {status for _, status in rows} == {"sent"}
    assert deliveries_per_row(peer) == Counter({row_id: 1 for row_id, _ in rows}), "a reply was sent twice"

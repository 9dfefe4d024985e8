"""`pantau serve` runs the outbox senders and the coordinators' job worker in processes of their own
(bot/background.py): a job worker that is stuck mid-way, or a senders process that dies, does not hold up
a kader's message — it is stored, answered 200 and its reply sent while the job waits; the job's chart
follows once the worker goes on; a dead child is started again; SIGTERM stops them all."""
from __future__ import annotations

import asyncio
import os
import signal
import time

import httpx
from pathlib import Path
from sqlalchemy import insert, select

from storage.db import Database
from storage.models import Contact, Identity, Job

from .conftest import NOW
from .test_crash import Server, deliver, register_phones, server_env, servers  # noqa: F401 - a fixture
from .twilio_peer import TwilioPeer, free_port, serving

SID, TOKEN = "AC" + "2" * 32, "b" * 32
COORDINATOR = "+628139990001"


def children(pid: int) -> dict[str, int]:
    """The background processes of a `pantau serve` (role → pid), from /proc."""
    found, pids = {}, []
    for task in os.listdir(f"/proc/{pid}/task"):          # a child started again comes from another thread
        with open(f"/proc/{pid}/task/{task}/children") as fh:
            pids += [int(p) for p in fh.read().split()]
    for child in pids:
        try:
            with open(f"/proc/{child}/cmdline", "rb") as cmd:
                argv = cmd.read().split(b"\0")
        except FileNotFoundError:
            continue
        if b"bot.background" in argv:
            found[argv[argv.index(b"bot.background") + 1].decode()] = child
    return found


async def wait_for(predicate, timeout: float = 60, what: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def bodies_to(peer: TwilioPeer, phone: str) -> list[str]:
    return [m["body"] for m in peer.created if m["to"] == f"whatsapp:{phone}"]


async def add_coordinator(db_url: str) -> None:
    db = Database(db_url)
    async with db.engine.begin() as conn:
        await conn.execute(insert(Contact), [{"id": 100, "name": "Pak Koordinator", "role": "koordinator",
                                              "area_code": "81.05", "lang": "id", "created_at": NOW}])
        await conn.execute(insert(Identity), [{"channel": "phone", "external_id": COORDINATOR, "contact_id": 100}])
    await db.close()


async def job_status(db_url: str) -> str | None:
    db = Database(db_url)
    async with db.session() as s:
        status = await s.scalar(select(Job.status).order_by(Job.id.desc()).limit(1))
    await db.close()
    return status


async def test_a_stuck_job_worker_does_not_hold_up_kader_messages(db_url, tmp_path, servers):  # noqa: F811
    peer = TwilioPeer(SID, TOKEN)
    (kader,) = await register_phones(db_url, 1)
    await add_coordinator(db_url)
    port = free_port()
    server = Server(server_env(db_url, tmp_path, port, peer), port, tmp_path / "server.log")
    servers.append(server)
    async with serving(peer.app(), peer.port):
        await server.start()
        roles = await wait_for(lambda: (children(server.proc.pid)), what="the background processes")
        assert set(roles) == {"senders", "jobs"}
        assert os.getpriority(os.PRIO_PROCESS, roles["jobs"]) >= 10      # renders yield the CPU to webhooks
        if hasattr(os, "SCHED_IDLE"):    # Linux: renders only on CPU time nothing else wants; writes not
            def policies():
                return {int(t): os.sched_getscheduler(int(t)) for t in os.listdir(f"/proc/{roles['jobs']}/task")}
            await wait_for(lambda: os.SCHED_IDLE in policies().values(), what="a SCHED_IDLE render thread")
            assert policies()[roles["jobs"]] != os.SCHED_IDLE
        assert os.getpriority(os.PRIO_PROCESS, roles["senders"]) == os.getpriority(os.PRIO_PROCESS, server.proc.pid)
        os.kill(roles["jobs"], signal.SIGSTOP)          # the job worker stops dead, as if a render never ended
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                assert await deliver(client, server, COORDINATOR, "SM" + "c" * 32, "ringkasan") == 1     # 200 at the first try
                await wait_for(lambda: (any("sedang disiapkan" in b for b in
                                                           bodies_to(peer, COORDINATOR))), what="the ack")
                for j, text in enumerate(["menu", "1", "1"]):         # a kader goes on reporting meanwhile
                    assert await deliver(client, server, kader, f"SM{j:02d}" + "k" * 30, text) == 1
                await wait_for(lambda: (len(bodies_to(peer, kader)) >= 3), what="kader replies")
            assert await job_status(db_url) == "pending"           # nobody rendered the chart meanwhile
        finally:
            os.kill(roles["jobs"], signal.SIGCONT)
        await wait_for(lambda: (any(b.startswith("Ringkasan Kab. Seram Bagian Timur")
                                                    for b in bodies_to(peer, COORDINATOR))), what="the chart")
        assert await job_status(db_url) == "done"
        server.stop()
    assert server.proc.returncode is not None
    for pid in roles.values():                       # stopped with the server, not orphaned
        assert not os.path.exists(f"/proc/{pid}/cmdline") or Path(f"/proc/{pid}/cmdline").read_bytes() == b""


async def test_a_senders_process_that_dies_is_started_again(db_url, tmp_path, servers):  # noqa: F811
    peer = TwilioPeer(SID, TOKEN)
    (kader,) = await register_phones(db_url, 1)
    port = free_port()
    server = Server(server_env(db_url, tmp_path, port, peer), port, tmp_path / "server.log")
    servers.append(server)
    async with serving(peer.app(), peer.port):
        await server.start()
        first = (await wait_for(lambda: (children(server.proc.pid).get("senders")),
                                what="the senders process"))
        os.kill(first, signal.SIGKILL)
        async with httpx.AsyncClient(timeout=10) as client:
            assert await deliver(client, server, kader, "SM" + "d" * 32, "halo") == 1   # stored meanwhile
        again = await wait_for(lambda: (children(server.proc.pid).get("senders")), 30,
                               what="a new senders process")
        assert again != first
        await wait_for(lambda: (bodies_to(peer, kader)), what="the reply, sent by the new one")
        server.stop()

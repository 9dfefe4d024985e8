"""Signed Twilio webhooks through the real HTTP server, open loop, with coordinators asking for charts.

    python -m bench.webhooks --db sqlite|postgres [--users 2000] [--rate 500] [--mix 0.01]

`pantau serve` runs as its own processes (the web process: uvicorn with Pantau's limits, signature
check, form parsing, pipeline, commit; beside it the senders process, whose outbox loop sends to a
local stand-in of Twilio's API, and the job worker, which renders coordinators' requests).
Registered kader each send an 11-message meeting report; message k of the run is offered at
k / rate seconds, a person's next message only after the 200 for the previous one (as on a phone). A share ``--mix`` of the messages are coordinators' ``ringkasan`` /
``unduh`` (a chart, an Excel file). Requests are built and signed beforehand and sent over kept-alive
connections by a minimal HTTP/1.1 client, so the driver costs little of the machine. Prints:
throughput_msgs_per_s=… p50_ms=… p99_ms=… (kader messages: request written → 200 read) plus
coordinator_requests=, jobs_done=, replies_sent=, replies_queued= (when the last 200 was read), cpus=.
BENCH_SEND_RATE caps the sending; BENCH_SERVER_PYTHON_ARGS puts arguments before ``-m bot.cli.main serve``
(e.g. a profiling script).
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlencode

from bench.inbound import SCRIPT
from bench.setup import postgres_url

SID, TOKEN, FROM = "AC" + "5" * 32, "c" * 32, "whatsapp:+14155238886"


async def prepare(url: str, users: int, coordinators: int, postgres: bool) -> tuple[list[str], list[str]]:
    from sqlalchemy import insert

    from bench.setup import add_kader, all_desa, open_fresh
    from storage.models import Contact, Identity
    pipeline = await open_fresh(url, postgres)
    desa = all_desa()[:users]
    phones = [f"+62812{i:07d}" for i in range(users)]
    await add_kader(pipeline.db, desa, "phone", lambda n: phones[n])     # a number is one identity
    kab = sorted({d[:5] for d in desa})
    coords = [f"+62813{i:07d}" for i in range(coordinators)]
    from datetime import datetime, timezone
    now = datetime.now(timezone.utc)
    async with pipeline.db.engine.begin() as conn:
        await conn.execute(insert(Contact), [{"id": users + 1 + i, "name": f"Koordinator {i}", "role": "koordinator",
                                              "area_code": kab[i % len(kab)], "lang": "id", "created_at": now}
                                             for i in range(coordinators)])
        await conn.execute(insert(Identity), [{"channel": "phone", "external_id": p, "contact_id": users + 1 + i}
                                              for i, p in enumerate(coords)])
    if not postgres:       # the set-up's write-ahead log emptied, as after any quiet start
        async with pipeline.db.engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    await pipeline.db.close()
    return phones, coords


def request_bytes(public: str, phone: str, sid: str, body: str) -> bytes:
    from twilio.request_validator import RequestValidator
    form = {"MessageSid": sid, "SmsMessageSid": sid, "AccountSid": SID, "From": f"whatsapp:{phone}", "To": FROM,
            "Body": body, "NumMedia": "0", "MessageType": "text", "WaId": phone[1:], "ApiVersion": "2010-04-01",
            "ProfileName": "Kader"}
    signature = RequestValidator(TOKEN).compute_signature(public + "/whatsapp/inbound", form)
    data = urlencode(form).encode()
    return (b"POST /whatsapp/inbound HTTP/1.1\r\nHost: bench\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"X-Twilio-Signature: " + signature.encode() + b"\r\nContent-Length: " + str(len(data)).encode()
            + b"\r\n\r\n" + data)


class Connections:
    """Kept-alive HTTP/1.1 connections to the server, one request at a time on each."""

    def __init__(self, port: int, n: int):
        self.port, self.n = port, n
        self.free: asyncio.Queue = asyncio.Queue()

    async def open(self) -> None:
        for _ in range(self.n):
            self.free.put_nowait(await asyncio.open_connection("127.0.0.1", self.port))

    async def send(self, raw: bytes) -> int:
        reader, writer = await self.free.get()
        try:
            writer.write(raw)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
        except (OSError, asyncio.IncompleteReadError):
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            status = 0
        self.free.put_nowait((reader, writer))
        return status


async def twilio_stub(port: int, on_post=None) -> asyncio.AbstractServer:
    """Accepts every message the server sends (201 with a message resource), minimal and cheap.
    ``on_post(body, at)``: called with each POST's form body and the moment its head was read."""
    async def handle(reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                at = time.perf_counter()
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                data = await reader.readexactly(length) if length else b""
                get = head.startswith(b"GET")
                if not get and on_post is not None:
                    on_post(data, at)
                body = json.dumps({"messages": [], "next_page_uri": None, "page": 0, "page_size": 50} if get else
                                  {"sid": "SM" + secrets.token_hex(16), "status": "queued", "body": "",
                                   "to": "", "date_created": None}).encode()
                writer.write(b"HTTP/1.1 " + (b"200 OK" if get else b"201 Created") +
                             b"\r\nContent-Type: application/json\r\nContent-Length: " + str(len(body)).encode()
                             + b"\r\n\r\n" + body)
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):   # (cancelled: the run ended)
            writer.close()
    return await asyncio.start_server(handle, "127.0.0.1", port)


def free_ports(n: int) -> list[int]:
    """``n`` different free ports (all bound at once: two single picks may return the same one)."""
    import socket
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


async def run(args) -> None:
    postgres = args.db == "postgres"
    tmp = tempfile.mkdtemp(prefix="pantau-bench-")
    url = postgres_url() if postgres else f"sqlite+aiosqlite:///{tmp}/pantau.db"
    n_coord = max(1, args.users // 200)
    phones, coords = await prepare(url, args.users, n_coord, postgres)
    port, stub_port = free_ports(2)
    public = f"http://127.0.0.1:{port}"
    stub = await twilio_stub(stub_port)
    env = dict(os.environ, PANTAU_DATABASE_URL=url, PANTAU_DATA_DIR=tmp, PANTAU_LOG_LEVEL="WARNING",
               TWILIO_ACCOUNT_SID=SID, TWILIO_AUTH_TOKEN=TOKEN, TWILIO_WHATSAPP_FROM=FROM, PANTAU_PUBLIC_URL=public,
               TWILIO_API_BASE_URL=f"http://127.0.0.1:{stub_port}", TWILIO_RATE_PER_SECOND=os.environ.get("BENCH_SEND_RATE", "1000"))
    env.pop("PANTAU_NOW", None)
    server = subprocess.Popen([sys.executable, *os.environ.get("BENCH_SERVER_PYTHON_ARGS", "").split(), "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
                               "--no-scheduler", "--workers", str(args.workers)], env=env, stdout=subprocess.DEVNULL, stderr=open(f"{tmp}/server.log", "w"))
    try:
        await wait_healthy(port, server)
        await wait_settled(server.pid)        # the background processes have started and warmed up too
        # the run: kader messages in a random interleaving that keeps each person's order, coordinators'
        # requests spread through it
        rng = random.Random(7)
        pool = [i for i in range(args.users) for _ in SCRIPT]
        rng.shuffle(pool)
        nxt = [0] * args.users
        plan: list[tuple[str, int, int, bytes]] = []        # (who, person, step, request)
        coord_n = itertools.count()
        for i in pool:
            j = nxt[i]
            nxt[i] += 1
            plan.append(("kader", i, j, request_bytes(public, phones[i], f"SM{i:08d}{j:02d}{'0' * 20}", SCRIPT[j])))
            if rng.random() < args.mix:
                k = next(coord_n)
                plan.append(("coord", k, 0, request_bytes(public, coords[k % len(coords)], f"SMc{k:031d}",
                                                          "ringkasan" if k % 2 == 0 else "unduh")))
        conns = Connections(port, args.connections)
        await conns.open()
        done: dict[tuple[int, int], asyncio.Event] = {}
        latencies: list[float] = []
        failures = 0

        async def one(kind, i, j, raw, at):
            nonlocal failures
            if kind == "kader" and j:
                await done[(i, j - 1)].wait()
            t0 = max(at, time.perf_counter())
            status = await conns.send(raw)
            if status != 200:
                failures += 1
            if kind == "kader":
                latencies.append(time.perf_counter() - t0)
                done[(i, j)].set()
                done.pop((i, j - 1), None)

        for kind, i, j, _ in plan:
            if kind == "kader":
                done[(i, j)] = asyncio.Event()
        running: set[asyncio.Task] = set()
        begin = time.perf_counter()
        for k, (kind, i, j, raw) in enumerate(plan):
            at = begin + k / args.rate
            delay = at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(one(kind, i, j, raw, at))
            running.add(task)
            task.add_done_callback(running.discard)
        await asyncio.gather(*running)
        elapsed = time.perf_counter() - begin
        jobs, sent, queued = await background_done(url)
        lat = sorted(latencies)
        print(f"throughput_msgs_per_s={len(lat) / elapsed:.0f} p50_ms={statistics.median(lat) * 1000:.1f} "
              f"p99_ms={lat[int(len(lat) * 0.99)] * 1000:.1f} kader_messages={len(lat)} "
              f"coordinator_requests={next(coord_n)} jobs_done={jobs} replies_sent={sent} replies_queued={queued} "
              f"non_200={failures} db={args.db} "
              f"rate={args.rate:g} workers={args.workers} cpus={os.cpu_count()}")
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
        stub.close()                              # (its open connections die with this process)


async def wait_healthy(port: int, server) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server exited"
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /health HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
            if (await reader.read()).startswith(b"HTTP/1.1 200") and server.poll() is None:
                writer.close()
                return
        except OSError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError("server did not start")


def cpu_ticks(root: int) -> int:
    """CPU ticks used so far by ``root`` and its children (Linux /proc; 0 elsewhere)."""
    total = 0
    for pid in os.listdir("/proc") if os.path.isdir("/proc") else ():
        if not pid.isdigit():
            continue
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(pid) == root or int(fields[1]) == root:
            total += int(fields[11]) + int(fields[12])
    return total


async def wait_settled(root: int, quiet: float = 0.05, timeout: float = 60.0) -> None:
    """Until the server's processes use less than ``quiet`` of a core for a second: the figures are the
    steady state, not the children's start (the first message after a start is measured apart,
    BENCHMARKS.md)."""
    hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    deadline = time.monotonic() + timeout
    before = cpu_ticks(root)
    while time.monotonic() < deadline:
        await asyncio.sleep(1.0)
        now = cpu_ticks(root)
        if (now - before) / hz < quiet:
            return
        before = now


async def background_done(url: str) -> tuple[int, int, int]:
    """(jobs done, replies sent, replies still queued) when the last 200 has been read."""
    from sqlalchemy import func, select

    from storage.db import Database
    from storage.models import Job, Outbox
    db = Database(url)
    async with db.session() as s:
        jobs = await s.scalar(select(func.count()).select_from(Job).where(Job.status == "done"))
        by_status = dict((await s.execute(select(Outbox.status, func.count()).group_by(Outbox.status))).all())
    await db.close()
    return jobs, by_status.get("sent", 0), by_status.get("pending", 0) + by_status.get("sending", 0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--users", type=int, default=2000)
    ap.add_argument("--rate", type=float, default=500.0)
    ap.add_argument("--mix", type=float, default=0.01, help="share of messages that are coordinators' requests")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--workers", type=int, default=1, help="web processes (pantau serve --workers)")
    asyncio.run(run(ap.parse_args()))


if __name__ == "__main__":
    main()

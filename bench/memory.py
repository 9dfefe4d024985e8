"""Memory of a running server whose database holds 100,000 sessions.

    python -m bench.memory [--sessions 100000] [--db sqlite|postgres]

Writes the sessions (each mid-way through a meeting report), starts `pantau serve` (WhatsApp
webhook, signed requests), sends 2,000 messages from 1,000 of those people, and prints the
server's resident memory: rss_mb=… (VmRSS from /proc).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone

from bench.setup import postgres_url

SID, TOKEN = "AC" + "3" * 32, "c" * 32


async def prepare(url: str, n: int, fresh_pg: bool) -> None:
    from sqlalchemy import insert, select

    from bench.setup import add_kader, all_desa, open_fresh
    from flows.types import Inbound
    from storage.models import Session

    p = await open_fresh(url, fresh_pg)
    db = p.db
    desa = all_desa()
    now = datetime.now(timezone.utc)
    await add_kader(db, [desa[k % len(desa)] for k in range(n)], "phone", lambda k: f"+62813{k:07d}")
    # a real session state, at the date question of a meeting report, copied to everybody
    for k, text in enumerate(("menu", "1", "1")):
        await p.handle(Inbound("whatsapp", "+628130000000", f"seed-{k}", text=text))
    async with db.session() as s:
        state = await s.scalar(select(Session.state).where(Session.external_id == "+628130000000"))
    async with db.engine.begin() as conn:
        for i in range(1, n, 5000):
            await conn.execute(insert(Session), [
                {"channel": "whatsapp", "external_id": f"+62813{k:07d}", "updated_at": now, "seq": 3,
                 "draft_form": "pertemuan", "draft_area": desa[k % len(desa)],
                 "state": {**state, "form": {**state["form"], "area": desa[k % len(desa)]}}}
                for k in range(i, min(n, i + 5000))])
    await db.close()


def rss_mb(pid: int) -> float:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def traffic(url: str, messages: int) -> None:
    import httpx
    from twilio.request_validator import RequestValidator
    validator = RequestValidator(TOKEN)
    async with httpx.AsyncClient(timeout=30) as client:
        async def one(k: int):
            phone = f"+62813{k % 1000:07d}"
            form = {"MessageSid": f"SM{k:032d}", "From": f"whatsapp:{phone}", "Body": "kemarin" if k < 1000 else
                    "Balai desa", "NumMedia": "0", "AccountSid": SID, "To": "whatsapp:+14155238886"}
            resp = await client.post(url + "/whatsapp/inbound", data=form,
                                     headers={"X-Twilio-Signature": validator.compute_signature(
                                         url + "/whatsapp/inbound", form)})
            assert resp.status_code == 200, resp.text
        for start in range(0, messages, 100):
            await asyncio.gather(*(one(k) for k in range(start, min(messages, start + 100))))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=100_000)
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    a = ap.parse_args()
    data = tempfile.mkdtemp()
    url = postgres_url() if a.db == "postgres" else f"sqlite+aiosqlite:///{data}/memory.db"
    asyncio.run(prepare(url, a.sessions, a.db == "postgres"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PANTAU_DATABASE_URL": url, "PANTAU_DATA_DIR": data, "TWILIO_ACCOUNT_SID": SID,
           "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886", "PANTAU_PUBLIC_URL": base,
           "TWILIO_API_BASE_URL": "http://127.0.0.1:9", "PANTAU_LOG_LEVEL": "ERROR"}
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--no-scheduler"], env=env)
    try:
        import httpx
        for _ in range(600):
            try:
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        idle = rss_mb(proc.pid)
        asyncio.run(traffic(base, 2000))
        time.sleep(1)
        busy = rss_mb(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    print(f"rss_mb={busy:.0f} rss_idle_mb={idle:.0f} sessions={a.sessions} messages=2000 db={a.db} "
          f"cpus={os.cpu_count()}")


if __name__ == "__main__":
    main()

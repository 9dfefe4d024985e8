"""Dashboard pages on the national dataset of bench.rollup (83,762 desa, ≈1.26 million reports).

    python -m bench.dashboard --db sqlite|postgres [--desa N] [--requests 100] [--programs 5]

A koordinator of a median kabupaten signs in (a real one-time link and session); then the kabupaten
page, one of its kecamatan pages and its Tindak lanjut page (the kabupaten's issue items made first, as its
fasilitators' chats would) are requested ``--requests`` times each through the app of `pantau serve` (in
process: server time, no network), after 5 warm-ups. Prints p50/p99 per page, the process's CPU time per
page (all its threads: a figure other processes on the machine do not move) and the page size. Target:
p99 ≤ 100 ms for the kabupaten page and the Tindak lanjut page. With ``--programs N`` (issue 25: the
dataset of ``bench.rollup --programs``) the koordinator is a forum member of every program, and the
kabupaten's forum page (one column per program, shared events counted once) is measured too (≤ 100 ms p99).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone


async def measure(url: str, desa: list[str], requests: int, programs: int = 1) -> dict:
    import httpx

    from bot.pipeline import Pipeline, settle_heap
    from bot.server import build_app
    from flows.types import NewContact
    from storage.db import Database
    from storage.repo import Tx
    from storage.web import create_login_link, use_login_link

    os.environ.setdefault("PANTAU_WEB_SECRET", "bench-dashboard-secret-0123456789")
    by_kab = Counter(c[:5] for c in desa).most_common()
    kab = by_kab[len(by_kab) // 2][0]                               # a median kabupaten, as bench.rollup
    kec = Counter(c[:8] for c in desa if c.startswith(kab + ".")).most_common(1)[0][0]
    p = await Pipeline.open(Database(url))
    now = datetime.now(timezone.utc)
    async with p.db.session() as s, s.begin():
        if url.startswith("postgresql"):             # the bulk load gave contacts their ids: move the sequence on
            from sqlalchemy import text
            await s.execute(text("SELECT setval(pg_get_serial_sequence('contacts', 'id'), "
                                 "(SELECT max(id) FROM contacts))"))
        koord = await Tx(s).create_contact("terminal", f"bench-koord-{now.timestamp()}", NewContact("Koordinator", "koordinator", kab, "id"),
                                           now)
        from storage.followup import sync_items
        await sync_items(s, kab, now)               # the kabupaten's issue items, as its fasilitators made them
        if programs > 1:                             # a forum koordinator: every program
            from sqlalchemy import update

            from storage.models import Contact
            await s.execute(update(Contact).where(Contact.id == koord.id).values(program_id=None))
        token = await create_login_link(s, koord.id, now)
        _, key = await use_login_link(s, token, "id", now)
    app = build_app(p, run_senders=False)
    settle_heap()                                   # as `pantau serve` does once it is up
    out = {"kab": kab, "kec": kec}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        from bot.web.access import COOKIE, Signer
        from bot.config import web_secret
        client.cookies.set(COOKIE, Signer(web_secret(), salt="pantau-dasbor-session").sign(key).decode())
        pages = ([("kabupaten", kab, ""), ("kecamatan", kec, ""), ("tindak_lanjut", kab, "/tindak-lanjut")]
                 + ([("forum", kab, "/forum")] if programs > 1 else []))
        for name, code, tail in pages:
            times, cpu = [], []
            for i in range(5 + requests):
                t0, c0 = time.perf_counter(), time.process_time()
                r = await client.get(f"/dasbor/wilayah/{code}{tail}")
                elapsed, used = time.perf_counter() - t0, time.process_time() - c0
                assert r.status_code == 200, r.status_code
                if i >= 5:
                    times.append(elapsed * 1000)
                    cpu.append(used * 1000)
            times.sort()
            out[name] = {"p50": statistics.median(times), "p99": times[min(len(times) - 1, int(len(times) * 0.99))],
                         "cpu": statistics.median(cpu), "bytes": len(r.content)}
    await p.db.close()
    return out


def main() -> None:
    from bench.rollup import load, postgres_url
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--desa", type=int, default=None, help="fewer desa for a quick run (default: all 83,762)")
    ap.add_argument("--requests", type=int, default=100)
    ap.add_argument("--loaded", help="a SQLite file an earlier run loaded (skips the load)")
    ap.add_argument("--programs", type=int, default=1, help="programs sharing the reports (issue 25), e.g. 5")
    a = ap.parse_args()
    if a.loaded:
        from bench.setup import all_desa
        url, desa, load_s = f"sqlite+aiosqlite:///{a.loaded}", all_desa()[:a.desa], 0.0
    else:
        url = postgres_url() if a.db == "postgres" else f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/dashboard.db"
        desa, load_s = asyncio.run(load(url, a.db == "postgres", a.desa, a.programs))
        print(f"loaded: {url}")
    m = asyncio.run(measure(url, desa, a.requests, a.programs))
    for name in ("kabupaten", "kecamatan", "tindak_lanjut") + (("forum",) if a.programs > 1 else ()):
        r = m[name]
        print(f"{name}_page p50_ms={r['p50']:.1f} p99_ms={r['p99']:.1f} cpu_p50_ms={r['cpu']:.1f} bytes={r['bytes']} "
              f"area={m['kec'] if name == 'kecamatan' else m['kab']}")
    print(f"desa={len(desa)} reports={len(desa) * 15} requests={a.requests} load_s={load_s:.0f} db={a.db} "
          f"cpus={os.cpu_count()}")


if __name__ == "__main__":
    main()

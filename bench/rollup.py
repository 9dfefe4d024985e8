"""National and kabupaten roll-ups over one year of a national program.

    python -m bench.rollup --db sqlite|postgres [--desa 83762] [--programs 5]

Loads the Kemendagri tree (83,762 desa), one kader per desa and one year of reports: 12 meetings
per desa and 3 monitoring rounds with 6 activities each (≈1.26 million reports). Then times, each
the best of 5 runs after one warm-up:
  national_rollup_s   meetings (count, men, women) and monitoring reports per kabupaten, whole country
  kab_summary_ms      one kabupaten's summary with its per-kecamatan breakdown (what `ringkasan` and
                      `pantau summary` compute)
  kab_completeness_ms one kabupaten's completeness list for a round (what `belum` shows)
With ``--programs N`` (issue 25) the same reports belong to N programs (each desa in every program, a
desa's reports spread over them, one meeting in ten also reported by the next program and matched), and:
  kab_forum_ms        one kabupaten's forum view: one column per program and the deduplicated total
  kab_program_ms      one kabupaten's summary of one program
  national_by_program_s  the national meetings with one column per program besides the total
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
from datetime import date, datetime, timedelta, timezone

from bench.setup import postgres_url

ROUNDS = [("2024-Q1", "2024-01-01", "2024-03-31"), ("2024-Q2", "2024-04-01", "2024-06-30"),
          ("2024-Q3", "2024-07-01", "2024-09-30")]
# a desa kader's meetings (a kecamatan coordination is the fasilitator's, and counts in the round it
# consolidates, not by its date: issue 24; the checks below count meetings by their date)
KINDS = ["musdes", "kelompok", "pelatihan", "lainnya"]
STATUS = ["berjalan", "tersendat", "berhenti", "selesai"]
SECTORS = ["ekonomi", "kesehatan", "pendidikan", "infrastruktur", "sosial"]


def meeting(rng: random.Random, day: date) -> dict:
    men, women = rng.randint(5, 80), rng.randint(5, 80)
    return {"kind": rng.choice(KINDS), "date": day.isoformat(), "place": "Balai desa", "men": men, "women": women,
            "total": men + women, "youth": rng.randint(0, 20), "disabled": rng.randint(0, 3)}


def monitoring(rng: random.Random, rnd: str) -> dict:
    return {"round": rnd, "activities": [
        {"name": f"Kegiatan {i}", "sector": rng.choice(SECTORS), "status": rng.choice(STATUS),
         "obstacles": rng.choice(["", "dana terlambat", "cuaca", "peserta sedikit"]),
         "support_from": [rng.choice(["kecamatan", "kabupaten", "tidak_perlu"])],
         "support_what": rng.choice(["", "pendampingan", "pelatihan"])} for i in range(6)]}


async def load(url: str, fresh_pg: bool, limit: int | None, programs: int = 1) -> tuple[list[str], float]:
    from sqlalchemy import insert, text

    from bench.setup import add_kader, all_desa, open_fresh
    from storage.models import Program, ProgramArea, Report, Round
    from storage.rollup import rollup_columns

    p = await open_fresh(url, fresh_pg)
    db = p.db
    desa = all_desa()[:limit]
    now = datetime.now(timezone.utc)
    rng = random.Random(1)
    t0 = time.perf_counter()
    await add_kader(db, desa)
    async with db.engine.begin() as conn:
        for name, start, due in ROUNDS:
            await conn.execute(insert(Round), [{"name": name, "start": start, "due": due}])
        if programs > 1:
            await conn.execute(insert(Program), [{"code": f"p{i}", "name": f"Program {i}", "created_at": now}
                                                 for i in range(2, programs + 1)])
            for i in range(0, len(desa), 20_000):
                await conn.execute(insert(ProgramArea), [{"program_id": p, "area_code": c}
                                                         for c in desa[i:i + 20_000] for p in range(1, programs + 1)])
    rows: list[dict] = []
    report_id = 0
    loaded = 0

    async def flush():
        nonlocal rows, loaded
        async with db.engine.begin() as conn:
            await conn.execute(insert(Report), rows)
        loaded += len(rows)
        rows = []
        print(f"\r  {loaded:,} reports loaded", end="", flush=True)

    for n, code in enumerate(desa):
        for m in range(12):
            answers = meeting(rng, date(2024, m + 1, rng.randint(1, 28)))
            key = f"{answers['kind']}|{answers['date']}|"
            program = 1 + (n + m) % programs
            report_id += 1
            rows.append({"id": report_id, "form_id": "pertemuan", "form_version": 1, "area_code": code, "key": key,
                         "contact_id": n + 1, "answers": answers, "revision": 1, "created_at": now, "updated_at": now,
                         "program_id": program, "same_as": None, **rollup_columns(code, key, answers)})
            if programs > 1 and m == 0:          # the same meeting reported by the next program, matched
                report_id += 1
                rows.append({**rows[-1], "id": report_id, "program_id": 1 + program % programs,
                             "same_as": report_id - 1})
        for i, (name, _, due) in enumerate(ROUNDS):
            answers = monitoring(rng, name)
            created = datetime.fromisoformat(due).replace(tzinfo=timezone.utc) - timedelta(days=rng.randint(-5, 20))
            report_id += 1
            rows.append({"id": report_id, "form_id": "pemantauan", "form_version": 1, "area_code": code, "key": name,
                         "contact_id": n + 1, "answers": answers, "revision": 1, "created_at": created,
                         "updated_at": created, "program_id": 1 + (n + i) % programs, "same_as": None,
                         **rollup_columns(code, name, answers)})
        if len(rows) >= 20_000:
            await flush()
    if rows:
        await flush()
    if not db.is_sqlite:
        async with db.engine.begin() as conn:
            await conn.execute(text("ANALYZE"))
    await db.close()
    print()
    return desa, time.perf_counter() - t0


async def best_of(fn, runs: int = 5) -> float:
    await fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        await fn()
        times.append(time.perf_counter() - t0)
    return min(times)


async def measure(url: str, desa: list[str], programs: int = 1) -> dict[str, float]:
    from collections import Counter

    from storage.completeness import completeness
    from storage.db import Database
    from storage.rollup import national_meetings, national_monitoring
    from storage.summary import Filters, summarize
    from flows.types import RoundView

    db = Database(url)
    kab = Counter(c[:5] for c in desa).most_common()[len(set(c[:5] for c in desa)) // 2][0]   # a median kabupaten
    rnd = RoundView(*ROUNDS[2])
    out = {}
    async with db.session() as s:
        async def national():
            meetings = await national_meetings(s, "2024-01-01", "2024-12-31")
            reported = await national_monitoring(s, rnd.name)
            assert len(meetings) == len({c[:5] for c in desa}) and sum(reported.values()) == len(desa)
            # a meeting matched across programs counts once
            assert sum(k["meetings"] for k in meetings.values()) == 12 * len(desa)
        out["national_rollup_s"] = await best_of(national)
        if programs > 1:
            async def per_program():
                meetings = await national_meetings(s, "2024-01-01", "2024-12-31", by_program=True)
                # each program credits its own report of a matched meeting
                assert sum(p["meetings"] for k in meetings.values() for p in k["programs"].values()) == 13 * len(desa)
            out["national_by_program_s"] = await best_of(per_program)

        async def summary():
            data = await summarize(s, Filters(area=kab, round=rnd.name))
            n = sum(1 for c in desa if c.startswith(kab + "."))
            # meetings count by their own date: the round's three months of the twelve
            assert data["meetings"]["total"]["meetings"] == 3 * n
            assert sum(c["monitoring"]["desa_reported"] for c in data["children"]) == n   # per kecamatan too
        out["kab_summary_ms"] = await best_of(summary) * 1000

        async def missing():
            rows = await completeness(s, kab, rnd)
            assert rows and all(r.status in ("tepat_waktu", "terlambat") for r in rows)
        out["kab_completeness_ms"] = await best_of(missing) * 1000
        if programs > 1:
            from storage.matches import across_programs

            async def forum():
                data = await across_programs(s, Filters(area=kab, round=rnd.name))
                meetings = data["sections"]["meetings"]["meetings"]
                assert meetings["total"] == 3 * sum(1 for c in desa if c.startswith(kab + "."))
                assert sum(v for k, v in meetings.items() if k != "total") >= meetings["total"]
            out["kab_forum_ms"] = await best_of(forum) * 1000

            async def one_program():
                await summarize(s, Filters(area=kab, round=rnd.name, program=2))
            out["kab_program_ms"] = await best_of(one_program) * 1000
    await db.close()
    out["kab"] = kab
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--desa", type=int, default=None, help="fewer desa for a quick run (default: all 83,762)")
    ap.add_argument("--programs", type=int, default=1, help="programs sharing the reports (issue 25), e.g. 5")
    a = ap.parse_args()
    url = postgres_url() if a.db == "postgres" else f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/rollup.db"
    desa, load_s = asyncio.run(load(url, a.db == "postgres", a.desa, a.programs))
    m = asyncio.run(measure(url, desa, a.programs))
    print(f"national_rollup_s={m['national_rollup_s']:.3f} kab_summary_ms={m['kab_summary_ms']:.1f} "
          f"kab_completeness_ms={m['kab_completeness_ms']:.1f} desa={len(desa)} reports={len(desa) * 15} "
          f"kab={m['kab']} load_s={load_s:.0f} db={a.db} cpus={os.cpu_count()}"
          + (f" programs={a.programs} kab_forum_ms={m['kab_forum_ms']:.1f} kab_program_ms={m['kab_program_ms']:.1f}"
             f" national_by_program_s={m['national_by_program_s']:.3f}"
             if a.programs > 1 else ""))


if __name__ == "__main__":
    main()

"""Nothing lost, nothing doubled: many people at once, webhooks delivered twice, several workers.

Runs on the backend under test (SQLite by default, PostgreSQL with PANTAU_TEST_DB=postgres).
"""
from __future__ import annotations

import asyncio
import random
from collections import Counter

from sqlalchemy import func, insert, select

from bot import catalog
from flows.types import Inbound
from storage.db import Database
from storage.models import Contact, Identity, InboundMessage, Outbox, Report, ReportRevision, Session

from .conftest import NOW, open_pipeline

# a whole meeting report, as a kader types it (with "L 79 P 38" answering two questions at once)
SCRIPT = ["menu", "1", "1", "kemarin", "Balai desa", "L 79 P 38", "20", "2", "lewati", "lewati", "kirim"]


async def register(db: Database, n: int, channel: str = "test") -> list[str]:
    """``n`` kader, one per desa, written in bulk; returns their external ids."""
    desa = [c for c in catalog.area_names() if c.count(".") == 3][:n]
    async with db.engine.begin() as conn:
        await conn.execute(insert(Contact), [{"id": i + 1, "name": f"Kader {i}", "role": "kader", "area_code": code,
                                              "lang": "id", "created_at": NOW} for i, code in enumerate(desa)])
        await conn.execute(insert(Identity), [{"channel": channel, "external_id": f"k{i}", "contact_id": i + 1}
                                              for i in range(n)])
    return [f"k{i}" for i in range(n)]


async def counts(db: Database) -> dict[str, int]:
    async with db.session() as s:
        return {name: await s.scalar(select(func.count()).select_from(model)) for name, model in
                (("inbound", InboundMessage), ("outbox", Outbox), ("reports", Report),
                 ("revisions", ReportRevision))}


async def test_ten_thousand_messages_with_duplicates_and_shuffled_order(db_url):
    """1,000 people × 11 messages; 20% delivered twice (some copies at the same moment as the original,
    as a platform retrying a slow webhook does); people interleaved at random, each person's own
    order kept. Every report stored once, every reply queued once."""
    p = await open_pipeline(db_url)
    people = await register(p.db, 1000)
    rng = random.Random(2024)
    pool = [u for u in people for _ in SCRIPT]
    rng.shuffle(pool)
    position = Counter()
    deliveries = []                           # (person, message index), in delivery order
    for u in pool:
        deliveries.append((u, position[u]))
        position[u] += 1
    twice = set(rng.sample(range(len(deliveries)), len(deliveries) // 5))
    done = {(u, j): asyncio.Event() for u, j in deliveries}
    answers: Counter = Counter()

    async def deliver(u: str, j: int, copy: bool):
        if j:
            await done[(u, j - 1)].wait()     # a phone sends the next message after the reply to the last
        replies = await p.handle(Inbound("test", u, f"{u}-{j}", text=SCRIPT[j]))
        if replies is not None:
            answers[(u, j)] += 1
        if not copy:
            done[(u, j)].set()

    jobs = []
    for k, (u, j) in enumerate(deliveries):
        jobs.append(deliver(u, j, False))
        if k in twice:
            jobs.append(deliver(u, j, True))  # the copy races the original or comes after it
    await asyncio.gather(*jobs)

    assert len(deliveries) == 11_000 and len(twice) == 2_200
    assert set(answers.values()) == {1} and len(answers) == 11_000   # each message answered exactly once
    c = await counts(p.db)
    assert c["inbound"] == 11_000 and c["reports"] == 1_000 and c["revisions"] == 1_000
    async with p.db.session() as s:
        per_person = Counter(dict((await s.execute(select(Outbox.external_id, func.count())
                                                    .group_by(Outbox.external_id))).all()))
        men_women = set((await s.execute(select(Report.men, Report.women))).all())
        seqs = set(await s.scalars(select(Session.seq)))
    assert len(set(per_person.values())) == 1, "every person got the same replies, none twice"
    assert men_women == {(79, 38)} and seqs == {11}
    await p.db.close()


async def test_several_workers_apply_each_persons_messages_in_order(db_url):
    """Three pipelines with their own connection pools (as three processes would have) share the
    people: each message goes to a random worker, one person's next message after the reply. Each worker works
    its batches out ahead of its write transaction from batches of two (bot/ahead.py): on SQLite the others
    write meanwhile."""
    workers = [await open_pipeline(db_url) for _ in range(3)]
    for w in workers:
        w.ahead.size, w.ahead.always = 2, True
    people = await register(workers[0].db, 200)
    rng = random.Random(7)

    async def person(u: str):
        for j, text in enumerate(SCRIPT):
            await rng.choice(workers).handle(Inbound("test", u, f"{u}-{j}", text=text))
    await asyncio.gather(*(person(u) for u in people))
    async with workers[0].db.session() as s:
        rows = (await s.execute(select(Report.answers))).scalars().all()
    assert len(rows) == 200
    assert {(r["kind"], r["place"], r["men"], r["women"], r["youth"], r["disabled"]) for r in rows} == {
        ("musdes", "Balai desa", 79, 38, 20, 2)}
    for w in workers:
        await w.db.close()


async def test_concurrent_messages_of_one_person_lose_no_session_update(db_url):
    """The same person's messages (and copies of them) arrive at several workers at the same instant:
    the session row lock (SQLite: the write lock) serialises them, so the session counts every distinct message
    once — also where a worker worked its batch out ahead from a session another worker changed meanwhile."""
    workers = [await open_pipeline(db_url) for _ in range(3)]
    people = await register(workers[0].db, 50)
    for u in people:                           # sessions exist already (creating them would serialise)
        await workers[0].handle(Inbound("test", u, f"{u}-start", text="bantuan"))
    before = (await counts(workers[0].db))["outbox"]
    for w in workers:
        w.max_batch = 4                        # many small batches, overlapping in time
        w.ahead.size, w.ahead.always = 2, True  # each worked out ahead of its write (bot/ahead.py)
    rng, jobs = random.Random(3), []
    for u in people:
        for j in range(8):
            first, other = rng.sample(workers, 2)
            jobs.append(first.handle(Inbound("test", u, f"{u}-{j}", text="bantuan")))
            if j == 7 and u in people[:5]:     # a few copies, at another worker (copies of one batch's
                #                                rows make the other batch wait, so keep them rare)
                jobs.append(other.handle(Inbound("test", u, f"{u}-{j}", text="bantuan")))
    rng.shuffle(jobs)
    results = await asyncio.gather(*jobs)
    assert sum(r is not None for r in results) == 50 * 8
    async with workers[0].db.session() as s:
        seqs = Counter(await s.scalars(select(Session.seq)))
        outbox = await s.scalar(select(func.count()).select_from(Outbox))
    assert seqs == Counter({9: 50})
    assert outbox - before == sum(len(r) for r in results if r is not None)
    for w in workers:
        await w.db.close()

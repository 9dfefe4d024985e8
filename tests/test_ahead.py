"""A batch worked out ahead of its write transaction (bot/ahead.py): the same replies, sessions and reports as
worked out inside it; a guess made from a session or a contact that changed meanwhile is never stored; and on
SQLite the engine runs while other writers can still write."""
from __future__ import annotations

import asyncio
import shutil
import sqlite3

import pytest
from sqlalchemy import select, update

from bot import ahead, pipeline
from flows.types import Inbound
from storage.models import Contact, Outbox, Report, Session
from storage.repo import upsert_round
from storage.sqlite_driver import waited_marker

from .conftest import BACKEND, open_pipeline
from .test_durability import register

MEETING = ["menu", "1", "1", "kemarin", "Balai desa", "L 79 P 38", "20", "2", "lewati", "lewati", "kirim"]
MONITORING = ["menu", "2", "Kebun sayur", "1", "3", "bibit terlambat", "1, 4", "bibit sayur", "L 10 P 25",
              "Tenun ikat", "4", "1", "5", "L 3 P 12", "selesai", "kirim"]
# tired and odd typing among them: a word not understood, a correction, help, an answer out of range
ODD = ["halo", "1", "1", "kmrn", "ubah", "menu", "1", "1", "2 hari lalu", "bantuan", "Balai dusun", "L 79 P 38",
       "999", "20", "2", "lewati", "lewati", "kirim", "menu", "ubah", "menu"]


async def _run(url: str, scripts: dict[str, list[str]], size: int, per_batch: int = 1, inside: list | None = None
               ) -> tuple[list, list, list]:
    """Everyone's next ``per_batch`` messages together in one batch (a round of monitoring open, kader two to a
    desa); returns the replies, the sessions and the reports. ``inside``: the texts the engine took inside the
    write transaction in batches of two or more (a batch of one is not worked out ahead)."""
    p = await open_pipeline(url)
    size_now = [0]
    if inside is not None:
        real = pipeline.advance

        def counted(session, inbound, ctx):
            if size_now[0] >= 2:
                inside.append(inbound.text)
            return real(session, inbound, ctx)
        pipeline.advance = counted
    p.ahead.size, p.ahead.always = size, True
    people = await register(p.db, len(scripts))
    async with p.db.session() as s:
        await upsert_round(s, "Juli 2024", "2024-07-01", "2024-07-31")
        await s.execute(update(Contact).where(Contact.id % 2 == 0).values(area_code=select(Contact.area_code).where(
            Contact.id == 1).scalar_subquery()))
        await s.commit()
    replies = []
    for n in range(0, max(len(s) for s in scripts.values()), per_batch):
        batch = [(Inbound("test", who, f"{who}-{k}", text=script[k]), None)
                 for who, script in zip(people, scripts.values()) for k in range(n, min(n + per_batch, len(script)))]
        size_now[0] = len(batch)
        replies.append([[r.text for r in rs or []] for rs in await p.handle_batch(batch)])
    async with p.db.session() as s:
        sessions = (await s.execute(select(Session.external_id, Session.state, Session.seq)
                                    .order_by(Session.external_id))).all()
        reports = (await s.execute(select(Report.area_code, Report.form_id, Report.answers, Report.revision)
                                   .order_by(Report.area_code, Report.form_id, Report.id))).all()
    await p.db.close()
    if inside is not None:
        pipeline.advance = real
    return replies, sessions, reports


async def _fresh_again(request, tmp_path) -> str:
    """A second fresh database beside ``db_url``'s (PostgreSQL: the same one emptied again)."""
    if BACKEND == "postgres":
        state = request.getfixturevalue("postgres_db")
        await state._reset()
        return state.url
    path = tmp_path / "second.db"
    shutil.copy(request.getfixturevalue("sqlite_template"), path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.mark.parametrize("per_batch", [1, 3])
async def test_worked_out_ahead_or_not_a_batch_answers_and_stores_the_same(db_url, tmp_path, request, per_batch):
    """Each person's next message, or next three (chained: the second worked out from the first's session), with
    kader of one desa side by side: a report sent earlier in a batch changes what the next one offers back."""
    scripts = {"meeting": MEETING, "monitoring": MONITORING, "odd": ODD, "meeting twice": MEETING + MEETING,
               "monitoring twice": MONITORING + MONITORING}
    taken_inside: list[str] = []
    ahead_run = await _run(db_url, scripts, 2, per_batch, taken_inside)
    inside_run = await _run(await _fresh_again(request, tmp_path), scripts, 10**9, per_batch)
    assert ahead_run[0] == inside_run[0], "the replies"
    assert ahead_run[1] == inside_run[1], "the sessions"
    assert ahead_run[2] == inside_run[2], "the reports"
    forms = [(form, revision) for _, form, _, revision in ahead_run[2]]
    assert forms.count(("pertemuan", 1)) == 2 and ("pertemuan", 2) in forms, "sent, and sent again (a correction)"
    assert sum(form == "pemantauan" for form, _ in forms) >= 2, "monitoring reports too"
    # the guesses were used: inside the transaction the engine ran only for what could not be worked out ahead —
    # everyone's first batch (no session yet) and, twice, the tired script's "ubah" (an edit reads the person's
    # reports) with what follows it in its batch — of the ~110 messages in batches of two or more
    assert len(taken_inside) <= (len(scripts) + 2) * per_batch + 2, " ".join(taken_inside)


async def test_a_copy_of_a_message_in_the_same_batch_does_not_answer_for_it(db_url):
    """One message id twice in a batch with different texts (the second a duplicate, dropped, as a platform's
    retry would be): what is answered is the first."""
    p = await open_pipeline(db_url)
    p.ahead.size, p.ahead.always = 2, True
    a, b = await register(p.db, 2)
    for n, text in enumerate(["menu", "halo"]):
        await p.handle_batch([(Inbound("test", who, f"{who}-{n}", text=text), None) for who in (a, b)])
    first, copy, other = await p.handle_batch([(Inbound("test", a, "same", text="halo"), None),
                                               (Inbound("test", a, "same", text="1"), None),
                                               (Inbound("test", b, "b-2", text="halo"), None)])
    assert copy is None and first[1:] == other[1:] and first[0].text == "Halo, Kader 0.", "answered as 'halo', not '1'"
    await p.db.close()


async def test_a_session_changed_meanwhile_is_worked_out_again(db_url, monkeypatch):
    """Between the read ahead and the write, the same person's other message is taken by another worker: the
    batch's message is answered from the session as it is now, and neither update is lost."""
    p, other = await open_pipeline(db_url), await open_pipeline(db_url)
    p.ahead.size, p.ahead.always = 2, True
    a, b = await register(p.db, 2)
    for n, text in enumerate(MEETING[:3]):                # both at "when was the meeting?"
        await p.handle(Inbound("test", a, f"a{n}", text=text))
        await p.handle(Inbound("test", b, f"b{n}", text=text))
    real = ahead.guess
    made = {}

    async def then_another_worker(*args, **kw):
        out = await real(*args, **kw)
        made.update(out.guesses)
        await other.handle(Inbound("test", a, "a-elsewhere", text="kemarin"))   # a answers the date elsewhere
        return out
    monkeypatch.setattr(ahead, "guess", then_another_worker)
    first, second = await p.handle_batch([(Inbound("test", a, "a3", text="Balai desa"), None),
                                          (Inbound("test", b, "b3", text="kemarin"), None)])
    assert len(made) == 2, "both were worked out ahead"
    assert first[-1].text != made[("test", "a3")].step.replies[-1].text, "a's guess (a date not understood) unused"
    async with p.db.session() as s:
        state, seq = (await s.execute(select(Session.state, Session.seq).where(Session.external_id == a))).one()
    answers = state["form"]["answers"]
    assert answers["place"] == "Balai desa" and "date" in answers, "the date from the other worker is kept"
    assert seq == 5, "three messages, the one elsewhere and this batch's: every one counted"
    assert [r.text for r in second] == [r.text for r in made[("test", "b3")].step.replies], "b's guess held"
    await p.db.close()
    await other.db.close()


async def test_a_contact_changed_meanwhile_is_worked_out_again(db_url, monkeypatch):
    """The kader is made fasilitator between the read ahead and the write: the menu shown is a fasilitator's."""
    p = await open_pipeline(db_url)
    p.ahead.size, p.ahead.always = 2, True
    a, b = await register(p.db, 2)
    await p.handle_batch([(Inbound("test", who, f"{who}-0", text="bantuan"), None) for who in (a, b)])
    real = ahead.guess
    made = {}

    async def then_promoted(*args, **kw):
        out = await real(*args, **kw)
        made.update(out.guesses)
        async with p.db.session() as s, s.begin():
            await s.execute(update(Contact).where(Contact.name == "Kader 0").values(role="fasilitator"))
        return out
    monkeypatch.setattr(ahead, "guess", then_promoted)
    first, second = await p.handle_batch([(Inbound("test", who, f"{who}-1", text="menu"), None) for who in (a, b)])
    monkeypatch.setattr(ahead, "guess", real)
    assert len(made) == 2, "both were worked out ahead, as kader"
    assert second == made[("test", f"{b}-1")].step.replies
    assert first != made[("test", f"{a}-1")].step.replies, "a's guess (a kader's menu) unused"
    again = await p.handle(Inbound("test", a, f"{a}-2", text="menu"))      # one message: not worked out ahead
    assert first == again, "the menu of a fasilitator, as shown from now on"
    await p.db.close()


async def test_a_round_opened_meanwhile_is_offered(db_url, monkeypatch):
    """The koordinator opens the monitoring round between the read ahead and the write: kader choosing the
    monitoring report are let in, not told that no round is open."""
    p = await open_pipeline(db_url)
    p.ahead.size, p.ahead.always = 2, True
    people = await register(p.db, 2)
    await p.handle_batch([(Inbound("test", who, f"{who}-0", text="bantuan"), None) for who in people])
    real = ahead.guess
    made = {}

    async def then_opened(*args, **kw):
        out = await real(*args, **kw)
        made.update(out.guesses)
        async with p.db.session() as s:
            await upsert_round(s, "Juli 2024", "2024-07-01", "2024-07-31")
        return out
    monkeypatch.setattr(ahead, "guess", then_opened)
    replies = await p.handle_batch([(Inbound("test", who, f"{who}-1", text="2"), None) for who in people])
    assert len(made) == 2 and all(any("Belum ada putaran" in r.text for r in g.step.replies) for g in made.values())
    assert not any("Belum ada putaran" in r.text for rs in replies for r in rs), "the round is open now"
    async with p.db.session() as s:
        forms = {state["form"]["id"] for state in await s.scalars(select(Session.state))}
    assert forms == {"pemantauan"}
    await p.db.close()


async def test_the_engine_runs_while_others_can_write(db_url, monkeypatch):
    """SQLite has one write lock: while a big batch's answers are worked out, the senders (marking a reply sent)
    and the other workers can still write. Each time the engine runs for a message in the middle of a form, a
    separate connection tries to take the write lock without waiting."""
    if BACKEND != "sqlite":
        pytest.skip("SQLite's one write lock; PostgreSQL locks rows")
    p = await open_pipeline(db_url)
    p.ahead.size, p.ahead.always = 2, True
    people = await register(p.db, 20)
    for n, text in enumerate(MEETING[:3]):
        await p.handle_batch([(Inbound("test", u, f"{u}-{n}", text=text), None) for u in people])
    path = db_url.removeprefix("sqlite+aiosqlite:///")
    free: list[bool] = []
    real_advance = ahead.advance

    def advance(*args, **kw):
        probe = sqlite3.connect(path, timeout=0)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            free.append(True)
        except sqlite3.OperationalError:
            free.append(False)
        finally:
            probe.close()
        return real_advance(*args, **kw)
    monkeypatch.setattr(ahead, "advance", advance)
    replies = await p.handle_batch([(Inbound("test", u, f"{u}-3", text="kemarin"), None) for u in people])
    assert len(free) == 20 and all(free), "the write lock was free while the engine ran"
    assert all("Di mana" in rs[-1].text for rs in replies), "each asked the next question"
    async with p.db.session() as s:
        queued = len((await s.scalars(select(Outbox.id))).all())
    assert queued >= 4 * 20
    await p.db.close()


# (messages in the batch, when a connection last waited for the lock, the clock, worked out ahead?)
WHEN = [
    (500, 0.0, 1000.0, False),        # nobody ever waited: a worker alone
    (500, 995.0, 1000.0, True),       # a connection waited for the lock five seconds ago: another writer wants it
    (500, 990.5, 1000.0, True),
    (500, 989.5, 1000.0, False),      # over ten seconds ago: alone again
    (31, 999.0, 1000.0, False),       # a small batch: its lock is short anyway
    (32, 999.0, 1000.0, True),
    (500, None, 1000.0, False),       # PostgreSQL: rows are locked, not the database
    (500, 1060.0, 1000.0, False),     # a file time ahead of the clock (the clock set back): not "just now"
]


@pytest.mark.parametrize("n, waited, clock, expected", WHEN)
def test_big_batches_are_worked_out_ahead_while_others_wait_for_the_lock(n, waited, clock, expected):
    assert ahead.When().now(n, lambda: waited, lambda: clock) is expected


async def test_a_worker_alone_writes_its_batch_as_it_comes(db_url, monkeypatch):
    """With no other writer, a big batch is worked out inside its transaction as before; once the worker waited for
    SQLite's lock another connection held, the next big batch is worked out ahead — and so is another process's,
    which sees the wait in the file beside the database."""
    if BACKEND != "sqlite":
        pytest.skip("SQLite's one write lock; PostgreSQL locks rows")
    p = await open_pipeline(db_url)
    people = await register(p.db, 40)
    calls = []
    real = ahead.guess

    async def counted(*args, **kw):
        calls.append(len(args[1]))
        return await real(*args, **kw)
    monkeypatch.setattr(ahead, "guess", counted)
    await p.handle_batch([(Inbound("test", u, f"{u}-0", text="menu"), None) for u in people])
    assert calls == []
    path = db_url.removeprefix("sqlite+aiosqlite:///")
    holder = sqlite3.connect(path)
    holder.execute("BEGIN IMMEDIATE")                      # the senders, say, marking replies sent

    async def release_once_waited() -> None:               # (not after a fixed time: a loaded machine may be late)
        for _ in range(2500):                              # at most ~5 s
            if waited_marker(path).exists():
                break
            await asyncio.sleep(0.002)
        holder.rollback()
    release = asyncio.create_task(release_once_waited())
    await p.handle_batch([(Inbound("test", u, f"{u}-1", text="1"), None) for u in people])
    await release
    holder.close()
    assert calls == [], "this batch waited for the lock"
    await p.handle_batch([(Inbound("test", u, f"{u}-2", text="1"), None) for u in people])
    assert calls == [40], "the next one was worked out ahead"
    other = await open_pipeline(db_url)                    # a process that has not waited itself
    await other.handle_batch([(Inbound("test", u, f"{u}-3", text="kemarin"), None) for u in people])
    assert calls == [40, 40]
    await p.db.close()
    await other.db.close()

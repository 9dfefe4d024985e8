"""The one outbox loop: the order each person reads their replies in, whatever the platform answers.

A scripted channel shows the loop's rules one by one (retry_after holds the chat, a global 429 the
channel, an in-doubt row holds its chat until settled and is resent in its place, a failing settle
delays only that recipient, backoff is jittered and capped, dead-lettering after the attempt cap);
then the real peers: the Telegram emulator answering 429 retry_after, and Twilio's stand-in whose
message-list pages fail."""
from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.outbox import Failed, InDoubt, OutboxLoop, RetryAfter, Sent, backoff
from storage.db import Database
from storage.models import Outbox
from storage.keys import aware
from storage.repo import Tx

from .conftest import NOW, open_pipeline
from .telegram.harness import Harness, needs_emulator


class Scripted:
    """A channel whose answers are scripted per message text; records what reached the 'platform'."""

    name = "terminal"

    def __init__(self, script=None, settle=None):
        self.script = dict(script or {})       # text → list of outcomes, used one per try (then Sent)
        self.settle_script = settle or {}      # recipient → list of results/exceptions
        self.delivered: list[tuple[str, str]] = []
        self.settled: list[str] = []

    async def prepare(self, tx, rows, now):
        return None

    def ready(self, recipient):
        return True

    async def send(self, row):
        text = row.payload["text"]
        todo = self.script.get(text) or []
        outcome = todo.pop(0) if todo else Sent(f"id-{text}")
        if isinstance(outcome, (Sent, InDoubt)):
            self.delivered.append((row.external_id, text))
        return outcome

    async def settle(self, tx, row):
        self.settled.append(row.external_id)
        todo = self.settle_script.get(row.external_id) or []
        result = todo.pop(0) if todo else None
        if isinstance(result, Exception):
            raise result
        return result


async def enqueue(db, *rows):
    async with db.session() as s, s.begin():
        for who, text in rows:
            await Tx(s).enqueue("terminal", who, {"text": text}, NOW)


async def statuses(db) -> dict[str, str]:
    async with db.session() as s:
        return {r.payload["text"]: r.status for r in await s.scalars(select(Outbox).order_by(Outbox.id))}


def read_by(channel, who):
    return [text for w, text in channel.delivered if w == who]


@pytest.fixture
async def db(db_url):
    database = Database(db_url)
    yield database
    await database.close()


async def test_retry_after_holds_the_chat_and_keeps_its_order(db):
    await enqueue(db, ("siti", "Selamat datang"), ("siti", "Siapa nama Bapak/Ibu?"), ("budi", "Halo Budi"))
    ch = Scripted({"Selamat datang": [RetryAfter(3, "429 retry_after", counts=False)]})
    loop = OutboxLoop(db, ch)
    assert await loop.round(NOW) == 1                        # Budi's reply goes; Siti's chat waits
    assert read_by(ch, "siti") == [] and read_by(ch, "budi") == ["Halo Budi"]
    await loop.round(NOW + timedelta(seconds=1))             # 1 s later: still held (retry_after = 3)
    assert read_by(ch, "siti") == []
    await loop.round(NOW + timedelta(seconds=3))
    assert read_by(ch, "siti") == ["Selamat datang", "Siapa nama Bapak/Ibu?"]
    async with db.session() as s:
        first = await s.scalar(select(Outbox).where(Outbox.payload["text"].as_string() == "Selamat datang"))
    assert first.attempts == 0                               # an explicit retry_after is not a failed attempt


async def test_a_global_429_holds_the_whole_channel(db):
    await enqueue(db, ("a", "satu"), ("b", "dua"), ("c", "tiga"))
    ch = Scripted({"satu": [RetryAfter(5, "429", scope="channel", counts=False)]})
    loop = OutboxLoop(db, ch, concurrency=1)   # (with more, requests already in flight are not called back)
    assert await loop.round(NOW) == 0
    assert ch.delivered == [] and set((await statuses(db)).values()) == {"pending"}   # nothing left "sending"
    assert await loop.round(NOW + timedelta(seconds=2)) == 0
    assert await loop.round(NOW + timedelta(seconds=5)) == 3
    assert [t for _, t in ch.delivered] == ["satu", "dua", "tiga"]


async def test_a_failed_row_lets_the_chat_go_on_and_a_temporary_error_backs_off(db):
    await enqueue(db, ("siti", "blocked?"), ("siti", "next"), ("budi", "net"), ("budi", "after net"))
    ch = Scripted({"blocked?": [Failed("forbidden")], "net": [RetryAfter(None, "NetworkError")]})
    loop = OutboxLoop(db, ch, rng=random.Random(1))
    await loop.round(NOW)
    assert read_by(ch, "siti") == ["next"] and read_by(ch, "budi") == []
    async with db.session() as s:
        net = await s.scalar(select(Outbox).where(Outbox.payload["text"].as_string() == "net"))
    wait = (net.next_attempt_at.replace(tzinfo=None) - NOW.replace(tzinfo=None)).total_seconds()
    assert net.attempts == 1 and 1.0 <= wait <= 2.0           # 2**1 s, jittered between half and all of it
    await loop.round(NOW + timedelta(seconds=2))
    assert read_by(ch, "budi") == ["net", "after net"]


@pytest.mark.parametrize("attempts,low,high", [(0, 0.5, 1), (1, 1, 2), (3, 4, 8), (9, 256, 512), (10, 300, 600),
                                               (30, 300, 600)])
def test_backoff_is_exponential_jittered_and_capped(attempts, low, high):
    rng = random.Random(attempts)
    values = [backoff(attempts, rng) for _ in range(200)]
    assert low <= min(values) and max(values) <= high and len(set(values)) > 100


async def test_after_the_attempt_cap_a_row_is_dead_lettered_and_the_chat_goes_on(db, monkeypatch):
    monkeypatch.setenv("PANTAU_OUTBOX_MAX_ATTEMPTS", "3")
    await enqueue(db, ("siti", "flaky"), ("siti", "next"))
    ch = Scripted({"flaky": [RetryAfter(None, "503")] * 10})
    loop = OutboxLoop(db, ch)
    at = NOW
    for _ in range(3):
        await loop.round(at)
        at += timedelta(minutes=11)
    assert await statuses(db) == {"flaky": "dead", "next": "sent"}
    async with db.session() as s:
        dead = await s.scalar(select(Outbox).where(Outbox.status == "dead"))
    assert "gave up after 3 attempts" in dead.error


async def claimed_long_ago(db, text, minutes=10):
    async with db.session() as s, s.begin():
        await s.execute(update(Outbox).where(Outbox.payload["text"].as_string() == text)
                        .values(status="sending", next_attempt_at=NOW - timedelta(minutes=minutes)))


async def test_an_in_doubt_row_holds_its_chat_then_is_resent_in_its_place(db):
    """A sender died after claiming "Apa peran Anda?": the next question waits, the in-doubt one is
    settled first (not at the platform: sent again) and the person reads them in order."""
    await enqueue(db, ("siti", "Apa peran Anda?"), ("siti", "Di desa mana?"), ("budi", "Halo"))
    await claimed_long_ago(db, "Apa peran Anda?", minutes=1)       # not yet in doubt (window 120 s)
    ch = Scripted()
    loop = OutboxLoop(db, ch)
    await loop.round(NOW)
    assert read_by(ch, "siti") == [] and read_by(ch, "budi") == ["Halo"]    # Siti's next question waits
    await loop.round(NOW + timedelta(minutes=2))
    assert ch.settled == ["siti"] and read_by(ch, "siti") == ["Apa peran Anda?", "Di desa mana?"]


async def test_an_in_doubt_row_found_at_the_platform_is_not_sent_again(db):
    await enqueue(db, ("siti", "Apa peran Anda?"), ("siti", "Di desa mana?"))
    await claimed_long_ago(db, "Apa peran Anda?")
    ch = Scripted(settle={"siti": ["SMfound"]})
    await OutboxLoop(db, ch).round(NOW)
    assert read_by(ch, "siti") == ["Di desa mana?"] and await statuses(db) == {"Apa peran Anda?": "sent",
                                                                              "Di desa mana?": "sent"}


async def test_a_failing_settle_delays_only_that_recipient(db):
    from twilio.base.exceptions import TwilioException
    await enqueue(db, ("siti", "in doubt"), ("siti", "after"), ("budi", "halo"))
    await claimed_long_ago(db, "in doubt")
    ch = Scripted(settle={"siti": [TwilioException("Unable to fetch page"), OSError("reset")]})
    loop = OutboxLoop(db, ch, rng=random.Random(3))
    assert await loop.round(NOW) == 1 and read_by(ch, "budi") == ["halo"]   # Budi is not held up
    assert read_by(ch, "siti") == [] and (await statuses(db))["in doubt"] == "sending"
    await loop.round(NOW + timedelta(seconds=2))                            # second settle fails too
    await loop.round(NOW + timedelta(seconds=10))                           # then the list answers: not there
    assert read_by(ch, "siti") == ["in doubt", "after"] and ch.settled == ["siti"] * 3


async def test_an_in_doubt_answer_holds_the_chat_until_settled(db):
    await enqueue(db, ("siti", "timeout"), ("siti", "after"))
    ch = Scripted({"timeout": [InDoubt("ReadTimeout")]}, settle={"siti": ["SMhad-it"]})
    loop = OutboxLoop(db, ch)
    await loop.round(NOW)
    assert await statuses(db) == {"timeout": "sending", "after": "pending"}
    await loop.round(NOW + timedelta(seconds=5))
    assert read_by(ch, "siti") == ["timeout"]                               # still waiting for the settle
    await loop.round(NOW + timedelta(seconds=11))                           # settled 10 s after the doubt
    assert await statuses(db) == {"timeout": "sent", "after": "sent"} and read_by(ch, "siti") == ["timeout", "after"]


class Confirmed(Scripted):
    """Twilio's status callbacks (bot/whatsapp.py record_callback, as the /whatsapp/status route stores
    them) arrive before the send call returns: "Halo" delivered, "Nomor salah" undelivered."""

    def __init__(self, db):
        super().__init__()
        self.db = db

    async def send(self, row):
        from bot.channels.whatsapp import record_callback
        outcome = await super().send(row)
        news = {"Halo": ["sent", "delivered"], "Nomor salah": ["undelivered"]}.get(row.payload["text"], [])
        for status in news:
            async with self.db.session() as s, s.begin():
                await record_callback(Tx(s), row.id, f"id-{row.payload['text']}", status,
                                      "63024" if status == "undelivered" else None, NOW)
        return outcome


async def test_many_replies_are_recorded_in_a_few_transactions_and_a_callback_is_not_undone(db):
    from sqlalchemy import event
    await enqueue(db, *[(f"kader{i}", f"balasan {i}") for i in range(60)], ("siti", "Halo"), ("budi", "Nomor salah"))
    commits = []

    def counted(conn):
        commits.append(1)
    event.listen(db.engine.sync_engine, "commit", counted)
    try:
        assert await OutboxLoop(db, Confirmed(db)).round(NOW) == 62
    finally:
        event.remove(db.engine.sync_engine, "commit", counted)
    # the claim, the callback, the outcomes at the end (and at most a few flushes meanwhile): not one each
    assert len(commits) <= 8
    rows = await statuses(db)
    assert rows.pop("Halo") == "delivered"             # the callbacks' news is kept, not overwritten
    assert rows.pop("Nomor salah") == "undelivered"    # (not "sent" because the send call said so)
    assert set(rows.values()) == {"sent"}


async def test_outcomes_a_failing_database_would_not_take_are_kept_not_resent(db, monkeypatch):
    """The round's last write fails (database locked): tried again; still failing, the outcomes are kept
    and written before the next round claims anything, so nobody gets a reply twice."""
    import bot.outbox as outbox_module
    from sqlalchemy.exc import OperationalError
    real, failures = outbox_module.record_outcomes, [3]

    async def flaky(session, channel, writes, now):
        if failures[0] > 0 and writes:
            failures[0] -= 1
            raise OperationalError("UPDATE outbox", {}, Exception("database is locked"))
        return await real(session, channel, writes, now)
    monkeypatch.setattr(outbox_module, "record_outcomes", flaky)
    await enqueue(db, ("siti", "satu"), ("budi", "dua"))
    ch = Scripted()
    loop = OutboxLoop(db, ch, flush_every=0)           # everything in the round's last write
    with pytest.raises(OperationalError):
        await loop.round(NOW)                           # three tries, all refused
    assert sorted(t for _, t in ch.delivered) == ["dua", "satu"]
    assert set((await statuses(db)).values()) == {"sending"}
    await loop.round(NOW + timedelta(seconds=1))        # the 4th try of the same outcomes succeeds first
    assert await statuses(db) == {"satu": "sent", "dua": "sent"}
    assert sorted(t for _, t in ch.delivered) == ["dua", "satu"]      # nothing sent twice


# ---------------------------------------------------------------- the real peers

@needs_emulator
async def test_telegram_429_retry_after_keeps_what_the_person_reads_in_order(emulator, db_url, tmp_path,
                                                                            monkeypatch):
    from bot.channels.telegram import Limits, TelegramChannel, TelegramOutbox
    from .telegram.compat import SimUser
    from .twilio_peer import serving
    monkeypatch.setenv("PANTAU_MEDIA_DIR", str(tmp_path / "media"))
    h = Harness(emulator, db_url)
    other = SimUser(emulator, h.compat, 5151)
    third = SimUser(emulator, h.compat, 6161)
    async with serving(h.compat.app(), h.compat_port):
        pipeline = await open_pipeline(db_url)
        channel = TelegramChannel(h.cfg, pipeline)
        await channel.start()
        async with pipeline.db.session() as s, s.begin():
            for chat, text in (("4242", "Selamat datang di Pantau."), ("4242", "Siapa nama Bapak/Ibu?"),
                               ("5151", "Halo")):
                await Tx(s).enqueue("telegram", chat, {"text": text}, NOW)
        too_many = {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 3",
                    "parameters": {"retry_after": 3}}
        h.compat.fail_next = [("sendMessage", 429, too_many)]
        # one request at a time, so "the rest of the round" is well defined (with more in flight, those
        # already sent when the 429 comes back are not called back)
        loop = OutboxLoop(pipeline.db, TelegramOutbox(channel.app.bot, Limits(1000, 1000)), concurrency=1)
        await loop.round(NOW)
        assert [m["text"] for m in await other.read()] == ["Halo"]          # another chat is not held up
        await loop.round(NOW + timedelta(seconds=1))
        assert await h.user.read() == []                                     # the chat waits: nothing overtakes
        await loop.round(NOW + timedelta(seconds=3))
        assert [m["text"] for m in await h.user.read()] == ["Selamat datang di Pantau.", "Siapa nama Bapak/Ibu?"]
        # two chats told to wait within a second: Telegram's overall limit, the whole channel waits
        async with pipeline.db.session() as s, s.begin():
            for chat, text in (("4242", "a"), ("5151", "b"), ("6161", "c")):
                await Tx(s).enqueue("telegram", chat, {"text": text}, NOW + timedelta(seconds=3))
        h.compat.fail_next = [("sendMessage", 429, too_many), ("sendMessage", 429, too_many)]
        await loop.round(NOW + timedelta(seconds=3))
        assert await third.read() == []
        await loop.round(NOW + timedelta(seconds=6))
        assert [m["text"] for m in await third.read()] == ["c"]
        assert [m["text"] for m in await h.user.read()] == ["a"] and [m["text"] for m in await other.read()] == ["b"]
        await channel.stop()
        await pipeline.db.close()


@needs_emulator
async def test_a_global_429_recalls_waiting_requests_and_keeps_every_persons_order(emulator, db_url, tmp_path,
                                                                                   monkeypatch):
    """Six chats, two replies each, eight requests in flight at a pace of 3 a second. Two chats are told
    "retry after 3" at once (Telegram's overall limit): the requests still waiting for their slot are
    recalled instead of sent, every pending row is scheduled behind the hold (in the database too, so a
    restart keeps it), nothing leaves during it, and afterwards each person reads their replies in order."""
    from bot.channels.telegram import Limits, TelegramChannel, TelegramOutbox
    from .telegram.compat import SimUser
    from .twilio_peer import serving
    monkeypatch.setenv("PANTAU_MEDIA_DIR", str(tmp_path / "media"))
    h = Harness(emulator, db_url)
    chats = [str(7001 + i) for i in range(6)]
    users = {c: SimUser(emulator, h.compat, int(c)) for c in chats}
    async with serving(h.compat.app(), h.compat_port):
        pipeline = await open_pipeline(db_url)
        channel = TelegramChannel(h.cfg, pipeline)
        await channel.start()
        async with pipeline.db.session() as s, s.begin():
            for n in (1, 2):
                for chat in chats:
                    await Tx(s).enqueue("telegram", chat, {"text": f"{chat}-{n}"}, NOW)
        too_many = {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 3",
                    "parameters": {"retry_after": 3}}
        h.compat.fail_next = [("sendMessage", 429, too_many), ("sendMessage", 429, too_many)]
        loop = OutboxLoop(pipeline.db, TelegramOutbox(channel.app.bot, Limits(3, 1000)), concurrency=8)
        read = {c: [] for c in chats}

        async def collect() -> int:
            for c, user in users.items():
                read[c] += [m["text"] for m in await user.read()]
            return sum(len(v) for v in read.values())
        await loop.round(NOW)
        assert h.compat.fail_next == [] and await collect() == 1      # only the one request that went before
        async with pipeline.db.session() as s:
            rows = list(await s.scalars(select(Outbox).where(Outbox.status == "pending")))
        assert len(rows) == 11 and all(aware(r.next_attempt_at) >= NOW + timedelta(seconds=3) for r in rows)
        await loop.round(NOW + timedelta(seconds=2))
        assert await collect() == 1                                    # held: nothing leaves
        for k in range(12):
            await loop.round(NOW + timedelta(seconds=3 + k))
            if await collect() == 12:
                break
        assert read == {c: [f"{c}-1", f"{c}-2"] for c in chats}
        await channel.stop()
        await pipeline.db.close()


async def test_failing_twilio_message_list_pages_delay_only_that_person(db_url, caplog):
    """A WhatsApp row is in doubt and Twilio's message list answers 500 (twilio-python raises its base
    TwilioException): another person's reply goes out in the same round; the person in doubt waits and,
    once the list answers, gets the in-doubt reply (not at Twilio: sent again) before the newer one."""
    from .test_whatsapp import SID, TOKEN, config
    from .twilio_peer import TwilioPeer, serving
    from bot.channels.whatsapp_sender import RateLimiter, WhatsAppOutbox, make_client
    peer = TwilioPeer(SID, TOKEN)
    db = Database(db_url)
    a, b = "+6281200000001", "+6281200000002"
    async with db.session() as s, s.begin():
        tx = Tx(s)
        for who in (a, b):
            await tx.record_inbound("whatsapp", "SMin" + who, who, {}, NOW)     # inside the 24-hour window
        await tx.enqueue("whatsapp", a, {"text": "Apa peran Anda?"}, NOW)
        await tx.enqueue("whatsapp", a, {"text": "Di desa mana?"}, NOW)
        await tx.enqueue("whatsapp", b, {"text": "halo"}, NOW)
    async with db.session() as s, s.begin():
        await s.execute(update(Outbox).where(Outbox.payload["text"].as_string() == "Apa peran Anda?")
                        .values(status="sending", next_attempt_at=NOW - timedelta(minutes=10)))
    peer.fail_list = 2
    async with serving(peer.app(), peer.port):
        client = make_client(config(peer, "https://pantau.example.org"))
        loop = OutboxLoop(db, WhatsAppOutbox(config(peer, "https://pantau.example.org"), client, RateLimiter(1000)))
        assert await loop.round(NOW) == 1
        to = [r["form"]["To"] for r in peer.requests]
        assert to == ["whatsapp:" + b]                                     # b was not held up
        for at in (2, 10, 60):
            await loop.round(NOW + timedelta(seconds=at))
        await client.http_client.close()
    bodies_a = [r["form"]["Body"] for r in peer.requests if r["form"]["To"] == "whatsapp:" + a]
    assert bodies_a == ["Apa peran Anda?", "Di desa mana?"] and peer.fail_list == 0
    assert "(TwilioException)" in caplog.text            # the base class, which the old sender did not catch
    await db.close()


async def test_a_status_callback_confirming_a_row_while_it_is_settled_is_not_overwritten(db):
    """Twilio's status callback confirms the in-doubt row while the loop is asking the message list (which
    does not show it yet): the row stays sent, nothing is sent again."""
    await enqueue(db, ("siti", "Apa peran Anda?"))
    await claimed_long_ago(db, "Apa peran Anda?")

    class CallbackMeanwhile(Scripted):
        async def settle(self, tx, row):
            async with db.session() as s, s.begin():          # the webhook's own transaction
                await Tx(s).confirm_sent(row.id, "SMcallback", NOW)
            return None                                       # the list did not have it yet
    ch = CallbackMeanwhile()
    loop = OutboxLoop(db, ch)
    await loop.round(NOW)
    await loop.round(NOW + timedelta(seconds=5))
    assert ch.delivered == [] and await statuses(db) == {"Apa peran Anda?": "sent"}


def test_every_variable_read_is_in_the_settings_snapshot():
    """Channels are configured from the settings' snapshot of the environment: a variable missing from
    VARIABLES would silently be ignored."""
    import re
    from pathlib import Path

    from bot.config import VARIABLES
    root = Path(__file__).resolve().parent.parent
    used = set()
    for path in list((root / "bot").glob("*.py")) + list((root / "storage").glob("*.py")):
        used |= set(re.findall(r'"((?:PANTAU|TWILIO|TELEGRAM)_[A-Z_]*[A-Z])"', path.read_text(encoding="utf-8")))
    assert used - set(VARIABLES) == set()


def test_the_environment_is_read_only_by_the_settings():
    """storage/ reads no variable at all (it gets the database URL from bot/config.py); in bot/ only the
    settings module does (and the CLI's $USER default and PANTAU_SCHEDULER handed to worker processes)."""
    import re
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    reads = re.compile(r"os\.environ|os\.getenv|getenv\(")
    storage = [p.name for p in (root / "storage").rglob("*.py") if reads.search(p.read_text(encoding="utf-8"))]
    assert storage == []
    allowed = {"config.py", "cli.py", "cli_help.py", "__init__.py"}      # cli: $USER; cli_help: LANG
    bot = [p.name for p in (root / "bot").glob("*.py") if p.name not in allowed
           and reads.search(p.read_text(encoding="utf-8"))]
    assert bot == []


def test_the_database_url_comes_from_the_settings(tmp_path, monkeypatch):
    from bot import config
    monkeypatch.delenv("PANTAU_DATABASE_URL", raising=False)
    monkeypatch.setenv("PANTAU_DATA_DIR", str(tmp_path / "data"))
    assert config.reload().database_url() == f"sqlite+aiosqlite:///{tmp_path / 'data' / 'pantau.db'}"
    assert (tmp_path / "data").is_dir()
    monkeypatch.setenv("PANTAU_DATABASE_URL", "postgresql+asyncpg://u@db.example/pantau")
    assert config.reload().database_url() == "postgresql+asyncpg://u@db.example/pantau"
    assert config.database().url == "postgresql+asyncpg://u@db.example/pantau"


async def test_the_terminal_channel_waits_for_a_row_that_is_not_due(db_url, monkeypatch):
    """A terminal reply scheduled for later (a reminder held back until quiet hours end) is not printed
    before its time, nor is anything written after it."""
    from bot.channels.terminal import take_terminal_replies
    monkeypatch.setenv("PANTAU_NOW", NOW.isoformat())
    db = Database(db_url)
    async with db.session() as s, s.begin():
        tx = Tx(s)
        await tx.enqueue("terminal", "siti", {"text": "sekarang"}, NOW)
        await tx.enqueue("terminal", "siti", {"text": "pagi nanti"}, NOW + timedelta(hours=4))
        await tx.enqueue("terminal", "siti", {"text": "sesudahnya"}, NOW)
    assert [r["text"] for r in await take_terminal_replies(db, "siti")] == ["sekarang"]
    monkeypatch.setenv("PANTAU_NOW", (NOW + timedelta(hours=4)).isoformat())
    from bot import config
    config.reload()
    assert [r["text"] for r in await take_terminal_replies(db, "siti")] == ["pagi nanti", "sesudahnya"]
    await db.close()


async def test_same_text_rows_in_doubt_each_get_their_own_message_and_the_unsent_one_goes(db_url):
    """A kill left three "Apa yang ingin Anda laporkan?" rows of one person in doubt: Twilio has the first
    two, not the third. Each of the two takes its own message (oldest row, oldest message), and the
    third — never sent — is sent, once; none is marked sent with another's message."""
    from email.utils import formatdate

    from .test_whatsapp import SID, TOKEN, config
    from .twilio_peer import TwilioPeer, serving
    from bot.channels.whatsapp_sender import RateLimiter, WhatsAppOutbox, make_client
    peer, db, who, text = TwilioPeer(SID, TOKEN), Database(db_url), "+6281200000001", "Apa yang ingin Anda laporkan?"
    async with db.session() as s, s.begin():
        tx = Tx(s)
        await tx.record_inbound("whatsapp", "SMin1", who, {}, NOW)
        for _ in range(3):
            await tx.enqueue("whatsapp", who, {"text": text}, NOW)
        await s.execute(update(Outbox).values(status="sending", next_attempt_at=NOW - timedelta(minutes=10)))
    for sid in ("SMfirst", "SMsecond"):                 # what Twilio took before the kill, oldest first
        peer.created.append({"sid": sid, "to": f"whatsapp:{who}", "body": text, "status": "delivered",
                             "date_created": formatdate(usegmt=True), "account_sid": SID})
    async with serving(peer.app(), peer.port):
        client = make_client(config(peer, "https://pantau.example.org"))
        loop = OutboxLoop(db, WhatsAppOutbox(config(peer, "https://pantau.example.org"), client, RateLimiter(1000)))
        for at in range(4):
            await loop.round(NOW + timedelta(seconds=at))
        await client.http_client.close()
    async with db.session() as s:
        rows = list(await s.scalars(select(Outbox).order_by(Outbox.id)))
    await db.close()
    assert [r.status for r in rows] == ["sent"] * 3
    assert [r.provider_id for r in rows[:2]] == ["SMfirst", "SMsecond"]
    assert [r["form"]["StatusCallback"].endswith(f"o={rows[2].id}") for r in peer.requests] == [True]
    assert rows[2].provider_id not in ("SMfirst", "SMsecond")


async def test_whatsapp_sends_the_accounts_credentials_as_a_header_not_aiohttps_deprecated_auth():
    """aiohttp deprecates ``auth=``/``BasicAuth`` (removed in 4.0, when WhatsApp would stop sending): the
    credentials go as an Authorization header, and a send raises no DeprecationWarning."""
    import base64
    import warnings
    from .test_whatsapp import SID, TOKEN, config
    from .twilio_peer import TwilioPeer, serving
    from bot.channels.whatsapp_sender import make_client
    peer = TwilioPeer(SID, TOKEN)
    async with serving(peer.app(), peer.port):
        client = make_client(config(peer, "https://pantau.example.org"))
        with warnings.catch_warnings():
            warnings.simplefilter("error", DeprecationWarning)
            await client.messages.create_async(to="whatsapp:+6281200000001", from_="whatsapp:+14155238886",
                                               body="halo")
        await client.http_client.close()
    assert peer.requests[-1]["auth"] == "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()

"""Signed webhooks (issue 26): subscriptions from the CLI, deliveries through the one outbox loop to a real
HTTP receiver that verifies every signature with standardwebhooks, in order, with retries and dead letters."""
from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import pytest_asyncio
from sqlalchemy import select

from bot.channels.webhook import WebhookChannel, retry_after
from bot.cli.main import main
from bot.channels.webhook import WebhookLoop
from storage.db import Database
from storage.models import Outbox, WebhookEvent
from storage.webhooks import add_subscription, emit, forget_cache, remove_subscription, safe_values

from .conftest import NOW
from .webhook_receiver import Receiver


@pytest.fixture
async def db(db_url):
    forget_cache()
    database = Database(db_url)
    yield database
    await database.close()
    forget_cache()


@pytest_asyncio.fixture(loop_scope="function")      # the server runs on the test's own event loop
async def receiver():
    r = await Receiver().start()
    yield r
    await r.stop()


async def subscribe(db, receiver, events=(), area=""):
    async with db.session() as s, s.begin():
        sub_id, secret = await add_subscription(s, receiver.url, list(events), area, NOW)
    receiver.secret = secret
    return sub_id


async def happen(db, *events, at=NOW):
    """Events as a change would queue them: (type, area, data)."""
    async with db.session() as s, s.begin():
        for kind, area, data in events:
            await emit(s, kind, [(area, data)], at)


async def rows(db):
    async with db.session() as s:
        return list(await s.scalars(select(Outbox).where(Outbox.channel == "webhook").order_by(Outbox.id)))


async def staged(db):
    """Events written by their changes, not yet moved into the outbox by the sender."""
    async with db.session() as s:
        return list(await s.scalars(select(WebhookEvent).order_by(WebhookEvent.id)))


async def deliver(db, rounds=1, start=NOW, step=timedelta(seconds=0)):
    channel = WebhookChannel()
    loop = WebhookLoop(db, channel)
    at = start
    try:
        for _ in range(rounds):
            await loop.round(at)
            at += step
    finally:
        await channel.close()


async def test_events_arrive_signed_and_in_order(db, receiver):
    await subscribe(db, receiver)
    await happen(db, *[("report.saved", "81.05.01.2001", {"report_id": i}) for i in range(1, 6)])
    await deliver(db)
    assert receiver.forged == 0
    assert [e["data"]["report_id"] for e in receiver.accepted] == [1, 2, 3, 4, 5]
    first = receiver.accepted[0]
    assert first["type"] == "report.saved" and first["timestamp"] == "2024-08-15T03:00:00Z"
    assert first["id"].startswith("msg_") and len({e["id"] for e in receiver.accepted}) == 5
    assert {r.status for r in await rows(db)} == {"sent"}


async def test_a_503_with_retry_after_holds_the_rest_until_it_is_delivered(db, receiver):
    await subscribe(db, receiver)
    receiver.script = [(503, {"Retry-After": "30"})]
    await happen(db, ("report.saved", "81.05", {"report_id": 1}), ("report.revised", "81.05", {"report_id": 1}))
    await deliver(db)
    assert receiver.accepted == []                       # the first was refused, the second waited for it
    first, second = await rows(db)
    assert (first.status, first.attempts, first.error) == ("pending", 1, "HTTP 503")
    assert first.next_attempt_at == NOW + timedelta(seconds=30) and second.status == "pending"
    await deliver(db, start=NOW + timedelta(seconds=10))  # not yet due
    assert receiver.accepted == []
    await deliver(db, start=NOW + timedelta(seconds=31))
    assert [e["type"] for e in receiver.accepted] == ["report.saved", "report.revised"]
    ids = [i for i, _ in receiver.seen]
    assert ids[0] == ids[1]                               # the retry kept its webhook-id: receivers dedupe


async def test_a_refusal_fails_only_that_event_and_a_wrong_secret_never_verifies(db, receiver):
    await subscribe(db, receiver)
    receiver.script = [(410, {})]
    await happen(db, ("report.saved", "81.05", {"report_id": 1}), ("report.saved", "81.05", {"report_id": 2}))
    await deliver(db)
    assert [(r.status, r.error) for r in await rows(db)] == [("failed", "HTTP 410"), ("sent", None)]
    receiver.secret = "whsec_" + "QUJD" * 8                # the receiver holds another secret
    await happen(db, ("report.saved", "81.05", {"report_id": 3}))
    await deliver(db)
    assert receiver.forged == 1 and [e["data"]["report_id"] for e in receiver.accepted] == [2]


async def test_server_errors_are_retried_then_dead_lettered_and_shown_in_pantau_outbox(
        db, db_url, receiver, monkeypatch, capsys):
    monkeypatch.setenv("PANTAU_OUTBOX_MAX_ATTEMPTS", "3")
    await subscribe(db, receiver)
    receiver.script = [(500, {})] * 3
    await happen(db, ("report.saved", "81.05", {"report_id": 1}))
    await deliver(db, rounds=3, step=timedelta(minutes=11))
    (row,) = await rows(db)
    assert row.status == "dead" and "HTTP 500" in row.error and len(receiver.seen) == 3
    monkeypatch.setenv("PANTAU_DATABASE_URL", db_url)
    from bot import config
    config._current = None
    assert await _cli(["outbox", "--status", "failed"]) == 0
    out = capsys.readouterr().out
    assert "gagal (berhenti dicoba) webhook webhook:1" in out and "report.saved" in out and "HTTP 500" in out


async def _cli(argv):
    import asyncio
    return await asyncio.to_thread(main, argv)


async def test_a_redirect_is_not_followed(db, receiver):
    await subscribe(db, receiver)
    receiver.script = [(301, {"Location": "http://127.0.0.1:1/elsewhere"})]
    await happen(db, ("report.saved", "81.05", {"report_id": 1}))
    await deliver(db)
    assert [(r.status, r.error) for r in await rows(db)] == [("failed", "HTTP 301")] and len(receiver.seen) == 1


async def test_a_receiver_too_slow_to_answer_is_tried_again(db, receiver):
    import httpx
    await subscribe(db, receiver)
    receiver.delay = 1.0
    await happen(db, ("report.saved", "81.05", {"report_id": 1}))
    channel = WebhookChannel(httpx.AsyncClient(timeout=0.2))
    try:
        await WebhookLoop(db, channel).round(NOW)
    finally:
        await channel.close()
    (row,) = await rows(db)
    assert (row.status, row.attempts, row.error) == ("pending", 1, "timeout")


async def test_timeouts_and_refused_connections_are_retried(db, receiver):
    await subscribe(db, receiver)
    await receiver.stop()                                   # nobody listens any more
    await happen(db, ("report.saved", "81.05", {"report_id": 1}))
    await deliver(db)
    (row,) = await rows(db)
    assert row.status == "pending" and row.attempts == 1 and row.error == "ConnectError"


async def test_events_go_only_to_subscriptions_that_want_them(db, receiver):
    other = await Receiver().start()
    try:
        await subscribe(db, receiver, events=["report.saved"], area="81.05")
        await subscribe(db, other, events=["round.closed"])
        await happen(db, ("report.saved", "81.05.01.2001", {"report_id": 1}),
                     ("report.saved", "81.06.01.2001", {"report_id": 2}),     # another kabupaten
                     ("report.saved", "81.051", {"report_id": 3}),            # a code that only starts alike
                     ("recommendation.status_changed", "81.05.01", {"recommendation_id": 4}),
                     ("round.closed", None, {"round": "Juli 2024"}))
        await deliver(db)
        assert [e["data"] for e in receiver.accepted] == [{"report_id": 1}]
        assert [e["type"] for e in other.accepted] == ["round.closed"]
    finally:
        await other.stop()


async def test_a_removed_subscription_gets_nothing_more(db, receiver):
    sub_id = await subscribe(db, receiver)
    await happen(db, ("report.saved", "81.05", {"report_id": 1}))
    async with db.session() as s, s.begin():
        assert await remove_subscription(s, sub_id, NOW)
    await happen(db, ("report.saved", "81.05", {"report_id": 2}))
    await deliver(db)
    assert receiver.seen == []
    assert [(r.status, r.error) for r in await rows(db)] == [("failed", "webhook dihapus")]


async def test_the_secret_and_the_body_stay_out_of_the_logs(db, receiver, caplog):
    await subscribe(db, receiver)
    await happen(db, ("report.saved", "81.05", {"report_id": 1, "values": {"men": 41}}))
    with caplog.at_level(logging.DEBUG, logger="pantau"):
        await deliver(db)
    assert receiver.accepted and receiver.secret not in caplog.text and '"men"' not in caplog.text


def test_retry_after_reads_seconds_and_dates_and_is_capped():
    assert retry_after("12", NOW) == 12
    assert retry_after("Thu, 15 Aug 2024 03:01:00 GMT", NOW) == 60
    assert retry_after("99999", NOW) == 3600 and retry_after("soon", NOW) is None and retry_after(None, NOW) is None


def test_payload_values_keep_numbers_and_codes_never_names_or_phones():
    answers = {"men": 41, "women": 38, "kind": "musdes", "date": "2024-08-12", "place": "Balai Desa Ibu Siti",
               "who": "Pak Budi", "phone": "+6281234567890", "hp": "081234567890", "photo": "ab" * 32,
               "activities": [{"name": "Jalan desa", "status": "jalan"}], "ok": True}
    assert safe_values(answers) == {"men": 41, "women": 38, "kind": "musdes", "date": "2024-08-12",
                                    "activities": [{"status": "jalan"}], "ok": True}


# ---------------------------------------------------------------- the CLI

def test_webhook_add_shows_the_secret_once_and_list_remove_work(cli_env, monkeypatch, capsys):
    for key, value in cli_env.items():
        monkeypatch.setenv(key, value)
    assert main(["webhook", "add", "https://data.contoh.go.id/pantau", "--event", "report.saved",
                 "--event", "round.closed", "--area", "81.05"]) == 0
    out = capsys.readouterr().out
    secret = next(line for line in out.splitlines() if line.startswith("whsec_"))
    assert "Webhook #1 ditambahkan" in out and "report.saved, round.closed" in out and "81.05" in out
    assert main(["webhook", "list"]) == 0
    listed = capsys.readouterr().out
    assert "#1 https://data.contoh.go.id/pantau — aktif" in listed and secret not in listed
    assert main(["webhook", "remove", "1"]) == 0
    assert "dihapus" in capsys.readouterr().out
    assert main(["webhook", "list"]) == 0 and "Belum ada webhook" in capsys.readouterr().out
    assert main(["webhook", "list", "--all"]) == 0 and "— dihapus" in capsys.readouterr().out
    assert main(["webhook", "remove", "1"]) == 2
    assert "tidak ada atau sudah dihapus" in capsys.readouterr().err


@pytest.mark.parametrize("url,words", [("ftp://x.id/a", "bukan URL yang lengkap"), ("contoh.go.id", "bukan URL"),
                                       ("http://contoh.go.id/a", "--allow-http"),
                                       ("https://u:p@contoh.go.id/a", "kata sandi")])
def test_webhook_add_refuses_a_bad_url_in_indonesian(cli_env, monkeypatch, capsys, url, words):
    for key, value in cli_env.items():
        monkeypatch.setenv(key, value)
    assert main(["webhook", "add", url]) == 2
    assert words in capsys.readouterr().err


def test_webhook_test_sends_one_signed_event_now(cli_env, monkeypatch, capsys):
    import asyncio
    for key, value in cli_env.items():
        monkeypatch.setenv(key, value)

    async def scenario():
        receiver = await Receiver().start()
        try:
            assert await _cli(["webhook", "add", receiver.url, "--allow-http"]) == 0
            receiver.secret = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("whsec_"))
            assert await _cli(["webhook", "test", "1"]) == 0
            assert "terkirim" in capsys.readouterr().out
            assert [e["type"] for e in receiver.accepted] == ["webhook.test"]
            receiver.script = [(404, {})]
            assert await _cli(["webhook", "test", "1"]) == 1
            assert "gagal: HTTP 404" in capsys.readouterr().out
        finally:
            await receiver.stop()
    asyncio.run(scenario())


async def test_a_subscription_added_elsewhere_is_seen_within_seconds_of_the_batch_clock(db, receiver):
    from storage.models import WebhookSubscription
    await happen(db, ("report.saved", "81.05", {"report_id": 1}))          # nobody subscribes: read and kept
    async with db.session() as s, s.begin():                                 # as another process would add it
        s.add(WebhookSubscription(url=receiver.url, secret="whsec_" + "QUJD" * 8, events=["*"], area_code="",
                                  active=True, created_at=NOW))
    await happen(db, ("report.saved", "81.05", {"report_id": 2}), at=NOW + timedelta(seconds=2))
    assert await staged(db) == []
    await happen(db, ("report.saved", "81.05", {"report_id": 3}), at=NOW + timedelta(seconds=6))
    assert [r.payload["data"]["report_id"] for r in await staged(db)] == [3]


async def test_pantau_outbox_counts_events_not_yet_moved_into_the_outbox(db, db_url, receiver, monkeypatch, capsys):
    await subscribe(db, receiver)
    await happen(db, ("report.saved", "81.05", {"report_id": 1}), ("report.saved", "81.05", {"report_id": 2}))
    monkeypatch.setenv("PANTAU_DATABASE_URL", db_url)
    from bot import config
    config._current = None
    assert await _cli(["outbox"]) == 0
    assert "2 peristiwa webhook menunggu masuk antrean" in capsys.readouterr().out
    await deliver(db)
    assert await _cli(["outbox"]) == 0
    out = capsys.readouterr().out
    assert "menunggu masuk antrean" not in out and "report.saved" in out

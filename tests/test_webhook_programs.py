"""Webhooks narrowed to programs (issues 25 and 26): in desa Bula (Kab. Seram Bagian Timur) PKH and Kotaku
both report; a subscription for PKH hears only PKH's reports and rounds, one for Kotaku in another kabupaten
hears nothing, one of every program hears both, each event saying its program."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest_asyncio

from bot.channels.webhook import WebhookChannel, WebhookLoop
from bot.cli.main import main
from flows.types import NewContact, NewReport
from storage import programs
from storage.repo import Tx, upsert_round
from storage.webhooks import add_subscription, forget_cache, round_closed

from .conftest import NOW, open_pipeline
from .webhook_receiver import Receiver

BULA = "81.05.01.2003"


def meeting(day: str, men: int) -> dict:
    return {"kind": "musdes", "date": day, "place": "Balai desa", "men": men, "women": 4, "total": men + 4}


@pytest_asyncio.fixture(loop_scope="function")
async def world(db_url):
    forget_cache()
    p = await open_pipeline(db_url)
    receivers = {name: await Receiver().start() for name in ("pkh", "kotaku_elsewhere", "every", "kotaku_bula")}
    async with p.db.session() as s, s.begin():
        pkh, _ = await programs.add_program(s, "pkh", "Program Keluarga Harapan", NOW)
        kotaku, _ = await programs.add_program(s, "kotaku", "Kotaku", NOW)
        for name, area, progs in (("pkh", "", [pkh]), ("kotaku_elsewhere", "81.06", [kotaku]),
                                  ("every", "", None), ("kotaku_bula", "81.05", [kotaku])):
            _, receivers[name].secret = await add_subscription(s, receivers[name].url, [], area, NOW, progs)
    yield p, pkh, kotaku, receivers
    for r in receivers.values():
        await r.stop()
    await p.db.close()
    forget_cache()


async def deliver(db, at=NOW + timedelta(minutes=1)) -> None:
    channel = WebhookChannel()
    try:
        while await WebhookLoop(db, channel).round(at):
            pass
    finally:
        await channel.close()


async def test_each_subscription_hears_only_its_programs_and_areas(world):
    p, pkh, kotaku, r = world
    async with p.db.session() as s, s.begin():
        tx = Tx(s)
        ids = {}
        for code, program, men in (("pkh", pkh, 11), ("kotaku", kotaku, 22)):
            kader = await tx.create_contact("terminal", f"k-{code}", NewContact(f"Kader {code}", "kader", BULA, "id"),
                                            NOW)
            kader = replace(kader, program_id=program)
            saved = await tx.add_report(NewReport("pertemuan", 1, BULA, "musdes|2024-08-12|",
                                                  meeting("2024-08-12", men)), kader.id, NOW, kader)
            await tx.flush_reports()
            ids[code] = saved.id
    await deliver(p.db)
    heard = {name: [(e["type"], e["data"]["report_id"], e["data"]["program"]) for e in rec.accepted]
             for name, rec in r.items()}
    assert heard["pkh"] == [("report.saved", ids["pkh"], "pkh")]
    assert heard["kotaku_bula"] == [("report.saved", ids["kotaku"], "kotaku")]
    assert heard["every"] == [("report.saved", ids["pkh"], "pkh"), ("report.saved", ids["kotaku"], "kotaku")]
    assert heard["kotaku_elsewhere"] == [] and r["kotaku_elsewhere"].seen == []
    assert all(rec.forged == 0 for rec in r.values())


async def test_a_round_of_one_program_closes_only_for_its_subscriptions(world):
    p, pkh, kotaku, r = world
    async with p.db.session() as s:
        await upsert_round(s, "Kotaku Juli", "2024-07-01", "2024-07-31", program_id=kotaku)
    async with p.db.session() as s:
        await upsert_round(s, "Bersama", "2024-07-01", "2024-07-31")            # of every program
    after = datetime(2024, 8, 1, 12, 0, tzinfo=timezone.utc)                   # the day after, everywhere
    async with p.db.session() as s, s.begin():
        await round_closed(s, "Kotaku Juli", "2024-07-01", "2024-07-31", after)
        await round_closed(s, "Bersama", "2024-07-01", "2024-07-31", after)
    await deliver(p.db, after)
    heard = {name: [(e["data"]["round"], e["data"]["program"]) for e in rec.accepted] for name, rec in r.items()}
    assert heard["pkh"] == [("Bersama", None)]
    assert heard["kotaku_bula"] == [("Kotaku Juli", "kotaku"), ("Bersama", None)]
    assert heard["every"] == [("Kotaku Juli", "kotaku"), ("Bersama", None)]
    assert heard["kotaku_elsewhere"] == [("Kotaku Juli", "kotaku"), ("Bersama", None)]   # a round has no area


async def test_two_programs_rounds_of_the_same_name_each_close_for_their_own_subscriptions(world):
    """Round names are unique per program: PKH's and Kotaku's "Agustus 2024" are two rounds, two events."""
    p, pkh, kotaku, r = world
    async with p.db.session() as s:
        await upsert_round(s, "Agustus 2024", "2024-08-01", "2024-08-31", program_id=pkh)
        await upsert_round(s, "Agustus 2024", "2024-08-01", "2024-08-31", program_id=kotaku)
    after = datetime(2024, 9, 1, 12, 0, tzinfo=timezone.utc)
    async with p.db.session() as s, s.begin():
        for program in (pkh, kotaku):
            await round_closed(s, "Agustus 2024", "2024-08-01", "2024-08-31", after, program)
    await deliver(p.db, after)
    heard = {name: [(e["data"]["round"], e["data"]["program"]) for e in rec.accepted] for name, rec in r.items()}
    assert heard["pkh"] == [("Agustus 2024", "pkh")]
    assert heard["kotaku_bula"] == [("Agustus 2024", "kotaku")]
    assert heard["every"] == [("Agustus 2024", "pkh"), ("Agustus 2024", "kotaku")]


def test_webhook_add_with_programs_and_list_shows_them(cli_env, monkeypatch, capsys):
    for key, value in cli_env.items():
        monkeypatch.setenv(key, value)
    assert main(["program", "add", "pkh", "--name", "Program Keluarga Harapan"]) == 0
    assert main(["program", "add", "kotaku", "--name", "Kotaku"]) == 0
    capsys.readouterr()
    assert main(["webhook", "add", "https://data.contoh.go.id/pkh", "--program", "pkh", "--area", "81.05"]) == 0
    out = capsys.readouterr().out
    assert "wilayah: 81.05; program: pkh" in out
    assert main(["webhook", "add", "https://data.contoh.go.id/semua"]) == 0
    capsys.readouterr()
    assert main(["webhook", "list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0].endswith("wilayah: 81.05; program: pkh") and listed[1].endswith("program: semua")
    assert main(["webhook", "add", "https://data.contoh.go.id/x", "--program", "bansos"]) == 2
    err = capsys.readouterr().err
    assert "Program 'bansos' tidak ada" in err and "pkh" in err
    assert main(["webhook", "list"]) == 0 and len(capsys.readouterr().out.splitlines()) == 2

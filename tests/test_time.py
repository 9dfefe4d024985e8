"""Time is UTC inside, local outside (issue 22): every stored moment is UTC on SQLite and PostgreSQL, and a
clock given in WIB, WITA or WIT changes nothing a person sees."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import StatementError
from sqlalchemy import JSON, Boolean, DateTime, Integer, String, Text, delete, insert, select, update

from flows.dates import WIB, WIT, WITA
from storage.db import Database
from storage.models import Base
from storage.types import NaiveDateTimeError, UtcDateTime

from .conftest import BACKEND, NOW
from .test_cli_e2e import chat

INSTANT = datetime(2024, 8, 15, 3, 4, 5, 123456, tzinfo=timezone.utc)
ZONES = {"WIB": WIB, "WITA": WITA, "WIT": WIT}


def datetime_columns():
    return [(t, c) for t in Base.metadata.sorted_tables for c in t.columns
            if isinstance(c.type, (DateTime, UtcDateTime))]


def test_every_datetime_column_stores_utc_through_one_type():
    columns = datetime_columns()
    assert len(columns) > 20                      # the metadata is iterated, not a hand-made list
    wrong = [f"{t.name}.{c.name}" for t, c in columns if not isinstance(c.type, UtcDateTime)]
    assert wrong == []


def _value(column, row_of: dict):
    """A value any column of the schema accepts: foreign keys point at the row made for their table."""
    for fk in column.foreign_keys:
        if fk.column.table is column.table:       # a row pointing at another row of its own table
            return None
        return row_of[fk.column.table.name][fk.column.name]
    kind = column.type
    if isinstance(kind, (DateTime, UtcDateTime)):
        return INSTANT
    if isinstance(kind, Boolean):
        return True
    if isinstance(kind, Integer):
        return 970001
    if isinstance(kind, JSON):
        return {}
    if isinstance(kind, Text):
        return "t"
    if isinstance(kind, String):
        return "99.99.99.9999"[:kind.length or 13]
    raise AssertionError(f"no test value for {column.table.name}.{column.name} ({kind!r})")


@pytest.fixture
async def db(db_url):
    database = Database(db_url)
    yield database
    await database.close()


async def test_every_datetime_column_keeps_the_instant_of_local_offsets(db):
    """One row per table (tables in dependency order, every column filled); each DateTime column written
    as the same instant in +07:00, +08:00 and +09:00 reads back as that instant, aware UTC, and compares
    in SQL as that instant."""
    row_of: dict[str, dict] = {}
    areas = Base.metadata.tables["areas"]
    async with db.engine.begin() as conn:     # PostgreSQL's reset between tests keeps the area tree
        await conn.execute(delete(areas).where(areas.c.code == _value(areas.c.code, {})))
        for table in Base.metadata.sorted_tables:
            row_of[table.name] = {c.name: _value(c, row_of) for c in table.columns}
            await conn.execute(insert(table).values(**row_of[table.name]))
    checked = []
    for name, zone in ZONES.items():
        local = INSTANT.astimezone(zone)
        assert local.utcoffset() != timedelta(0)
        for table, column in datetime_columns():
            key = [table.c[k] == v for k, v in row_of[table.name].items() if table.c[k].primary_key]
            async with db.engine.begin() as conn:
                await conn.execute(update(table).where(*key).values({column.name: local}))
                got = await conn.scalar(select(column).where(*key))
                # compared in SQL with the instant given in UTC and in the other zones
                same = [await conn.scalar(select(table.c[column.name] == other).where(*key))
                        for other in (INSTANT, *(INSTANT.astimezone(z) for z in ZONES.values()))]
                later = await conn.scalar(select(table.c[column.name] < INSTANT.astimezone(WIB)
                                                 + timedelta(seconds=1)).where(*key))
            assert got == INSTANT and got.utcoffset() == timedelta(0), (name, table.name, column.name, got)
            assert all(same) and later, (name, table.name, column.name, same, later)
            checked.append(f"{table.name}.{column.name}")
    assert len(checked) == 3 * len(datetime_columns())


async def test_a_naive_datetime_is_refused_not_guessed(db):
    from storage.models import Contact
    async with db.session() as s:
        s.add(Contact(name="Siti", role="kader", area_code="81.05.08.2010", created_at=datetime(2024, 8, 15, 10)))
        with pytest.raises(StatementError) as caught:
            await s.flush()
    assert isinstance(caught.value.orig, NaiveDateTimeError)


@pytest.mark.skipif(BACKEND != "sqlite", reason="the stored text format of SQLite")
async def test_sqlite_values_written_by_earlier_versions_keep_their_meaning(db):
    """Earlier versions wrote their UTC clock as naive text; that text is what the type writes now, and it
    reads back as the same UTC moment: no data migration is needed."""
    from storage.models import Contact
    async with db.engine.begin() as conn:
        await conn.exec_driver_sql(
            "INSERT INTO contacts (name, role, area_code, lang, created_at, verified) "
            "VALUES ('Siti', 'kader', '81.05.08.2010', 'id', '2024-08-15 03:04:05.123456', 1)")
        got = await conn.scalar(select(Contact.created_at).where(Contact.name == "Siti"))
        await conn.execute(update(Contact.__table__).where(Contact.name == "Siti")
                           .values(created_at=INSTANT.astimezone(WIT)))
        raw = (await conn.exec_driver_sql("SELECT created_at FROM contacts WHERE name = 'Siti'")).scalar()
    assert got == INSTANT and got.utcoffset() == timedelta(0)
    assert raw == "2024-08-15 03:04:05.123456"


# ------------------------------------------------------------------ end to end: `pantau chat` on a local clock

CONVERSATION = ("halo", "Siti Aminah", "1", "Kilmury, Kilmury", "ya", "1", "musyawarah desa", "kemarin",
                "Balai desa")


@pytest.mark.parametrize("zone", ZONES)
def test_pantau_chat_answers_the_same_on_a_clock_in_any_indonesian_zone(cli_env, zone):
    """PANTAU_NOW with +08:00 or +09:00 printed nothing at all: every reply was stored hours in the future
    and each later reply queued behind it. The same instant in WIB, WITA or WIT is the same conversation."""
    utc = chat(cli_env, "+6281234567890", *CONVERSATION)
    local = chat({**cli_env, "PANTAU_NOW": NOW.astimezone(ZONES[zone]).isoformat()}, "+6281234567891",
                 *CONVERSATION)
    assert all(local), local                       # every message answered
    assert local == utc
    assert local[-2] == [{"text": "Di mana tempatnya?", "choices": []}]      # "kemarin" was understood


@pytest.mark.parametrize("fixed, expected", [
    ("2024-08-15T10:00:00+09:00", datetime(2024, 8, 15, 1, tzinfo=timezone.utc)),
    ("2024-08-15T10:00:00+08:00", datetime(2024, 8, 15, 2, tzinfo=timezone.utc)),
    ("2024-08-15T10:00:00+07:00", datetime(2024, 8, 15, 3, tzinfo=timezone.utc)),
    ("2024-08-15T10:00:00", datetime(2024, 8, 15, 10, tzinfo=timezone.utc)),      # no offset: UTC
])
def test_a_fixed_clock_in_any_zone_is_the_same_instant_in_utc(monkeypatch, fixed, expected):
    from bot.clock import clock
    monkeypatch.setenv("PANTAU_NOW", fixed)
    now = clock()
    assert now == expected and now.utcoffset() == timedelta(0) and now.isoformat() == expected.isoformat()


def test_the_engine_holds_its_clock_in_utc(forms):
    from bot import catalog
    from flows.types import Context
    ctx = Context(now=NOW.astimezone(WIT), forms=forms, gettext=catalog.gettext_for)
    assert ctx.now == NOW and ctx.now.isoformat() == NOW.isoformat()
    with pytest.raises(ValueError):
        Context(now=NOW.replace(tzinfo=None), forms=forms, gettext=catalog.gettext_for)


# ------------------------------------------------------------------ Excel: the loop's "Riwayat" columns

LATE_EVENING = datetime(2024, 8, 15, 20, 30, tzinfo=timezone.utc)      # already 16 August, 05:30, in Maluku


def test_the_excel_riwayat_columns_are_in_the_areas_zone(db_url, tmp_path):
    """The "Riwayat" of "Tindak lanjut" and "Seleksi cerita" (and the story's "Tanggal") were written in UTC
    while every other time of the file is in the area's zone: 20:30 UTC showed as 15 August, not 16 August
    05:30 WIT as the kader and the fasilitator of Seram Bagian Timur lived it."""
    import asyncio

    from openpyxl import load_workbook

    from bot import catalog
    from bot.reports.export import Progress, write
    from bot.pipeline import Pipeline
    from storage import followup as F
    from storage.models import Contact, IssueItem, Recommendation, RecommendationEvent, Report, StorySelection
    from storage.summary import Filters
    from tests import summary_world as W

    async def go():
        p = await Pipeline.open(Database(db_url))
        try:
            await W.build(p.db)
            async with p.db.session() as s, s.begin():
                await F.sync_items(s, "81.05", LATE_EVENING)
                item = await s.scalar(select(IssueItem).where(IssueItem.area_code.like("81.05.%"))
                                      .order_by(IssueItem.id))
                who = await s.scalar(select(Contact).where(Contact.area_code == item.area_code))
                rec = Recommendation(kec=item.area_code[:8], text="Bantuan bibit", level="kabupaten",
                                     status="dikirim", created_by=who.id, created_at=LATE_EVENING,
                                     updated_at=LATE_EVENING)
                s.add(rec)
                await s.flush()
                item.recommendation_id = rec.id
                s.add(RecommendationEvent(recommendation_id=rec.id, status="dikirim", contact_id=who.id,
                                          at=LATE_EVENING))
                story = await s.scalar(select(Report).where(Report.form_id == "cerita",
                                                            Report.area_code.like("81.05.%")).order_by(Report.id))
                story.updated_at = LATE_EVENING
                s.add(StorySelection(report_id=story.id, level="kecamatan", area_code=story.area_code[:8],
                                     decision="dipilih", reason="Contoh baik", panel="Panel", contact_id=who.id,
                                     at=LATE_EVENING.astimezone(WITA)))
            async with p.db.session() as s:
                await write(s, tmp_path / "r.xlsx", Filters("81.05"), p.forms, catalog.area_index(),
                            Progress(False), None)
            return item.activity, story.answers["story"]
        finally:
            await p.db.close()
    activity, told = asyncio.run(go())
    wb = load_workbook(tmp_path / "r.xlsx", read_only=True)
    rows = list(wb["Tindak lanjut"].values)
    assert rows[0][-1] == "Riwayat"
    row = next(r for r in rows[1:] if r[2] == activity)
    assert row[-1].startswith("2024-08-16 05:30 WIT "), row[-1]
    rows = list(wb["Seleksi cerita"].values)
    head = rows[0]
    row = next(r for r in rows[1:] if r[5] == told)
    assert row[head.index("Riwayat")].startswith("2024-08-16 05:30 WIT kecamatan dipilih"), row
    assert row[head.index("Tanggal")] == "2024-08-16"


# ------------------------------------------------------------------ dates and times shown in chat and on the CLI

def test_the_list_of_sent_reports_shows_the_day_in_the_kaders_zone(kader):
    """A report sent at 05:30 on 16 August in Maluku (20:30 UTC on the 15th) is "dikirim 16 Agustus 2024"."""
    from flows.types import ReportView
    kader.recent = (ReportView(7, "pertemuan", 1, "81.05.08.2010", {"kind": "musdes", "date": "2024-08-15",
                                                                      "place": "Balai desa"}, LATE_EVENING),)
    kader.say("halo")
    assert "(dikirim 16 Agustus 2024)" in kader.say("ubah")


def test_pantau_invite_list_shows_the_expiry_in_the_areas_zone(cli_env):
    from .test_cli_e2e import run
    run(cli_env, "invite", "--role", "koordinator", "--area", "81.05")
    listed = run(cli_env, "invite", "list").stdout
    assert "berlaku sampai 2024-08-22 12:00 WIT" in listed, listed     # NOW + 7 days, 03:00 UTC


@pytest.mark.parametrize("utc_hour, offered", [
    (14, None),                                # 30 September 23:00 in Maluku (WIT): only July's round, taken
    (20, ("Juli 2024", "Oktober 2024")),       # 1 October 05:00 in Maluku: October's has begun (UTC: 30 Sept)
])
def test_a_round_starts_on_the_kaders_own_calendar(kader, utc_hour, offered):
    from flows.types import RoundView
    kader.rounds = (RoundView("Juli 2024", "2024-07-01", "2024-08-31"),
                    RoundView("Oktober 2024", "2024-10-01", "2024-10-31"))
    kader.now = datetime(2024, 9, 30, utc_hour, tzinfo=timezone.utc)
    kader.say("halo")
    asked = kader.step("2").replies[-1]
    if offered is None:
        assert asked.text == "Kegiatan apa yang dilaporkan? Tulis namanya."
    else:
        assert asked.text == "Untuk putaran pemantauan yang mana?" and asked.choices == offered


async def test_the_batch_statements_bind_utc_too(db):
    """The executemany statements of the hot path (replies queued, sessions saved, outcomes recorded) bind
    through the column type as well: a WIT clock stores the same instants."""
    from storage import outbox as O
    from storage.models import Outbox, Session
    from storage.repo import Tx
    wit = INSTANT.astimezone(WIT)
    async with db.session() as s, s.begin():
        tx = Tx(s)
        await tx.enqueue_many([("terminal", "siti", {"text": "a"}), ("terminal", "siti", {"text": "b"})], wit)
        s.add(Session(channel="terminal", external_id="siti", state={}, updated_at=INSTANT))
    async with db.session() as s, s.begin():
        await Tx(s).save_sessions({("terminal", "siti"): ({"mode": "menu"}, 1)}, wit + timedelta(minutes=1))
        ids = list(await s.scalars(select(Outbox.id).order_by(Outbox.id)))
        await O.claim(s, ids, wit)
        await O.record_outcomes(s, "terminal", [("sent", ids[0], "p1"), ("retry", ids[1], (1, wit, "x"))],
                                wit + timedelta(seconds=2))
    async with db.session() as s:
        rows = list(await s.scalars(select(Outbox).order_by(Outbox.id)))
        updated = await s.scalar(select(Session.updated_at))
        due = list(await s.scalars(select(Outbox.id).where(Outbox.next_attempt_at <= INSTANT).order_by(Outbox.id)))
    assert [r.created_at for r in rows] == [INSTANT, INSTANT]
    assert rows[0].sent_at == INSTANT + timedelta(seconds=2) and rows[1].next_attempt_at == INSTANT
    assert updated == INSTANT + timedelta(minutes=1)
    assert due == ids                              # compared in SQL as instants

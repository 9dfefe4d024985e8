"""Several programs in one deployment (issue 25): programs as data, one person in every program, reports
kept per program, the migration that makes today's data the default program."""
from __future__ import annotations

from sqlalchemy import func, select, text

from flows.types import ContactView, NewContact, NewReport
from storage import programs
from storage.db import Database
from storage.models import Membership, Program, Report
from storage.repo import Tx

from .conftest import NOW

SENGON = "33.10.01.2001"


async def _contact(s, phone, name, role="kader", area=SENGON):
    return await Tx(s).create_contact("whatsapp", phone, NewContact(name, role, area, "id"), NOW)


def _meeting(area=SENGON, key="2024-08-10 musdes"):
    return NewReport("pertemuan", 1, area, key, {"date": "2024-08-10", "kind": "musdes", "men": 7, "women": 8})


async def test_the_migration_makes_todays_data_one_default_program(tmp_path):
    from alembic import command

    from storage.db import alembic_config
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(lambda sync: command.upgrade(alembic_config(sync), "0012"))
            await conn.execute(text("INSERT INTO areas (code, name, level) VALUES ('33', 'Jawa Tengah', 1), "
                                    f"('{SENGON}', 'Sengon', 4)"))
            await conn.execute(text("INSERT INTO contacts (id, name, role, area_code, lang, created_at, verified) "
                                    f"VALUES (1, 'Sri', 'kader', '{SENGON}', 'id', '2024-08-01 00:00:00.000000', 1)"))
            await conn.execute(text("INSERT INTO reports (form_id, form_version, area_code, key, contact_id, answers, "
                                    "revision, created_at, updated_at, verified) VALUES ('pertemuan', 1, "
                                    f"'{SENGON}', 'k', 1, '{{}}', 1, '2024-08-01 00:00:00', "
                                    "'2024-08-01 00:00:00', 1)"))
        await db.migrate()
        async with db.session() as s:
            assert [(p.id, p.code) for p in await s.scalars(select(Program))] == [(1, "utama")]
            member = (await s.scalars(select(Membership))).one()
            assert (member.contact_id, member.program_id, member.role, member.area_code) == (1, 1, "kader", SENGON)
            assert await s.scalar(select(Report.program_id)) == 1
        async with db.engine.begin() as conn:
            await conn.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0012"))
            assert (await conn.execute(text("SELECT count(*) FROM reports"))).scalar() == 1
    finally:
        await db.close()


async def test_a_new_contact_is_a_member_of_the_default_program(db_url):
    db = Database(db_url)
    try:
        async with db.session() as s, s.begin():
            sri = await _contact(s, "+6281111", "Sri")
            assert sri.program_id == 1
            assert [(m.program_code, m.role, m.area_code) for m in await programs.memberships(s, sri.id)] == [
                ("utama", "kader", SENGON)]
    finally:
        await db.close()


async def test_the_same_meeting_sent_for_two_programs_is_two_reports_without_conflict(db_url):
    db = Database(db_url)
    try:
        async with db.session() as s, s.begin():
            kotaku, _ = await programs.add_program(s, "kotaku", "Kotaku", NOW)
            pkh_kader = await _contact(s, "+6281111", "Sri")
            kotaku_kader = ContactView(**{**(await _contact(s, "+6282222", "Wati")).__dict__, "program_id": kotaku})
            tx = Tx(s)
            first = await tx.add_report(_meeting(), pkh_kader.id, NOW, pkh_kader)
            second = await tx.add_report(_meeting(), kotaku_kader.id, NOW, kotaku_kader)
            await tx.flush_reports()
            assert first.id != second.id and second.competes_with is None
            rows = (await s.execute(select(Report.program_id, Report.conflict).order_by(Report.id))).all()
            assert rows == [(1, None), (kotaku, None)]
            # the PKH kader sends it again: the PKH report is revised, the Kotaku one stays
            again = await tx.add_report(_meeting(), pkh_kader.id, NOW, pkh_kader)
            await tx.flush_reports()
            assert (again.id, again.revision) == (first.id, 2)
    finally:
        await db.close()


async def test_program_areas_are_desa_and_a_kecamatan_stands_for_its_desa(db_url):
    db = Database(db_url)
    try:
        async with db.session() as s, s.begin():
            pkh, added = await programs.add_program(s, "pkh", "PKH", NOW, agency="Dinas Sosial")
            assert added
            assert await programs.set_areas(s, pkh, [(SENGON, "BKM-01")]) == 1
            assert await programs.set_areas(s, pkh, [(SENGON, None)]) == 0          # already there
            assert await programs.program_desa(s, pkh, "33.10") == [SENGON]
            many = await programs.set_areas(s, pkh, [("33.10.01", None)])            # every desa of Prambanan
            assert many > 10
            assert len(await programs.program_desa(s, pkh, "33.10.01")) == many + 1
            await programs.set_areas(s, pkh, [("33.10.01", None)], remove=True)
            assert await programs.program_desa(s, pkh, "33") == []
            listed = {p.code: p.areas for p in await programs.list_programs(s)}
            assert listed == {"utama": 0, "pkh": 0}
            assert await s.scalar(select(func.count()).select_from(Program)) == 2
    finally:
        await db.close()

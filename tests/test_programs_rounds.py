"""Round names are unique per program, not across programs (issue 25, migration 0020): PKH and Kotaku may each
have an "Agustus 2024" with its own dates; each program's people see their own; 0020 goes up and down."""
from __future__ import annotations

from sqlalchemy import text

from storage.completeness import get_round
from storage.db import Database
from storage.repo import Tx, upsert_round

from .programs_world import ROUND, in_klaten


async def test_0020_goes_up_and_down_keeping_every_round(db_url):
    from alembic import command

    from storage.db import alembic_config
    db = Database(db_url)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0018"))
            await conn.execute(text("INSERT INTO programs (code, name, created_at) VALUES "
                                    "('kotaku', 'Kotaku', '2024-08-01 00:00:00')"))
            await conn.execute(text("INSERT INTO rounds (name, start, due, program_id) VALUES "
                                    "('Juli 2024', '2024-07-01', '2024-07-31', NULL), "
                                    "('Agustus 2024', '2024-08-01', '2024-08-31', 1)"))
        await db.migrate()
        async with db.session() as s, s.begin():
            kotaku = (await s.execute(text("SELECT id FROM programs WHERE code = 'kotaku'"))).scalar()
            await upsert_round(s, "Agustus 2024", "2024-08-05", "2024-09-10", program_id=kotaku)
        async with db.session() as s:
            rows = (await s.execute(text("SELECT id, name, start, program_id FROM rounds ORDER BY id"))).all()
            assert [(n, a, p) for _, n, a, p in rows] == [("Juli 2024", "2024-07-01", None),
                                                          ("Agustus 2024", "2024-08-01", 1),
                                                          ("Agustus 2024", "2024-08-05", kotaku)]
            assert (await get_round(s, "Agustus 2024", kotaku)).start == "2024-08-05"
            assert (await get_round(s, "Agustus 2024", 1)).start == "2024-08-01"
            assert (await get_round(s, "Juli 2024", kotaku)).start == "2024-07-01"      # every program's round
        async with db.engine.begin() as conn:
            await conn.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0018"))
            names = (await conn.execute(text("SELECT name, start FROM rounds ORDER BY start"))).all()
            # a name two programs held: the oldest keeps it, the other carries its program's code
            assert names == [("Juli 2024", "2024-07-01"), ("Agustus 2024", "2024-08-01"),
                             ("Agustus 2024 (kotaku)", "2024-08-05")]
        await db.migrate()
        async with db.session() as s:
            assert (await get_round(s, "Agustus 2024 (kotaku)")).due == "2024-09-10"
    finally:
        await db.close()


def test_each_program_sees_its_own_round_of_a_shared_name(db_url):
    async def scenario(w):
        async with w.p.db.session() as s:
            await upsert_round(s, ROUND[0], "2024-08-05", "2024-09-10", program_id=w.kotaku)
        async with w.p.db.session() as s:
            tx = Tx(s)
            assert [r.due for r in await tx.rounds(w.kotaku)] == ["2024-09-10"]
            assert [r.due for r in await tx.rounds(w.pkh)] == [ROUND[2]]            # the every-program round
            assert len(await tx.rounds()) == 1                                   # one name listed once
            # changing Kotaku's round leaves the other alone
        async with w.p.db.session() as s:
            await upsert_round(s, ROUND[0], "2024-08-06", "2024-09-11", program_id=w.kotaku)
        async with w.p.db.session() as s:
            assert (await get_round(s, ROUND[0], w.kotaku)).due == "2024-09-11"
            assert (await get_round(s, ROUND[0], w.pkh)).due == ROUND[2]
    in_klaten(db_url, scenario, reports=False)

"""The desa each program is expected to report for, as the forum view's columns read them in one statement
(storage/completeness.py:expected_by_program), against the one-program answer (expected_desa)."""
from __future__ import annotations

from sqlalchemy import select

from bot.catalog import load_forms
from flows.types import ContactView, NewContact, NewReport
from storage import programs
from storage.completeness import expected_by_program, expected_desa
from storage.db import Database
from storage.matches import across_programs
from storage.models import Area
from storage.repo import Tx
from storage.summary import Filters

from .conftest import NOW

SENGON = "33.10.01.2001"


async def _desa(s, under: str, n: int) -> list[str]:
    return list(await s.scalars(select(Area.code).where(Area.code.startswith(under + "."), Area.level == 4)
                                .order_by(Area.code).limit(n)))


async def test_each_programs_expected_desa_in_one_read_are_those_of_one_program_at_a_time(db_url):
    db = Database(db_url)
    try:
        async with db.session() as s, s.begin():
            pkh, _ = await programs.add_program(s, "pkh", "PKH", NOW)
            kotaku, _ = await programs.add_program(s, "kotaku", "Kotaku", NOW)
            bangkit, _ = await programs.add_program(s, "bangkit", "BangKIT", NOW)
            other_kec = (await _desa(s, "33.10.02", 2))
            elsewhere = (await _desa(s, "33.11", 1))[0]
            await programs.set_areas(s, pkh, [(SENGON, None), *((c, None) for c in other_kec)])
            await programs.set_areas(s, kotaku, [(elsewhere, None)])      # desa, but none in Klaten
            # the default program names no desa: its kader's desa are expected (one program, as before)
            sri = await Tx(s).create_contact("whatsapp", "+6281111", NewContact("Sri", "kader", SENGON, "id"), NOW)
            await Tx(s).create_contact("whatsapp", "+6281112", NewContact("Tini", "kader", other_kec[0], "id"), NOW)
            every = [1, pkh, kotaku, bangkit]
            together = await expected_by_program(s, "33.10", every)
            assert together == {p: await expected_desa(s, "33.10", p) for p in every}
            assert together == {1: {SENGON, other_kec[0]}, pkh: {SENGON, *other_kec}, kotaku: set(), bangkit: set()}
            assert await expected_by_program(s, "33.10.01", every) == {1: {SENGON}, pkh: {SENGON}, kotaku: set(),
                                                                        bangkit: set()}
            assert await expected_by_program(s, "33.10", []) == {}

            # the forum view shows these as each program's expected desa (Ani, a kader, makes a third utama desa),
            # and the total counts a desa reported by two programs once
            kotaku_kader = ContactView(**{**(await Tx(s).create_contact(
                "whatsapp", "+6282222", NewContact("Wati", "kader", SENGON, "id"), NOW)).__dict__,
                "program_id": kotaku})
            pkh_kader = ContactView(**{**(await Tx(s).create_contact(
                "whatsapp", "+6283333", NewContact("Ani", "kader", other_kec[1], "id"), NOW)).__dict__, "program_id": pkh})
            # a program that covers a desa here but has no report yet: its column still says what it expects
            rtlh, _ = await programs.add_program(s, "rtlh", "RTLH", NOW)
            await programs.set_areas(s, rtlh, [(other_kec[0], None)])
            tx = Tx(s)
            for who in (sri, kotaku_kader, pkh_kader):
                await tx.add_report(NewReport("pemantauan", 1, who.area_code, "2024-Q3",
                                              {"round": "2024-Q3", "activities": []}), who.id, NOW, who)
            await tx.flush_reports()
            data = await across_programs(s, Filters(area="33.10"), load_forms())
            monitoring = data["sections"]["monitoring"]
            assert monitoring["desa_expected"] == {"utama": 3, "pkh": 3, "kotaku": 1, "bangkit": 0, "rtlh": 1,
                                                   "total": 3}
            assert monitoring["desa_reported"] == {"utama": 1, "pkh": 1, "kotaku": 1, "bangkit": 0, "rtlh": 0,
                                                   "total": 2}
            assert await programs.program_names(s) == [(1, "utama", "Program utama"), (pkh, "pkh", "PKH"),
                                                       (kotaku, "kotaku", "Kotaku"), (bangkit, "bangkit", "BangKIT"),
                                                       (rtlh, "rtlh", "RTLH")]
    finally:
        await db.close()

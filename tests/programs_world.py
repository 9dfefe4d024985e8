"""Klaten's case (issue 25): Desa Sengon (33.10.01.2001) with a PKH and a Kotaku kader reporting the same musdes
and their own monitoring; a koordinator per program and a forum koordinator of every program."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from flows.types import NewContact, NewReport
from storage import programs
from storage.access import claim_invite, create_invite
from storage.matches import forget_programs
from storage.repo import Tx, upsert_round

from .conftest import open_pipeline

KLATEN, PRAMBANAN, SENGON = "33.10", "33.10.01", "33.10.01.2001"
PKH_ONLY, KOTAKU_ONLY = "33.10.01.2002", "33.10.01.2003"       # one more desa of each program, no report
NOW = datetime(2024, 8, 15, 3, 0, tzinfo=timezone.utc)
ROUND = ("Agustus 2024", "2024-08-01", "2024-08-31")
MUSDES = {"kind": "musdes", "date": "2024-08-10", "place": "Balai desa", "men": 20, "women": 15, "total": 35}


class Klaten:
    def __init__(self, url: str):
        self.url = url
        self.people: dict[str, object] = {}

    async def member(self, ext, name, role, area, program):
        """Registered with an invite of ``program`` (None: every program), as `pantau invite --program` makes."""
        async with self.p.db.session() as s:
            code = await create_invite(s, role, area, NOW, program_id=program)
        async with self.p.db.session() as s, s.begin():
            assert await claim_invite(s, code, NOW)
            self.people[name] = await Tx(s).create_contact("terminal", ext, NewContact(name, role, area, "id", code),
                                                           NOW)
        return self.people[name]

    async def build(self, reports: bool = True) -> None:
        forget_programs()
        self.p = await open_pipeline(self.url, now=lambda: NOW)
        async with self.p.db.session() as s, s.begin():
            self.pkh, _ = await programs.add_program(s, "pkh", "Program Keluarga Harapan", NOW, "Dinas Sosial")
            self.kotaku, _ = await programs.add_program(s, "kotaku", "Kotaku", NOW, "Dinas Perkim")
            await programs.set_areas(s, self.pkh, [(SENGON, None), (PKH_ONLY, None)])
            await programs.set_areas(s, self.kotaku, [(SENGON, "BKM-SENGON"), (KOTAKU_ONLY, None)])
        if True:
            self.sri = await self.member("kader-pkh", "Sri PKH", "kader", SENGON, self.pkh)
            self.wati = await self.member("kader-kotaku", "Wati Kotaku", "kader", SENGON, self.kotaku)
            self.koord_pkh = await self.member("koord-pkh", "Koordinator PKH", "koordinator", KLATEN, self.pkh)
            self.koord_kotaku = await self.member("koord-kotaku", "Koordinator Kotaku", "koordinator", KLATEN,
                                                  self.kotaku)
            self.forum = await self.member("forum", "Forum Klaten", "koordinator", KLATEN, None)
            self.fasil_pkh = await self.member("fasil-pkh", "Fasilitator PKH", "fasilitator", PRAMBANAN,
                                               self.pkh)
        async with self.p.db.session() as s:
            await upsert_round(s, *ROUND)
        if reports:
            await self.report(self.sri, 7)
            await self.report(self.wati, 9)

    async def report(self, kader, men_extra: int) -> None:
        async with self.p.db.session() as s, s.begin():
            tx = Tx(s)
            await tx.add_report(NewReport("pertemuan", 1, SENGON, "musdes|2024-08-10|", MUSDES), kader.id, NOW, kader)
            await tx.add_report(NewReport("pemantauan", 1, SENGON, ROUND[0], {"round": ROUND[0], "activities": [
                {"activity": f"Kegiatan {kader.name}", "sector": "pertanian", "status": "belum",
                 "obstacles": "modal kurang", "support_from": ["desa"], "support_what": "pelatihan"}]}),
                kader.id, NOW, kader)
            await tx.flush_reports()


def in_klaten(url: str, scenario, reports: bool = True):
    async def go():
        w = Klaten(url)
        await w.build(reports)
        try:
            await scenario(w)
        finally:
            await w.p.db.close()
            forget_programs()
    asyncio.run(go())

"""The forms a program enables (``program_forms``, issue 25) hold in the chat, the dashboard and the exports:
Kotaku's kader use only the meeting form; PKH, which lists no forms, keeps every form as one program always did."""
from __future__ import annotations

import asyncio
from itertools import count

from openpyxl import load_workbook

from bot import catalog
from bot.reports.export import Progress, write_xlsx
from flows.types import Inbound
from storage import programs
from storage.completeness import get_round
from storage.matches import forget_programs

from .programs_world import KLATEN, ROUND, SENGON, Klaten, in_klaten

_ids = count()


async def say(w, sender, text):
    replies = await w.p.handle(Inbound("terminal", sender, f"f{next(_ids)}", text=text))
    return "\n".join(r.text + "".join(f"\n{i}. {c}" for i, c in enumerate(r.choices, 1)) for r in replies)


async def _kotaku_meetings_only(w):
    async with w.p.db.session() as s, s.begin():
        await programs.set_forms(s, w.kotaku, "kader", ["pertemuan"])
        await programs.set_forms(s, w.kotaku, "koordinator", ["pertemuan"])


def test_the_chat_offers_only_the_forms_of_the_persons_program_and_role(db_url):
    async def scenario(w):
        await _kotaku_meetings_only(w)
        kotaku = await say(w, "kader-kotaku", "halo")
        assert "Laporan pertemuan" in kotaku and "Laporan pemantauan" not in kotaku
        assert "Cerita perubahan" not in kotaku
        pkh = await say(w, "kader-pkh", "halo")
        assert "Laporan pemantauan" in pkh and "Cerita perubahan" in pkh     # no list: every form, as before
        refused = await say(w, "kader-kotaku", "pemantauan")
        assert "tidak dipakai dalam program Anda" in refused and "Apa yang ingin Anda laporkan?" in refused
        # the menu's numbers follow what is offered: "2" is "Ubah laporan" for Kotaku's kader, not a form
        assert "Anda belum mengirim laporan." in await say(w, "kader-kotaku", "2")
        # taken back, every form again
        async with w.p.db.session() as s, s.begin():
            await programs.set_forms(s, w.kotaku, "kader", ["pertemuan"], remove=True)
            await programs.set_forms(s, w.kotaku, "koordinator", ["pertemuan"], remove=True)
        await say(w, "kader-kotaku", "menu")
        assert "Laporan pemantauan" in await say(w, "kader-kotaku", "halo")
    in_klaten(db_url, scenario, reports=False)


def test_a_role_the_program_gave_no_form_has_none(db_url):
    async def scenario(w):
        async with w.p.db.session() as s, s.begin():
            await programs.set_forms(s, w.pkh, "kader", ["pemantauan"])
        menu = await say(w, "fasil-pkh", "halo")               # PKH lists forms for its kader only
        assert "Laporan pertemuan" not in menu and "Ringkasan wilayah saya" in menu
        kader = await say(w, "kader-pkh", "halo")
        assert "Laporan pemantauan" in kader and "Laporan pertemuan" not in kader
    in_klaten(db_url, scenario, reports=False)


def test_the_export_of_a_program_has_only_its_forms(db_url, tmp_path):
    async def scenario(w):
        await _kotaku_meetings_only(w)
        async with w.p.db.session() as s:
            rnd = await get_round(s, ROUND[0])
            for who, name in ((w.koord_kotaku, "kotaku"), (w.koord_pkh, "pkh"), (w.forum, "forum")):
                await write_xlsx(s, tmp_path / f"{name}.xlsx", KLATEN, rnd, w.p.forms, catalog.area_index(),
                                 Progress(False), who.program_id)
        kotaku = load_workbook(tmp_path / "kotaku.xlsx").sheetnames
        assert "Pertemuan" in kotaku and "Pemantauan" not in kotaku and "Kelengkapan" not in " ".join(kotaku)
        for name in ("pkh", "forum"):
            assert {"Pertemuan", "Pemantauan"} <= set(load_workbook(tmp_path / f"{name}.xlsx").sheetnames)
    in_klaten(db_url, scenario)


def test_the_dashboard_of_a_program_shows_only_its_forms(db_url, monkeypatch, tmp_path):
    monkeypatch.setenv("PANTAU_MEDIA_DIR", str(tmp_path / "media"))
    monkeypatch.setenv("PANTAU_WEB_SECRET", "test-secret-0123456789abcdef")
    monkeypatch.setenv("PANTAU_PUBLIC_URL", "https://pantau.example.org")
    from bot.server import build_app

    from .test_programs_web import _client_for

    async def go():
        w = Klaten(db_url)
        await w.build()
        await _kotaku_meetings_only(w)
        app = build_app(w.p, run_senders=False)
        try:
            kotaku = await _client_for(w, app, "koord-kotaku")
            summary = (await kotaku.get(f"/dasbor/wilayah/{KLATEN}?putaran={ROUND[0]}")).text
            assert "Pertemuan dan kehadiran" in summary and "Kelengkapan laporan pemantauan" not in summary
            desa = (await kotaku.get(f"/dasbor/wilayah/{SENGON}")).text
            assert "Kegiatan Wati Kotaku" not in desa and "Balai desa" in desa
            pkh = await _client_for(w, app, "koord-pkh")
            summary = (await pkh.get(f"/dasbor/wilayah/{KLATEN}?putaran={ROUND[0]}")).text
            assert "Pertemuan dan kehadiran" in summary and "Kelengkapan laporan pemantauan" in summary
            for c in (kotaku, pkh):
                await c.aclose()
        finally:
            await w.p.db.close()
            forget_programs()
    asyncio.run(go())

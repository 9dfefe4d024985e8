"""Stories of change across programs and with anonymity (issues 24 and 25), on Klaten's case: a PKH story told
by someone other than the kader, an anonymous Kotaku story. A PKH panel reads and decides PKH stories only, a
Kotaku one Kotaku's, the forum koordinator (every program) both; the PKH program panel (a koordinator of the
province) selects from the PKH kabupaten selection in the chat and on the dashboard. The anonymous story's
sender and storyteller show nowhere: Cerita page, desa page, revision page, Excel sheets, the data API."""
from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot import catalog
from bot.reports.export import Progress, write_xlsx
from bot.server import build_app
from flows.types import Inbound, NewReport
from storage.api_read import reports_page, START
from storage.models import Report, StorySelection
from storage.repo import Tx

from .programs_world import KLATEN, NOW, PRAMBANAN, SENGON, Klaten
from .test_web import csrf_of

PKH_STORY = "Ibu-ibu PKH kini menabung bersama setiap bulan."
KOTAKU_STORY = "Warga Sengon membangun saluran air bersama BKM."


@pytest.fixture(autouse=True)
def web_env(tmp_path, monkeypatch):
    monkeypatch.setenv("PANTAU_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PANTAU_MEDIA_DIR", str(tmp_path / "media"))
    monkeypatch.setenv("PANTAU_WEB_SECRET", "test-secret-0123456789abcdef")
    monkeypatch.setenv("PANTAU_PUBLIC_URL", "https://pantau.example.org")


async def story(w: Klaten, kader, text: str, **answers) -> int:
    async with w.p.db.session() as s, s.begin():
        tx = Tx(s)
        saved = await tx.add_report(NewReport("cerita", 3, SENGON, (NOW - timedelta(hours=1)).isoformat(), {
            "level": "komunitas", "story": text, "who": "Warga Sengon", "why": "Hidup lebih baik.",
            "period": "2024", **answers}), kader.id, NOW, kader)
        await tx.flush_reports()
    return saved.id


async def say(w: Klaten, who: str, *texts: str) -> str:
    out = ""
    for text in texts:
        replies = await w.p.handle(Inbound("terminal", who, str(uuid.uuid4()), text=text))
        out = "\n".join(r.text + "".join(f"\n{i}. {c}" for i, c in enumerate(r.choices, 1)) for r in replies or [])
    return out


async def _client_for(w: Klaten, app, who: str) -> httpx.AsyncClient:
    text = await say(w, who, "dasbor")
    path = next(x for x in text.split() if "/dasbor/masuk/" in x).split("pantau.example.org", 1)[1]
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://pantau.example.org")
    assert (await client.post(path)).status_code == 303
    return client


def article(page: str, report_id: int) -> str:
    return page.split(f'id="cerita-{report_id}"', 1)[1].split("</article>", 1)[0]


def test_stories_keep_to_their_program_and_anonymous_ones_name_nobody(db_url, tmp_path):
    async def go():
        from storage.matches import forget_programs
        w = Klaten(db_url)
        await w.build(reports=False)
        app = build_app(w.p, run_senders=False)
        try:
            await w.member("fasil-kotaku", "Fasilitator Kotaku", "fasilitator", PRAMBANAN, w.kotaku)
            await w.member("me-pkh", "M&E PKH Jateng", "koordinator", "33", w.pkh)
            pkh = await story(w, w.sri, PKH_STORY, consent="nama", teller="Ibu Maria Lake")
            kotaku = await story(w, w.wati, KOTAKU_STORY, consent="anonim")

            # each program's kecamatan panel reads its own stories only, with the storyteller (or none)
            seen = await say(w, "fasil-pkh", "pilih cerita")
            assert PKH_STORY in seen and "Pencerita: Ibu Maria Lake" in seen and KOTAKU_STORY not in seen
            await say(w, "fasil-pkh", "1", "Menabung bersama menguatkan ibu-ibu.", "Fasilitator, Ibu Rina", "ya")
            seen = await say(w, "fasil-kotaku", "pilih cerita")
            assert KOTAKU_STORY in seen and "Pencerita: tanpa nama (anonim)" in seen and PKH_STORY not in seen
            assert "Wati" not in seen
            await say(w, "fasil-kotaku", "1", "Warga bekerja bersama tanpa upah.", "Fasilitator, Pak BKM", "ya")
            async with w.p.db.session() as s:
                rows = (await s.execute(select(StorySelection.report_id, StorySelection.program_id)
                                        .order_by(StorySelection.id))).all()
            assert [tuple(r) for r in rows] == [(pkh, w.pkh), (kotaku, w.kotaku)]   # a decision has its program

            # the kabupaten: the PKH koordinator reads PKH's selection only, the forum koordinator both
            seen = await say(w, "koord-pkh", "pilih cerita")
            assert PKH_STORY in seen and KOTAKU_STORY not in seen
            seen = await say(w, "koord-kotaku", "pilih cerita")
            assert KOTAKU_STORY in seen and PKH_STORY not in seen
            await say(w, "koord-kotaku", "menu")
            seen = await say(w, "forum", "pilih cerita")
            assert "2 cerita dalam 1 domain" in seen
            await say(w, "forum", "menu")
            await say(w, "koord-pkh", "1", "Contoh terbaik ekonomi keluarga.", "Tim kabupaten PKH", "ya")
            # cerita terpilih: a kader reads their own program's selections only
            sri = await say(w, "kader-pkh", "cerita terpilih")
            assert "Ibu-ibu PKH kini menabung" in sri and "pencerita: Ibu Maria Lake" in sri and "Warga Sengon" not in sri
            wati = await say(w, "kader-kotaku", "cerita terpilih")
            assert "Warga Sengon membangun" in wati and "Ibu-ibu PKH" not in wati and "pencerita" not in wati

            # the PKH program panel (a koordinator of the province) selects on the dashboard from the kabupaten's
            me = await _client_for(w, app, "me-pkh")
            page = (await me.get("/dasbor/wilayah/33/cerita?putaran=")).text
            assert page.count('class="pick"') == 1 and "Panel program memilih satu cerita" in page
            assert KOTAKU_STORY not in page and "Ibu Maria Lake" in page
            done = await me.post("/dasbor/wilayah/33/cerita/pilih?putaran=", data={
                "csrf": csrf_of(page), "cerita": pkh, "alasan": "Tabungan kelompok layak ditiru provinsi.",
                "panel": "Tim M&E PKH Jawa Tengah"})
            assert "Tersimpan: cerita ini dipilih." in done.text
            assert "Dipilih panel program</strong>: Tabungan kelompok layak ditiru provinsi." in done.text
            async with w.p.db.session() as s:
                last = await s.scalar(select(StorySelection).order_by(StorySelection.id.desc()).limit(1))
                assert (last.level, last.report_id, last.program_id) == ("program", pkh, w.pkh)
            assert "Belum ada cerita perubahan yang menunggu" in await say(w, "me-pkh", "pilih cerita")
            # … a Kotaku story is never the PKH program panel's, even posted by hand
            refused = await me.post("/dasbor/wilayah/33/cerita/pilih", data={
                "csrf": csrf_of(page), "cerita": kotaku, "alasan": "Alasan yang cukup panjang", "panel": "Tim"})
            assert refused.status_code == 409

            # the Cerita pages: the PKH koordinator sees no Kotaku story; the forum both, the anonymous one unnamed
            pkh_web = await _client_for(w, app, "koord-pkh")
            page = (await pkh_web.get(f"/dasbor/wilayah/{KLATEN}/cerita?putaran=")).text
            assert PKH_STORY in page and KOTAKU_STORY not in page
            assert "Pencerita: <span class=\"teller\">Ibu Maria Lake</span>" in article(page, pkh)
            assert " WIB</span>" in article(page, pkh)           # a decision's time in the story's own zone
            forum = await _client_for(w, app, "forum")
            page = (await forum.get(f"/dasbor/wilayah/{KLATEN}/cerita?putaran=")).text
            assert PKH_STORY in page and KOTAKU_STORY in page
            assert "Pencerita: <span class=\"teller\">Anonim</span>" in article(page, kotaku)
            assert "Wati" not in article(page, kotaku)
            picked = (await forum.get(f"/dasbor/wilayah/{KLATEN}/cerita?putaran=&program=pkh")).text
            assert PKH_STORY in picked and KOTAKU_STORY not in picked
            # the desa page and the revision page: no sender of the anonymous story
            desa = (await forum.get(f"/dasbor/wilayah/{SENGON}")).text
            anonymous = desa.split(f'id="laporan-{kotaku}"', 1)[1].split("</article>", 1)[0]
            assert KOTAKU_STORY in anonymous and "Anonim" in anonymous and "Wati" not in anonymous
            named = desa.split(f'id="laporan-{pkh}"', 1)[1].split("</article>", 1)[0]
            assert "Sri PKH" in named and "Ibu Maria Lake" in named
            revision = (await forum.get(f"/dasbor/laporan/{kotaku}/revisi/1")).text
            assert "oleh Anonim" in revision and "Wati" not in revision
            for c in (me, pkh_web, forum):
                await c.aclose()

            # Excel: the PKH workbook holds no Kotaku story; the anonymous story names nobody in any sheet
            async with w.p.db.session() as s:
                book = await write_xlsx(s, tmp_path / "pkh.xlsx", KLATEN, None, w.p.forms, catalog.area_index(),
                                        Progress(False), program=w.pkh)
                both = await write_xlsx(s, tmp_path / "all.xlsx", KLATEN, None, w.p.forms, catalog.area_index(),
                                        Progress(False))
            sheet = [[str(c) for c in r] for r in load_workbook(book)["Seleksi cerita"].values]
            assert any(PKH_STORY in r for r in sheet) and not any(KOTAKU_STORY in r for r in sheet)
            assert next(r for r in sheet if PKH_STORY in r)[9] == "Ibu Maria Lake"
            wb = load_workbook(both)
            selection = [[str(c) for c in r] for r in wb["Seleksi cerita"].values]
            assert next(r for r in selection if KOTAKU_STORY in r)[9] == "Anonim"
            for title in ("Seleksi cerita", "Cerita perubahan"):
                row = next(r for r in wb[title].values if KOTAKU_STORY in [str(c) for c in r])
                assert not any("Wati" in str(c) for c in row), title

            # the data API with people: an anonymous story has no sender
            async with w.p.db.session() as s:
                reports = {r["id"]: r for r in await reports_page(s, [KLATEN], START, 100, "cerita", people=True)}
            assert reports[pkh]["sender"]["name"] == "Sri PKH" and "sender" not in reports[kotaku]
            async with w.p.db.session() as s:
                assert await s.scalar(select(Report.program_id).where(Report.id == kotaku)) == w.kotaku
        finally:
            await w.p.db.close()
            forget_programs()
    asyncio.run(go())

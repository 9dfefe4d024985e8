"""Follow-up items are program × area (issues 24 and 25): in Desa Sengon a PKH and a Kotaku kader each ask for
something; the PKH koordinator and fasilitator see nothing of Kotaku's needs on the Tindak lanjut page, in
the chat queues, in `status usulan`, in summaries and in the Excel matrix, and the forum koordinator
(--program '*') sees both. The forum may merge the needs of both programs into one item with one lead
agency: it then belongs to both programs, and each program's people see it."""
from __future__ import annotations

import uuid
from datetime import date

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot import catalog
from bot.channels.terminal import take_terminal_replies
from bot.loop import _tell_village, load, summary_block
from bot.reports.export import Progress, write_xlsx
from bot.server import build_app
from flows.loop_values import FORWARDED, MERGED
from flows.types import Inbound
from storage import agencies as A, followup as F, forum as Forum
from storage.completeness import get_round
from storage.models import Identity, IssueItem, Outbox

from .programs_world import KLATEN, NOW, PRAMBANAN, ROUND, in_klaten
from .test_web import csrf_of

PKH_TEXT, KOTAKU_TEXT = "Pelatihan usaha untuk keluarga PKH", "Perbaikan jalan lingkungan Kotaku"


@pytest.fixture(autouse=True)
def web_env(tmp_path, monkeypatch):
    monkeypatch.setenv("PANTAU_MEDIA_DIR", str(tmp_path / "media"))
    monkeypatch.setenv("PANTAU_WEB_SECRET", "test-secret-0123456789abcdef")
    monkeypatch.setenv("PANTAU_PUBLIC_URL", "https://pantau.example.org")


async def carried(w) -> tuple[int, int]:
    """Each program's fasilitator carries its desa's need to the kabupaten forum (Dinas Sosial leads)."""
    w.fasil_kotaku = await w.member("fasil-kotaku", "Fasilitator Kotaku", "fasilitator", PRAMBANAN, w.kotaku)
    async with w.p.db.session() as s, s.begin():
        w.dinsos = await A.add(s, KLATEN, "Dinas Sosial", NOW)
        w.perkim = await A.add(s, KLATEN, "Dinas Perumahan dan Permukiman (Perkim)", NOW)
        await F.sync_items(s, KLATEN, NOW)
        items = {i.program_id: i.id for i in await s.scalars(select(IssueItem).order_by(IssueItem.id))}
        assert set(items) == {w.pkh, w.kotaku}                 # each item has its report's program
        with pytest.raises(F.OutOfScope):                      # the PKH fasilitator cannot take Kotaku's need
            await F.recommend(s, w.fasil_pkh, {"items": [items[w.kotaku]], "text": KOTAKU_TEXT, "level": "kabupaten",
                                               "agencies": [w.perkim.id], "target": "2024-10"}, NOW)
    recs = []
    for fasil, program, text, agency in ((w.fasil_pkh, w.pkh, PKH_TEXT, w.dinsos), (w.fasil_kotaku, w.kotaku,
                                                                                  KOTAKU_TEXT, w.perkim)):
        async with w.p.db.session() as s, s.begin():
            change = await F.recommend(s, fasil, {"items": [items[program]], "text": text, "level": "kabupaten",
                                                  "agencies": [agency.id], "target": "2024-10"}, NOW)
            await _tell_village(s, change, NOW)
            recs.append(change.rec.id)
    return recs[0], recs[1]


async def news_to(w, external_id: str) -> list[str]:
    async with w.p.db.session() as s:
        return [o.payload["text"] for o in await s.scalars(select(Outbox).where(Outbox.external_id == external_id)
                                                            .order_by(Outbox.id)) if "Usulan" in o.payload["text"]]


async def web_client(w, app, sender: str) -> httpx.AsyncClient:
    await w.p.handle(Inbound("terminal", sender, str(uuid.uuid4()), text="dasbor"))
    text = " ".join(r["text"] for r in await take_terminal_replies(w.p.db, sender))
    path = next(x for x in text.split() if "/dasbor/masuk/" in x).split("pantau.example.org", 1)[1]
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://pantau.example.org")
    assert (await client.post(path)).status_code == 303
    return client


def test_a_pkh_koordinator_sees_nothing_of_kotakus_follow_up_items(db_url, tmp_path):
    async def scenario(w):
        forms, t = w.p.forms, catalog.gettext_for("id")
        async with w.p.db.session() as s, s.begin():          # the fasilitators' chat queues, before the meeting
            await F.sync_items(s, KLATEN, NOW)
            queue = await load(s, w.fasil_pkh, NOW, forms, "id")
        assert [i.activity for i in queue.items] == ["Kegiatan Sri PKH"]
        await carried(w)
        async with w.p.db.session() as s, s.begin():
            # the chat: the forum's queue of each koordinator
            assert [r.text for r in (await load(s, w.koord_pkh, NOW, forms, "id")).forum] == [PKH_TEXT]
            assert [r.text for r in (await load(s, w.koord_kotaku, NOW, forms, "id")).forum] == [KOTAKU_TEXT]
            assert {r.text for r in (await load(s, w.forum, NOW, forms, "id")).forum} == {PKH_TEXT, KOTAKU_TEXT}
            # status usulan: two kader of one desa, each reads their own program's proposals
            sri = await load(s, w.sri, NOW, forms, "id", "status usulan")
            wati = await load(s, w.wati, NOW, forms, "id", "status usulan")
            assert [p.rec.text for p in sri.proposals if p.rec] == [PKH_TEXT]
            assert [p.rec.text for p in wati.proposals if p.rec] == [KOTAKU_TEXT]
            # the summary's follow-up lines
            block = await summary_block(s, KLATEN, date(2024, 8, 15), forms, t, "id", w.pkh)
            assert "TINDAK LANJUT: 1 rekomendasi" in block and "Perkim" not in block
            assert "TINDAK LANJUT: 2 rekomendasi" in await summary_block(s, KLATEN, date(2024, 8, 15), forms, t)
            # the Excel matrix and follow-up sheets of the PKH program
            rnd = await get_round(s, ROUND[0])
            path = await write_xlsx(s, tmp_path / "pkh.xlsx", KLATEN, rnd, forms, catalog.area_index(),
                                    Progress(False), w.pkh)
        book = load_workbook(path)
        for sheet in ("Matriks rekomendasi", "Tindak lanjut"):
            cells = " ".join(str(c) for row in book[sheet].iter_rows(values_only=True) for c in row if c)
            assert PKH_TEXT in cells and KOTAKU_TEXT not in cells and "Wati" not in cells, sheet
        # the kader heard of their own program's need only (both in Desa Sengon)
        assert [PKH_TEXT in n for n in await news_to(w, "kader-pkh")] == [True]
        assert [KOTAKU_TEXT in n for n in await news_to(w, "kader-kotaku")] == [True]
        # the Tindak lanjut page
        app = build_app(w.p, run_senders=False)
        url = f"/dasbor/wilayah/{KLATEN}/tindak-lanjut"
        pkh, forum = await web_client(w, app, "koord-pkh"), await web_client(w, app, "forum")
        if True:
            page = (await pkh.get(url)).text
            assert PKH_TEXT in page and KOTAKU_TEXT not in page and "Wati" not in page, page[page.find(KOTAKU_TEXT) - 300:]
            both = (await forum.get(url)).text
            assert PKH_TEXT in both and KOTAKU_TEXT in both and 'name="program"' in both
            picked = (await forum.get(url + "?program=kotaku")).text
            assert KOTAKU_TEXT in picked and PKH_TEXT not in picked
            # a decision taken on Kotaku's view comes back to Kotaku's view (the pick survives the redirect)
            assert 'tindak-lanjut/forum?program=kotaku"' in picked
            async with w.p.db.session() as s:
                (kotaku_rec,) = [r.id for r in await F.recommendations(s, KLATEN, program=w.kotaku)]
            decided = await forum.post(url + "/forum?program=kotaku", data={
                "csrf": csrf_of(picked), "rekomendasi": kotaku_rec, "keputusan": "accept"})
            assert decided.status_code == 303 and decided.headers["location"].endswith("&program=kotaku")
            back = (await forum.get(decided.headers["location"])).text
            assert "Keputusan forum tersimpan." in back and PKH_TEXT not in back
        fasil = await web_client(w, app, "fasil-pkh")
        if True:
            page = (await fasil.get(f"/dasbor/wilayah/{PRAMBANAN}/tindak-lanjut")).text
            assert PKH_TEXT in page and KOTAKU_TEXT not in page
        for client in (pkh, forum, fasil):
            await client.aclose()
    in_klaten(db_url, scenario)


def test_the_forum_merges_two_programs_needs_into_one_item_each_program_sees(db_url):
    async def scenario(w):
        forms = w.p.forms
        pkh_rec, kotaku_rec = await carried(w)
        async with w.p.db.session() as s, s.begin():
            with pytest.raises(F.OutOfScope):       # a program's koordinator cannot merge into another program's
                await Forum.decide(s, w.koord_pkh, {"rec": pkh_rec, "do": "merge", "into": kotaku_rec}, NOW)
        async with w.p.db.session() as s, s.begin():
            with pytest.raises(F.OutOfScope):       # nor decide on it at all
                await Forum.decide(s, w.koord_pkh, {"rec": kotaku_rec, "do": "accept"}, NOW)
        async with w.p.db.session() as s, s.begin():      # the forum koordinator: one item, Dinas Sosial leads
            change = await Forum.decide(s, w.forum, {"rec": kotaku_rec, "do": "merge", "into": pkh_rec}, NOW)
            assert change is not None and change.rec.status == MERGED
            await _tell_village(s, change, NOW)
            change = await Forum.decide(s, w.forum, {"rec": pkh_rec, "do": "accept"}, NOW)
            assert change is not None
            await _tell_village(s, change, NOW)
        async with w.p.db.session() as s, s.begin():
            for program in (w.pkh, w.kotaku):
                merged = [r for r in await F.recommendations(s, KLATEN, program=program) if r.id == pkh_rec]
                assert merged and merged[0].status == FORWARDED and merged[0].agency == "Dinas Sosial"
            recs = (await load(s, w.koord_kotaku, NOW, forms, "id")).recs
            assert [r.text for r in recs] == [PKH_TEXT]
            wati = await load(s, w.wati, NOW, forms, "id", "status usulan")
            assert [p.rec.text for p in wati.proposals if p.rec] == [PKH_TEXT]
        kotaku_news = await news_to(w, "kader-kotaku")
        assert "menggabungkannya dengan usulan yang sama" in kotaku_news[-2]
        assert "forum kabupaten menyetujui, ditangani Dinas Sosial" in kotaku_news[-1]
        pkh_news = await news_to(w, "kader-pkh")
        assert len(pkh_news) == 2 and "forum kabupaten menyetujui" in pkh_news[-1]   # not told of Kotaku's merge
        async with w.p.db.session() as s:
            assert await s.scalar(select(Identity.id).where(Identity.external_id == "kader-kotaku"))
    in_klaten(db_url, scenario)

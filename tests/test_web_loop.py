"""The learning loop on the dashboard: the fasilitator's follow-up work table (merge, recommend, carry to the
kabupaten with OPD and target; CSRF; bad input explained), the koordinator answering for an OPD, each item's
path with who and when; stories of a period side by side with the panels' reasons."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import httpx
import pytest
from sqlalchemy import select

from bot.server import build_app
from storage.models import DEFAULT_PROGRAM_ID, Contact, IssueItem, Recommendation, RecommendationProgram

from .conftest import NOW
from .loop_world import World
from .test_loop_e2e import FASIL, FASIL_BULA, KA, KB, KOORD, tell, village_reports
from .test_web import csrf_of


@pytest.fixture(autouse=True)
def web_env(tmp_path, monkeypatch):
    monkeypatch.setenv("PANTAU_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PANTAU_WEB_SECRET", "test-secret-0123456789abcdef")
    monkeypatch.setenv("PANTAU_PUBLIC_URL", "https://pantau.example.org")


def run(url, scenario):
    async def go():
        w = await World.open(url, NOW)
        app = build_app(w.p, run_senders=False)
        try:
            await scenario(w, lambda: httpx.AsyncClient(transport=httpx.ASGITransport(app=app), follow_redirects=True,
                                                        base_url="https://pantau.example.org"))
        finally:
            await w.p.db.close()
    asyncio.run(go())


async def signed_in(w: World, client: httpx.AsyncClient, who: str) -> None:
    text = (await w.say(who, "dasbor", record=False))[0].text
    path = next(x for x in text.split() if "/dasbor/masuk/" in x).split("pantau.example.org", 1)[1]
    assert (await client.post(path, follow_redirects=False)).status_code == 303


async def area_of(w: World, who: str) -> str:
    async with w.p.db.session() as s:
        return (await s.scalar(select(Contact).where(Contact.name.is_not(None), Contact.id == (await w_id(s, who))))
                ).area_code


async def w_id(s, who):
    from storage.repo import Tx
    return (await Tx(s).contact_for("terminal", who)).id


async def _work_table(w: World, new_client) -> None:
    await village_reports(w)
    await w.invite("opd", "81.05", "Dinas Koperasi")
    kec = await area_of(w, FASIL)
    url = f"/dasbor/wilayah/{kec}/tindak-lanjut"
    async with new_client() as fasil:
        await signed_in(w, fasil, FASIL)
        page = (await fasil.get(url)).text
        assert "Usulan desa yang menunggu (3)" in page and 'name="usulan"' in page
        assert '<option value="Dinas Koperasi">' in page
        async with w.p.db.session() as s:
            items = {i.activity: i.id for i in await s.scalars(select(IssueItem))}
        form = {"csrf": csrf_of(page), "usulan": [items["Tenun"], items["Tenun ikat"]], "tingkat": "kabupaten",
                "rekomendasi": "Bantuan modal usaha untuk kelompok tenun Nekan dan Kilmury", "opd": "Dinas Koperasi"}
        assert (await fasil.post(url, data={**form, "csrf": "0" * 64})).status_code == 403
        bad = await fasil.post(url, data={**form, "usulan": []})
        assert bad.status_code == 400 and "Pilih minimal satu usulan desa" in bad.text
        bad = await fasil.post(url, data={**form, "target": "Juni 2024"})
        assert bad.status_code == 400 and "Target itu sudah lewat" in bad.text
        assert "Bantuan modal usaha untuk kelompok tenun Nekan dan Kilmury</textarea>" in bad.text   # kept
        bad = await fasil.post(url, data={**form, "target": "Oktober 2024", "tingkat": "provinsi"})
        assert bad.status_code == 400 and "Pilih di mana" in bad.text
        async with w.p.db.session() as s:
            assert await s.scalar(select(Recommendation)) is None               # nothing stored on a bad post
        sent = await fasil.post(url, data={**form, "target": "Oktober 2024"}, follow_redirects=False)
        assert sent.status_code == 303 and sent.headers["location"] == url + "?ok=rekomendasi&n=2"   # reload: no resend
        done = await fasil.get(sent.headers["location"])
        assert done.status_code == 200
        assert "Tersimpan. 2 kader desa diberi tahu." in done.text
        assert "Usulan desa yang menunggu (1)" in done.text
        assert "Menunggu forum kabupaten (Marthen Kelilauw)" in done.text and "Oktober 2024" in done.text
        # an item already handled cannot be recommended twice (a second tab, an old page)
        again = await fasil.post(url, data={**form, "target": "Oktober 2024"})
        assert again.status_code == 409 and "sudah dibahas" in again.text
        # handled at the desa: no OPD needed
        done = await fasil.post(url, data={"csrf": csrf_of(page), "usulan": items["Kebun sayur"], "tingkat": "desa",
                                           "rekomendasi": "Kelompok membeli bibit bersama lewat BUMDes"})
        assert done.status_code == 400 and "Mohon tulis bulan targetnya" in done.text    # every level: a target
        done = await fasil.post(url, data={"csrf": csrf_of(page), "usulan": items["Kebun sayur"], "tingkat": "desa",
                                           "rekomendasi": "Kelompok membeli bibit bersama lewat BUMDes",
                                           "target": "September 2024"})
        assert "Tersimpan. 1 kader desa diberi tahu." in done.text
        assert "Tidak ada usulan desa yang menunggu" in done.text
        # the desa's own recommendation keeps its target and is closed by the fasilitator, with a note
        async with w.p.db.session() as s:
            local = await s.scalar(select(Recommendation).where(Recommendation.level == "desa"))
        assert local.target == "2024-09"
        closed = await fasil.post(url + "/status", data={"csrf": csrf_of(done.text), "rekomendasi": local.id,
                                                         "status": "selesai", "catatan": "Bibit dibeli 12 Agustus"})
        assert "Tersimpan. Desa yang mengusulkan akan diberi tahu." in closed.text
        assert "Selesai (Marthen Kelilauw) — Bibit dibeli 12 Agustus" in closed.text
        news = (await w.notices(KA))[-1].payload["text"]
        assert "pemerintah desa sudah menyelesaikannya" in news and "Catatan: Bibit dibeli 12 Agustus" in news
    kb = [n.payload["text"] for n in await w.notices(KB)]
    assert kb == ["Usulan Desa Nekan tentang modal usaha tenun: dibawa ke forum kabupaten, diusulkan ditangani Dinas "
                  "Koperasi, target Oktober 2024.\nRekomendasi: Bantuan modal usaha untuk kelompok tenun Nekan dan "
                  "Kilmury"]
    assert any("ditangani di tingkat desa" in n.payload["text"] for n in await w.notices(KA))
    # the koordinator answers for the OPD; the page keeps the path with who and when
    await w.script(KOORD, "halo", "Koordinator SBT", await w.invite("koordinator", "81.05"), record=False)
    async with new_client() as koord:
        await signed_in(w, koord, KOORD)
        page = (await koord.get("/dasbor/wilayah/81.05/tindak-lanjut")).text
        assert 'name="usulan"' not in page and "tindak-lanjut/forum" in page
        async with w.p.db.session() as s:
            rec = await s.scalar(select(Recommendation).where(Recommendation.level == "kabupaten"))
        refused = await koord.post("/dasbor/wilayah/81.05/tindak-lanjut", data={
            "csrf": csrf_of(page), "usulan": 1, "tingkat": "desa", "rekomendasi": "Apa saja boleh"})
        assert refused.status_code == 404                     # the work table is the fasilitator's
        # the forum first: nothing can be answered for an OPD before it is accepted
        early = await koord.post("/dasbor/wilayah/81.05/tindak-lanjut/status", data={
            "csrf": csrf_of(page), "rekomendasi": rec.id, "status": "diterima"})
        assert early.status_code == 404
        assert "tindak-lanjut/forum" in page
        bad = await koord.post("/dasbor/wilayah/81.05/tindak-lanjut/forum", data={
            "csrf": csrf_of(page), "rekomendasi": rec.id, "keputusan": "return"})
        assert bad.status_code == 400 and "Alasannya perlu ditulis" in bad.text
        bad = await koord.post("/dasbor/wilayah/81.05/tindak-lanjut/forum", data={
            "csrf": csrf_of(page), "rekomendasi": rec.id, "keputusan": "accept", "opd": "Dinas Pariwisata"})
        assert bad.status_code == 400 and "Dinas Pariwisata&#34; belum terdaftar" in bad.text
        accepted = await koord.post("/dasbor/wilayah/81.05/tindak-lanjut/forum", data={
            "csrf": csrf_of(page), "rekomendasi": rec.id, "keputusan": "accept", "opd": "Dinas Koperasi",
            "target": "November 2024"})
        assert "Keputusan forum tersimpan." in accepted.text
        assert "OPD Dinas Koperasi; target Oktober 2024 → OPD Dinas Koperasi; target November 2024" in accepted.text
        assert "forum kabupaten menyetujui, ditangani Dinas Koperasi, target November 2024" in \
            (await w.notices(KB))[-1].payload["text"]
        bad = await koord.post("/dasbor/wilayah/81.05/tindak-lanjut/status", data={
            "csrf": csrf_of(page), "rekomendasi": rec.id, "status": "tidak_bisa"})
        assert bad.status_code == 400 and "Alasannya perlu ditulis" in bad.text
        w.at(datetime(2024, 8, 15, 4, 0, tzinfo=timezone.utc))
        done = await koord.post("/dasbor/wilayah/81.05/tindak-lanjut/status", data={
            "csrf": csrf_of(page), "rekomendasi": rec.id, "status": "dalam_proses",
            "catatan": "Proposal kelompok sedang diverifikasi"})
        assert "Tersimpan. Desa yang mengusulkan akan diberi tahu." in done.text
        # a reload of a form's address is the page again, never a 405
        again = await koord.get("/dasbor/wilayah/81.05/tindak-lanjut/status", follow_redirects=False)
        assert again.status_code == 303 and again.headers["location"] == "/dasbor/wilayah/81.05/tindak-lanjut"
        assert "Menunggu forum kabupaten (Marthen Kelilauw)" in done.text and "Dikirim ke OPD (Koordinator SBT)" in done.text
        assert "15 Agu 2024 13.00 WIT: Dalam proses (Koordinator SBT) — Proposal kelompok sedang diverifikasi" \
            in done.text
    assert "Dinas Koperasi sedang memproses" in (await w.notices(KB))[-1].payload["text"]
    # another kecamatan's fasilitator: not found
    await w.register(FASIL_BULA, "Fasil Bula", "2", "Bula, Seram Bagian Timur")
    async with new_client() as other:
        await signed_in(w, other, FASIL_BULA)
        assert (await other.get(url)).status_code == 404
        own = await other.get(f"/dasbor/wilayah/{await area_of(w, FASIL_BULA)}/tindak-lanjut")
        assert own.status_code == 200
        assert (await other.post(url, data={"csrf": csrf_of(own.text), "usulan": 1})).status_code == 404


def test_the_follow_up_work_table(db_url):
    run(db_url, _work_table)


async def _stories(w: World, new_client) -> None:
    await w.register(KA, "Siti Aminah", "1", "Kilmury, Kilmury")
    await w.register(FASIL, "Marthen Kelilauw", "2", "Kilmury, Seram Bagian Timur")
    await w.round("April 2024", "2024-04-01", "2024-05-31")
    await w.round("Juli 2024", "2024-07-01", "2024-08-31")
    w._box["now"] = datetime(2024, 5, 10, 3, 0, tzinfo=timezone.utc)
    await tell(w, KA, "2", "Musyawarah dusun kini dihadiri separuh perempuan.", "Perempuan Dusun III", "Berani.")
    w._box["now"] = NOW
    await tell(w, KA, "3", "Warga membersihkan sumur bersama setiap bulan.", "Warga Dusun I", "Air bersih.",
               consent="2")
    await w.script(FASIL, "pilih cerita", "1", "1", "Gotong royong yang bertahan tanpa program.",
                   "Marthen, Ibu Rina", "ya", record=False)
    kec = await area_of(w, FASIL)
    async with new_client() as fasil:
        await signed_in(w, fasil, FASIL)
        july = (await fasil.get(f"/dasbor/wilayah/{kec}/cerita")).text        # the current round by default
        assert "Warga membersihkan sumur" in july and "Musyawarah dusun" not in july
        assert "Dipilih panel kecamatan</strong>: Gotong royong yang bertahan tanpa program." in july
        assert "Marthen, Ibu Rina" in july and "Anonim" in july and "Siti Aminah" not in july
        april = (await fasil.get(f"/dasbor/wilayah/{kec}/cerita?putaran=April+2024")).text
        assert "Musyawarah dusun" in april and "Warga membersihkan" not in april and "Belum dibahas panel." in april
        chosen = (await fasil.get(f"/dasbor/wilayah/{kec}/cerita?putaran=&terpilih=1")).text
        assert "1 cerita" in chosen and "Warga membersihkan sumur" in chosen
        dates = (await fasil.get(f"/dasbor/wilayah/{kec}/cerita?putaran=&dari=2024-05-01&sampai=2024-05-31")).text
        assert "Musyawarah dusun" in dates and "Warga membersihkan" not in dates
        # the panel selects April's story on the page, side by side with the others of the period
        assert april.count('class="pick"') == 1 and july.count('class="pick"') == 0
        story_id = int(april.split('name="cerita" value="')[1].split('"')[0])
        pick = f"/dasbor/wilayah/{kec}/cerita/pilih?putaran=April+2024"
        form = {"csrf": csrf_of(april), "cerita": story_id, "alasan": "Perempuan mulai bersuara di dusun.",
                "panel": "Marthen, Ibu Rina"}
        assert (await fasil.post(pick, data={**form, "csrf": "0" * 64})).status_code == 403
        bad = await fasil.post(pick, data={**form, "alasan": "ok"})
        assert bad.status_code == 400 and "Mohon tulis alasan panel" in bad.text
        done = await fasil.post(pick, data=form)
        assert "Tersimpan: cerita ini dipilih." in done.text
        assert "Dipilih panel kecamatan</strong>: Perempuan mulai bersuara di dusun." in done.text
        assert 'class="pick"' not in done.text
        again = await fasil.post(pick, data=form)
        assert again.status_code == 409 and "sudah tidak menunggu" in again.text
    told = [n.payload["text"] for n in await w.notices(KA)]
    assert any("Musyawarah dusun kini dihadiri separuh perempuan" in x and "panel kecamatan" in x for x in told)
    # the kabupaten's koordinator reads the kecamatan's page but selects only on their own (kabupaten) page
    await w.script(KOORD, "halo", "Koordinator SBT", await w.invite("koordinator", "81.05"), record=False)
    async with new_client() as koord:
        await signed_in(w, koord, KOORD)
        page = (await koord.get(f"/dasbor/wilayah/{kec}/cerita?putaran=")).text
        assert 'class="pick"' not in page
        assert (await koord.post(f"/dasbor/wilayah/{kec}/cerita/pilih", data={
            "csrf": csrf_of(page), "cerita": 1, "alasan": "Alasan yang cukup panjang", "panel": "Tim"})).status_code == 404
        own = (await koord.get("/dasbor/wilayah/81.05/cerita?putaran=")).text
        assert own.count('class="pick"') == 2 and "Panel kabupaten memilih satu cerita" in own


def test_stories_of_a_period_with_the_panels_reasons(db_url):
    run(db_url, _stories)


def test_the_matrix_page_follows_the_seed_and_defaults_to_the_last_round_with_data(db_url):
    async def scenario(w, new_client):
        await village_reports(w)                                     # the July round
        await w.round("Oktober 2024", "2024-08-10", "2024-11-30")    # newer, started, still empty
        await w.script(KOORD, "halo", "Koordinator SBT", await w.invite("koordinator", "81.05"), record=False)
        await w.invite("opd", "81.05", "Dinas Koperasi")
        await w.script(FASIL, "tindak lanjut", "2", "1", "Bantuan modal usaha untuk kelompok tenun", "3",
                       "Dinas Koperasi, Oktober 2024", "menu", record=False)
        async with new_client() as koord:
            await signed_in(w, koord, KOORD)
            page = (await koord.get("/dasbor/wilayah/81.05/matriks")).text
            assert '<option value="Juli 2024" selected>' in page          # not the empty October round
            for head in ("Capaian (status, penerima manfaat L/P)", "Potensi dukungan kabupaten",
                         "Usulan / tindak lanjut", "Ditangani di"):
                assert head in page
            assert "<td>Bantuan modal usaha untuk kelompok tenun</td>" in page        # the follow-up, not "—"
            assert "<td>Menunggu forum kabupaten</td>" in page
            assert "<td>Berjalan sebagian; penerima manfaat L 10, P 25</td>" in page
            assert "<td>Belum dibahas</td>" in page                                    # Kebun sayur
    run(db_url, scenario)


def test_the_follow_up_page_filters_and_pages_its_recommendations(db_url):
    async def scenario(w, new_client):
        await village_reports(w)
        await w.script(KOORD, "halo", "Koordinator SBT", await w.invite("koordinator", "81.05"), record=False)
        async with w.p.db.session() as s, s.begin():
            fasil = await s.scalar(select(Contact).where(Contact.role == "fasilitator"))
            for n in range(30):        # 30 recommendations of the kecamatan (its program's): two pages of cards
                rec = Recommendation(kec="81.05.08", text=f"Rekomendasi nomor {n:02d}", level="desa",
                                     target="2024-07" if n % 3 == 0 else "2024-12",
                                     status="selesai" if n % 5 == 0 else "ditangani_desa", created_by=fasil.id,
                                     created_at=NOW, updated_at=NOW)
                s.add(rec)
                await s.flush()
                s.add(RecommendationProgram(recommendation_id=rec.id, program_id=DEFAULT_PROGRAM_ID))
        async with new_client() as koord:
            await signed_in(w, koord, KOORD)
            url = "/dasbor/wilayah/81.05/tindak-lanjut"
            first = (await koord.get(url)).text
            assert "Rekomendasi dan jejaknya (30)" in first and "Halaman 1 dari 2" in first
            assert first.count('id="rekomendasi-') == 25
            second = (await koord.get(url + "?hal=2")).text
            assert second.count('id="rekomendasi-') == 5
            assert (await koord.get(url + "?hal=3")).status_code == 404
            late = (await koord.get(url + "?lewat=1")).text          # July target, not finished
            assert "Rekomendasi dan jejaknya (8)" in late and "Rekomendasi nomor 03" in late
            assert "Rekomendasi nomor 00" not in late                # selesai: never late
            done = (await koord.get(url + "?status=selesai")).text
            assert "Rekomendasi dan jejaknya (6)" in done
            kec = (await koord.get(url + "?kecamatan=81.05.01")).text
            assert "Rekomendasi dan jejaknya (0)" in kec
            assert 'class="recs"' in first and "data-label=" in first        # cards on a phone (dasbor.css)
    run(db_url, scenario)

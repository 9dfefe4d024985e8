"""The kabupaten forum: what the kecamatan carried waits for the koordinator, who accepts, reassigns, merges or
returns it (chat and dashboard); agencies see only what was accepted; every change in the history with who."""
from __future__ import annotations

from sqlalchemy import select

from storage.models import Contact, IssueItem, Recommendation, RecommendationEvent

from .test_loop_e2e import FASIL, KA, KB, KOORD, OPD_KOP, OPD_TANI, run, texts, village_reports


async def carried(w) -> tuple[str, str]:
    await village_reports(w)
    kop = await w.invite("opd", "81.05", "Dinas Koperasi")
    tani = await w.invite("opd", "81.05", "Dinas Pertanian")
    await w.script(KOORD, "halo", "Koordinator SBT", await w.invite("koordinator", "81.05"), record=False)
    # three recommendations, one message each after the first (the need written at the item)
    await w.script(FASIL, "tindak lanjut", "Modal usaha tenun untuk Nekan", "3",
                   "Dinas Koperasi, Oktober 2024", "Bantuan modal usaha untuk kelompok tenun", "3",
                   "Dinas Koperasi, Oktober 2024",
                   "Pengadaan bibit sayur sebelum musim tanam", "3", "Dinas Koperasi, September 2024", record=False)
    return kop, tani


async def _forum(w) -> None:
    kop, tani = await carried(w)
    await w.script(OPD_KOP, "halo", "Hasan", kop, record=False)
    await w.script(OPD_TANI, "halo", "Maria", tani, record=False)
    assert "Tidak ada rekomendasi" in texts(await w.say(OPD_KOP, "tindak lanjut", record=False))   # not yet
    out = texts(await w.say(KOORD, "tindak lanjut", record=False))
    assert "Forum kabupaten: 3 rekomendasi" in out and "Rekomendasi 1 dari 3" in out
    # 1: the same need as 2, from another desa: merged into it
    out = texts(await w.script(KOORD, "gabung", "1", record=False))
    assert "Digabungkan" in out and "Rekomendasi 2 dari 3" in out
    # 2: accepted as it came
    out = texts(await w.say(KOORD, "1", record=False))
    assert "Diterima dan diteruskan ke Dinas Koperasi" in out and "Rekomendasi 3 dari 3" in out
    # 3: the agency and the target changed, then accepted
    out = texts(await w.script(KOORD, "ubah opd", "Dinas Pertanian", record=False))
    assert "OPD diubah: Dinas Pertanian." in out and "OPD: Dinas Pertanian; target September 2024" in out
    out = texts(await w.script(KOORD, "ubah target", "Oktober 2024", record=False))
    assert "OPD: Dinas Pertanian; target Oktober 2024" in out
    out = texts(await w.say(KOORD, "terima", record=False))
    assert "Diterima dan diteruskan ke Dinas Pertanian" in out and "Semua rekomendasi sudah diputuskan" in out
    # each agency now sees its own: Koperasi the merged one (both desa), Pertanian the reassigned one
    out = texts(await w.say(OPD_KOP, "tindak lanjut", record=False))
    assert "Rekomendasi 1 dari 1" in out and "Usulan dari: Desa Nekan, Desa Kilmury" in out, out
    assert "Rekomendasi 1 dari 1" in texts(await w.say(OPD_TANI, "tindak lanjut", record=False))
    async with w.p.db.session() as s:
        recs = list(await s.scalars(select(Recommendation).order_by(Recommendation.id)))
        assert [(r.status, r.agency, r.target, r.merged_into) for r in recs] == [
            ("digabung", "Dinas Koperasi", "2024-10", recs[1].id), ("diteruskan", "Dinas Koperasi", "2024-10", None),
            ("diteruskan", "Dinas Pertanian", "2024-10", None)]
        items = {i.activity: i.recommendation_id for i in await s.scalars(select(IssueItem))}
        assert items["Tenun"] == items["Tenun ikat"] == recs[1].id
        events = (await s.execute(select(RecommendationEvent.recommendation_id, RecommendationEvent.status,
                                         RecommendationEvent.detail, Contact.name)
                                  .join(Contact, Contact.id == RecommendationEvent.contact_id)
                                  .order_by(RecommendationEvent.id))).all()
    third = [(st, d, who) for rid, st, d, who in events if rid == recs[2].id]
    assert third == [
        ("dibawa", None, "Marthen Kelilauw"),
        ("dibawa", "OPD Dinas Koperasi; target September 2024 → OPD Dinas Pertanian; target September 2024",
         "Koordinator SBT"),
        ("dibawa", "OPD Dinas Pertanian; target September 2024 → OPD Dinas Pertanian; target Oktober 2024",
         "Koordinator SBT"),
        ("diteruskan", None, "Koordinator SBT")]
    assert ("digabung", "→ Bantuan modal usaha untuk kelompok tenun", "Koordinator SBT") in [
        (st, d, who) for rid, st, d, who in events if rid == recs[0].id]
    assert ("dibawa", "+ Modal usaha tenun untuk Nekan", "Koordinator SBT") in [
        (st, d, who) for rid, st, d, who in events if rid == recs[1].id]
    merged = (await w.notices(KB))[-2].payload["text"]
    assert "forum kabupaten menggabungkannya" in merged and "Rekomendasi: Bantuan modal usaha untuk kelompok tenun" in merged
    news = [n.payload["text"] for n in await w.notices(KA)]
    assert any("forum kabupaten menyetujui, ditangani Dinas Pertanian, target Oktober 2024" in n for n in news)


def test_the_forum_accepts_merges_and_reassigns_before_any_agency_sees_it(db_url, tmp_path, monkeypatch):
    run(db_url, _forum, tmp_path, monkeypatch)


async def _returned(w) -> None:
    await carried(w)
    out = texts(await w.script(KOORD, "tindak lanjut", "kembalikan", "lewati", record=False))
    assert "Alasannya perlu ditulis" in out
    out = texts(await w.say(KOORD, "Cukup ditangani dana desa Nekan", record=False))
    assert "Dikembalikan ke kecamatan" in out
    await w.script(KOORD, "menu", record=False)
    news = (await w.notices(KB))[-1].payload["text"]
    assert "forum kabupaten mengembalikannya ke kecamatan. Alasannya: Cukup ditangani dana desa Nekan" in news
    told = (await w.notices(FASIL))[-1].payload["text"]
    assert "Forum kabupaten mengembalikan rekomendasi Kec. Kilmury" in told and "Cukup ditangani dana desa" in told
    # the items are back in the fasilitator's queue, to be decided again
    out = texts(await w.say(FASIL, "tindak lanjut", record=False))
    assert "Ada 1 usulan" in out and "Desa Nekan: Tenun" in out
    # the kader reads that it was returned, why, and that it waits for the kecamatan again (not "belum dibahas")
    out = texts(await w.say(KB, "status usulan", record=False))
    assert "Tenun — modal usaha tenun\n   Rekomendasi: Modal usaha tenun untuk Nekan" in out
    assert "Status: Dikembalikan ke kecamatan" in out and "belum dibahas" not in out
    assert ("Dikembalikan forum kabupaten ke kecamatan. Alasannya: Cukup ditangani dana desa Nekan. Usulan ini "
            "menunggu dibahas lagi di rapat kecamatan.") in out


def test_a_returned_recommendation_goes_back_to_the_kecamatan_with_its_reason(db_url, tmp_path, monkeypatch):
    run(db_url, _returned, tmp_path, monkeypatch)


async def _local(w) -> None:
    await village_reports(w)
    # 3 messages each: written, where, target; then nothing new: the open desa/kecamatan ones come up
    await w.script(FASIL, "tindak lanjut", "Pelatihan pewarnaan benang oleh kecamatan", "kecamatan", "Desember 2024",
                   "Kelompok membeli benang bersama lewat BUMDes", "desa", "Oktober 2024",
                   "Bibit sayur dari kebun desa sendiri", "desa", "September 2024", record=False)
    async with w.p.db.session() as s:
        assert [(r.level, r.target, r.status) for r in await s.scalars(select(Recommendation).order_by(Recommendation.id))
                ] == [("kecamatan", "2024-12", "ditangani_kecamatan"), ("desa", "2024-10", "ditangani_desa"),
                      ("desa", "2024-09", "ditangani_desa")]
    out = texts(await w.say(FASIL, "tindak lanjut", record=False))
    assert "Tidak ada usulan baru. 3 rekomendasi yang ditangani di desa atau kecamatan masih terbuka" in out
    assert "Target Desember 2024; status: Ditangani di kecamatan" in out
    out = texts(await w.script(FASIL, "selesai", "Pelatihan sudah diadakan 20 orang", record=False))
    assert "Tersimpan: Selesai" in out and "Rekomendasi 2 dari 3" in out
    await w.script(FASIL, "dalam proses", "lewati", "lewati", "menu", record=False)
    news = (await w.notices(KB))[-1].payload["text"]
    assert "kecamatan sudah menyelesaikannya" in news and "Pelatihan sudah diadakan 20 orang" in news
    out = texts(await w.say(KB, "status usulan", record=False))
    assert "Status: Selesai; target Desember 2024" in out
    # still open next time: only the ones not closed
    assert "2 rekomendasi yang ditangani di desa atau kecamatan" in texts(await w.say(FASIL, "tindak lanjut",
                                                                                      record=False))


def test_the_fasilitator_closes_desa_and_kecamatan_items_with_target_status_and_note(db_url, tmp_path, monkeypatch):
    run(db_url, _local, tmp_path, monkeypatch)


async def _story_correction(w) -> None:
    from datetime import datetime, timezone

    from storage.models import Report

    from .test_loop_e2e import tell
    await w.register(KA, "Siti Aminah", "1", "Kilmury, Kilmury")
    await w.round("April 2024", "2024-04-01", "2024-05-31")
    await w.round("Juli 2024", "2024-07-01", "2024-08-31")
    w._box["now"] = datetime(2024, 5, 10, 3, 0, tzinfo=timezone.utc)       # told in the April round
    await tell(w, KA, "2", "Musyawarah dusun kini dihadiri separuh perempuan.", "Perempuan Dusun III",
               "Suara perempuan didengar.")
    async with w.p.db.session() as s:
        before = await s.scalar(select(Report).where(Report.form_id == "cerita"))
    w._box["now"] = datetime(2024, 8, 15, 3, 0, tzinfo=timezone.utc)       # corrected in July
    out = texts(await w.script(KA, "ubah", "1", record=False))
    assert "Memperbaiki" in out
    number = next(line.split(".")[0] for line in out.splitlines() if "Apa yang berubah" in line or "Ceritanya" in line
                  or "cerita" in line.lower() and line[:1].isdigit())
    await w.script(KA, number, "Musyawarah dusun kini dihadiri lebih dari separuh perempuan.", "kirim", record=False)
    async with w.p.db.session() as s:
        after = await s.scalar(select(Report).where(Report.form_id == "cerita"))
    assert after.id == before.id and after.revision == 2
    assert after.answers["story"].startswith("Musyawarah dusun kini dihadiri lebih dari separuh")
    assert after.key == before.key                      # still told on 10 May: still a story of the April round


def test_a_corrected_story_keeps_its_round(db_url, tmp_path, monkeypatch):
    run(db_url, _story_correction, tmp_path, monkeypatch)

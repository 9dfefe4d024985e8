"""The learning loop end to end over the terminal channel, on a real database and a fixed clock:
kader report obstacles → the fasilitator merges and carries two items to the kabupaten → each OPD
answers → every kader concerned is told; stories → kecamatan panel → kabupaten panel → storytellers told.
Transcripts are compared with tests/golden/ (PANTAU_UPDATE_GOLDEN=1 rewrites them)."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from openpyxl import load_workbook
from sqlalchemy import select

from bot.loop import apply_actions
from flows.dates import WIT
from storage.models import Contact, IssueItem, Outbox, Recommendation, RecommendationEvent, StorySelection

from .conftest import NOW
from .loop_world import World

KA, KB, KC = "+6281200000001", "+6281200000002", "+6281200000009"     # kader Kilmury, Nekan, (Bula)
FASIL, FASIL_BULA, KOORD = "+6281300000001", "+6281300000002", "+6281400000001"
PROGRAM = "+6281400000002"                      # a koordinator of the province: the program panel
OPD_KOP, OPD_TANI = "+6281500000001", "+6281500000002"
ROUND = ("Juli 2024", "2024-07-01", "2024-08-31")


def run(url, scenario, tmp_path, monkeypatch):
    monkeypatch.setenv("PANTAU_DATA_DIR", str(tmp_path / "data"))

    async def go():
        w = await World.open(url, NOW)
        try:
            await scenario(w)
        finally:
            await w.p.db.close()
    asyncio.run(go())


def texts(replies) -> str:
    return "\n".join(r.text + "".join(f"\n{i}. {c}" for i, c in enumerate(r.choices, 1)) for r in replies)


async def village_reports(w: World) -> None:
    await w.round(*ROUND)
    await w.register(KA, "Siti Aminah", "1", "Kilmury, Kilmury")
    await w.register(KB, "Yohana Rumfot", "1", "Nekan, Kilmury")
    await w.register(FASIL, "Marthen Kelilauw", "2", "Kilmury, Seram Bagian Timur")
    await w.script(KA, "2", "Tenun ikat", "4", "3", "modal kurang", "3", "modal usaha tenun", "lewati",
                   "Kebun sayur", "1", "2", "bibit terlambat", "3", "bibit sayur", "L 10 P 25", "selesai", "kirim",
                   record=False)
    await w.script(KB, "2", "Tenun", "4", "2", "benang mahal", "3", "modal usaha tenun", "lewati",
                   "Sumur bor", "7", "1", "5", "lewati", "lewati", "selesai", "kirim", record=False)


async def _followup(w: World) -> None:
    await village_reports(w)
    kop = await w.invite("opd", "81.05", "Dinas Koperasi")
    tani = await w.invite("opd", "81.05", "Dinas Pertanian")
    await w.script(KOORD, "halo", "Koordinator SBT", await w.invite("koordinator", "81.05"), record=False)
    # the fasilitator at the kecamatan meeting: three items, two of them the same need from two desa
    await w.script(FASIL, "tindak lanjut", "2", "1", "Bantuan modal usaha untuk kelompok tenun Nekan dan Kilmury",
                   "3", "1, Oktober 2024",
                   "Pengadaan bibit sayur tepat waktu sebelum musim tanam", "kabupaten", "Dinas Pertanian, September 2024")
    # nothing reaches an agency before the kabupaten forum accepts it
    await w.script(OPD_KOP, "halo", "Hasan Rumalutur", kop, record=False)
    assert "Tidak ada rekomendasi" in texts(await w.say(OPD_KOP, "tindak lanjut", record=False))
    await w.script(KOORD, "tindak lanjut", "1", "1")
    # each OPD registers with its invite code and answers what was carried to it
    await w.script(OPD_KOP, "tindak lanjut", "2", "Proposal kelompok sedang diverifikasi")
    w.at(datetime(2024, 8, 16, 3, 0, tzinfo=timezone.utc))
    await w.script(OPD_TANI, "halo", "Maria Wattimena", tani, "tindak lanjut", "4", "lewati",
                   "anggaran bibit tahun ini sudah habis", "Diusulkan lagi di APBD 2025")
    for who in (KA, KB):
        w.record_notices(who, await w.notices(who))
    w.check_golden("followup.txt")

    ka, kb = await w.notices(KA), await w.notices(KB)
    assert [r.payload["text"].split("\n")[0] for r in kb] == [
        "Usulan Desa Nekan tentang modal usaha tenun: dibawa ke forum kabupaten, diusulkan ditangani Dinas "
        "Koperasi, target Oktober 2024.",
        "Usulan Desa Nekan tentang modal usaha tenun: forum kabupaten menyetujui, ditangani Dinas Koperasi, target "
        "Oktober 2024.",
        "Usulan Desa Nekan tentang modal usaha tenun: Dinas Koperasi sedang memproses, target Oktober 2024."]
    assert len(ka) == 6 and "Dinas Pertanian belum bisa menindaklanjuti. Alasannya: anggaran bibit tahun ini" \
        in ka[-1].payload["text"]
    assert all(r.payload["variables"]["name"] in ("Siti Aminah", "Yohana Rumfot") for r in ka + kb)
    async with w.p.db.session() as s:
        recs = list(await s.scalars(select(Recommendation).order_by(Recommendation.id)))
        assert [(r.agency, r.target, r.status) for r in recs] == [
            ("Dinas Koperasi", "2024-10", "dalam_proses"), ("Dinas Pertanian", "2024-09", "tidak_bisa")]
        items = list(await s.scalars(select(IssueItem).order_by(IssueItem.id)))
        assert [(i.activity, i.recommendation_id) for i in items] == [
            ("Tenun", recs[0].id), ("Tenun ikat", recs[0].id), ("Kebun sayur", recs[1].id)]   # Sumur bor runs
        events = (await s.execute(select(RecommendationEvent.status, Contact.name, RecommendationEvent.at)
                                  .join(Contact, Contact.id == RecommendationEvent.contact_id)
                                  .order_by(RecommendationEvent.id))).all()
        assert [(e[0], e[1]) for e in events] == [
            ("dibawa", "Marthen Kelilauw"), ("dibawa", "Marthen Kelilauw"), ("diteruskan", "Koordinator SBT"),
            ("diteruskan", "Koordinator SBT"), ("dalam_proses", "Hasan Rumalutur"), ("tidak_bisa", "Maria Wattimena")]

    # the koordinator's summary (also the weekly one): counts by status and OPD; past its target → flagged
    w.at(datetime(2024, 11, 4, 0, 0, tzinfo=timezone.utc))
    summary = texts(await w.say(KOORD, "ringkasan", record=False))
    assert "TINDAK LANJUT: 2 rekomendasi" in summary
    assert "- Status: Dalam proses 1, Tidak bisa 1" in summary
    assert "- Per OPD: Dinas Koperasi 1, Dinas Pertanian 1" in summary
    assert ("- LEWAT TARGET: Dinas Koperasi — Bantuan modal usaha untuk kelompok tenun Nekan dan Kilmury "
            "(target Oktober 2024, Dalam proses)") in summary
    assert "Dinas Pertanian — " not in summary          # answered "tidak bisa": closed, not late
    # the recommendation matrix says per activity where its follow-up stands (past its target: flagged)
    replies = await w.say(KOORD, "unduh", record=False)
    wb = load_workbook(next(r.document for r in replies if r.document))
    matrix = {r[2]: r for r in list(wb["Matriks rekomendasi"].values)[1:]}
    assert matrix["Tenun"][6:] == matrix["Tenun ikat"][6:] == (
        "Bantuan modal usaha untuk kelompok tenun Nekan dan Kilmury", "Kabupaten (OPD)", "Dinas Koperasi",
        "Oktober 2024", "Dalam proses. Catatan: Proposal kelompok sedang diverifikasi. LEWAT TARGET",
        None)          # no lessons between villages recorded at a kecamatan meeting
    assert matrix["Kebun sayur"][3:] == (
        "Berjalan sebagian; penerima manfaat L 10, P 25", "bibit terlambat", "Kabupaten: bibit sayur",
        "Pengadaan bibit sayur tepat waktu sebelum musim tanam", "Kabupaten (OPD)", "Dinas Pertanian",
        "September 2024", "Tidak bisa. Catatan: Diusulkan lagi di APBD 2025", None)
    assert matrix["Sumur bor"][6:] == (None, None, None, None, None, None)       # runs, nothing asked: capaian only
    # … and the Monday summary the scheduler sends the koordinator says so too
    from bot.reminders import run_once
    await w.round("Oktober 2024", "2024-10-01", "2024-11-30")
    monday = datetime(2024, 11, 4, 8, 0, tzinfo=WIT).astimezone(timezone.utc)
    assert await run_once(w.p.db, w.p.forms, monday) >= 1
    async with w.p.db.session() as s:
        weekly = [o.payload["text"] for o in await s.scalars(select(Outbox).where(Outbox.external_id == KOORD,
                                                                                 Outbox.created_at == monday))]
    assert any("- LEWAT TARGET: Dinas Koperasi" in text for text in weekly)
    # the koordinator may answer for any OPD
    replies = await w.script(KOORD, "tindak lanjut", "3", "Modal sudah disalurkan", record=False)
    assert "Tersimpan: Selesai" in texts(replies)
    assert "sudah menyelesaikannya" in (await w.notices(KB))[-1].payload["text"]
    # the Excel export carries each item's path and history
    replies = await w.say(KOORD, "unduh", record=False)
    wb = load_workbook(next(r.document for r in replies if r.document))
    rows = list(wb["Tindak lanjut"].values)
    assert rows[0][:4] == ("Kecamatan", "Desa", "Kegiatan", "Masalah")
    tenun = next(r for r in rows[1:] if r[2] == "Tenun")
    assert "Dinas Koperasi" in tenun and "Selesai" in tenun
    assert "Dikirim ke OPD" in tenun[-1] and "Dalam proses" in tenun[-1] and "Koordinator SBT" in tenun[-1]


def test_followup_loop_end_to_end(db_url, tmp_path, monkeypatch):
    run(db_url, _followup, tmp_path, monkeypatch)


async def _scopes(w: World) -> None:
    await village_reports(w)
    await w.register(FASIL_BULA, "Fasil Bula", "2", "Bula, Seram Bagian Timur")
    replies = await w.say(FASIL_BULA, "tindak lanjut", record=False)
    assert "Tidak ada usulan desa" in texts(replies)           # the items of Kilmury are not theirs
    kop = await w.invite("opd", "81.05", "Dinas Koperasi")
    tani = await w.invite("opd", "81.05", "Dinas Pertanian")
    other = await w.invite("opd", "81.01", "Dinas Koperasi")    # the same agency of another kabupaten
    await w.script(FASIL, "tindak lanjut", "1", "Bantuan modal usaha tenun", "3", "Dinas Koperasi, Oktober 2024",
                   "menu", record=False)
    await w.script(KOORD, "halo", "Koordinator SBT", await w.invite("koordinator", "81.05"), "tindak lanjut", "1",
                   record=False)
    await w.script(OPD_TANI, "halo", "Maria", tani, record=False)
    assert "Tidak ada rekomendasi" in texts(await w.say(OPD_TANI, "tindak lanjut", record=False))
    await w.script("+6281500000003", "halo", "Opd Malteng", other, record=False)
    assert "Tidak ada rekomendasi" in texts(await w.say("+6281500000003", "tindak lanjut", record=False))
    await w.script(OPD_KOP, "halo", "Hasan", kop, record=False)
    assert "Rekomendasi 1 dari 1" in texts(await w.say(OPD_KOP, "tindak lanjut", record=False))
    # a forged answer (not through the chat's own list) is refused and changes nothing
    async with w.p.db.session() as s, s.begin():
        tani_view = await _view(s, OPD_TANI)
        rec = await s.scalar(select(Recommendation))
        replies = await apply_actions(s, tani_view, [("status", {"rec": rec.id, "status": "selesai"})], NOW,
                                      w.p.forms, "id")
        assert "di luar wilayah atau tugas Anda" in replies[0].text
        fasil = await _view(s, FASIL_BULA)
        item = await s.scalar(select(IssueItem).where(IssueItem.recommendation_id.is_(None)))
        replies = await apply_actions(s, fasil, [("recommend", {"items": [item.id], "text": "x", "level": "desa"})],
                                      NOW, w.p.forms, "id")
        assert "di luar wilayah" in replies[0].text
    async with w.p.db.session() as s:
        assert (await s.scalar(select(Recommendation))).status == "diteruskan"
        assert await s.scalar(select(IssueItem).where(IssueItem.id == item.id)) is not None
        assert (await s.get(IssueItem, item.id)).recommendation_id is None


async def _view(s, who):
    from storage.repo import Tx
    return await Tx(s).contact_for("terminal", who)


def test_an_opd_sees_only_its_agency_and_a_fasilitator_only_their_kecamatan(db_url, tmp_path, monkeypatch):
    run(db_url, _scopes, tmp_path, monkeypatch)


async def _quiet(w: World) -> None:
    await village_reports(w)
    w.at(datetime(2024, 8, 15, 21, 30, tzinfo=WIT).astimezone(timezone.utc))        # the fasilitator works late
    await w.script(FASIL, "tindak lanjut", "1", "Bantuan modal usaha tenun", "1", "Desember 2024", record=False)
    [notice] = await w.notices(KB)
    assert notice.payload["text"].startswith("Usulan Desa Nekan tentang modal usaha tenun sudah dibahas di rapat "
                                             "kecamatan dan akan ditangani di tingkat desa")
    sent_from = notice.next_attempt_at.replace(tzinfo=notice.next_attempt_at.tzinfo or timezone.utc)
    assert sent_from == datetime(2024, 8, 16, 7, 0, tzinfo=WIT)        # not at night: 07:00 the next morning


def test_news_for_the_village_waits_for_the_morning(db_url, tmp_path, monkeypatch):
    run(db_url, _quiet, tmp_path, monkeypatch)


# ---------------------------------------------------------------- most significant change

STORY = ("3", "{domain}", "{story}", "{who}", "{why}", "Januari sampai Juli 2024", "{consent}")


async def tell(w: World, who: str, domain: str, story: str, whom: str, why: str, consent: str = "1",
               teller: str = "saya sendiri") -> None:
    """A kader sends a story; named (consent "1"): told by ``teller`` ("saya sendiri": the kader)."""
    w.tick()
    answers = [x.format(domain=domain, story=story, who=whom, why=why, consent=consent) for x in STORY]
    await w.script(who, *answers, *([teller] if consent == "1" else []), "lewati", "kirim", record=False)


async def _stories(w: World) -> None:
    await w.register(KA, "Siti Aminah", "1", "Kilmury, Kilmury")
    await w.register(KB, "Yohana Rumfot", "1", "Nekan, Kilmury")
    await w.register(FASIL, "Marthen Kelilauw", "2", "Kilmury, Seram Bagian Timur")
    await w.script(KOORD, "halo", "Koordinator SBT", await w.invite("koordinator", "81.05"), record=False)
    await w.script(PROGRAM, "halo", "Koordinator Program Maluku", await w.invite("koordinator", "81"), record=False)
    await w.round("April 2024", "2024-04-01", "2024-05-31")
    await w.round(*ROUND)
    w._box["now"] = datetime(2024, 5, 10, 3, 0, tzinfo=timezone.utc)       # a story of the April round
    await tell(w, KA, "2", "Musyawarah dusun kini dihadiri separuh perempuan.", "Perempuan Dusun III",
               "Kami berani bicara.")
    w._box["now"] = NOW
    await tell(w, KA, "2", "Ibu-ibu kini ikut musyawarah desa dan usulan tenun masuk RKP Desa.",
               "Kelompok tenun Dusun II", "Suara perempuan didengar untuk pertama kali.", teller="Ibu Maria Lake")
    await tell(w, KB, "2", "BPD mengundang kelompok perempuan setiap rapat.", "Kelompok perempuan Nekan",
               "Kami ikut memutuskan.", consent="2")
    await tell(w, KB, "3", "Warga membersihkan sumur bersama setiap bulan.", "Warga Dusun I",
               "Air bersih lebih terjaga.")
    replies = await w.say(KA, "3", record=False)          # the story form asks the MSC questions
    assert replies[-1].text == "Perubahan itu termasuk domain apa?"
    assert replies[-1].choices == ("Kebijakan", "Kelembagaan desa", "Komunitas")
    await w.say(KA, "menu", record=False)
    # the kecamatan panel chooses the period (the current round first), then per domain one story, with why and
    # who sat on the panel; one returned with a question
    await w.script(FASIL, "pilih cerita", "1", "2", "2", "1", "Perubahan ini menyentuh cara desa memutuskan anggaran.",
                   "Marthen, Ibu Rina (PKK), Bapak Yoseph (BPD)", "ya",
                   "3", "Sejak kapan kegiatan bersih sumur rutin dilakukan?")
    # the kabupaten panel sees only what the kecamatan panels selected, with their reasons
    await w.script(KOORD, "pilih cerita", "1", "Contoh terbaik kelembagaan desa yang terbuka bagi perempuan.",
                   "Tim kabupaten: Ibu Ani, Bapak Umar", "ya")
    # … and the program panel (the province's koordinator) reads what the kabupaten panels selected
    await w.script(PROGRAM, "pilih cerita", "1", "Perubahan tata kelola desa yang bisa ditiru kabupaten lain.",
                   "Tim program: Ibu Lena, Bapak Yosef", "ya")
    # everyone in the area, kader included, reads which stories were selected, at which level and why
    await w.say(KB, "cerita terpilih")
    for who in (KA, KB):
        w.record_notices(who, await w.notices(who))
    w.check_golden("stories.txt")

    ka, kb = await w.notices(KA), await w.notices(KB)
    assert [n.payload["text"].split(". Alasan")[0] for n in ka] == [
        "Kabar baik: cerita perubahan Anda \"Ibu-ibu kini ikut musyawarah desa dan usulan tenun…\" dipilih oleh "
        "panel kecamatan Kec. Kilmury sebagai perubahan paling penting untuk domain Kelembagaan desa",
        "Kabar baik: cerita perubahan Anda \"Ibu-ibu kini ikut musyawarah desa dan usulan tenun…\" dipilih oleh "
        "panel kabupaten Kab. Seram Bagian Timur sebagai perubahan paling penting untuk domain Kelembagaan desa",
        "Kabar baik: cerita perubahan Anda \"Ibu-ibu kini ikut musyawarah desa dan usulan tenun…\" dipilih oleh "
        "panel program Maluku sebagai perubahan paling penting untuk domain Kelembagaan desa"]
    assert len(kb) == 1 and "Sejak kapan kegiatan bersih sumur" in kb[0].payload["text"]
    async with w.p.db.session() as s:
        rows = (await s.execute(select(StorySelection.level, StorySelection.decision, StorySelection.panel)
                                .order_by(StorySelection.id))).all()
        assert [tuple(r) for r in rows] == [
            ("kecamatan", "dipilih", "Marthen, Ibu Rina (PKK), Bapak Yoseph (BPD)"), ("kecamatan", "verifikasi", ""),
            ("kabupaten", "dipilih", "Tim kabupaten: Ibu Ani, Bapak Umar"),
            ("program", "dipilih", "Tim program: Ibu Lena, Bapak Yosef")]
    summary = texts(await w.say(KOORD, "ringkasan", record=False))
    assert ("Panel kecamatan: 1 cerita dipilih dari 4; domain Kelembagaan desa: Ibu-ibu kini ikut musyawarah desa "
            "dan usulan tenun… (Desa Kilmury)") in summary
    assert "Panel kabupaten: 1 cerita dipilih dari 1; domain Kelembagaan desa" in summary
    assert "Panel program: 1 cerita dipilih dari 1; domain Kelembagaan desa" in summary
    # nothing left of the July round for the kecamatan panel (one domain chosen, the other story is with its
    # teller): only April's story waits, the same domain but another period
    replies = texts(await w.say(FASIL, "pilih cerita", record=False))
    assert "oleh panel kecamatan, putaran April 2024 (1 April 2024 – 31 Mei 2024): 1 cerita dalam 1 domain" in replies
    assert "Musyawarah dusun kini dihadiri separuh perempuan." in replies
    await w.say(FASIL, "menu", record=False)
    assert "Belum ada cerita perubahan yang menunggu" in texts(await w.say(KOORD, "pilih cerita", record=False))
    # a kader of another kecamatan of the kabupaten reads the kabupaten's choice; one of another province nothing
    await w.register(KC, "Kader Bula", "1", "Bula, Bula")
    assert "Panel kabupaten Kab. Seram Bagian Timur: Contoh terbaik" in texts(
        await w.say(KC, "cerita terpilih", record=False))
    await w.register("+6281200000077", "Kader Bogor", "1", "Sukamaju, Cibungbulang")
    assert "Belum ada cerita perubahan yang dipilih panel di wilayah Anda." in texts(
        await w.say("+6281200000077", "cerita terpilih", record=False))
    # the storyteller answers the panel's question by correcting the story: it waits for the panel again
    w.tick(60)
    replies = await w.say(KB, "ubah", record=False)
    sumur = next(i for i, c in enumerate(replies[-1].choices, 1) if "Warga membersihkan sumur" in c)
    assert replies[-1].choices[sumur - 1].endswith(     # `ubah` says which story a panel returned, and why
        " — dikembalikan panel kecamatan: Sejak kapan kegiatan bersih sumur rutin dilakukan?")
    assert sum("dikembalikan panel" in c for c in replies[-1].choices) == 1
    replies = await w.say(KB, str(sumur), record=False)
    assert ("Panel kecamatan mengembalikan cerita ini untuk diperiksa: Sejak kapan kegiatan bersih sumur rutin "
            "dilakukan?") in texts(replies)
    await w.script(KB, "sama", "sama", "sama", "sama", "Rutin sejak Maret 2024", "sama", "lewati",
                   "kirim", record=False)
    replies = await w.say(FASIL, "pilih cerita", record=False)
    assert "Cerita dari periode mana" in texts(replies)
    replies = await w.say(FASIL, "1", record=False)
    assert "Domain Komunitas (1 cerita menunggu)" in texts(replies)
    assert "Warga membersihkan sumur bersama setiap bulan." in texts(replies)
    await w.say(FASIL, "menu", record=False)
    replies = await w.say(KOORD, "unduh", record=False)
    wb = load_workbook(next(r.document for r in replies if r.document))
    rows = list(wb["Seleksi cerita"].values)
    chosen = next(r for r in rows[1:] if r[5] and str(r[5]).startswith("Ibu-ibu"))
    assert "dipilih" in chosen[-1] and "kabupaten" in chosen[-1] and "Ibu Rina" in chosen[-1]
    assert chosen[9] == "Ibu Maria Lake"                     # the storyteller named in the story, not the kader
    anonymous = next(r for r in rows[1:] if r[5] and str(r[5]).startswith("BPD"))
    assert anonymous[9] == "Anonim" and "Yohana Rumfot" not in anonymous
    sheet = [[str(c) for c in r] for r in wb["Cerita perubahan"].values]
    own = next(r for r in sheet if any(c.startswith("Warga membersihkan") for c in r))
    assert "Yohana Rumfot" in own and "saya sendiri" in own
    hidden = next(r for r in sheet if any(c.startswith("BPD mengundang") for c in r))
    assert "Anonim" in hidden and not any("Yohana" in c for c in hidden)   # no sender of an anonymous story


def test_story_selection_end_to_end(db_url, tmp_path, monkeypatch):
    run(db_url, _stories, tmp_path, monkeypatch)


def test_pantau_invite_an_opd_and_it_registers_with_the_code(cli_env):
    from .test_cli_e2e import chat, run, text
    assert run(cli_env, "invite", "--role", "opd", "--area", "81.05", check=False).returncode == 2
    proc = run(cli_env, "invite", "--role", "opd", "--area", "81.05.08", "--agency", "Dinas Koperasi", check=False)
    assert proc.returncode == 2 and "satu kabupaten" in proc.stderr
    proc = run(cli_env, "invite", "--role", "opd", "--area", "81.05", "--agency", "Dinas Koperasi", check=False)
    assert proc.returncode == 2 and "belum terdaftar" in proc.stderr and "pantau opd add" in proc.stderr
    assert run(cli_env, "opd", "add", "Dinas Koperasi dan UKM", "--area", "81.05", "--alias", "Dinas Koperasi"
               ).stdout.startswith("OPD ditambahkan di 81.05: Dinas Koperasi dan UKM")
    out = run(cli_env, "invite", "--role", "opd", "--area", "Seram Bagian Timur", "--agency", "dinas koperasi").stdout
    assert out.startswith("Kode undangan opd (Dinas Koperasi dan UKM) untuk Kab. Seram Bagian Timur, Maluku: ")
    code = out.strip().split()[-1]
    code = out.strip().split()[-1]
    r = chat(cli_env, "+6281500000001", "halo", "Hasan", code.lower(), "tindak lanjut")
    assert "Anda terdaftar sebagai OPD (dinas kabupaten) di Kab. Seram Bagian Timur, Maluku." in text(r[2])
    assert "Tidak ada rekomendasi yang menunggu jawaban Anda." in text(r[3])
    r = chat(cli_env, "+6281500000002", "halo", "Orang lain", code)          # used once (issue 12: it says so)
    assert text(r[2]).startswith("Kode undangan ini sudah dipakai.")

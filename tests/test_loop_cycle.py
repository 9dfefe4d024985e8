"""The whole loop as a golden transcript (tests/golden/loop_cycle.txt): three desa report on three channels
(terminal, Telegram, WhatsApp), the kecamatan meeting (the fasilitator's follow-up), the kabupaten forum, two
agencies answering, and the news reaching each kader on the channel they write on. README's loop section counts
the messages per role from this transcript."""
from __future__ import annotations

from collections import Counter

from .test_loop_e2e import FASIL, KOORD, OPD_KOP, OPD_TANI, ROUND, run

KA, KB, KC = "+6281200000001", "700500002", "+6281200000003"       # Kilmury (terminal), Nekan (Telegram), Selor
ROLES = {KA: "kader", KB: "kader", KC: "kader", FASIL: "fasilitator", KOORD: "koordinator", OPD_KOP: "OPD",
         OPD_TANI: "OPD"}


async def kader(w, who: str, name: str, desa: str, *report: str) -> None:
    from storage.access import approve_contact, find_contacts
    await w.script(who, "halo", name, "1", desa, "ya", record=False)
    async with w.p.db.session() as s:
        [contact] = await find_contacts(s, who)
        await approve_contact(s, contact.id, w.now)
        await s.commit()
    await w.script(who, *report, record=False)


async def _cycle(w) -> None:
    w.channel_of.update({KB: "telegram", KC: "whatsapp"})
    await w.round(*ROUND)
    await kader(w, KA, "Siti Aminah", "Kilmury, Kilmury", "2", "Tenun ikat", "4", "3", "modal kurang", "3",
                "modal usaha tenun", "lewati", "Kebun sayur", "1", "2", "bibit terlambat", "3", "bibit sayur",
                "L 10 P 25", "selesai", "kirim")
    await kader(w, KB, "Yohana Rumfot", "Nekan, Kilmury", "2", "Tenun", "4", "2", "benang mahal", "3",
                "modal usaha tenun", "lewati", "selesai", "kirim")
    await kader(w, KC, "Agus Rumalean", "Selor, Kilmury", "2", "Tenun songket", "4", "2", "benang mahal", "3",
                "modal usaha tenun", "lewati", "selesai", "kirim")
    await w.register(FASIL, "Marthen Kelilauw", "2", "Kilmury, Seram Bagian Timur")
    kop = await w.invite("opd", "81.05", "Dinas Koperasi")
    tani = await w.invite("opd", "81.05", "Dinas Pertanian")
    await w.script(KOORD, "halo", "Koordinator SBT", await w.invite("koordinator", "81.05"), record=False)
    w.lines.append("--- the kecamatan meeting: the fasilitator decides each desa's need")
    await w.script(FASIL, "tindak lanjut", "2", "1, 2", "Bantuan modal usaha untuk kelompok tenun di tiga desa", "3",
                   "Dinas Koperasi, Oktober 2024",
                   "Pengadaan bibit sayur tepat waktu sebelum musim tanam", "3",
                   "Dinas Pertanian, Dinas Koperasi, September 2024")
    w.lines.append("--- the kabupaten forum")
    await w.script(KOORD, "tindak lanjut", "1", "ubah target", "Oktober 2024", "terima")
    w.lines.append("--- the agencies answer")
    await w.script(OPD_KOP, "halo", "Hasan Rumalutur", kop, "tindak lanjut", "2", "Proposal kelompok sedang diverifikasi")
    await w.script(OPD_TANI, "halo", "Maria Wattimena", tani, "tindak lanjut", "2", "Bibit dipesan minggu ini")
    w.lines.append("--- news back to each kader, on their own channel")
    for who in (KA, KB, KC):
        w.record_notices(who, await w.notices(who))
    await w.say(KC, "status usulan")
    w.check_golden("loop_cycle.txt")

    # each kader heard every step on the channel they write on
    for who, channel in ((KA, "terminal"), (KB, "telegram"), (KC, "whatsapp")):
        rows = await w.notices(who)
        assert rows and {r.channel for r in rows} == {channel}, who
    assert "forum kabupaten menyetujui" in (await w.notices(KC))[1].payload["text"]
    # a recommendation carried to the forum cost the fasilitator three messages (the second one: text, level,
    # agencies and target); the whole meeting (a merge of three desa and two recommendations) nine
    said = [line.split(":", 1)[0][2:] for line in w.lines if line.startswith("👤 ")]
    count = Counter(ROLES[who] for who in said)
    assert (count["fasilitator"], count["koordinator"], count["OPD"]) == (9, 5, 12)
    second = w.lines.index("👤 +6281300000001: Pengadaan bibit sayur tepat waktu sebelum musim tanam")
    assert [line for line in w.lines[second:] if line.startswith("👤 +6281300000001")] == [
        "👤 +6281300000001: Pengadaan bibit sayur tepat waktu sebelum musim tanam", "👤 +6281300000001: 3",
        "👤 +6281300000001: Dinas Pertanian, Dinas Koperasi, September 2024"]


def test_the_whole_loop_golden(db_url, tmp_path, monkeypatch):
    run(db_url, _cycle, tmp_path, monkeypatch)

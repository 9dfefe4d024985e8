"""Status usulan: a kader asks what became of their desa's proposals (typed or from the menu) and sees only their
own desa, with the recommendation, OPD, target and history in their own zone; news quotes the recommendation."""
from __future__ import annotations

from datetime import datetime, timezone

from .test_loop_e2e import FASIL, KA, KB, OPD_KOP, run, texts, village_reports


async def _status(w) -> None:
    await village_reports(w)
    # nothing discussed yet: the kader still sees what the desa asked
    out = texts(await w.say(KB, "status usulan", record=False))
    assert "Usulan Desa Nekan dan tindak lanjutnya:" in out
    assert "Tenun — modal usaha tenun" in out and "belum dibahas di rapat kecamatan" in out
    kop = await w.invite("opd", "81.05", "Dinas Koperasi")
    await w.script(FASIL, "tindak lanjut", "2", "1", "Bantuan modal usaha untuk kelompok tenun", "3", "Dinas Koperasi",
                   "Oktober 2024", "ya", "menu", record=False)
    w.at(datetime(2024, 8, 16, 23, 30, tzinfo=timezone.utc))          # 08:30 on the 17th in Maluku (WIT)
    await w.script(OPD_KOP, "halo", "Hasan", kop, "tindak lanjut", "2", "Proposal sedang diverifikasi", record=False)
    # from the menu (a number, not the command): the kader's own desa only
    menu = await w.say(KB, "menu", record=False)
    number = next(i for i, c in enumerate(menu[-1].choices, 1) if c == "Status usulan desa")
    out = texts(await w.say(KB, str(number), record=False))
    assert "Rekomendasi: Bantuan modal usaha untuk kelompok tenun" in out
    assert "Status: Dalam proses; OPD: Dinas Koperasi; target Oktober 2024" in out
    assert "17 Agustus 2024 08:30 WIT: Dalam proses (Proposal sedang diverifikasi)" in out
    assert "Kebun sayur" not in out                                   # Kilmury's, not Nekan's
    # the news quotes the recommendation itself
    news = (await w.notices(KA))[-1].payload["text"]
    assert "Rekomendasi: Bantuan modal usaha untuk kelompok tenun" in news
    # other roles are pointed to their own command
    assert "ketik \"tindak lanjut\"" in texts(await w.say(FASIL, "status usulan", record=False))


def test_a_kader_reads_the_status_of_their_desas_proposals(db_url, tmp_path, monkeypatch):
    run(db_url, _status, tmp_path, monkeypatch)

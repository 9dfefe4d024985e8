"""The whole loop on real peers (issue 24): three desa, the kecamatan meeting, the kabupaten forum, two agencies and
the news back to each kader, with every person on Telegram (the telegram-test-api emulator, its updates posted to
the app's webhook) or WhatsApp (Twilio-signed webhooks; replies through the real twilio client to
tests/twilio_peer.py), through the app `pantau serve` runs (bot/server.py build_app: its routes, the outbox loops
and the job worker in its event loop), on the fixed clock of the other goldens (NOW; the senders' through
PANTAU_NOW).

Each person hears everything (replies, the approval, follow-up news, the agencies' status) on the channel they
last wrote on: the roster kader of Selor reports on WhatsApp and hears the meeting's news there, then writes on
Telegram and hears the forum and the agencies there. The transcript (tests/golden/loop_cycle_peers.txt) records
per person and channel what they typed and what reached them; tests/golden/loop_cycle.txt is the same cycle on the
terminal (tests/test_loop_cycle.py).

When a change to the chat (a form's question, a follow-up step, a text) changes the transcript on purpose,
regenerate it and review the diff:

    PANTAU_UPDATE_GOLDEN=1 .venv/bin/pytest -q -m slow tests/test_loop_cycle_peers.py
    git diff tests/golden/loop_cycle_peers.txt
"""
from __future__ import annotations

import asyncio

from .conftest import NOW
from .loop_peers import Peers
from .telegram.harness import needs_emulator
from .test_loop_e2e import ROUND

MONITORING = {     # the village monitoring of each desa, as the terminal cycle types it
    "Kilmury": ("2", "Tenun ikat", "4", "3", "modal kurang", "3", "modal usaha tenun", "lewati", "Kebun sayur",
                "1", "2", "bibit terlambat", "3", "bibit sayur", "L 10 P 25", "selesai", "kirim"),
    "Nekan": ("2", "Tenun", "4", "2", "benang mahal", "3", "modal usaha tenun", "lewati", "selesai", "kirim"),
    "Selor": ("2", "Tenun songket", "4", "2", "benang mahal", "3", "modal usaha tenun", "lewati", "selesai", "kirim"),
}


async def _cycle(w: Peers) -> None:
    await w.round(*ROUND)
    fasil = w.person("Marthen Kelilauw", "fasilitator", phone="+6281300000001")
    koord = w.person("Koordinator SBT", "koordinator", chat=700400001)
    ka = w.person("Siti Aminah", "kader Kilmury", phone="+6281200000001")
    kb = w.person("Yohana Rumfot", "kader Nekan", chat=700500002)
    kc = w.person("Agus Rumalean", "kader Selor", phone="+6281200000003", chat=700500003)
    kop = w.person("Hasan Rumalutur", "OPD Dinas Koperasi", phone="+6281500000001")
    tani = w.person("Maria Wattimena", "OPD Dinas Pertanian", chat=700600002)
    await w.roster(kc, "81.05.08.2001")          # Desa Selor: on the roster with both WhatsApp and Telegram

    kop_code = await w.invite("opd", "81.05", "Dinas Koperasi")        # the agencies are on the kabupaten's list
    tani_code = await w.invite("opd", "81.05", "Dinas Pertanian")
    w.note("--- the fasilitator and the koordinator register with their invites")
    await w.script(fasil, "whatsapp", "halo", "Marthen Kelilauw", await w.invite("fasilitator", "81.05.08"))
    await w.script(koord, "telegram", "halo", "Koordinator SBT", await w.invite("koordinator", "81.05"))
    w.note("--- two kader register themselves; the fasilitator approves them")
    await w.script(ka, "whatsapp", "halo", "Siti Aminah", "1", "Kilmury, Kilmury", "ya")
    await w.script(kb, "telegram", "halo", "Yohana Rumfot", "1", "Nekan, Kilmury", "ya")
    await w.script(fasil, "whatsapp", "menunggu", "1", "1")
    w.note("--- village monitoring")
    await w.script(ka, "whatsapp", *MONITORING["Kilmury"], record=False)
    await w.script(kb, "telegram", *MONITORING["Nekan"], record=False)
    await w.script(kc, "whatsapp", "halo", *MONITORING["Selor"], record=False)
    w.note("--- the kecamatan meeting: the fasilitator decides each desa's need")
    await w.script(fasil, "whatsapp", "tindak lanjut", "2", "1, 2",
                   "Bantuan modal usaha untuk kelompok tenun di tiga desa", "3", "Dinas Koperasi, Oktober 2024",
                   "Pengadaan bibit sayur tepat waktu sebelum musim tanam", "3",
                   "Dinas Pertanian, Dinas Koperasi, September 2024")
    w.note("--- the kader of Selor now writes on Telegram: from here their news goes there")
    await w.say(kc, "telegram", "menu")
    w.note("--- the kabupaten forum")
    await w.script(koord, "telegram", "tindak lanjut", "1", "ubah target", "Oktober 2024", "terima")
    w.note("--- the agencies answer")
    await w.script(kop, "whatsapp", "halo", "Hasan Rumalutur", kop_code,
                   "tindak lanjut", "2", "Proposal kelompok sedang diverifikasi")
    await w.script(tani, "telegram", "halo", "Maria Wattimena", tani_code,
                   "tindak lanjut", "2", "Bibit dipesan minggu ini")
    w.note("--- each kader asks where their desa's need stands, where they write")
    await w.say(kc, "telegram", "status usulan")
    await w.say(ka, "whatsapp", "status usulan")
    w.check_golden("loop_cycle_peers.txt")

    # nothing waits in the outbox, and every row went out on the channel its person last wrote on then
    rows = await w.outbox()
    assert rows and {r.status for r in rows} == {"sent"}, {(r.channel, r.status, r.error) for r in rows}
    news = [r for r in rows if r.payload.get("template") == "followup_update"]
    assert {(r.channel, r.external_id) for r in news} == {
        ("whatsapp", ka.phone), ("telegram", str(kb.chat)), ("whatsapp", kc.phone), ("telegram", str(kc.chat))}
    assert [r.channel for r in news if r.external_id in (kc.phone, str(kc.chat))] == ["whatsapp", "telegram",
                                                                                      "telegram"]
    told = [r for r in rows if r.payload.get("template") == "notice"]
    assert {(r.channel, r.external_id) for r in told} == {
        ("whatsapp", fasil.phone), ("whatsapp", ka.phone), ("telegram", str(kb.chat))}
    # each person heard on their own channels only
    assert {p.name: sorted(p.heard) for p in w.people} == {
        "Marthen Kelilauw": ["whatsapp"], "Koordinator SBT": ["telegram"], "Siti Aminah": ["whatsapp"],
        "Yohana Rumfot": ["telegram"], "Agus Rumalean": ["telegram", "whatsapp"], "Hasan Rumalutur": ["whatsapp"],
        "Maria Wattimena": ["telegram"]}


@needs_emulator
def test_the_whole_loop_on_telegram_and_whatsapp(emulator, db_url, tmp_path, monkeypatch):
    from bot import config
    monkeypatch.setenv("PANTAU_NOW", NOW.isoformat())        # the senders' clock too (bot/clock.py)
    monkeypatch.setenv("PANTAU_MEDIA_DIR", str(tmp_path / "media"))
    config._current = None

    async def go():
        w = Peers(emulator, db_url)
        async with w.running(monkeypatch):
            await _cycle(w)
    asyncio.run(go())

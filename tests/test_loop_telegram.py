"""The follow-up loop over Telegram (the telegram-test-api emulator, polling): three people tap through
their keyboards — a kader reports an obstacle, the fasilitator carries it to an OPD, the OPD answers —
and the kader's own chat receives the news."""
from bot.channels.telegram import Limits, TelegramChannel, send_due
from storage.repo import create_invite, upsert_round

from .conftest import NOW, open_pipeline
from .telegram.compat import SimUser
from .telegram.harness import Harness, needs_emulator
from .twilio_peer import serving


async def turn(h: Harness, user: SimUser, text: str) -> list[dict]:
    await user.send(text)
    h.offset = await h.channel.poll_once(h.offset, timeout=1)
    await send_due(h.pipeline.db, h.channel.app.bot, Limits(1000, 1000))
    return await user.read()


async def script(h, user, *texts):
    out = []
    for text in texts:
        out = await turn(h, user, text)
    return out


@needs_emulator
async def test_follow_up_over_telegram(emulator, db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("PANTAU_MEDIA_DIR", str(tmp_path / "media"))
    h = Harness(emulator, db_url)
    kader, fasil, opd, koord = (SimUser(emulator, h.compat, i, n) for i, n in (
        (5001, "Siti"), (5002, "Marthen"), (5003, "Hasan"), (5004, "Koordinator")))
    async with serving(h.compat.app(), h.compat_port):
        h.pipeline = await open_pipeline(db_url)
        async with h.pipeline.db.session() as s:
            await upsert_round(s, "Juli 2024", "2024-07-01", "2024-08-31")
        async with h.pipeline.db.session() as s:
            from storage.agencies import add
            await add(s, "81.05", "Dinas Koperasi", NOW)
            code = await create_invite(s, "opd", "81.05", NOW, agency="Dinas Koperasi")
        h.channel = TelegramChannel(h.cfg, h.pipeline)
        await h.channel.start()
        try:
            await script(h, kader, "/start", "Siti Aminah", "Kader desa", "Kilmury, Kilmury", "Ya")
            out = await script(h, kader, "Laporan pemantauan", "Tenun ikat", "Kerajinan / tenun", "Belum berjalan",
                               "modal kurang", "Kabupaten", "modal usaha tenun", "lewati", "lewati", "selesai")
            assert out[-1]["keyboard"] == ["Kirim", "Ubah jawaban", "Batal"]
            await turn(h, kader, "Kirim")
            async with h.pipeline.db.session() as s:       # a fasilitator needs an invite (issue 12)
                fcode = await create_invite(s, "fasilitator", "81.05.08", NOW)
            await script(h, fasil, "/start", "Marthen", "Fasilitator kecamatan", fcode)
            out = await turn(h, fasil, "Tindak lanjut usulan desa")
            assert out[-1]["keyboard"][0] == "Tulis rekomendasi" and "Desa Kilmury: Tenun ikat" in out[-1]["text"]
            await script(h, fasil, "Tulis rekomendasi", "Bantuan modal usaha untuk kelompok tenun")
            out = await turn(h, fasil, "Dibawa ke forum kabupaten")
            assert out[-1]["keyboard"] == ["Dinas Koperasi"]
            out = await turn(h, fasil, "Dinas Koperasi, Oktober 2024")
            assert out[0]["text"].startswith("Tersimpan dan dibawa ke forum kabupaten")
            async with h.pipeline.db.session() as s:       # the kabupaten forum: a koordinator decides
                kcode = await create_invite(s, "koordinator", "81.05", NOW)
            await script(h, koord, "/start", "Koordinator SBT", "Koordinator program", kcode)
            out = await turn(h, koord, "Tindak lanjut usulan desa")
            assert out[-1]["keyboard"][:2] == ["Terima, teruskan ke OPD", "Ubah OPD"]
            out = await turn(h, koord, "Terima, teruskan ke OPD")
            assert out[0]["text"].startswith("Diterima dan diteruskan ke Dinas Koperasi")
            await script(h, opd, "/start", "Hasan Rumalutur", code)
            out = await turn(h, opd, "Tindak lanjut usulan desa")
            assert out[-1]["keyboard"][:4] == ["Diterima", "Dalam proses", "Selesai", "Tidak bisa"]
            await script(h, opd, "Dalam proses", "Proposal sedang diverifikasi")
            await send_due(h.pipeline.db, h.channel.app.bot, Limits(1000, 1000))
            news = [m["text"] for m in await kader.read()]
            assert news == [
                "Usulan Desa Kilmury tentang modal usaha tenun: dibawa ke forum kabupaten, diusulkan ditangani Dinas "
                "Koperasi, target Oktober 2024.\nRekomendasi: Bantuan modal usaha untuk kelompok tenun",
                "Usulan Desa Kilmury tentang modal usaha tenun: forum kabupaten menyetujui, ditangani Dinas Koperasi, "
                "target Oktober 2024.\nRekomendasi: Bantuan modal usaha untuk kelompok tenun",
                "Usulan Desa Kilmury tentang modal usaha tenun: Dinas Koperasi sedang memproses, target Oktober 2024."
                "\nRekomendasi: Bantuan modal usaha untuk kelompok tenun\nCatatan: Proposal sedang diverifikasi"]
        finally:
            await h.channel.stop()
            await h.pipeline.db.close()

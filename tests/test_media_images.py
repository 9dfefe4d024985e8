"""A "photo" is a raster image by its content (issue 28: stored XSS through an SVG attendance photo).

Whatever the sender, the file name or the platform declares, only JPEG, PNG, WebP and GIF are stored; an SVG,
an HTML page or bytes that merely start like a JPEG are refused, and the cadre is told politely, once, that
the file is not a photo. On every channel: the terminal (at once), WhatsApp and Telegram (after the commit)."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bot import media
from bot.images import NotAnImage, sniff
from storage.models import Outbox

from .images import SVG, image_bytes
from .test_http_edges import (MediaHost, _ok, hosts, in_thread, media_rows, peer, photo,  # noqa: F401 - a fixture
                              registered, whatsapp_app)

NOT_A_PHOTO = ("Maaf, berkas yang Anda kirim bukan foto, jadi tidak disimpan. Mohon kirim foto (JPG atau PNG) "
               "lewat tombol kamera atau lampiran.")


@pytest.mark.parametrize("data, mime", [
    (image_bytes(fmt="JPEG"), "image/jpeg"), (image_bytes(fmt="PNG"), "image/png"),
    (image_bytes(fmt="WEBP"), "image/webp"), (image_bytes(fmt="GIF"), "image/gif"),
])
def test_raster_images_are_photos_by_content(data, mime):
    assert sniff(data)[0] == mime


@pytest.mark.parametrize("data", [
    SVG, b"<html><script>alert(1)</script></html>", b"%PDF-1.4\n1 0 obj<<>>endobj",
    b"\xff\xd8\xff fake jpeg bytes of an attendance sheet",          # a JPEG's first bytes, nothing behind them
    b"\x89PNG\r\n\x1a\n" + b"<svg onload=alert(1)>", b"", b"GIF89a<script>",
    image_bytes(fmt="BMP"), image_bytes(fmt="TIFF"),                 # real images, but not kept as photos
])
def test_anything_else_is_not_a_photo(data):
    with pytest.raises(NotAnImage):
        sniff(data)


def test_a_terminal_photo_named_jpg_that_is_an_svg_is_refused_politely(tmp_path, monkeypatch):
    monkeypatch.setenv("PANTAU_MEDIA_DIR", str(tmp_path / "media"))
    from bot.channels import terminal
    fake = tmp_path / "daftar_hadir.jpg"
    fake.write_bytes(SVG)
    with pytest.raises(media.NotAPhoto):
        media.store_file(str(fake))

    class NoPipeline:                     # the refusal comes before anything is handed to the pipeline
        async def handle(self, *a):
            raise AssertionError("an SVG reached the pipeline")
    replies, _ = asyncio.run(terminal._one(NoPipeline(), "kader", {"photo": str(fake)}))
    assert replies == [{"text": NOT_A_PHOTO}]
    assert not list((tmp_path / "media").glob("*.svg")) and not list((tmp_path / "media").glob("*.jpg"))
    real = tmp_path / "foto.bin"                   # a real photo is kept whatever its name says
    real.write_bytes(image_bytes(fmt="PNG"))
    digest, path, mime, _ = media.store_file(str(real))
    assert mime == "image/png" and path.suffix == ".png"


async def test_a_whatsapp_svg_declared_as_an_image_is_refused_and_the_cadre_told(db_url, peer, tmp_path,  # noqa: F811
                                                                                  monkeypatch):
    """Twilio says image/svg+xml (or even image/jpeg) and serves an SVG: the row fails, no file is kept, the
    sender reads that it is not a photo; a real JPEG beside it is stored as image/jpeg."""
    monkeypatch.setenv("PANTAU_MEDIA_DIR", str(tmp_path / "media"))
    host = MediaHost()
    host.routes["/m/svg"] = lambda r: _ok(SVG, "image/svg+xml")
    host.routes["/m/lying"] = lambda r: _ok(SVG, "image/jpeg")
    host.routes["/m/ok"] = lambda r: _ok(image_bytes("ok"), "image/png")       # declared png, is a jpeg
    async with hosts((host.app(), host.port)):
        async with whatsapp_app(db_url, peer, (host.url,)) as (url, pipeline, phone):
            await registered(phone, pipeline)
            for path in ("/m/svg", "/m/lying", "/m/ok"):
                assert (await photo(phone, host.url + path)).status_code == 200
                await asyncio.gather(*media._tasks)
                await in_thread(phone.say, "lewati") if path == "/m/ok" else None
            rows = {r.url.rsplit("/", 1)[1]: r for r in await media_rows(pipeline)}
            async with pipeline.db.session() as s:
                told = [o.payload["text"] for o in await s.scalars(select(Outbox)) if "bukan foto" in o.payload["text"]]
    assert rows["svg"].status == "failed" and rows["lying"].status == "failed"
    assert "not a raster image" in rows["svg"].error
    assert told == [NOT_A_PHOTO, NOT_A_PHOTO]
    assert rows["ok"].status == "stored" and rows["ok"].mime == "image/jpeg" and rows["ok"].path.endswith(".jpg")
    assert not [p for p in (tmp_path / "media").iterdir() if p.suffix in (".svg", ".part")]


async def test_a_telegram_file_that_is_not_an_image_is_refused_as_not_a_photo(tmp_path, monkeypatch):
    monkeypatch.setenv("PANTAU_MEDIA_DIR", str(tmp_path / "media"))
    from bot.channels.telegram_media import TelegramMedia

    class File:
        file_size = len(SVG)

        async def download_as_bytearray(self):
            return bytearray(SVG)

    class Bot:
        async def get_file(self, file_id):
            return File()
    with pytest.raises(media.NotAPhoto):
        await TelegramMedia(Bot())("telegram:abc")


def test_a_file_that_is_not_a_photo_at_the_photo_question_is_answered_politely(kader):
    """A document (a Telegram file, a WhatsApp PDF or contact card): kind "other". At the story's photo question
    the cadre reads that it is not a photo and how to send one, and the question comes again."""
    kader.say("menu"), kader.say("3"), kader.say("komunitas")
    kader.say("Ibu-ibu sekarang berani bicara di musyawarah desa."), kader.say("Kelompok tenun Dusun II")
    kader.say("Sekarang suara kami didengar."), kader.say("Januari sampai Juli 2024")
    asked = kader.say("anonim")
    out = kader.say("", kind="other")
    assert out.startswith("Maaf, berkas ini bukan foto") and "JPG atau PNG" in out
    assert asked.splitlines()[-1] in out                     # the photo question again, nothing lost
    assert "suara dan stiker" not in out

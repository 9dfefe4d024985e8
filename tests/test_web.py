"""The dashboard over HTTP (the app of `pantau serve`, in process): sign-in from a chat link, the numbers
of a fixed scenario, access limited to the person's own area (404 elsewhere, for every page), CSRF,
reminders through the outbox, sign-out from the web and from the chat."""
from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from bot.server import build_app
from storage.models import Outbox

from .conftest import NOW
from .web_scenario import KAB, ROUND, Scenario


@pytest.fixture(autouse=True)
def web_env(tmp_path, monkeypatch):
    monkeypatch.setenv("PANTAU_MEDIA_DIR", str(tmp_path / "media"))
    monkeypatch.setenv("PANTAU_WEB_SECRET", "test-secret-0123456789abcdef")
    monkeypatch.setenv("PANTAU_PUBLIC_URL", "https://pantau.example.org")


def run(db_url, scenario):
    async def go():
        w = Scenario(db_url)
        await w.build()
        app = build_app(w.p, run_senders=False)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://pantau.example.org") as client:
            try:
                await scenario(w, client)
            finally:
                await w.p.db.close()
    asyncio.run(go())


async def sign_in(w: Scenario, client: httpx.AsyncClient, sender: str = "koord") -> str:
    link = await w.login_link(sender)
    path = link.split("pantau.example.org", 1)[1]
    page = await client.get(path)
    assert page.status_code == 200 and "Buka dasbor" in page.text
    done = await client.post(path)
    assert done.status_code == 303
    return path


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', html).group(1)


def number(html: str, name: str) -> str:
    return re.search(rf'data-num="{name}">(?:[^<]*<b>)?([^<]+)<', html).group(1)


def test_link_from_the_chat_opens_a_session_once(db_url):
    async def scenario(w, client):
        path = await sign_in(w, client)
        cookie = client.cookies.jar
        [c] = [c for c in cookie if c.name == "pantau_dasbor"]
        assert c.secure and c.path == "/dasbor" and c.has_nonstandard_attr("HttpOnly")
        home = await client.get("/dasbor", follow_redirects=True)
        assert home.status_code == 200 and "Ringkasan Kab. Seram Bagian Timur" in home.text
        fresh = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
        again = await fresh.get(path)
        assert again.status_code == 410 and "sudah dipakai" in again.text
        assert (await fresh.post(path)).status_code == 410
        assert (await fresh.get("/dasbor/wilayah/81.05")).status_code == 401
    run(db_url, scenario)


def test_an_expired_link_is_refused(db_url):
    async def scenario(w, client):
        w.clock["now"] = NOW - timedelta(minutes=16)
        link = await w.login_link()
        w.clock["now"] = NOW
        path = link.split("pantau.example.org", 1)[1]
        page = await client.get(path)
        assert page.status_code == 410 and "kedaluwarsa" in page.text
        assert (await client.post(path)).status_code == 410
    run(db_url, scenario)


def test_a_kader_gets_no_link(db_url):
    async def scenario(w, client):
        replies = await w.say(f"kader-{w.on_time[0]}", "dasbor")
        assert replies[0]["text"] == "Perintah ini untuk fasilitator dan koordinator."
        assert "/dasbor/masuk/" not in " ".join(r["text"] for r in replies)
    run(db_url, scenario)


def test_the_menu_of_a_coordinator_offers_the_dashboard(db_url):
    async def scenario(w, client):
        replies = await w.say("koord", "menu")
        assert "Buka dasbor" in replies[-1]["choices"]
        picked = await w.say("koord", str(replies[-1]["choices"].index("Buka dasbor") + 1))
        assert "/dasbor/masuk/" in picked[0]["text"]
    run(db_url, scenario)


def test_kabupaten_page_shows_the_numbers_of_the_roll_up(db_url):
    async def scenario(w, client):
        await sign_in(w, client)
        page = await client.get(f"/dasbor/wilayah/{KAB}")
        html = page.text
        totals = w.totals
        assert number(html, "meetings") == str(totals["meetings"])
        assert number(html, "men") == str(totals["men"]) and number(html, "women") == str(totals["women"])
        pct = round(100 * totals["women"] / totals["participants"], 1)
        assert number(html, "pct") == f"{pct:.1f}%".replace(".", ",")
        assert number(html, "tepat_waktu") == "4" and number(html, "terlambat") == "1"
        assert number(html, "sedang_diisi") == "1" and number(html, "belum") == "3"
        for kec in w.kec:
            assert f'data-area="{kec}"' in html
        assert len(page.content) < 150_000
        # drill down: kecamatan → desa
        kec = await client.get(f"/dasbor/wilayah/{w.kec[0]}")
        assert f'data-area="{w.on_time[0]}"' in kec.text
        assert "Kab. Seram Bagian Timur</a>" in kec.text           # breadcrumb back up
        desa = await client.get(f"/dasbor/wilayah/{w.corrected}")
        assert "Revisi 2" in desa.text and "Fasil Satu" in desa.text
        assert f"/foto/{w.photo}?kecil=1" in desa.text
    run(db_url, scenario)


def test_lists_filtered_by_kind_or_round_count_only_what_matches(db_url):
    async def scenario(w, client):
        await sign_in(w, client)
        musdes = (await client.get(f"/dasbor/wilayah/{KAB}/pertemuan?jenis=musdes")).text
        assert f"{w.totals['meetings']} pertemuan" in musdes and musdes.count("<tr><td>") == w.totals["meetings"]
        other = (await client.get(f"/dasbor/wilayah/{KAB}/pertemuan?jenis=pelatihan")).text
        assert "0 pertemuan" in other and "<tbody>" not in other
        reported = len(w.on_time) + len(w.late)               # one activity in each monitoring report
        acts = (await client.get(f"/dasbor/wilayah/{KAB}/kegiatan?putaran={ROUND[0]}")).text
        assert f"{reported} kegiatan" in acts
    run(db_url, scenario)


def test_english_switch_and_number_format(db_url):
    async def scenario(w, client):
        await sign_in(w, client)
        html = (await client.get(f"/dasbor/wilayah/{KAB}")).text
        switched = await client.post("/dasbor/bahasa", data={"csrf": csrf_of(html), "lang": "en",
                                                             "next": f"/dasbor/wilayah/{KAB}"})
        assert switched.status_code == 303
        en = (await client.get(f"/dasbor/wilayah/{KAB}")).text
        assert "Summary" in en and 'lang="en"' in en
        totals = w.totals
        assert number(en, "pct") == f"{round(100 * totals['women'] / totals['participants'], 1):.1f}%"
    run(db_url, scenario)


def test_a_revision_says_who_changed_what(db_url):
    async def scenario(w, client):
        await sign_in(w, client)
        desa = (await client.get(f"/dasbor/wilayah/{w.corrected}")).text
        link = re.search(r'href="(/dasbor/laporan/\d+/revisi/2)"', desa).group(1)
        page = (await client.get(link)).text
        assert "Fasil Satu" in page
        women = w.women[w.corrected]
        assert re.search(rf"Perempuan</th><td><del>{women - 2}</del></td><td><ins>{women}</ins>", page)
    run(db_url, scenario)


def test_photos_are_served_only_inside_the_area(db_url):
    async def scenario(w, client):
        await sign_in(w, client)
        desa = (await client.get(f"/dasbor/wilayah/{w.corrected}")).text
        thumb = re.search(r'src="(/dasbor/laporan/\d+/foto/[0-9a-f]+\?kecil=1)"', desa).group(1)
        small = await client.get(thumb)
        assert small.status_code == 200 and small.headers["content-type"] == "image/jpeg"
        full = await client.get(thumb.split("?")[0])
        assert full.status_code == 200 and full.headers["content-type"] == "image/png"
        assert len(small.content) < len(full.content)
        other = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
        await sign_in(w, other, "koord-other")
        assert (await other.get(thumb)).status_code == 404
        report_id = int(thumb.split("/")[3])
        assert (await client.get(f"/dasbor/laporan/{report_id}/foto/{'0' * 64}")).status_code == 404
    run(db_url, scenario)


def test_a_photo_that_never_arrived_is_not_shown_as_a_photo(db_url):
    """A photo fetched after the commit that failed for good (its sender was asked to send it again): the
    report keeps its reference, but the desa page shows no broken image for it."""
    async def scenario(w, client):
        from sqlalchemy import update

        from storage.models import Media
        await sign_in(w, client)
        assert f"/foto/{w.photo}?kecil=1" in (await client.get(f"/dasbor/wilayah/{w.corrected}")).text
        async with w.p.db.session() as s, s.begin():
            await s.execute(update(Media).where(Media.sha256 == w.photo).values(status="failed", path=""))
        desa = (await client.get(f"/dasbor/wilayah/{w.corrected}")).text
        assert "Revisi 2" in desa and f"/foto/{w.photo}" not in desa
    run(db_url, scenario)


PAGES = ["", "/belum", "/pertemuan", "/kegiatan", "/matriks", "/cerita", "/unduh", "/unduh?berkas=1"]


@pytest.mark.parametrize("suffix", PAGES)
def test_every_page_of_another_area_is_not_found(db_url, suffix):
    async def scenario(w, client):
        await sign_in(w, client, "koord-other")                   # koordinator of 81.01
        own = await client.get(f"/dasbor/wilayah/81.01{suffix}")
        assert own.status_code == 200
        for code in (KAB, w.kec[0], w.on_time[0], "99.99"):
            page = await client.get(f"/dasbor/wilayah/{code}{suffix}")
            assert page.status_code == 404, (code, suffix)
            assert "di luar wilayah Anda" in page.text
    run(db_url, scenario)


def test_revision_and_reminder_of_another_area_are_not_found(db_url):
    async def scenario(w, client):
        await sign_in(w, client)
        desa = (await client.get(f"/dasbor/wilayah/{w.corrected}")).text
        link = re.search(r'href="(/dasbor/laporan/\d+/revisi/2)"', desa).group(1)
        other = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
        await sign_in(w, other, "koord-other")
        assert (await other.get(link)).status_code == 404
        own = (await other.get("/dasbor/wilayah/81.01/belum")).text
        sent = await other.post("/dasbor/wilayah/81.01/pengingat", data={
            "csrf": csrf_of(own), "kader": w.kader[w.missing[0]].id, "putaran": ROUND[0]})
        assert sent.status_code == 404
        sent = await other.post(f"/dasbor/wilayah/{KAB}/pengingat", data={
            "csrf": csrf_of(own), "kader": w.kader[w.missing[0]].id, "putaran": ROUND[0]})
        assert sent.status_code == 404
    run(db_url, scenario)


def test_form_posts_without_the_token_are_refused(db_url):
    async def scenario(w, client):
        await sign_in(w, client)
        for path, data in (("/dasbor/bahasa", {"lang": "en"}), ("/dasbor/keluar", {}),
                           (f"/dasbor/wilayah/{KAB}/pengingat", {"kader": w.kader[w.missing[0]].id,
                                                                 "putaran": ROUND[0]})):
            for token in (None, "0" * 64):
                sent = await client.post(path, data={**data, **({"csrf": token} if token else {})})
                assert sent.status_code == 403, path
        assert (await client.get(f"/dasbor/wilayah/{KAB}")).status_code == 200      # still signed in
        async with w.p.db.session() as s:
            assert not [r for r in await s.scalars(select(Outbox)) if r.payload.get("template")]
    run(db_url, scenario)


def test_reminder_goes_through_the_outbox_once_and_says_when(db_url):
    async def scenario(w, client):
        await sign_in(w, client)
        page = (await client.get(f"/dasbor/wilayah/{KAB}/belum")).text
        for d in w.missing:
            assert f'data-desa="{d}"' in page
        assert "WhatsApp" in page
        target = w.kader[w.missing[1]]                    # a terminal kader: free text, now (12.00 WIT)
        sent = await client.post(f"/dasbor/wilayah/{KAB}/pengingat", data={
            "csrf": csrf_of(page), "kader": target.id, "putaran": ROUND[0]})
        assert sent.status_code == 200 and "dikirim sekarang" in sent.text
        again = await client.post(f"/dasbor/wilayah/{KAB}/pengingat", data={
            "csrf": csrf_of(page), "kader": target.id, "putaran": ROUND[0]})
        assert "sudah diantrekan" in again.text
        # WhatsApp, last message 3 days ago, no approved template configured: not queued, and said so
        wa = await client.post(f"/dasbor/wilayah/{KAB}/pengingat", data={
            "csrf": csrf_of(page), "kader": w.kader[w.whatsapp_kader].id, "putaran": ROUND[0]})
        assert "lebih dari 24 jam" in wa.text and "tidak bisa dikirim" in wa.text
        # at night in Maluku (21.00 WIT) it waits until 07.00
        w.clock["now"] = NOW + timedelta(hours=9)
        night = await client.post(f"/dasbor/wilayah/{KAB}/pengingat", data={
            "csrf": csrf_of(page), "kader": w.kader[w.missing[2]].id, "putaran": ROUND[0]})
        assert "jam tenang" in night.text and "07.00 WIT" in night.text
        async with w.p.db.session() as s:
            rows = [r for r in await s.scalars(select(Outbox).order_by(Outbox.id)) if r.payload.get("template")]
        assert [r.external_id for r in rows] == [f"kader-{w.missing[1]}", f"kader-{w.missing[2]}"]
        assert rows[0].payload["template"] == "reminder_after" and "belum kami terima" in rows[0].payload["text"]
        later = rows[1].next_attempt_at
        assert (later.replace(tzinfo=later.tzinfo or NOW.tzinfo) - NOW).total_seconds() == 19 * 3600   # 07.00 WIT
    run(db_url, scenario)


def test_sign_out_on_the_web_and_keluar_in_the_chat(db_url):
    async def scenario(w, client):
        await sign_in(w, client)
        html = (await client.get(f"/dasbor/wilayah/{KAB}")).text
        out = await client.post("/dasbor/keluar", data={"csrf": csrf_of(html)})
        assert out.status_code == 200 and "sudah keluar" in out.text.lower()
        assert (await client.get(f"/dasbor/wilayah/{KAB}")).status_code == 401
        second = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
        await sign_in(w, second)
        assert (await second.get(f"/dasbor/wilayah/{KAB}")).status_code == 200
        replies = await w.say("koord", "keluar")
        assert "ditutup" in replies[0]["text"]
        assert (await second.get(f"/dasbor/wilayah/{KAB}")).status_code == 401
        assert "Tidak ada dasbor" in (await w.say("koord", "keluar"))[0]["text"]
    run(db_url, scenario)


def test_a_session_ends_after_12_hours_idle(db_url):
    async def scenario(w, client):
        await sign_in(w, client)
        w.clock["now"] = NOW + timedelta(hours=11)
        assert (await client.get(f"/dasbor/wilayah/{KAB}")).status_code == 200
        w.clock["now"] = NOW + timedelta(hours=22, minutes=30)      # 11.5 h after the last page: still open
        assert (await client.get(f"/dasbor/wilayah/{KAB}")).status_code == 200
        w.clock["now"] = NOW + timedelta(hours=34, minutes=31)
        assert (await client.get(f"/dasbor/wilayah/{KAB}")).status_code == 401
    run(db_url, scenario)


def test_pantau_serve_starts_without_a_channel_and_says_what_is_missing(cli_env, tmp_path):
    """`pantau serve` with no token at all: a warning naming the variables, and the dashboard answers."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in cli_env.items() if not k.startswith(("TWILIO_", "TELEGRAM_"))}
    env.update(PANTAU_WEB_SECRET="serve-test-secret-0123456789", PANTAU_MEDIA_DIR=str(tmp_path / "media"))
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--no-scheduler"], env=env, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None and time.monotonic() < deadline, "pantau serve did not start"
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/dasbor/wilayah/81.05", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert page.status_code == 401 and "Ketik &#34;dasbor&#34; di chat Pantau" in page.text
        assert httpx.get(f"http://127.0.0.1:{port}/health").text == "ok"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err[-2000:]          # a stop asked by a service manager is a clean stop, not 143
    assert "belum ada kanal" in err and "TELEGRAM_BOT_TOKEN" in err and "TWILIO_ACCOUNT_SID" in err


def test_the_cookie_is_secure_only_under_https(db_url, monkeypatch):
    monkeypatch.setenv("PANTAU_PUBLIC_URL", "http://127.0.0.1:8080")

    async def scenario(w, client):
        link = await w.login_link()
        path = link.split("127.0.0.1:8080", 1)[1]
        for base, secure in (("http://127.0.0.1:8080", False), ("https://pantau.example.org", True)):
            plain = httpx.AsyncClient(transport=client._transport, base_url=base)
            sent = await plain.post(path)
            cookie = sent.headers["set-cookie"]
            assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/dasbor" in cookie
            assert ("Secure" in cookie) is secure
            assert "Max-Age=43200" in cookie
            link = await w.login_link()
            path = link.split("127.0.0.1:8080", 1)[1]
    run(db_url, scenario)


def test_a_disabled_coordinator_loses_an_open_session(db_url):
    """`pantau contact disable` takes effect on the dashboard at once, not when the cookie runs out."""
    from storage.models import Contact

    async def scenario(w, client):
        await sign_in(w, client)
        assert (await client.get(f"/dasbor/wilayah/{KAB}")).status_code == 200
        async with w.p.db.session() as s, s.begin():
            await s.execute(Contact.__table__.update().where(Contact.role == "koordinator").values(disabled_at=NOW))
        assert (await client.get(f"/dasbor/wilayah/{KAB}")).status_code == 401
    run(db_url, scenario)

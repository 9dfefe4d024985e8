"""The dashboard in a real browser: Debian's Chromium driven by Playwright, against `pantau serve` started
with no channel configured, on the fixed scenario of tests/web_scenario.py.

A coordinator signs in with the link the bot sent in a terminal chat, reads the kabupaten's numbers,
drills down to a desa, opens a revision, sends a reminder (found in the outbox), switches to English
and signs out; the used link and an expired one are refused. axe-core checks every page (no serious
or critical violation). Screenshots at 360 and 1280 px go to $PANTAU_SCREENSHOTS (CI:
artifacts/screenshots), else under pytest's tmp_path.
"""
from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.db import Database
from storage.models import Outbox

from .conftest import NOW
from .web_scenario import KAB, Scenario

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:                 # pragma: no cover - the test extra installs it
    sync_playwright = None

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium not installed at {CHROMIUM} "
                       "(apt-get install -y chromium; .ci/run does)"),
    pytest.mark.skipif(sync_playwright is None, reason="playwright (Python) not installed"),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core not installed (npm ci)"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(db_url, tmp_path, monkeypatch):
    """The scenario stored, two links from the chat (one expired), and `pantau serve` running."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "TELEGRAM_"))}
    env.update(PANTAU_DATABASE_URL=db_url, PANTAU_DATA_DIR=str(tmp_path / "data"), PANTAU_MEDIA_DIR=str(tmp_path / "media"),
               PANTAU_PUBLIC_URL=base, PANTAU_NOW=NOW.isoformat(), PANTAU_WEB_SECRET="browser-test-secret-0123456789")
    for k in ("PANTAU_MEDIA_DIR", "PANTAU_PUBLIC_URL", "PANTAU_WEB_SECRET"):
        monkeypatch.setenv(k, env[k])
    w = Scenario(db_url)

    async def build():
        await w.build()
        w.clock["now"] = NOW - timedelta(minutes=16)
        expired = await w.login_link()
        w.clock["now"] = NOW
        link = await w.login_link()
        fasil = await w.login_link("fasil-01")
        forum = await w.login_link()                           # the koordinator again, for the forum
        from storage.agencies import add
        from storage.models import Contact
        from storage.repo import Tx
        from flows.types import NewContact
        async with w.p.db.session() as s, s.begin():
            kop = await add(s, "81.05", "Dinas Koperasi", NOW)   # the kabupaten's agencies (`pantau opd add`)
            opd = await Tx(s).create_contact("terminal", "opd-01", NewContact("Hasan Rumalutur", "opd", "81.05", "id"),
                                             NOW)
            row = await s.get(Contact, opd.id)
            row.agency_id, row.agency = kop.id, kop.name
        opd_link = await w.login_link("opd-01")
        await w.p.db.close()
        return link, expired, fasil, forum, opd_link
    link, expired, fasil, forum, opd_link = asyncio.run(build())
    log = open(tmp_path / "serve.log", "w+")
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--port", str(port), "--host", "127.0.0.1",
                             "--no-scheduler"], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert proc.poll() is None, (tmp_path / "serve.log").read_text()
                time.sleep(0.2)
        log.seek(0)
        yield {"base": base, "link": link, "expired": expired, "fasil": fasil, "forum": forum, "opd": opd_link,
               "scenario": w, "db_url": db_url,
               "log": log.read()}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def outbox_rows(url: str) -> list:
    async def read():
        db = Database(url)
        async with db.session() as s:
            rows = list(await s.scalars(select(Outbox).order_by(Outbox.id)))
        await db.close()
        return rows
    with ThreadPoolExecutor(1) as pool:         # Playwright's sync API keeps an event loop in this thread
        return pool.submit(asyncio.run, read()).result()


class Checker:
    """axe-core on every page a test visits; screenshots at two widths of the pages worth showing."""

    def __init__(self, page, folder: Path):
        self.page, self.folder, self.checked = page, folder, []
        folder.mkdir(parents=True, exist_ok=True)

    def axe(self):
        # not a <script> tag: the dashboard's Content-Security-Policy allows no script, and must not be weakened
        # for the test; evaluating in the page's context is the browser's devtools, which CSP does not govern
        self.page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
        result = self.page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
               if v["impact"] in ("serious", "critical")]
        assert not bad, f"{self.page.url}: {bad}"
        self.checked.append(self.page.url)

    def shoot(self, name: str):
        for width in (1280, 360):
            self.page.set_viewport_size({"width": width, "height": 900})
            self.page.screenshot(path=str(self.folder / f"{name}-{width}.png"), full_page=True)
        self.page.set_viewport_size({"width": 1280, "height": 900})
        width = self.page.evaluate("document.documentElement.scrollWidth")
        self.page.set_viewport_size({"width": 360, "height": 900})
        narrow = self.page.evaluate("document.documentElement.scrollWidth")
        self.page.set_viewport_size({"width": 1280, "height": 900})
        assert narrow <= 360, f"{name}: the page is {narrow} px wide at 360 px (wide tables must scroll inside)"
        return width


def test_a_coordinator_uses_the_dashboard_in_chromium(served, tmp_path):
    w: Scenario = served["scenario"]
    assert "belum ada kanal" in served["log"]                      # started without any channel, and said so
    shots = Path(os.environ.get("PANTAU_SCREENSHOTS") or tmp_path / "screenshots")
    totals = w.totals
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        blocked: list[str] = []            # the security headers must not break a page (CSP: no inline anything)
        page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
        check = Checker(page, shots)
        base = served["base"]

        page.goto(served["link"])
        check.axe()
        page.get_by_role("button", name="Buka dasbor").click()
        expect(page.locator("h1")).to_have_text("Ringkasan Kab. Seram Bagian Timur")
        assert page.url == f"{base}/dasbor/wilayah/{KAB}"
        num = lambda name: page.locator(f'[data-num="{name}"]').first.inner_text()  # noqa: E731
        assert num("meetings") == str(totals["meetings"])
        assert num("men") == str(totals["men"]) and num("women") == str(totals["women"])
        pct = round(100 * totals["women"] / totals["participants"], 1)
        assert num("pct") == f"{pct:.1f}%".replace(".", ",")
        assert "4" in num("tepat_waktu") and "3" in num("belum")
        check.axe()
        check.shoot("ringkasan-kabupaten")
        size = page.evaluate("performance.getEntriesByType('navigation')[0].transferSize")
        assert 0 < size < 150_000

        # drill down: kabupaten → kecamatan → desa, then a revision
        page.locator(f'tr[data-area="{w.kec[0]}"] th a').click()
        expect(page.locator("h1")).to_contain_text("Ringkasan Kec.")
        check.axe()
        page.locator(f'tr[data-area="{w.corrected}"] th a').click()
        expect(page.get_by_role("link", name="Revisi 2")).to_be_visible()
        check.axe()
        check.shoot("desa")
        page.get_by_role("link", name="Revisi 2").click()
        expect(page.locator("table.diff")).to_contain_text("Perempuan")
        assert "Fasil Satu" in page.inner_text("main")
        check.axe()
        check.shoot("revisi")
        page.get_by_role("link", name="Kab. Seram Bagian Timur").click()

        # Belum melapor → Kirim pengingat → the row is in the outbox
        page.get_by_role("navigation", name="Halaman").get_by_role("link", name="Belum melapor").click()
        target = w.kader[w.missing[1]]
        expect(page.locator(f'tr[data-desa="{w.missing[1]}"]')).to_contain_text("Terminal")
        check.axe()
        check.shoot("belum-melapor")
        before = len(outbox_rows(served["db_url"]))
        page.get_by_role("button", name=f"Kirim pengingat ke {target.name}").click()
        expect(page.locator("#notice")).to_contain_text("dikirim sekarang")
        check.axe()
        rows = outbox_rows(served["db_url"])
        [row] = rows[before:]
        assert row.external_id == f"kader-{w.missing[1]}" and row.status == "pending"
        assert row.payload["template"] == "reminder_after"

        for tab in ("Matriks rekomendasi", "Tindak lanjut", "Cerita perubahan", "Unduh"):
            page.get_by_role("navigation", name="Halaman").get_by_role("link", name=tab).click()
            expect(page.locator("h1")).to_be_visible()
            check.axe()
            if tab in ("Tindak lanjut", "Cerita perubahan"):        # the learning loop's pages (issue 15)
                check.shoot(tab.lower().replace(" ", "-"))
        page.goto(f"{base}/dasbor/wilayah/{KAB}/pertemuan")
        assert page.locator("tbody tr").count() == totals["meetings"]
        check.axe()
        page.goto(f"{base}/dasbor/wilayah/{KAB}/kegiatan")
        check.axe()
        with page.expect_download() as download:
            page.goto(f"{base}/dasbor/wilayah/{KAB}/unduh")
            page.get_by_role("button", name="Unduh Excel").click()
        assert download.value.suggested_filename == f"pantau-{KAB}.xlsx"

        # the fasilitator's follow-up work table: merge two desa's needs, carry them to the kabupaten
        fasil = browser.new_page(viewport={"width": 1280, "height": 900})
        fasil.goto(served["fasil"])
        fasil.get_by_role("button", name="Buka dasbor").click()
        fasil.goto(f"{base}/dasbor/wilayah/81.05.01/tindak-lanjut")
        boxes = fasil.locator('input[name="usulan"]')
        assert boxes.count() >= 2
        boxes.nth(0).check()
        boxes.nth(1).check()
        fasil.get_by_label("Rekomendasi yang disepakati").fill("Pelatihan usaha bersama untuk kelompok desa")
        fasil.get_by_label("Dibawa ke forum kabupaten").check()
        fasil.get_by_label("OPD yang bertanggung jawab", exact=False).fill("Dinas Koperasi")
        fasil.get_by_label("Target (bulan), misalnya: Oktober 2024").fill("Oktober 2024")
        fasil.get_by_role("button", name="Simpan rekomendasi").click()
        expect(fasil.locator("#notice")).to_contain_text("Tersimpan. 2 kader desa diberi tahu.")
        expect(fasil.locator("table.recs")).to_contain_text("Menunggu forum kabupaten (Fasil Satu)")
        Checker(fasil, shots).axe()
        Checker(fasil, shots).shoot("tindak-lanjut-fasilitator")
        fasil.close()

        # the kabupaten forum on a phone: the koordinator accepts what the kecamatan carried
        forum = browser.new_page(viewport={"width": 360, "height": 800})
        forum.goto(served["forum"])
        forum.get_by_role("button", name="Buka dasbor").click()
        forum.goto(f"{base}/dasbor/wilayah/{KAB}/tindak-lanjut")
        card = forum.locator("table.recs tr", has_text="Pelatihan usaha bersama untuk kelompok desa")
        expect(card).to_contain_text("Menunggu forum kabupaten")
        assert forum.evaluate("document.documentElement.scrollWidth") <= 360       # cards, no sideways scroll
        card.get_by_label("Keputusan forum").select_option("accept")
        card.get_by_label("Target").fill("November 2024")
        card.get_by_role("button", name="Simpan keputusan").click()
        expect(forum.locator("#notice")).to_contain_text("Keputusan forum tersimpan")
        assert "/tindak-lanjut?ok=forum" in forum.url                               # 303: a reload posts nothing
        forum.reload()
        expect(card).to_contain_text("Dikirim ke OPD")
        expect(card).to_contain_text("November 2024")
        Checker(forum, shots).axe()
        Checker(forum, shots).shoot("tindak-lanjut-forum")
        # the kabupaten's OPD list: one more agency, added on the phone (a redirect after the POST)
        forum.get_by_role("link", name="Daftar OPD").click()
        expect(forum.locator("h1")).to_contain_text("Daftar OPD")
        forum.get_by_label("Nama lengkap").fill("Dinas Perikanan")
        forum.get_by_role("button", name="Tambah", exact=True).click()
        expect(forum.locator("#notice")).to_contain_text("OPD \"Dinas Perikanan\" ditambahkan.")
        assert "/opd?ok=tambah" in forum.url
        Checker(forum, shots).axe()
        forum.close()

        # the OPD's view: only its agency's recommendation, answered on the page
        opd = browser.new_page(viewport={"width": 360, "height": 800})
        opd.goto(served["opd"])
        opd.get_by_role("button", name="Buka dasbor").click()
        expect(opd.locator("h1")).to_contain_text("Tindak lanjut")
        expect(opd.locator("main")).not_to_contain_text("Usulan desa yang menunggu")   # nothing of the desa's items
        card = opd.locator("table.recs tr", has_text="Pelatihan usaha bersama untuk kelompok desa")
        card.get_by_label("Status baru").select_option("dalam_proses")
        card.get_by_label("Catatan untuk desa").fill("Jadwal pelatihan disusun")
        card.get_by_role("button", name="Simpan status").click()
        expect(opd.locator("#notice")).to_contain_text("Tersimpan.")
        expect(card).to_contain_text("Dalam proses (Hasan Rumalutur) — Jadwal pelatihan disusun")
        assert opd.get_by_role("link", name="Matriks rekomendasi").count() == 0
        Checker(opd, shots).axe()
        Checker(opd, shots).shoot("tindak-lanjut-opd")
        opd.close()

        # English, then sign out
        page.goto(f"{base}/dasbor/wilayah/{KAB}")
        page.get_by_role("button", name="English").click()
        expect(page.locator("h1")).to_have_text("Summary of Kab. Seram Bagian Timur")
        assert num("pct") == f"{pct:.1f}%"
        check.axe()
        check.shoot("summary-english")
        page.get_by_role("button", name="Sign out").click()
        expect(page.locator("h1")).to_have_text("You have signed out")
        page.goto(f"{base}/dasbor/wilayah/{KAB}")
        expect(page.locator("h1")).to_have_text("Silakan masuk")
        check.axe()

        # the used link, and one older than 15 minutes, are refused
        page.goto(served["link"])
        expect(page.locator("main")).to_contain_text("sudah dipakai")
        check.axe()
        page.goto(served["expired"])
        expect(page.locator("main")).to_contain_text("kedaluwarsa")
        browser.close()
    assert blocked == []
    assert len(check.checked) >= 15
    for name in ("ringkasan-kabupaten", "desa", "revisi", "belum-melapor", "summary-english", "tindak-lanjut-fasilitator"):
        assert (shots / f"{name}-360.png").stat().st_size > 1000
    if os.environ.get("PANTAU_SCREENSHOTS"):
        shutil.copy(tmp_path / "serve.log", shots / "serve.log") if (tmp_path / "serve.log").exists() else None

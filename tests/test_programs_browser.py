"""Klaten's case in a real browser (issue 25): Desa Sengon (33.10.01.2001), where a PKH and a Kotaku kader
reported the same musdes and the PKH fasilitator matched them. The PKH koordinator's dashboard holds only PKH
(no program picker, no Forum page); the forum koordinator (invited with --program '*') sees one meeting
credited to both programs on the Forum page, and each program with the picker. axe-core on every page."""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from bot.channels.terminal import take_terminal_replies
from flows.types import Inbound
from storage import access
from storage.matches import forget_programs

from .programs_world import KLATEN, NOW, SENGON, Klaten
from .test_web_browser import ARGS, AXE, CHROMIUM, Checker, free_port, sync_playwright

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium not installed at {CHROMIUM}"),
    pytest.mark.skipif(sync_playwright is None, reason="playwright (Python) not installed"),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core not installed (npm ci)"),
]


async def _link(w, sender: str) -> str:
    await w.p.handle(Inbound("terminal", sender, str(uuid.uuid4()), text="dasbor"))
    texts = [r["text"] for r in await take_terminal_replies(w.p.db, sender)]
    return next(x for text in texts for x in text.split() if "/dasbor/masuk/" in x)


@pytest.fixture
def klaten_served(db_url, tmp_path, monkeypatch):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "TELEGRAM_"))}
    env.update(PANTAU_DATABASE_URL=db_url, PANTAU_DATA_DIR=str(tmp_path / "data"),
               PANTAU_MEDIA_DIR=str(tmp_path / "media"), PANTAU_PUBLIC_URL=base, PANTAU_NOW=NOW.isoformat(),
               PANTAU_WEB_SECRET="browser-test-secret-0123456789")
    for k in ("PANTAU_MEDIA_DIR", "PANTAU_PUBLIC_URL", "PANTAU_WEB_SECRET"):
        monkeypatch.setenv(k, env[k])

    async def build():
        w = Klaten(db_url)
        await w.build()
        async with w.p.db.session() as s, s.begin():        # the PKH fasilitator: "one event"
            [match] = [x for x in await access.waiting_for(s, w.fasil_pkh) if x.kind == "match"]
            await access.decide(s, w.fasil_pkh, "match", match.ref, "same", NOW)
        links = {who: await _link(w, who) for who in ("koord-pkh", "forum")}
        await w.p.db.close()
        forget_programs()
        return links
    links = asyncio.run(build())
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
        yield {"base": base, **links}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def _forum_row(page, label: str) -> list[str]:
    row = page.locator("table tbody tr", has=page.locator("th", has_text=label)).first
    return [c.strip() for c in row.locator("td").all_inner_texts()]


def test_klaten_in_chromium_each_program_its_own_and_the_forum_one_meeting_for_both(klaten_served, tmp_path):
    base = klaten_served["base"]
    shots = Path(os.environ.get("PANTAU_SCREENSHOTS") or tmp_path / "screenshots")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        from playwright.sync_api import expect

        pkh = browser.new_page(viewport={"width": 1280, "height": 900})
        check = Checker(pkh, shots)
        pkh.goto(klaten_served["koord-pkh"])
        pkh.get_by_role("button", name="Buka dasbor").click()
        expect(pkh.locator("h1")).to_contain_text("Klaten")
        assert pkh.locator('[data-num="meetings"]').first.inner_text() == "1"
        assert pkh.locator('select[name="program"]').count() == 0          # one program: no picker
        assert pkh.get_by_role("link", name="Forum").count() == 0
        check.axe()
        pkh.goto(f"{base}/dasbor/wilayah/{KLATEN}/pertemuan?putaran=")
        expect(pkh.locator("main")).to_contain_text("Sri PKH")
        expect(pkh.locator("main")).not_to_contain_text("Wati Kotaku")
        check.axe()
        pkh.goto(f"{base}/dasbor/wilayah/{SENGON}")
        expect(pkh.locator("main")).to_contain_text("Kegiatan Sri PKH")
        expect(pkh.locator("main")).not_to_contain_text("Kegiatan Wati Kotaku")
        check.axe()
        assert pkh.goto(f"{base}/dasbor/wilayah/{KLATEN}/forum").status == 404

        forum = browser.new_page(viewport={"width": 1280, "height": 900})
        fcheck = Checker(forum, shots)
        forum.goto(klaten_served["forum"])
        forum.get_by_role("button", name="Buka dasbor").click()
        expect(forum.locator("h1")).to_contain_text("Klaten")
        forum.get_by_role("navigation", name="Halaman").get_by_role("link", name="Forum").click()
        expect(forum.locator("h1")).to_contain_text("Forum lintas program")
        head = [c.strip() for c in forum.locator("table thead th").all_inner_texts()]
        assert head[1:] == ["Program utama", "Program Keluarga Harapan", "Kotaku", "Jumlah (tanpa ganda)"]
        # one musdes, credited to PKH and to Kotaku, counted once in the total
        assert _forum_row(forum, "Pertemuan")[:4] == ["0", "1", "1", "1"]
        fcheck.axe()
        fcheck.shoot("forum-klaten")
        forum.goto(f"{base}/dasbor/wilayah/{KLATEN}/pertemuan?putaran=")
        expect(forum.locator("main")).to_contain_text("Sri PKH")
        expect(forum.locator("main")).to_contain_text("Wati Kotaku")
        forum.locator('select[name="program"]').select_option("kotaku")
        forum.get_by_role("button", name="Tampilkan").click()
        expect(forum.locator("main")).to_contain_text("Wati Kotaku")
        expect(forum.locator("main")).not_to_contain_text("Sri PKH")
        fcheck.axe()
        browser.close()
    assert len(check.checked) + len(fcheck.checked) >= 5

"""The dashboard is program × area too (issue 25): the PKH koordinator's pages hold only PKH, a report of Kotaku
is not found for them, and the forum koordinator has every program, a program picker and the forum page."""
from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from sqlalchemy import select

from bot.channels.terminal import take_terminal_replies
from bot.server import build_app
from flows.types import Inbound
from storage.models import Report

from .programs_world import KLATEN, SENGON, Klaten


@pytest.fixture(autouse=True)
def web_env(tmp_path, monkeypatch):
    monkeypatch.setenv("PANTAU_MEDIA_DIR", str(tmp_path / "media"))
    monkeypatch.setenv("PANTAU_WEB_SECRET", "test-secret-0123456789abcdef")
    monkeypatch.setenv("PANTAU_PUBLIC_URL", "https://pantau.example.org")


async def _client_for(w, app, sender):
    await w.p.handle(Inbound("terminal", sender, str(uuid.uuid4()), text="dasbor"))
    text = (await take_terminal_replies(w.p.db, sender))[0]["text"]
    path = next(x for x in text.split() if "/dasbor/masuk/" in x).split("pantau.example.org", 1)[1]
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://pantau.example.org")
    assert (await client.post(path)).status_code == 303
    return client


def test_each_koordinator_sees_their_program_and_the_forum_sees_both(db_url):
    async def go():
        from storage.matches import forget_programs
        w = Klaten(db_url)
        await w.build()
        app = build_app(w.p, run_senders=False)
        try:
            async with w.p.db.session() as s:
                kotaku_report = await s.scalar(select(Report.id).where(Report.program_id == w.kotaku))
            pkh = await _client_for(w, app, "koord-pkh")
            meetings = (await pkh.get(f"/dasbor/wilayah/{KLATEN}/pertemuan?putaran=")).text
            assert "Sri PKH" in meetings and "Wati Kotaku" not in meetings
            desa = (await pkh.get(f"/dasbor/wilayah/{SENGON}")).text
            assert "Kegiatan Sri PKH" in desa and "Kegiatan Wati Kotaku" not in desa
            assert (await pkh.get(f"/dasbor/laporan/{kotaku_report}/revisi/1")).status_code == 404
            assert (await pkh.get(f"/dasbor/wilayah/{KLATEN}/forum")).status_code == 404
            assert 'name="program"' not in meetings                         # no picker for one program
            forum = await _client_for(w, app, "forum")
            both = (await forum.get(f"/dasbor/wilayah/{KLATEN}/pertemuan?putaran=")).text
            assert "Sri PKH" in both and "Wati Kotaku" in both and 'name="program"' in both
            picked = (await forum.get(f"/dasbor/wilayah/{KLATEN}/pertemuan?putaran=&program=kotaku")).text
            assert "Wati Kotaku" in picked and "Sri PKH" not in picked
            assert (await forum.get(f"/dasbor/laporan/{kotaku_report}/revisi/1")).status_code == 200
            page = await forum.get(f"/dasbor/wilayah/{KLATEN}/forum")
            assert page.status_code == 200 and "Kotaku" in page.text and "Jumlah (tanpa ganda)" in page.text
            for c in (pkh, forum):
                await c.aclose()
        finally:
            await w.p.db.close()
            forget_programs()
    asyncio.run(go())

"""An OPD (a kabupaten agency) sees only the recommendations carried to its own agency (issue 28, issue 24):
one rule (flows/permissions.py) asked by the chat, the jobs and every dashboard page. Per chat request, per
`pantau chat` command and per dashboard page: no summary, no desa list with kader names, no Excel, no
reminders, no reports, photos or stories; its own items on the Tindak lanjut page, answered there."""
from __future__ import annotations

import asyncio
import re

import httpx
import pytest
from sqlalchemy import select

from bot.server import build_app
from flows import permissions as P
from storage.models import Job, Outbox, Recommendation, Report

from .conftest import NOW
from .loop_world import World
from .test_cli_e2e import chat, run as cli, text
from .test_loop_e2e import FASIL, KA, KB, KOORD, OPD_KOP, OPD_TANI, texts, village_reports
from .test_web import csrf_of
from .test_web_loop import signed_in, web_env  # noqa: F401 - a fixture

KAB = "81.05"
REFUSED = "Perintah ini untuk fasilitator dan koordinator."


@pytest.mark.parametrize("role, allowed", [
    ("kader", set()),
    ("fasilitator", {P.AREA, P.MISSING, P.EXPORT, P.REMIND, P.STORIES, P.DASHBOARD, P.FOLLOWUP, P.RECOMMEND}),
    ("koordinator", {P.AREA, P.MISSING, P.EXPORT, P.REMIND, P.STORIES, P.DASHBOARD, P.FOLLOWUP, P.ANSWER, P.FORUM,
                     P.AGENCIES}),
    ("opd", {P.DASHBOARD, P.FOLLOWUP, P.ANSWER}),
    ("tamu", set()),
])
def test_one_rule_per_role(role, allowed):
    every = {P.AREA, P.MISSING, P.EXPORT, P.REMIND, P.STORIES, P.DASHBOARD, P.FOLLOWUP, P.RECOMMEND, P.ANSWER, P.FORUM,
             P.AGENCIES}
    assert {w for w in every if P.may(role, w)} == allowed
    assert P.agency_only(role) == (role == "opd")


async def _loop(w: World) -> None:
    """Two agencies each with one recommendation carried to the kabupaten; both OPD registered."""
    await village_reports(w)
    kop = await w.invite("opd", KAB, "Dinas Koperasi")
    tani = await w.invite("opd", KAB, "Dinas Pertanian")
    await w.script(FASIL, "tindak lanjut", "2", "1", "Bantuan modal usaha untuk kelompok tenun Nekan dan Kilmury",
                   "3", "1, Oktober 2024",
                   "Pengadaan bibit sayur tepat waktu sebelum musim tanam", "kabupaten", "Dinas Pertanian, September 2024",
                   "menu", record=False)
    await w.script(OPD_KOP, "halo", "Hasan Rumalutur", kop, "menu", record=False)
    await w.script(OPD_TANI, "halo", "Maria Wattimena", tani, "menu", record=False)
    await w.script(KOORD, "halo", "Koordinator SBT", await w.invite("koordinator", KAB), "tindak lanjut", "terima",
                   "terima", "menu", record=False)       # the kabupaten forum accepts both


def _run(db_url, tmp_path, monkeypatch, scenario):
    monkeypatch.setenv("PANTAU_DATA_DIR", str(tmp_path / "data"))

    async def go():
        w = await World.open(db_url, NOW)
        app = build_app(w.p, run_senders=False)
        try:
            await _loop(w)
            await scenario(w, lambda: httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                                        base_url="https://pantau.example.org"))
        finally:
            await w.p.db.close()
    asyncio.run(go())


@pytest.mark.parametrize("request_words", ["ringkasan", "belum", "unduh", "/ringkasan", "Excel"])
def test_an_opd_chat_request_for_area_data_is_refused(db_url, tmp_path, monkeypatch, request_words):
    async def scenario(w, _client):
        async with w.p.db.session() as s:
            jobs_before = len(list(await s.scalars(select(Job))))
        said = texts(await w.say(OPD_KOP, request_words, record=False))
        assert said.startswith(REFUSED) and "tindak lanjut" in said
        assert "Siti Aminah" not in said and "Yohana" not in said and "Kilmury" not in said
        async with w.p.db.session() as s:
            assert len(list(await s.scalars(select(Job)))) == jobs_before        # no summary or Excel rendered
            docs = [o for o in await s.scalars(select(Outbox).where(Outbox.external_id == OPD_KOP))
                    if o.payload.get("document") or o.payload.get("image")]
        assert docs == []
        # the koordinator of the same kabupaten still gets it (the rule is per role, not a blanket refusal)
        assert REFUSED not in texts(await w.say(KOORD, request_words, record=False))
    _run(db_url, tmp_path, monkeypatch, scenario)


def test_an_opd_job_is_refused_when_rendered_too(db_url, tmp_path, monkeypatch):
    """A request recorded before the rule (or by a role changed since) is checked again when it is rendered."""
    from bot.reports.coordinator import fulfil
    from storage.repo import Tx

    async def scenario(w, _client):
        async with w.p.db.session() as s:
            opd = await Tx(s).contact_for("terminal", OPD_KOP)
            for what in ("summary", "missing", "export"):
                [reply] = await fulfil(s, what, opd, NOW, w.p.forms, "id")
                assert reply.text == REFUSED and reply.document is None and reply.image is None
    _run(db_url, tmp_path, monkeypatch, scenario)


def test_an_opd_on_the_dashboard_sees_only_its_agency_and_answers_it(db_url, tmp_path, monkeypatch):
    async def scenario(w, new_client):
        async with w.p.db.session() as s:
            recs = {r.agency: r.id for r in await s.scalars(select(Recommendation))}
            report = await s.scalar(select(Report).where(Report.form_id == "pemantauan"))
        async with new_client() as opd:
            await signed_in(w, opd, OPD_KOP)
            home = await opd.get("/dasbor/")
            assert home.status_code == 303 and home.headers["location"] == f"/dasbor/wilayah/{KAB}/tindak-lanjut"
            page = await opd.get(f"/dasbor/wilayah/{KAB}/tindak-lanjut")
            assert page.status_code == 200
            assert "Bantuan modal usaha untuk kelompok tenun" in page.text and "Dinas Koperasi" in page.text
            assert "Pengadaan bibit sayur" not in page.text and "Dinas Pertanian" not in page.text
            assert "Usulan desa yang menunggu" not in page.text and 'name="usulan"' not in page.text
            assert "Siti Aminah" not in page.text and "Yohana Rumfot" not in page.text    # no kader names
            tabs = re.search(r'<nav class="tabs".*?</nav>', page.text, re.S).group(0)
            assert re.findall(r">([^<]+)</a>", tabs) == ["Tindak lanjut"]
            csrf = csrf_of(page.text)
            # every other page of the kabupaten, a kecamatan and a desa: not for this role
            kec, desa = "81.05.01", report.area_code
            for url in [f"/dasbor/wilayah/{KAB}", f"/dasbor/wilayah/{KAB}/belum", f"/dasbor/wilayah/{KAB}/pertemuan",
                        f"/dasbor/wilayah/{KAB}/kegiatan", f"/dasbor/wilayah/{KAB}/matriks",
                        f"/dasbor/wilayah/{KAB}/cerita", f"/dasbor/wilayah/{KAB}/unduh",
                        f"/dasbor/wilayah/{KAB}/unduh?berkas=1", f"/dasbor/wilayah/{kec}", f"/dasbor/wilayah/{desa}",
                        f"/dasbor/laporan/{report.id}/revisi/1", f"/dasbor/laporan/{report.id}/foto/{'0' * 64}"]:
                refused = await opd.get(url)
                assert refused.status_code == 404 and "bukan untuk peran Anda" in refused.text, url
                assert "Siti Aminah" not in refused.text
            async with w.p.db.session() as s:
                outbox_before = len(list(await s.scalars(select(Outbox))))
            for url, data in [(f"/dasbor/wilayah/{KAB}/pengingat", {"putaran": "Juli 2024", "kader": "1"}),
                              (f"/dasbor/wilayah/{KAB}/cerita/pilih", {"cerita": "1", "alasan": "x", "panel": "y"}),
                              (f"/dasbor/wilayah/{kec}/tindak-lanjut", {"usulan": "1", "tingkat": "desa",
                                                                        "rekomendasi": "Apa saja boleh"})]:
                refused = await opd.post(url, data={"csrf": csrf, **data})
                assert refused.status_code == 404, url
            async with w.p.db.session() as s:
                assert len(list(await s.scalars(select(Outbox)))) == outbox_before    # no reminder queued
            # its own recommendation: answered on the web (issue 24: this was a 404)
            done = await opd.post(f"/dasbor/wilayah/{KAB}/tindak-lanjut/status", data={
                "csrf": csrf, "rekomendasi": recs["Dinas Koperasi"], "status": "dalam_proses",
                "catatan": "Proposal kelompok sedang diverifikasi"})
            assert done.status_code == 303
            done = await opd.get(done.headers["location"])
            assert done.status_code == 200 and "Tersimpan. Desa yang mengusulkan akan diberi tahu." in done.text
            assert "Dalam proses (Hasan Rumalutur)" in done.text
            # another agency's: not found, and unchanged
            other = await opd.post(f"/dasbor/wilayah/{KAB}/tindak-lanjut/status", data={
                "csrf": csrf, "rekomendasi": recs["Dinas Pertanian"], "status": "selesai"})
            assert other.status_code == 404
        async with w.p.db.session() as s:
            status = {r.agency: r.status for r in await s.scalars(select(Recommendation))}
        assert status == {"Dinas Koperasi": "dalam_proses", "Dinas Pertanian": "diteruskan"}
        assert "Dinas Koperasi sedang memproses" in (await w.notices(KB))[-1].payload["text"]
        assert "sedang memproses" not in " ".join(n.payload["text"] for n in await w.notices(KA)
                                                  if "bibit" in n.payload["text"])
        # the koordinator still sees everything and the fasilitator still has the work table
        async with new_client() as koord:
            await signed_in(w, koord, KOORD)
            for url in (f"/dasbor/wilayah/{KAB}", f"/dasbor/wilayah/{KAB}/belum", f"/dasbor/wilayah/{KAB}/unduh"):
                assert (await koord.get(url)).status_code == 200, url
            both = (await koord.get(f"/dasbor/wilayah/{KAB}/tindak-lanjut")).text
            assert "Dinas Koperasi" in both and "Dinas Pertanian" in both
    _run(db_url, tmp_path, monkeypatch, scenario)


def test_pantau_chat_as_an_opd_gets_no_area_data(cli_env):
    cli(cli_env, "opd", "add", "Dinas Koperasi", "--area", "81.05")
    out = cli(cli_env, "invite", "--role", "opd", "--area", "Seram Bagian Timur", "--agency", "Dinas Koperasi").stdout
    code = out.strip().split()[-1]
    r = chat(cli_env, "+6281500000001", "halo", "Hasan", code, "ringkasan", "belum", "unduh", "dasbor")
    for replies in r[3:6]:
        said = text(replies)
        assert said.startswith(REFUSED) and "tindak lanjut" in said
        assert not any(x.get("document") or x.get("image") for x in replies)
    assert "/dasbor/masuk/" in text(r[6])                  # the dashboard: its Tindak lanjut page

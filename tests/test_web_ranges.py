"""Out-of-range page numbers and dates in a dashboard URL (issue 28): never a 500. A page number that is not
one (huge, negative, zero) or past the last page, and a date outside what the program can hold, answer 400 or
404 with a short Indonesian message; a page or date in range still works."""
from __future__ import annotations

import pytest

from .test_web import run, sign_in, web_env  # noqa: F401 - a fixture
from .web_scenario import KAB

PAGES = ["", "/belum", "/pertemuan", "/kegiatan", "/matriks", "/cerita", "/tindak-lanjut", "/unduh"]
KEC = "81.05.01"

BAD_PAGE = ["hal=99999999999999999999999", "hal=-5", "hal=0", "hal=1e9", "hal=" + "9" * 400]
BAD_DATE = ["dari=0001-01-01", "sampai=9999-12-31", "dari=9999-12-31&sampai=9999-12-31", "sampai=0001-01-01",
            "dari=1900-01-01"]


@pytest.mark.parametrize("query", BAD_PAGE + BAD_DATE)
def test_out_of_range_values_answer_400_in_indonesian_never_500(db_url, query):
    """Every page of every level: a page that lists or filters refuses the value with a message (400); one
    that has no pages or dates ignores it (200). Before: OverflowError (500) on meetings, a desa, summaries."""
    async def scenario(w, client):
        await sign_in(w, client)
        refused = 0
        for area in (KAB, KEC, w.corrected):
            for page in PAGES if area != w.corrected else [""]:
                resp = await client.get(f"/dasbor/wilayah/{area}{page}?{query}")
                assert resp.status_code in (200, 400), (area, page, query, resp.status_code)
                if resp.status_code == 400:
                    refused += 1
                    assert "Mohon" in resp.text and "Alamat tidak bisa dipakai" in resp.text, resp.text[:300]
                    assert resp.headers["content-type"].startswith("text/html")
        pages_that_crashed = 3 if query in BAD_PAGE else 2       # pertemuan (kab, kec) + desa; summary (kab, kec)
        assert refused >= pages_that_crashed
    run(db_url, scenario)


def test_a_page_past_the_last_is_404_and_pages_in_range_work(db_url):
    async def scenario(w, client):
        await sign_in(w, client)
        assert (await client.get(f"/dasbor/wilayah/{KEC}?hal=1")).status_code == 200
        assert (await client.get(f"/dasbor/wilayah/{KAB}/pertemuan?hal=1")).status_code == 200
        past = await client.get(f"/dasbor/wilayah/{KAB}/pertemuan?hal=7")
        assert past.status_code == 404 and "hanya sampai halaman 1" in past.text
        assert (await client.get(f"/dasbor/wilayah/{KAB}?dari=2024-07-01&sampai=2024-08-31")).status_code == 200
        typo = await client.get(f"/dasbor/wilayah/{KAB}?dari=31-08-2024")        # a typo: explained, not refused
        assert typo.status_code == 200 and "TTTT-BB-HH" in typo.text
    run(db_url, scenario)


def test_unreadable_ids_and_filters_answer_400_or_404_never_500(db_url):
    """A report id past any integer the database holds (was OverflowError), a filter value of 5,000 characters
    or with a NUL (PostgreSQL cannot hold it): refused with a message."""
    async def scenario(w, client):
        await sign_in(w, client)
        for url in ("/dasbor/laporan/99999999999999999999999/revisi/1",
                    "/dasbor/laporan/99999999999999999999999/foto/" + "0" * 64):
            resp = await client.get(url)
            assert resp.status_code == 404 and "tidak ada" in resp.text, url
        for url in (f"/dasbor/wilayah/{KAB}/pertemuan?jenis=" + "x" * 5000, f"/dasbor/wilayah/{KAB}?putaran=%00",
                    f"/dasbor/wilayah/{KAB}/kegiatan?bidang=%00"):
            resp = await client.get(url)
            assert resp.status_code == 400 and "Mohon buka lagi dari menu dasbor" in resp.text, url
        assert (await client.get(f"/dasbor/wilayah/{KAB}/pertemuan?jenis=musdes")).status_code == 200
    run(db_url, scenario)

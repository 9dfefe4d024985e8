"""The kabupaten's OPD list on the dashboard (issue 24): the koordinator lists the agencies, adds one and gives
one another name with the rules of `pantau opd` (a name already registered apart joins the two); every POST
redirects, bad input is explained in Indonesian and typed text is kept; a fasilitator or an OPD has no such
page."""
from __future__ import annotations

from html import unescape

from sqlalchemy import select

from storage import agencies as A
from storage.models import Contact

from .test_loop_e2e import FASIL, KOORD
from .test_web import csrf_of
from .test_web_loop import run, signed_in, web_env  # noqa: F401  (the fixture)

URL = "/dasbor/wilayah/81.05/opd"


def test_the_koordinator_lists_adds_and_names_agencies(db_url):
    async def scenario(w, new_client):
        await w.script(KOORD, "halo", "Koordinator SBT", await w.invite("koordinator", "81.05"), record=False)
        await w.invite("opd", "81.05", "Dinas Koperasi")           # `pantau opd add` made it (with its invite)
        async with new_client() as koord:
            await signed_in(w, koord, KOORD)
            page = await koord.get(URL)
            assert page.status_code == 200 and "<td data-label=\"OPD\">Dinas Koperasi</td>" in page.text
            assert 'href="/dasbor/wilayah/81.05/opd"' in (await koord.get("/dasbor/wilayah/81.05/tindak-lanjut")).text
            token = csrf_of(page.text)
            # bad input: said in Indonesian, the typed text kept, nothing stored
            bad = await koord.post(URL, data={"csrf": token, "nama": "Di", "alias": "X"})
            assert bad.status_code == 400 and "Mohon tulis nama lengkap OPD-nya" in unescape(bad.text)
            bad = await koord.post(URL, data={"csrf": token, "nama": "dinas  koperasi"})
            assert bad.status_code == 400 and "sudah terdaftar sebagai \"Dinas Koperasi\"" in unescape(bad.text)
            assert 'value="dinas koperasi"' in unescape(bad.text)
            # added: a redirect (reloading never posts again), then the list with its other names
            added = await koord.post(URL, data={"csrf": token, "alias": "DPMD",
                                                "nama": "Dinas Pemberdayaan Masyarakat dan Desa (BPMD)"},
                                     follow_redirects=False)
            assert added.status_code == 303 and added.headers["location"].startswith(URL + "?ok=tambah&id=")
            page = unescape((await koord.get(added.headers["location"])).text)
            assert "OPD \"Dinas Pemberdayaan Masyarakat dan Desa (BPMD)\" ditambahkan." in page
            assert "BPMD, Dinas Pemberdayaan Masyarakat dan Desa, DPMD" in page
            async with w.p.db.session() as s:
                rows = {a.name: a for a in await A.listing(s, "81.05")}
                assert (await A.resolve(s, "81.05", "dpmd")).name == "Dinas Pemberdayaan Masyarakat dan Desa (BPMD)"
            kop = rows["Dinas Koperasi"]
            # another name for an agency
            bad = await koord.post(URL + "/alias", data={"csrf": token, "opd": str(kop.id), "alias": " "})
            assert bad.status_code == 400 and "Mohon tulis nama lainnya" in unescape(bad.text)
            done = await koord.post(URL + "/alias", data={"csrf": token, "opd": str(kop.id), "alias": "Diskop UKM"},
                                    follow_redirects=False)
            assert done.status_code == 303
            assert "Nama lain tersimpan untuk \"Dinas Koperasi\"." in unescape((await koord.get(done.headers["location"])).text)
            # a name that is another registered agency: the two become one, as `pantau opd alias` does
            async with w.p.db.session() as s, s.begin():
                await A.add(s, "81.05", "Dinas Koperasi dan UKM", w.p.now())
            done = await koord.post(URL + "/alias", data={"csrf": token, "opd": str(kop.id),
                                                          "alias": "Dinas Koperasi dan UKM"}, follow_redirects=False)
            page = unescape((await koord.get(done.headers["location"])).text)
            assert "keduanya digabungkan menjadi \"Dinas Koperasi\"" in page
            async with w.p.db.session() as s:
                assert [a.name for a in await A.listing(s, "81.05")] == [
                    "Dinas Koperasi", "Dinas Pemberdayaan Masyarakat dan Desa (BPMD)"]
                opd = await s.scalar(select(Contact).where(Contact.role == "opd"))
                assert opd is None or opd.agency == "Dinas Koperasi"
            # reloading the form's address: the page, not a 405; a kecamatan has no OPD list
            assert (await koord.get(URL + "/alias")).url.path == URL
            assert (await koord.get("/dasbor/wilayah/81.05.08/opd")).status_code == 404
        await w.script(FASIL, "halo", "Fasilitator Bula", await w.invite("fasilitator", "81.05.08"), record=False)
        async with new_client() as fasil:
            await signed_in(w, fasil, FASIL)
            assert (await fasil.get(URL)).status_code == 404
            assert (await fasil.get("/dasbor/wilayah/81.05.08/opd")).status_code == 404
    run(db_url, scenario)

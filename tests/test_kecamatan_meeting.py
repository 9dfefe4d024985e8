"""The kecamatan coordination meeting (issue 24): its report asks what the villages learned from each other
("Pembelajaran antar desa"), which the recommendation matrix shows on the dashboard and in the Excel sheet;
and it counts in the round it consolidates, also when held after that round's end (summaries, matrix), while
a village meeting on the same day does not."""
from __future__ import annotations

from datetime import datetime, timezone
from html import unescape

from openpyxl import load_workbook

from bot import catalog
from bot.reports.export import Progress, write_xlsx
from storage.completeness import get_round
from storage.summary import Filters, summarize

from .test_loop_e2e import FASIL, KA, ROUND, texts, village_reports
from .test_web_loop import run, signed_in, web_env  # noqa: F401  (the fixture)

LESSON = "Desa Nekan berbagi cara kelompok tenun menjual lewat BUMDes"
AFTER = datetime(2024, 9, 10, 3, 0, tzinfo=timezone.utc)      # July's round ended on 31 August


def _meetings(data, kind: str | None = None) -> int:
    m = data["meetings"]
    return m["total"]["meetings"] if kind is None else m.get("by", {}).get(kind, {}).get("meetings", 0)


def test_a_kecamatan_meeting_after_its_round_counts_in_it_with_its_lessons(db_url, tmp_path):
    async def scenario(w, new_client):
        await village_reports(w)
        await w.round("Oktober 2024", "2024-10-01", "2024-11-30")
        w.at(AFTER)
        out = texts(await w.script(FASIL, "1", "3", "5 September 2024", "Aula kantor camat", "L 9 P 8", "2", "0",
                                   record=False))
        assert "Pembelajaran apa yang dibagikan antar desa dalam rapat ini?" in out
        out = texts(await w.script(FASIL, LESSON, "lewati", "lewati", record=False))
        assert f"Pembelajaran antar desa: {LESSON}" in out
        out = texts(await w.say(FASIL, "kirim", record=False))
        assert "sudah tersimpan" in out
        # a village meeting on the same day is not asked the question and stays in no round
        out = texts(await w.script(KA, "1", "1", "5 September 2024", "Balai desa", "L 5 P 5", "0", "0", record=False))
        assert "Pembelajaran" not in out and "foto daftar hadir" in out
        out = texts(await w.script(KA, "lewati", "lewati", record=False))
        assert "Pembelajaran" not in out
        assert "sudah tersimpan" in texts(await w.say(KA, "kirim", record=False))
        async with w.p.db.session() as s:
            july = await summarize(s, Filters("81.05", round=ROUND[0]), w.p.forms)
            october = await summarize(s, Filters("81.05", round="Oktober 2024"), w.p.forms)
            rnd = await get_round(s, ROUND[0])
            path = await write_xlsx(s, tmp_path / "juli.xlsx", "81.05", rnd, w.p.forms, catalog.area_index(),
                                    Progress(False))
        assert _meetings(july) == 1 and _meetings(october) == 0
        sheet = load_workbook(path)["Matriks rekomendasi"]
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][-1] == "Pembelajaran antar desa (rapat kecamatan)"
        assert {r[-1] for r in rows[1:]} == {f"2024-09-05: {LESSON}"}       # every desa of Kec. Kilmury
        await w.script(FASIL, "dasbor", record=False)
        async with new_client() as fasil:
            await signed_in(w, fasil, FASIL)
            page = unescape((await fasil.get(f"/dasbor/wilayah/81.05.08/matriks?putaran={ROUND[0]}")).text)
            assert "Pembelajaran antar desa" in page and LESSON in page
            later = unescape((await fasil.get("/dasbor/wilayah/81.05.08/matriks?putaran=Oktober 2024")).text)
            assert LESSON not in later and "Belum ada pembelajaran antar desa" in later
    run(db_url, scenario)

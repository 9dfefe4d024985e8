"""An edit follows the same identity rule as a new report (issue 28): changing a meeting's kind by "ubah" no
longer keeps the stale batch in its key, so it never sits beside the same desa's meeting of that date."""
from __future__ import annotations

from sqlalchemy import select

from storage.models import Report

from .test_pipeline import MEETING, open_pipeline, register_kader, send

GROUP_MEETING = ("1", "2", "kemarin", "2", "Balai desa", "L 10 P 5", "1", "0", "lewati", "lewati", "kirim")


async def _live(p) -> list[Report]:
    async with p.db.session() as s:
        return list(await s.scalars(select(Report).where(Report.conflict.is_(None)).order_by(Report.id)))


async def test_changing_the_kind_by_ubah_lands_on_the_meeting_of_that_kind(db_url):
    p = await open_pipeline(db_url)
    await register_kader(p)
    for text in MEETING + GROUP_MEETING:          # a musdes, and a second group meeting, on the same day
        await send(p, text)
    assert [r.key for r in await _live(p)] == ["musdes|2024-08-14|", "kelompok|2024-08-14|2"]
    for text in ("ubah", "1", "jenis pertemuan", "1", "kirim"):    # "it was the musdes after all"
        replies = await send(p, text)
    [live] = await _live(p)                        # one meeting of that day, not two
    assert live.key == "musdes|2024-08-14|" and live.answers["men"] == 10 and "batch" not in live.answers
    assert any("menggantikan" in r.text for r in replies)          # the person is told it replaced one
    await p.db.close()


async def test_a_new_report_whose_kind_was_changed_back_has_no_stale_batch(kader):
    for text in ("menu", "1", "2", "kemarin", "2", "Balai desa", "L 10 P 5", "1", "0", "lewati", "lewati",
                 "ubah", "jenis pertemuan", "1", "kirim"):
        kader.step(text)
    [report] = kader.reports
    assert report.key == "musdes|2024-08-14|"

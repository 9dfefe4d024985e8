"""An edit follows the same identity rule as a new report (issue 28): changing a meeting's kind by "ubah" no
longer keeps the stale batch in its key, so it never sits beside the same desa's meeting of that date."""
from __future__ import annotations

from sqlalchemy import select

from storage.models import Report

from .conftest import open_pipeline
from .test_pipeline import MEETING, register_kader, send

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


async def test_correcting_a_meeting_kept_apart_as_its_own_does_not_overwrite_the_other(db_url):
    """Two kader sent the same meeting; the fasilitator kept both as different meetings. When the fasilitator
    then corrects a number in the second, the first kader's meeting is left as it was."""
    from datetime import timedelta

    from flows.types import NewContact, NewReport
    from storage import access as store
    from storage.repo import Tx

    from .conftest import NOW
    p = await open_pipeline(db_url)
    answers = {"kind": "musdes", "date": "2024-08-14", "place": "Balai desa", "men": 5, "women": 5}
    async with p.db.session() as s, s.begin():
        tx = Tx(s)
        a, b, f = [await tx.create_contact("terminal", f"x{n}", NewContact(name, role, area, "id"), NOW)
                   for n, (name, role, area) in enumerate((("Ani", "kader", "81.05.08.2010"),
                                                          ("Budi", "kader", "81.05.08.2010"),
                                                          ("Fasil", "fasilitator", "81.05.08")))]
        for who in (a, b):
            await tx.add_report(NewReport("pertemuan", 1, who.area_code, "musdes|2024-08-14|", answers), who.id,
                                NOW, by=who)
        await tx.flush_reports()
        second = await s.scalar(select(Report).where(Report.conflict == "pending"))
        await store.decide(s, f, "conflict", second.id, "both", NOW)
    async with p.db.session() as s, s.begin():
        await Tx(s).add_report(NewReport("pertemuan", 1, b.area_code, "musdes|2024-08-14|", {**answers, "men": 9},
                                         second.id), f.id, NOW + timedelta(minutes=1), by=f)
    first, kept = await _live(p)
    assert first.answers["men"] == 5 and kept.answers["men"] == 9 and kept.key == second.key
    await p.db.close()

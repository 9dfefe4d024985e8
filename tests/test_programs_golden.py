"""Klaten's case as a golden transcript (issue 25): in Desa Sengon (33.10.01.2001) a PKH and a Kotaku kader report
the same musyawarah desa and their own monitoring; each program's koordinator sees their own program; the PKH
fasilitator is proposed the match and confirms it; the forum koordinator sees one meeting credited to both
and the follow-up needs of both. ``tests/golden/klaten_programs.txt`` (PANTAU_UPDATE_GOLDEN=1 to regenerate)."""
from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

from flows.types import Inbound
from storage.matches import across_programs
from storage.summary import Filters, summarize

from .programs_world import KLATEN, ROUND, in_klaten

GOLDEN = Path(__file__).parent / "golden" / "klaten_programs.txt"
MEETING = ["1", "musyawarah", "kemarin", "Balai desa Sengon", "L {men} P 15", "6", "1", "lewati", "lewati", "kirim"]
MONITORING = ["2", "{activity}", "{sector}", "belum jalan", "modal kurang", "desa", "pelatihan", "L 5 P 9", "tidak ada",
              "kirim"]


async def _chat(w, lines, who, sender, texts):
    for text in texts:
        lines.append(f"👤 {who}: {text}")
        replies = await w.p.handle(Inbound("terminal", sender, str(uuid.uuid4()), text=text))
        for r in replies:
            lines.append("🤖 " + r.text.replace("\n", "\n   "))
            lines += [f"   {i}. {c}" for i, c in enumerate(r.choices, 1)]


def test_klatens_case(db_url):
    lines: list[str] = []

    async def scenario(w):
        await _chat(w, lines, "Sri (kader PKH)", "kader-pkh",
                    ["halo", *(m.format(men=20) for m in MEETING), "menu",
                     *(m.format(activity="Usaha kue keluarga", sector="5") for m in MONITORING)])
        await _chat(w, lines, "Wati (kader Kotaku)", "kader-kotaku",
                    ["halo", *(m.format(men=22) for m in MEETING), "menu",
                     *(m.format(activity="Perbaikan drainase", sector="7") for m in MONITORING)])
        await _chat(w, lines, "Fasilitator PKH", "fasil-pkh", ["menunggu", "1"])
        async with w.p.db.session() as s:
            for who, program in (("Koordinator PKH", w.pkh), ("Koordinator Kotaku", w.kotaku)):
                data = await summarize(s, Filters(KLATEN, round=ROUND[0], program=program), w.p.forms)
                lines.append(f"📊 {who}: pertemuan {data['meetings']['total']['meetings']}, peserta "
                             f"{data['meetings']['total']['participants']}, desa melapor "
                             f"{data['monitoring']['desa_reported']} dari {data['monitoring']['desa_expected']}, "
                             f"belum: {data['monitoring']['desa_missing']}")
            table = await across_programs(s, Filters(KLATEN, round=ROUND[0]), w.p.forms)
            meetings, activities = table["sections"]["meetings"], table["sections"]["monitoring"]
            lines.append("📊 Forum Klaten (lintas program): pertemuan " + json.dumps(meetings["meetings"]) +
                         ", kegiatan dipantau " + json.dumps(activities["activities"]))
        text = "\n".join(lines) + "\n"
        if os.environ.get("PANTAU_UPDATE_GOLDEN") == "1" or not GOLDEN.exists():
            GOLDEN.write_text(text, encoding="utf-8")
        assert text == GOLDEN.read_text(encoding="utf-8"), "klaten_programs.txt differs (PANTAU_UPDATE_GOLDEN=1)"

    in_klaten(db_url, scenario, reports=False)

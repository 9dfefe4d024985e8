"""A fixed two-kabupaten scenario over two monitoring rounds, for golden summaries (text + JSON).

Kab. Seram Bagian Timur (81.05): Kec. Bula (desa Bula, Salas) and Kec. Seram Timur (desa Geser, Kiltay);
Kab. Maluku Tengah (81.01): Kec. Amahai (desa Tamilouw, Sepa). Rounds "Juli 2024" (1–31 July) and
"Oktober 2024" (1–31 October). Meetings in July, August and October, one kecamatan coordination meeting
reported by a fasilitator, stories in July and August, monitoring in both rounds; desa Kiltay never reports.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flows.dates import WIT
from flows.types import NewContact, NewReport
from storage.repo import Tx, upsert_round

UTC = timezone.utc
ROUNDS = [("Juli 2024", "2024-07-01", "2024-07-31"), ("Oktober 2024", "2024-10-01", "2024-10-31")]
DESA = {"81.05.01.2003": "Bula", "81.05.01.2004": "Salas", "81.05.02.2001": "Geser", "81.05.02.2002": "Kiltay",
        "81.01.01.2001": "Tamilouw", "81.01.01.2002": "Sepa"}


def at(y, m, d, h=10):
    return datetime(y, m, d, h, tzinfo=WIT).astimezone(UTC)


def meeting(kind, day, men, women, youth=0, disabled=0):
    return {"kind": kind, "date": day, "place": "Balai desa", "men": men, "women": women, "total": men + women,
            "youth": youth, "disabled": disabled}


def activity(name, sector, status, obstacles=None, support=("tidak_perlu",), what=None):
    return {"activity": name, "sector": sector, "status": status, "obstacles": obstacles,
            "support_from": list(support), "support_what": what}


MEETINGS = [   # (area, answers, sent at)
    ("81.05.01.2003", meeting("musdes", "2024-07-05", 30, 20, 10, 1), at(2024, 7, 5)),
    ("81.05.01.2003", meeting("kelompok", "2024-08-02", 5, 15, 4, 0), at(2024, 8, 2)),
    ("81.05.01.2004", meeting("musdes", "2024-07-20", 25, 22, 6, 2), at(2024, 7, 21)),
    ("81.05.02.2001", meeting("musdes", "2024-08-13", 40, 38, 12, 3), at(2024, 8, 14)),
    ("81.05.02.2001", meeting("pelatihan", "2024-10-10", 8, 12, 9, 0), at(2024, 10, 10)),
    ("81.05.01", meeting("koordinasi_kecamatan", "2024-07-25", 9, 8, 2, 0), at(2024, 7, 25)),
    ("81.01.01.2001", meeting("musdes", "2024-07-09", 50, 45, 20, 4), at(2024, 7, 9)),
    ("81.01.01.2002", meeting("kelompok", "2024-10-15", 3, 17, 5, 1), at(2024, 10, 16)),
]
MONITORING = [  # (area, round, activities, sent at)
    ("81.05.01.2003", "Juli 2024", [activity("Kebun sayur", "pertanian", "berjalan"),
                                    activity("Tenun ikat", "kerajinan", "sebagian", "Modal kurang", ("desa", "mitra"),
                                             "pelatihan")], at(2024, 7, 28)),
    ("81.05.01.2004", "Juli 2024", [activity("Rumput laut", "perikanan", "belum", "Bibit terlambat", ("kecamatan",),
                                             "bibit")], at(2024, 8, 15)),
    ("81.05.02.2001", "Juli 2024", [activity("Kebun sayur", "pertanian", "berhenti", "modal kurang ", ("desa",),
                                             "Pelatihan")], at(2024, 7, 30)),
    ("81.05.01.2003", "Oktober 2024", [activity("Kebun sayur", "pertanian", "berjalan"),
                                       activity("Tenun ikat", "kerajinan", "berjalan")], at(2024, 10, 20)),
    ("81.01.01.2001", "Juli 2024", [activity("Ternak kambing", "peternakan", "sebagian", "Pakan mahal",
                                             ("kabupaten",), "pakan")], at(2024, 7, 29)),
    ("81.01.01.2002", "Oktober 2024", [activity("Air bersih", "kesehatan_air", "berjalan")], at(2024, 11, 2)),
]
STORIES = [     # (area, level, sent at)
    ("81.05.01.2003", "komunitas", at(2024, 7, 18)),
    ("81.05.02.2001", "kebijakan", at(2024, 8, 18)),
    ("81.01.01.2002", "kelembagaan", at(2024, 10, 3)),
]


async def build(db) -> None:
    async with db.session() as s, s.begin():
        tx = Tx(s)
        who = {}
        for i, (code, name) in enumerate(DESA.items()):
            who[code] = await tx.create_contact("terminal", f"kader-{code}", NewContact(f"Kader {name}", "kader",
                                                                                        code, "id"), at(2024, 6, 1))
        who["81.05.01"] = await tx.create_contact("terminal", "fasil-bula", NewContact("Fasil Bula", "fasilitator",
                                                                                      "81.05.01", "id"), at(2024, 6, 1))
        for code, answers, sent in MEETINGS:
            await tx.save_report(NewReport("pertemuan", 1, code, f"{answers['kind']}|{answers['date']}|", answers),
                                 who[code].id, sent)
        for code, rnd, acts, sent in MONITORING:
            await tx.save_report(NewReport("pemantauan", 1, code, rnd, {"round": rnd, "activities": acts}),
                                 who[code].id, sent)
        for code, level, sent in STORIES:
            await tx.save_report(NewReport("cerita", 1, code, sent.isoformat(),
                                           {"level": level, "story": "Ibu-ibu ikut musyawarah.", "who": "Kelompok"}),
                                 who[code].id, sent)
    async with db.session() as s:
        for r in ROUNDS:
            await upsert_round(s, *r)

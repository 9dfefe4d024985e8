"""`pantau kata`: the answers the bot could not read, most frequent first, and `pantau kata ajar` to teach it a
word for a region (kept in <data dir>/lexicon/lokal.yaml with who and when; read from the next message on)."""
from __future__ import annotations

import argparse
from typing import TYPE_CHECKING
import getpass
import sys

from .. import lexicon_files

if TYPE_CHECKING:
    from .common import Subparsers


def register(sub: Subparsers) -> None:
    from .help import install, language, positive_int
    t = install(language())
    p = sub.add_parser("kata", help=t("jawaban yang belum dimengerti bot, dan mengajarkan kata baru"),
                       description=t("Jawaban yang belum bisa dibaca bot, paling sering dulu."))
    p.add_argument("--wilayah", default="", help=t("kode atau nama wilayah (bawaan: semua)"))
    p.add_argument("--putaran", help=t("hanya selama satu putaran pemantauan, misalnya \"Juli 2024\""))
    p.add_argument("--batas", type=positive_int, default=20, help=t("paling banyak sekian baris (bawaan 20)"))
    p.set_defaults(handler=_list)
    words = p.add_subparsers(dest="kata_cmd", required=False, metavar="ajar")
    teach = words.add_parser("ajar", help=t("ajarkan arti sebuah kata atau ungkapan untuk satu wilayah"))
    teach.add_argument("teks", help=t("kata atau ungkapan seperti yang ditulis kader, misalnya \"sonde\""))
    teach.add_argument("--arti", required=True, help=t("artinya dalam bahasa Indonesia baku, misalnya \"tidak\""))
    teach.add_argument("--wilayah", required=True, help=t("kode atau nama wilayah tempat kata itu dipakai"))
    teach.add_argument("--oleh", help=t("siapa yang mengajarkan (bawaan: nama pengguna komputer)"))
    teach.set_defaults(handler=_teach)


def _area(text: str) -> str | None:
    from .common import area_or_complain
    return area_or_complain(text) if text else ""


async def _list(args: argparse.Namespace) -> int:
    from storage.completeness import get_round
    from storage.unread import most_frequent

    from .common import opened
    area = _area(args.wilayah)
    if area is None:
        return 2
    async with opened() as pipeline, pipeline.db.session() as s:
        start = end = None
        if args.putaran:
            found = await get_round(s, args.putaran)
            if found is None:
                print(f"Putaran \"{args.putaran}\" tidak ada.", file=sys.stderr)
                return 2
            start, end = found.start, found.due
        rows = await most_frequent(s, area, start, end, max(1, min(args.batas, 500)))
    if not rows:
        print("Belum ada jawaban yang tidak dimengerti" + (f" di {area}" if area else "") + ".")
        return 0
    for r in rows:
        print(f"{r.count:>5}×  \"{r.text}\"  ({r.question}, provinsi {r.province})")
    print("Ajarkan artinya: pantau kata ajar \"<teks>\" --arti <makna> --wilayah <kode>")
    return 0


async def _teach(args: argparse.Namespace) -> int:
    from ..clock import clock
    text, means = " ".join(args.teks.split()), " ".join(args.arti.split())
    if not text or not means or len(text) > 40 or len(means) > 60:
        print("Teks dan arti tidak boleh kosong (teks paling banyak 40 huruf, arti 60).", file=sys.stderr)
        return 2
    area = _area(args.wilayah)
    if not area:
        return 2
    who = args.oleh or getpass.getuser()
    row = lexicon_files.teach(text, means, area, who, clock())
    print(f"Mulai sekarang \"{row['word']}\" dibaca \"{row['means']}\" untuk kader di provinsi {area[:2]} "
          f"(diajarkan oleh {who}).")
    return 0

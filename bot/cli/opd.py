"""`pantau opd add/list/alias`: the OPD agencies of a kabupaten and their other names (storage/agencies.py).
An OPD invite, a recommendation's agency and every name typed in the chat refer to one of these."""
from __future__ import annotations

import argparse
from typing import TYPE_CHECKING
import sys

if TYPE_CHECKING:
    from .common import Subparsers


def register(sub: Subparsers) -> None:
    from .help import install, language
    t = install(language())
    p = sub.add_parser("opd", help=t("daftar OPD (dinas) per kabupaten dan nama lainnya"),
                       description=t("OPD yang menerima rekomendasi dari forum kabupaten."))
    cmds = p.add_subparsers(dest="opd_cmd", required=True, metavar="add|list|alias")
    add = cmds.add_parser("add", help=t("tambahkan satu OPD"))
    add.add_argument("nama", help=t("nama lengkap, misalnya \"Dinas Pemberdayaan Masyarakat dan Desa (BPMD)\""))
    add.add_argument("--area", required=True, help=t("kode atau nama kabupaten"))
    add.add_argument("--alias", action="append", default=[], help=t("nama lain (boleh berulang)"))
    add.set_defaults(handler=_add)
    ls = cmds.add_parser("list", help=t("OPD sebuah kabupaten dengan nama lainnya"))
    ls.add_argument("--area", required=True, help=t("kode atau nama kabupaten"))
    ls.set_defaults(handler=_list)
    al = cmds.add_parser("alias", help=t("beri OPD nama lain; nama OPD lain yang terdaftar terpisah digabungkan"))
    al.add_argument("opd", help=t("nama atau alias OPD yang sudah terdaftar"))
    al.add_argument("alias", help=t("nama lainnya, misalnya \"BPMD\""))
    al.add_argument("--area", required=True, help=t("kode atau nama kabupaten"))
    al.set_defaults(handler=_alias)


def _kab(text: str) -> str | None:
    from .common import area_or_complain
    area = area_or_complain(text)
    if area is not None and area.count(".") != 1:
        print("OPD terdaftar per kabupaten: pakai kode kabupaten, mis. --area 81.05", file=sys.stderr)
        return None
    return area


async def _add(args: argparse.Namespace) -> int:
    from storage.agencies import AgencyError, add

    from ..clock import clock
    from .common import opened
    kab = _kab(args.area)
    if kab is None:
        return 2
    async with opened() as pipeline, pipeline.db.session() as s, s.begin():
        try:
            agency = await add(s, kab, args.nama, clock(), args.alias)
        except AgencyError as exc:
            print(exc, file=sys.stderr)
            return 2
    print(f"OPD ditambahkan di {kab}: {agency.name}")
    return 0


async def _list(args: argparse.Namespace) -> int:
    from storage.agencies import listing

    from .common import opened
    kab = _kab(args.area)
    if kab is None:
        return 2
    async with opened() as pipeline, pipeline.db.session() as s:
        rows = await listing(s, kab)
    if not rows:
        print(f"Belum ada OPD di {kab}. Tambahkan: pantau opd add \"Dinas Koperasi\" --area {kab}")
        return 0
    for a in rows:
        print(a.name + (f"  (juga: {', '.join(a.aliases)})" if a.aliases else ""))
    return 0


async def _alias(args: argparse.Namespace) -> int:
    from storage.agencies import AgencyError, alias

    from .common import opened
    kab = _kab(args.area)
    if kab is None:
        return 2
    async with opened() as pipeline, pipeline.db.session() as s, s.begin():
        try:
            agency, merged = await alias(s, kab, args.opd, args.alias)
        except AgencyError as exc:
            print(exc, file=sys.stderr)
            return 2
    if merged:
        print(f"\"{merged}\" digabungkan ke \"{agency.name}\": OPD, undangan dan rekomendasinya pindah.")
    else:
        print(f"\"{args.alias}\" sekarang juga berarti \"{agency.name}\".")
    return 0

"""`pantau api-client create|list|revoke`: keys for the data API (/api/v1), narrowed to areas, programs and scopes.
The key is printed once; only its SHA-256 is kept."""
from __future__ import annotations

import argparse
import sys
from typing import Literal

from flows.localtime import stamp

from storage.api_clients import ClientView
from storage.db import Session

from .. import catalog
from .common import Subparsers

SCOPE_HELP = "read:aggregates, read:reports, read:recommendations, read:people"
STATE_WORDS = {"active": "aktif", "expired": "kedaluwarsa", "revoked": "dicabut"}


def register(sub: Subparsers) -> None:
    from storage.api_clients import SCOPES

    from .help import install, language
    t = install(language())
    p = sub.add_parser("api-client", help=t("kunci API untuk membaca data (Excel, Power BI, portal data)"))
    cmds = p.add_subparsers(dest="api_cmd", required=True, title=t("perintah"), metavar=t("PERINTAH"))
    make = cmds.add_parser("create", help=t("buat kunci baru (ditampilkan sekali saja)"))
    make.add_argument("--name", required=True, help=t("nama pemakai kunci, mis. \"Bappeda Kab. Bogor\""))
    make.add_argument("--area", required=True, nargs="+", metavar=t("WILAYAH"),
                      help=t("wilayah yang boleh dibaca: kode Kemendagri atau nama (boleh lebih dari satu)"))
    make.add_argument("--scope", required=True, action="append", choices=SCOPES,
                      help=t("izin; ulangi untuk beberapa izin"))
    make.add_argument("--program", nargs="+", metavar=t("PROGRAM"),
                      help=t("program yang boleh dibaca: kode program, mis. pkh (boleh lebih dari satu; bawaan: "
                             "semua program)"))
    make.add_argument("--days", type=float, default=365, metavar=t("HARI"),
                      help=t("berlaku berapa hari (bawaan 365)"))
    cmds.add_parser("list", help=t("daftar kunci API"))
    rev = cmds.add_parser("revoke", help=t("cabut satu kunci sekarang juga"))
    rev.add_argument("id", type=int, help=t("nomor kunci (lihat `pantau api-client list`)"))
    p.set_defaults(handler=api_client)


def _program_words(client: ClientView, codes: dict[int, str]) -> str:
    if client.programs is None:
        return "semua program"
    return "program " + ", ".join(codes.get(p, str(p)) for p in client.programs)


async def program_ids(s: Session, asked: list[str] | None) -> list[int] | None | Literal[False]:
    """The ids of ``--program`` (None: every program, also for '*'); False, after a message, for an unknown
    code or '*' among other codes."""
    from storage.programs import EVERY

    from .programs import program_or_complain
    if not asked or [code.strip() for code in asked] == [EVERY]:
        return None
    ids: list[int] = []
    for code in asked:
        if code.strip() == EVERY:
            print("--program '*' berarti semua program; jangan digabung dengan kode lain.", file=sys.stderr)
            return False
        ok, found = await program_or_complain(s, code)
        if not ok or found is None:      # (found: None only for '*', refused above)
            return False
        ids.append(found)
    return ids


async def api_client(args: argparse.Namespace) -> int:
    from storage import api_clients as store
    from storage.programs import program_codes

    from ..clock import clock
    from .common import area_or_complain, opened
    now = clock()
    if args.api_cmd == "create":
        if args.days <= 0:
            print("--days harus lebih dari 0.", file=sys.stderr)
            return 2
        found = [area_or_complain(a) for a in args.area]
        areas = [a for a in found if a is not None]
        if len(areas) < len(found):
            return 2
    async with opened() as pipeline, pipeline.db.session() as s:
        codes = await program_codes(s)
        if args.api_cmd == "create":
            programs = await program_ids(s, args.program)
            if programs is False:
                return 2
            client, key = await store.create_client(s, args.name.strip(), areas, args.scope, args.days, now,
                                                    programs or None)
            await s.commit()
            names = ", ".join(catalog.area_index().label(a) for a in client.areas)
            print(f"Kunci API nomor {client.id} untuk {client.name} ({names}; {_program_words(client, codes)}; "
                  f"{', '.join(sorted(client.scopes))}), "
                  f"berlaku sampai {client.expires_at:%Y-%m-%d %H:%M} UTC:", file=sys.stderr)
            print(key)
            print("Simpan kunci ini sekarang: kunci tidak bisa ditampilkan lagi.", file=sys.stderr)
            return 0
        if args.api_cmd == "list":
            rows = await store.list_clients(s)
            if not rows:
                print("Belum ada kunci API. Buat dengan `pantau api-client create`.")
            for c in rows:
                used = f"terakhir dipakai {stamp(c.last_used_at, c.areas[0])}" if c.last_used_at else "belum dipakai"
                print(f"{c.id}  {c.name}  {c.hint}…  {', '.join(c.areas)}  {_program_words(c, codes)}  "
                      f"{', '.join(sorted(c.scopes))}  "
                      f"{STATE_WORDS[c.state(now)]}, sampai {c.expires_at:%Y-%m-%d} UTC, {used}")
            return 0
        revoked = await store.revoke_client(s, args.id, now)
        await s.commit()
    if revoked is None:
        print(f"Kunci API nomor {args.id} tidak ada. Lihat `pantau api-client list`.", file=sys.stderr)
        return 2
    print(f"Kunci API nomor {revoked.id} ({revoked.name}) dicabut; panggilan berikutnya ditolak.")
    return 0

"""`pantau invite [list|revoke CODE]` and `pantau contact disable|approve|waiting`: who may use Pantau (issue 12)."""
from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING
import sys

from flows.localtime import local_date, stamp

from .. import catalog

if TYPE_CHECKING:
    from .common import Subparsers

ROLES = ("kader", "fasilitator", "koordinator", "opd")   # roles an invite may grant; a new role is one more value
STATE_WORDS = {"open": "belum dipakai", "used": "sudah dipakai", "expired": "kedaluwarsa", "revoked": "dibatalkan"}


def extend_invite(inv: argparse.ArgumentParser, t: Callable[[str], str]) -> None:
    """`pantau invite` (make a code, as before), `pantau invite list`, `pantau invite revoke CODE`."""
    inv.add_argument("action", nargs="?", choices=["create", "list", "revoke"], default="create",
                     help=t("create (bawaan): buat kode; list: daftar undangan; revoke: batalkan satu kode"))
    inv.add_argument("code", nargs="?", metavar=t("KODE"), help=t("kode yang dibatalkan (untuk revoke)"))
    inv.add_argument("--days", type=float, default=7, metavar=t("HARI"),
                     help=t("berlaku berapa hari (bawaan 7)"))
    inv.add_argument("--extra", action="append", default=[], metavar=t("KUNCI=NILAI"),
                     help=t("keterangan tambahan untuk peran yang memerlukannya (mis. agency=Dinas Pertanian)"))


def register(sub: Subparsers) -> None:
    from .help import install, language
    t = install(language())
    contact = sub.add_parser("contact", help=t("kontak: nonaktifkan, setujui, atau lihat yang menunggu persetujuan"))
    cmds = contact.add_subparsers(dest="contact_cmd", required=True, title=t("perintah"), metavar=t("PERINTAH"))
    who = t("id kontak, nomor HP, id Telegram, atau nama lengkap")
    dis = cmds.add_parser("disable", help=t("nonaktifkan seseorang (tidak bisa lagi melapor atau melihat data)"))
    dis.add_argument("who", metavar=t("SIAPA"), help=who)
    ok = cmds.add_parser("approve", help=t("setujui kader yang mendaftar sendiri (laporannya dihitung)"))
    ok.add_argument("who", metavar=t("SIAPA"), help=who)
    wait = cmds.add_parser("waiting", help=t("kader yang mendaftar sendiri dan menunggu persetujuan"))
    wait.add_argument("--area", default="", metavar=t("WILAYAH"),
                      help=t("wilayah: kode Kemendagri atau nama, mis. \"Kab. Bogor\""))


async def invite(args: argparse.Namespace) -> int:
    from storage import access as store

    from .common import area_or_complain, opened
    from ..clock import clock
    now = clock()
    if args.action == "revoke" and not (args.code or "").strip():
        print("Kode mana yang dibatalkan? Tulis kodenya, mis. `pantau invite revoke ABCD2345` (lihat "
              "`pantau invite list`).", file=sys.stderr)
        return 2
    if args.action == "create" and not 0 < args.days <= 366:      # a code that is dead on arrival, or forever
        print(f"--days {args.days:g}: masa berlaku harus lebih dari 0 dan paling lama 366 hari, mis. --days 7.",
              file=sys.stderr)
        return 2
    async with opened() as pipeline, pipeline.db.session() as s:
        if args.action == "list":
            rows = await store.list_invites(s, now)
            if not rows:
                print("Belum ada kode undangan.")
            for inv, state, used_by in rows:
                until = (f", berlaku sampai {stamp(inv.expires_at, inv.area_code)}"          # the area's zone
                         if inv.expires_at and state == "open" else "")
                who = f" oleh {used_by}" if used_by else ""
                print(f"{inv.code}  {inv.role}  {catalog.area_index().label(inv.area_code)}  "
                      f"{STATE_WORDS[state]}{who}{until}")
            return 0
        if args.action == "revoke":
            from .access import STATE_WORDS as words
            before = await store.revoke_invite(s, (args.code or "").strip().upper(), now)
            if before is None:
                print(f"Kode {args.code} tidak ada.", file=sys.stderr)
                return 2
            if before == "used":
                print(f"Kode {args.code} sudah dipakai; tidak bisa dibatalkan (nonaktifkan orangnya dengan "
                      f"`pantau contact disable`).", file=sys.stderr)
                return 1
            print(f"Kode {args.code} dibatalkan (sebelumnya: {words[before]}).")
            return 0
        if not args.role or args.role not in ROLES or not args.area:
            print(f"Perlu --role ({', '.join(ROLES)}) dan --area.", file=sys.stderr)
            return 2
        area = area_or_complain(args.area)
        if not area:
            return 2
        from ..loop.cli import check_invite
        agency = getattr(args, "agency", None)
        problem = check_invite(args.role, area, agency)
        if problem:
            print(problem, file=sys.stderr)
            return 2
        extra = dict(item.split("=", 1) for item in args.extra if "=" in item) or None
        from .programs import program_or_complain
        ok, program = await program_or_complain(s, args.program, every=True)
        if not ok:
            return 2
        from storage.models import DEFAULT_PROGRAM_ID
        from storage.programs import EVERY
        every = (args.program or "").strip() == EVERY
        from storage.agencies import AgencyError, resolve
        try:
            code = await store.create_invite(s, args.role, area, now, args.days, extra, agency=agency,
                                             program_id=None if every else program or DEFAULT_PROGRAM_ID)
        except AgencyError as exc:
            print(exc, file=sys.stderr)
            return 2
        found = await resolve(s, area[:5], agency) if agency else None
        agency = found.name if found else agency          # the registered name, whatever alias was typed
    label = f" ({agency})" if agency else ""
    label += f", program {args.program.strip()}" if args.program else ""
    print(f"Kode undangan {args.role}{label} untuk {catalog.area_index().label(area)}: {code}")
    print(f"Sekali pakai, berlaku {args.days:g} hari (`pantau invite list`).", file=sys.stderr)
    return 0


async def contact(args: argparse.Namespace) -> int:
    from storage import access as store

    from .common import area_or_complain, opened
    from ..clock import clock
    area = area_or_complain(args.area) if getattr(args, "area", "") else ""
    if area is None:                  # an unknown or ambiguous --area never lists every area instead
        return 2
    async with opened() as pipeline, pipeline.db.session() as s:
        if args.contact_cmd == "waiting":
            rows = await store.waiting_contacts(s, area)
            for c in rows:
                print(f"{c.id}  {c.name}  {catalog.area_index().label(c.area_code)}  sejak {local_date(c.created_at, c.area_code)}")
            print(f"{len(rows)} kader menunggu persetujuan.")
            return 0
        found = await store.find_contacts(s, args.who.strip())
        if not found:
            print(f"Kontak '{args.who}' tidak ditemukan.", file=sys.stderr)
            return 2
        if len(found) > 1:
            print(f"Ada {len(found)} kontak bernama '{args.who}'; pakai nomor id-nya:", file=sys.stderr)
            for c in found:
                print(f"  {c.id}  {c.name}  {c.role}  {catalog.area_index().label(c.area_code)}", file=sys.stderr)
            return 2
        [person] = found
        if args.contact_cmd == "approve":
            changed = await store.approve_contact(s, person.id, clock())
            word = "disetujui; laporannya kini dihitung." if changed else "sudah disetujui sebelumnya."
        else:
            changed = await store.disable_contact(s, person.id, clock())
            word = "dinonaktifkan." if changed else "sudah nonaktif."
        await s.commit()
    print(f"{person.name} ({person.role}, {catalog.area_index().label(person.area_code)}) {word}")
    return 0

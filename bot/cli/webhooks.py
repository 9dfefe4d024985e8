"""`pantau webhook`: signed webhooks (Standard Webhooks) — add, list, remove, test.

A webhook receives Pantau's events (a report saved, a recommendation's status changed, …) as signed JSON
POSTs, delivered through the outbox like every message (retries, order, dead letters: `pantau outbox`)."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Collection
from urllib.parse import urlsplit

from flows.problem import Gettext

from storage.webhooks import EVENTS

from .common import Subparsers


def register(sub: Subparsers) -> None:
    from .help import install, language
    t = install(language())
    p = sub.add_parser("webhook", help=t("webhook bertanda tangan: kirim kejadian ke sistem lain"),
                       description=t("Webhook menerima kejadian Pantau (laporan disimpan, status rekomendasi "
                                     "berubah, …) sebagai JSON bertanda tangan (Standard Webhooks)."))
    cmds = p.add_subparsers(dest="webhook_cmd", required=True, title=t("perintah"), metavar=t("PERINTAH"))
    add = cmds.add_parser("add", help=t("tambah webhook; rahasia penandatanganan ditampilkan sekali"))
    add.add_argument("url", metavar="URL", help=t("alamat https penerima"))
    add.add_argument("--event", action="append", default=[], choices=EVENTS, metavar=t("KEJADIAN"),
                     help=t("kejadian yang dikirim (boleh diulang; bawaan: semua): ") + ", ".join(EVENTS))
    add.add_argument("--area", default="", metavar=t("WILAYAH"),
                     help=t("hanya wilayah ini dan di bawahnya (kode Kemendagri atau nama; bawaan: semua)"))
    add.add_argument("--program", nargs="+", metavar=t("PROGRAM"),
                     help=t("hanya kejadian program ini: kode program, mis. pkh (boleh lebih dari satu; bawaan: "
                            "semua program)"))
    add.add_argument("--allow-http", action="store_true",
                     help=t("izinkan alamat http biasa (hanya untuk uji di jaringan sendiri)"))
    add.set_defaults(handler=_add)
    ls = cmds.add_parser("list", help=t("daftar webhook"))
    ls.add_argument("--all", action="store_true", help=t("termasuk yang sudah dihapus"))
    ls.set_defaults(handler=_list)
    rm = cmds.add_parser("remove", help=t("hentikan satu webhook; kirimannya yang masih antre dibatalkan"))
    rm.add_argument("id", type=int, metavar="ID", help=t("nomor webhook (lihat `pantau webhook list`)"))
    rm.set_defaults(handler=_remove)
    test = cmds.add_parser("test", help=t("kirim satu kejadian uji sekarang dan tampilkan hasilnya"))
    test.add_argument("id", type=int, metavar="ID", help=t("nomor webhook (lihat `pantau webhook list`)"))
    test.set_defaults(handler=_test)


def _t() -> Gettext:
    from .help import install, language
    return install(language())


def check_url(url: str, allow_http: bool) -> str | None:
    """Why this URL cannot be a webhook (an Indonesian sentence), or None."""
    t = _t()
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return t("Alamat '%(url)s' bukan URL yang lengkap. Contoh: https://contoh.go.id/pantau") % {"url": url}
    if parts.scheme == "http" and not allow_http:
        return t("Alamat '%(url)s' memakai http tanpa enkripsi. Pakai https, atau tambahkan --allow-http untuk "
                 "uji di jaringan sendiri.") % {"url": url}
    if len(url) > 500 or parts.username or parts.password:
        return t("Alamat '%(url)s' tidak bisa dipakai: terlalu panjang atau memuat nama pengguna/kata sandi.") % {
            "url": url}
    return None


def _program_words(programs: Collection[int] | None, codes: dict[int, str]) -> str:
    return ", ".join(codes.get(p, str(p)) for p in programs) if programs is not None else _t()("semua")


async def _add(args: argparse.Namespace) -> int:
    from storage.programs import program_codes
    from storage.webhooks import add_subscription

    from .api_clients import program_ids

    from ..clock import clock
    from .common import area_or_complain, opened
    t = _t()
    problem = check_url(args.url, args.allow_http)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    area = area_or_complain(args.area) if args.area else ""
    if area is None:
        return 2
    events = list(dict.fromkeys(args.event))
    async with opened() as pipeline, pipeline.db.session() as s, s.begin():
        programs = await program_ids(s, args.program)
        if programs is False:
            return 2
        sub_id, secret = await add_subscription(s, args.url, events, area, clock(), programs)
        codes = await program_codes(s)
    print(t("Webhook #%(id)d ditambahkan: %(url)s") % {"id": sub_id, "url": args.url})
    print(t("Kejadian: %(events)s; wilayah: %(area)s; program: %(programs)s") % {
        "events": ", ".join(events) or t("semua"), "area": area or t("semua"),
        "programs": _program_words(programs, codes)})
    print(t("Rahasia penandatanganan (hanya ditampilkan sekali ini, simpan di penerima):"))
    print(secret)
    return 0


async def _list(args: argparse.Namespace) -> int:
    from storage.programs import program_codes
    from storage.webhooks import list_subscriptions

    from .common import opened
    t = _t()
    async with opened() as pipeline, pipeline.db.session() as s:
        subs = await list_subscriptions(s, with_removed=args.all)
        codes = await program_codes(s)
    if not subs:
        print(t("Belum ada webhook. Tambahkan dengan: pantau webhook add URL"))
        return 0
    for sub in subs:
        state = t("aktif") if sub.active else t("dihapus")
        events = ", ".join(e for e in sub.events if e != "*") or t("semua")
        print(f"#{sub.id} {sub.url} — {state}; " + t("kejadian: %(events)s; wilayah: %(area)s; program: "
                                                     "%(programs)s") % {
            "events": events, "area": sub.area_code or t("semua"), "programs": _program_words(sub.programs, codes)})
    return 0


async def _remove(args: argparse.Namespace) -> int:
    from storage.webhooks import remove_subscription

    from ..clock import clock
    from .common import opened
    t = _t()
    async with opened() as pipeline, pipeline.db.session() as s, s.begin():
        removed = await remove_subscription(s, args.id, clock())
    if not removed:
        print(t("Webhook #%(id)d tidak ada atau sudah dihapus. Lihat: pantau webhook list") % {"id": args.id},
              file=sys.stderr)
        return 2
    print(t("Webhook #%(id)d dihapus; kiriman yang masih antre tidak dikirim.") % {"id": args.id})
    return 0


async def _test(args: argparse.Namespace) -> int:
    from storage.webhooks import delivery_state, queue_test

    from ..channels.webhook import send_now
    from ..clock import clock
    from .common import opened
    t = _t()
    async with opened() as pipeline:
        async with pipeline.db.session() as s, s.begin():
            row_id = await queue_test(s, args.id, clock())
        if row_id is None:
            print(t("Webhook #%(id)d tidak ada atau sudah dihapus. Lihat: pantau webhook list") % {"id": args.id},
                  file=sys.stderr)
            return 2
        await send_now(pipeline.db)
        async with pipeline.db.session() as s:
            status, error = await delivery_state(s, row_id)
    if status == "sent":
        print(t("Kejadian uji terkirim ke webhook #%(id)d.") % {"id": args.id})
        return 0
    if status == "pending":
        print(t("Kejadian uji belum diterima (%(error)s); dicoba lagi nanti oleh `pantau serve`.") % {
            "error": error or "-"})
    else:
        print(t("Kejadian uji gagal: %(error)s") % {"error": error or "-"})
    return 1

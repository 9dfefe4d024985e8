"""The `pantau` command: its parser and the table of handlers (each command group in its own module)."""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from . import access as access_cli, api_clients as api_cli, forms as forms_cli, kata as kata_cli, opd as opd_cli
from . import outbox as outbox_cli, programs as programs_cli, webhooks as webhooks_cli
from . import roster as roster_cli, rounds as rounds_cli, run as run_cli, summary as summary_cli

#: a command's handler: its exit status ("workers": `pantau serve --workers N`, run outside asyncio)
Handler = Callable[[argparse.Namespace], Coroutine[Any, Any, int | str]]

# modules that add subcommands: each has register(subparsers) (and its handler: set_defaults(handler=…) or
# an entry in main's table)
COMMAND_MODULES = [access_cli, outbox_cli, forms_cli, kata_cli, api_cli, webhooks_cli, opd_cli, programs_cli]


def parser() -> argparse.ArgumentParser:
    from ..config import settings
    from .help import Parser, install, language
    t = install(language())
    p = Parser(prog="pantau", description=t("Pantau: laporan pertemuan dan pemantauan desa."))
    sub = p.add_subparsers(dest="cmd", required=True, title=t("perintah"), metavar=t("PERINTAH"))
    AREA_HELP = t("wilayah: kode Kemendagri atau nama, mis. \"Kab. Bogor\"")
    chat = sub.add_parser("chat", help=t("bercakap dengan bot di terminal"))
    chat.add_argument("--as", dest="as_id", default=os.environ.get("USER", "lokal"),
                      help=t("siapa yang menulis (nomor HP atau nama)"))
    chat.add_argument("--jsonl", action="store_true", help=t("satu baris JSON masuk dan keluar per pesan"))
    inv = sub.add_parser("invite", help=t("buat kode undangan (koordinator, fasilitator, kader)"))
    inv.add_argument("--role", default="koordinator", choices=["koordinator", "fasilitator", "kader", "opd"],
                     help=t("peran orang yang diundang"))
    inv.add_argument("--area", metavar=t("WILAYAH"), help=AREA_HELP)
    inv.add_argument("--agency", metavar=t("DINAS"),
                     help=t("untuk opd: dinas yang diwakili, mis. \"Dinas Koperasi\""))
    access_cli.extend_invite(inv, t)      # list / revoke CODE, --days, --extra
    programs_cli.add_program_option(inv, t, every=True)
    roster = sub.add_parser("roster", help=t("impor banyak kontak sekaligus")).add_subparsers(
        dest="roster_cmd", required=True, title=t("perintah"), metavar=t("PERINTAH"))
    imp = roster.add_parser("import", help=t("impor kontak dari CSV atau Excel"))
    imp.add_argument("file", metavar=t("BERKAS"), help=t("berkas .csv (koma atau titik koma) atau .xlsx"))
    imp.add_argument("--skip-invalid", action="store_true", help=t("impor baris yang benar, lewati yang salah"))
    rnd = sub.add_parser("round", help=t("putaran pemantauan")).add_subparsers(
        dest="round_cmd", required=True, title=t("perintah"), metavar=t("PERINTAH"))
    add = rnd.add_parser("add", help=t("tambah atau ubah satu putaran"))
    add.add_argument("--name", required=True, help=t("nama putaran, mis. \"Juli 2024\""))
    add.add_argument("--start", required=True, help=t("tanggal mulai (YYYY-MM-DD)"))
    add.add_argument("--due", required=True, help=t("batas laporan (YYYY-MM-DD)"))
    programs_cli.add_program_option(add, t)
    rimp = rnd.add_parser("import", help=t("putaran dari berkas YAML"))
    rimp.add_argument("file", metavar=t("BERKAS"), help=t("berkas YAML: daftar putaran dengan name, start, due"))
    summ = sub.add_parser("summary", help=t("ringkasan satu wilayah"))
    summ.add_argument("--area", required=True, metavar=t("WILAYAH"), help=AREA_HELP)
    summ.add_argument("--from", dest="date_from", metavar=t("TANGGAL"), help=t("dari tanggal (YYYY-MM-DD)"))
    summ.add_argument("--to", dest="date_to", metavar=t("TANGGAL"), help=t("sampai tanggal (YYYY-MM-DD)"))
    summ.add_argument("--round", metavar=t("PUTARAN"),
                      help=t("hanya satu putaran pemantauan (bawaan: putaran yang sedang berjalan)"))
    summ.add_argument("--json", action="store_true", help=t("keluaran JSON"))
    programs_cli.add_program_option(summ, t)
    summ.add_argument("--lintas-program", action="store_true",
                      help=t("satu kolom per program dan jumlah tanpa hitungan ganda (forum)"))
    exp = sub.add_parser("export", help=t("berkas Excel atau CSV satu wilayah"))
    exp.add_argument("--area", required=True, metavar=t("WILAYAH"), help=AREA_HELP)
    exp.add_argument("--round", metavar=t("PUTARAN"),
                     help=t("hanya satu putaran pemantauan (bawaan: putaran yang sedang berjalan)"))
    exp.add_argument("--from", dest="date_from", metavar=t("TANGGAL"), help=t("dari tanggal (YYYY-MM-DD)"))
    exp.add_argument("--to", dest="date_to", metavar=t("TANGGAL"), help=t("sampai tanggal (YYYY-MM-DD)"))
    exp.add_argument("--out", required=True, metavar=t("BERKAS"),
                     help=t("BERKAS.xlsx, BERKAS.zip (CSV semua lembar) atau BERKAS.csv bersama --sheet"))
    exp.add_argument("--sheet", metavar=t("LEMBAR"), help=t("hanya satu lembar, mis. Pertemuan"))
    exp.add_argument("--format", choices=("dhis2", "datapackage"),
                     help=t("dhis2: JSON dataValueSets untuk DHIS2 (BERKAS.json); datapackage: Frictionless Data "
                            "Package (BERKAS.zip). Bawaan: Excel/CSV menurut akhiran BERKAS"))
    exp.add_argument("--mapping", metavar=t("BERKAS"),
                     help=t("dhis2: berkas CSV pemetaan item Pantau ke data element DHIS2 (bawaan: dibuat di "
                            "samping BERKAS.json untuk Anda sunting)"))
    programs_cli.add_program_option(exp, t)
    sub.add_parser("telegram", help=t("jalankan bot Telegram (long polling)"))
    serve = sub.add_parser("serve", help=t("aplikasi web untuk webhook (WhatsApp, Telegram) dan pengirim pesan"))
    serve.add_argument("--host", default="0.0.0.0", help=t("alamat yang didengarkan"))
    serve.add_argument("--port", type=int, default=settings().port, help=t("port"))
    serve.add_argument("--workers", type=int, default=settings().workers,
                       help=t("jumlah proses penjawab webhook (di SQLite paling banyak sejumlah inti CPU; satu menjalankan pengirim dan jadwal)"))
    serve.add_argument("--no-scheduler", action="store_true",
                       help=t("jangan antrekan pengingat di sini (jalankan `pantau scheduler` di tempat lain)"))
    remind = sub.add_parser("remind", help=t("antrekan pengingat dan ringkasan yang jatuh tempo sekarang (dari cron)"))
    remind.add_argument("--dry-run", action="store_true",
                        help=t("tampilkan apa yang akan dikirim, kepada siapa, mengapa, lewat kanal apa; "
                               "tidak mengantrekan apa pun"))
    programs_cli.add_program_option(remind, t)
    sub.add_parser("scheduler", help=t("antrekan pengingat dan ringkasan setiap menit"))
    for module in COMMAND_MODULES:        # commands of other modules: each adds its own with register(sub)
        module.register(sub)
    return p


SERVERS = {"serve", "telegram", "scheduler"}


def main(argv: list[str] | None = None) -> int:
    from ..config import settings
    logging.basicConfig(level=settings().log_level,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("twilio").setLevel(logging.WARNING)   # its INFO lines dump every request
    from ..logsafe import install
    install()                                               # no token, phone number or body in a log line
    args = parser().parse_args(argv)
    handler: Handler = getattr(args, "handler", None) or {
        "chat": run_cli.chat, "invite": access_cli.invite, "contact": access_cli.contact, "roster": roster_cli.run,
        "round": rounds_cli.run, "summary": summary_cli.run_summary, "export": summary_cli.run_export,
        "remind": run_cli.remind, "scheduler": run_cli.remind, "serve": run_cli.serve, "telegram": run_cli.telegram,
        "form": forms_cli.run}[args.cmd]
    try:
        if args.cmd in SERVERS:           # long-running servers: uvloop (bot/eventloop.py)
            from ..eventloop import run
            result = run(handler(args))
        else:
            result = asyncio.run(handler(args))
    except KeyboardInterrupt:
        return 130
    except SystemExit:
        raise
    except Exception as exc:   # one line, no traceback (PANTAU_DEBUG=1 shows it)
        from ..config import debug
        if debug():
            raise
        print(f"Terjadi kesalahan: {type(exc).__name__}: {str(exc)[:300]}. Jalankan lagi dengan PANTAU_DEBUG=1 "
              "untuk rinciannya, dan laporkan bila berulang.", file=sys.stderr)
        return 1
    if isinstance(result, str):         # "workers": uvicorn's multi-process supervisor cannot run inside asyncio.run
        return run_cli.serve_workers(args)
    return result


if __name__ == "__main__":
    sys.exit(main())

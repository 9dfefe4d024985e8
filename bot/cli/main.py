"""The `pantau` command: chat, invite, roster import, round, summary."""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path


from . import access as access_cli, api_clients as api_cli, forms as forms_cli, kata as kata_cli, opd as opd_cli
from . import outbox as outbox_cli, programs as programs_cli, summary as summary_cli, webhooks as webhooks_cli
from .. import catalog
from .common import opened

# modules that add subcommands: each has register(subparsers) (and its handler: set_defaults(handler=…) or
# an entry in main's table)
COMMAND_MODULES = [access_cli, outbox_cli, forms_cli, kata_cli, api_cli, webhooks_cli, opd_cli, programs_cli]


async def _chat(args) -> int:
    from ..channels.terminal import normalize_sender, run_chat
    async with opened() as pipeline:
        await run_chat(pipeline, normalize_sender(args.as_id), args.jsonl)
    return 0


async def _roster(args) -> int:
    from storage.repo import Tx

    from ..clock import clock
    from .roster import RosterError, read_rows, validate
    from flows.types import NewContact
    path = Path(args.file)
    if not path.is_file():
        print(f"{path}: berkas tidak ada. Periksa nama dan foldernya.", file=sys.stderr)
        return 2
    try:
        good, errors = validate(read_rows(path), catalog.area_index())
    except RosterError as exc:
        print(exc, file=sys.stderr)
        return 2
    for line in errors:
        print(f"{path.name}: {line}", file=sys.stderr)
    if errors and not args.skip_invalid:
        print(f"{path.name}: {len(errors)} baris salah; tidak ada yang diimpor. Perbaiki, atau pakai --skip-invalid.",
              file=sys.stderr)
        return 2
    added = skipped = 0
    async with opened() as pipeline, pipeline.db.session() as s, s.begin():
        tx = Tx(s)
        for row in good:
            if any([await tx.contact_for(ch, ext) for ch, ext in row.identities]):
                skipped += 1
                continue
            (channel, external_id), *more = row.identities
            contact = await tx.create_contact(channel, external_id,
                                              NewContact(row.name, row.role, row.area_code, "id"), clock())
            for channel, external_id in more:
                await tx.add_identity(contact.id, channel, external_id)
            added += 1
    print(f"{added} kontak diimpor, {skipped} sudah terdaftar, {len(errors)} baris dilewati.")
    return 0


async def _round(args) -> int:
    from storage.repo import upsert_round

    from .rounds import RoundFileError, check_round, read_rounds
    try:
        if args.round_cmd == "add":
            rounds = [check_round({"name": args.name, "start": args.start, "due": args.due}, f"Putaran '{args.name}'")]
        else:
            rounds = read_rounds(Path(args.file))
    except RoundFileError as exc:
        print(exc, file=sys.stderr)
        return 2
    async with opened() as pipeline, pipeline.db.session() as s:
        ok, program = await programs_cli.program_or_complain(s, getattr(args, "program", None))
        if not ok:
            return 2
        for r in rounds:
            await upsert_round(s, r["name"], r["start"], r["due"], r.get("schedule"), program)
    print(f"{len(rounds)} putaran disimpan.")
    return 0


async def _remind(args) -> int:
    from .outbox import describe_plan, print_unreachable
    from ..reminders import run_forever, run_once
    async with opened() as pipeline:
        program = None
        if getattr(args, "program", None) is not None:
            async with pipeline.db.session() as s:
                ok, program = await programs_cli.program_or_complain(s, args.program)
            if not ok:
                return 2
        if args.cmd == "scheduler":    # several may run (one per machine): only the elected one works
            from ..leader import lead
            await lead(pipeline.db, [lambda: run_forever(pipeline.db, pipeline.forms)], name="pantau-scheduler")
        plan: list = []
        await run_once(pipeline.db, pipeline.forms, plan=plan, dry_run=getattr(args, "dry_run", False),
                       program=program)
        async with pipeline.db.session() as s:
            lines = await describe_plan(s, plan)
            await programs_cli.each_program_reminded(s, program)
    if getattr(args, "dry_run", False):
        print(f"Uji coba: {len(plan)} pengingat/ringkasan akan dikirim sekarang (tidak ada yang diantrekan):")
        for line in lines:
            print(line)
        return 0
    print(f"{len([p for p in plan if p.target])} pengingat/ringkasan diantrekan.")
    print_unreachable(lines)
    return 0


async def _serve(args) -> int:
    """The web server; beside it the background processes (bot/background.py): senders, scheduler, jobs."""
    import uvicorn

    from ..background import Background
    from ..server import build_app, configured_channels, uvicorn_options
    whatsapp, telegram_cfg = configured_channels()
    if whatsapp is None and telegram_cfg is None:     # the dashboard (and `pantau chat`) work without one
        print("Peringatan: belum ada kanal, hanya dasbor yang berjalan. Untuk WhatsApp isi TWILIO_ACCOUNT_SID, "
              "TWILIO_AUTH_TOKEN, TWILIO_WHATSAPP_FROM dan PANTAU_PUBLIC_URL; untuk Telegram isi TELEGRAM_BOT_TOKEN, "
              "TELEGRAM_WEBHOOK_SECRET dan PANTAU_PUBLIC_URL.", file=sys.stderr, flush=True)
    async with opened() as pipeline:      # migrations and forms once, before any worker starts
        if args.workers > 1:
            workers = True
        else:
            workers = False
            telegram = None
            if telegram_cfg:
                from ..channels.telegram import TelegramChannel
                telegram = TelegramChannel(telegram_cfg, pipeline)
            app = build_app(pipeline, whatsapp, telegram=telegram, run_senders=False, freeze_heap=True,
                            background=Background(scheduler=not args.no_scheduler))
            server = uvicorn.Server(uvicorn.Config(app, host=args.host, port=args.port, **uvicorn_options()))
            await server.serve()
    return "workers" if workers else 0


def _serve_workers(args) -> int:
    """N processes on one port (uvicorn's supervisor); each builds its app with server.app_from_env. The
    supervisor starts the background processes before them and stops them after."""
    import uvicorn

    from ..background import Background
    from ..server import uvicorn_options
    background = Background(scheduler=not args.no_scheduler)
    background.start()
    try:
        uvicorn.run("bot.server:app_from_env", factory=True, host=args.host, port=args.port, workers=args.workers,
                    **uvicorn_options())
    finally:
        background.stop()
    return 0


async def _telegram(args) -> int:
    from ..channels.telegram import TelegramChannel, TelegramConfig, run_sender
    cfg = TelegramConfig.from_env()
    async with opened() as pipeline:
        channel = TelegramChannel(cfg, pipeline)
        await channel.start()
        await channel.app.bot.delete_webhook()
        print("Bot Telegram berjalan (long polling). Ctrl-C untuk berhenti.", flush=True)
        try:
            from ..media import run_media_fetcher      # photos whose first download failed, again later
            await asyncio.gather(channel.poll_forever(), run_sender(pipeline.db, channel.app.bot),
                                 run_media_fetcher(pipeline.db, channel.media))
        finally:
            await channel.stop()
    return 0


def parser() -> argparse.ArgumentParser:
    from ..config import settings
    from .help import install, language
    t = install(language())
    p = argparse.ArgumentParser(prog="pantau", description=t("Pantau: laporan pertemuan dan pemantauan desa."))
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
                       help=t("jumlah proses penjawab webhook (PostgreSQL; satu menjalankan pengirim dan jadwal)"))
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
    handler = getattr(args, "handler", None) or {
        "chat": _chat, "invite": access_cli.invite, "contact": access_cli.contact, "roster": _roster,
        "round": _round, "summary": summary_cli.run_summary, "export": summary_cli.run_export,
        "remind": _remind, "scheduler": _remind, "serve": _serve, "telegram": _telegram,
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
    if result == "workers":             # uvicorn's multi-process supervisor cannot run inside asyncio.run
        return _serve_workers(args)
    return result


if __name__ == "__main__":
    sys.exit(main())

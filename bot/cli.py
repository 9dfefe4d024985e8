"""The `pantau` command: chat, invite, roster import, round, summary."""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import sys
from datetime import date
from pathlib import Path


from . import catalog, forms_cli


def _db():
    from storage.db import Database
    return Database()


@contextlib.asynccontextmanager
async def opened():
    """A migrated database with the area tree and forms loaded, closed afterwards."""
    from .pipeline import Pipeline
    db = _db()
    try:
        yield await Pipeline.open(db)
    finally:
        await db.close()


def area_or_complain(text: str) -> str | None:
    area = resolve_area(text)
    if not area:
        print(f"Wilayah '{text}' tidak ditemukan. Pakai kode Kemendagri, mis. 81.05", file=sys.stderr)
    return area


def resolve_area(text: str) -> str | None:
    """A Kemendagri code as given, or the best-matching kabupaten / kecamatan / provinsi / desa name."""
    index = catalog.area_index()
    code = text.strip()
    if code in index.names:
        return code
    for level in (2, 3, 1, 4):
        found = index.search(code, level)
        if found.exact:
            return found.codes[0]
    return None


async def _chat(args) -> int:
    from .terminal import normalize_sender, run_chat
    async with opened() as pipeline:
        await run_chat(pipeline, normalize_sender(args.as_id), args.jsonl)
    return 0


async def _invite(args) -> int:
    from storage.repo import create_invite

    from .pipeline import clock
    area = area_or_complain(args.area)
    if not area:
        return 2
    from .loop.cli import check_invite
    problem = check_invite(args.role, area, args.agency)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    async with opened() as pipeline, pipeline.db.session() as s:
        code = await create_invite(s, args.role, area, clock(), agency=args.agency)
    agency = f" ({args.agency})" if args.agency else ""
    print(f"Kode undangan {args.role}{agency} untuk {catalog.area_index().label(area)}: {code}")
    return 0


async def _roster(args) -> int:
    from storage.repo import Tx

    from .pipeline import clock
    from .roster import read_rows, validate
    from flows.types import NewContact
    path = Path(args.file)
    if not path.exists():
        print(f"Berkas {path} tidak ada.", file=sys.stderr)
        return 2
    good, errors = validate(read_rows(path), catalog.area_index())
    for line in errors:
        print(line, file=sys.stderr)
    if errors and not args.skip_invalid:
        print(f"{len(errors)} baris salah; tidak ada yang diimpor. Perbaiki, atau pakai --skip-invalid.",
              file=sys.stderr)
        return 1
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
    import yaml

    from storage.repo import upsert_round

    rounds = []
    if args.round_cmd == "add":
        rounds.append({"name": args.name, "start": args.start, "due": args.due})
    else:
        with open(args.file, encoding="utf-8") as fh:
            rounds = yaml.safe_load(fh) or []
    for r in rounds:
        try:
            start, due = date.fromisoformat(str(r["start"])), date.fromisoformat(str(r["due"]))
        except (KeyError, ValueError):
            print(f"Putaran {r!r}: perlu name, start dan due (YYYY-MM-DD).", file=sys.stderr)
            return 2
        if due < start:
            print(f"Putaran {r['name']}: tanggal due sebelum start.", file=sys.stderr)
            return 2
        from flows.schedule import DEFAULT_SCHEDULE
        unknown = set(r.get("schedule") or {}) - set(DEFAULT_SCHEDULE)
        if unknown:
            print(f"Putaran {r['name']}: kunci jadwal tidak dikenal: {', '.join(sorted(unknown))} "
                  f"(yang boleh: {', '.join(DEFAULT_SCHEDULE)})", file=sys.stderr)
            return 2
    async with opened() as pipeline, pipeline.db.session() as s:
        for r in rounds:
            await upsert_round(s, str(r["name"]), str(r["start"]), str(r["due"]), r.get("schedule"))
    print(f"{len(rounds)} putaran disimpan.")
    return 0


async def _summary(args) -> int:
    from storage.summary import Filters, summarize

    from .summary_text import render_summary
    area = area_or_complain(args.area)
    if not area:
        return 2
    try:
        filters = Filters(area, date.fromisoformat(args.date_from) if args.date_from else None,
                          date.fromisoformat(args.date_to) if args.date_to else None, args.round)
    except ValueError:
        print("Tanggal harus YYYY-MM-DD, mis. 2024-08-31.", file=sys.stderr)
        return 2
    async with opened() as pipeline, pipeline.db.session() as s:
        data = await summarize(s, filters)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(render_summary(data, pipeline.forms, catalog.area_index(), catalog.gettext_for("id")))
    return 0


async def _export(args) -> int:
    from storage.completeness import current_round, get_round

    from . import export
    from .pipeline import clock
    area = area_or_complain(args.area)
    if not area:
        return 2
    out = Path(args.out)
    async with opened() as pipeline, pipeline.db.session() as s:
        rnd = await get_round(s, args.round) if args.round else await current_round(s, clock().date())
        if args.round and rnd is None:
            print(f"Putaran '{args.round}' tidak ada.", file=sys.stderr)
            return 2
        writer = export.write_csv if args.csv or out.suffix.lower() == ".csv" else export.write_xlsx
        target = out.with_suffix("") if writer is export.write_csv else out
        await writer(s, target, area, rnd, pipeline.forms, catalog.area_index(), export.Progress(True))
    print(f"Tersimpan: {target}")
    return 0


async def _remind(args) -> int:
    from .reminders import run_forever, run_once
    async with opened() as pipeline:
        if args.cmd == "scheduler":    # several may run (one per machine): only the elected one works
            from .leader import lead
            await lead(pipeline.db, [lambda: run_forever(pipeline.db, pipeline.forms)], name="pantau-scheduler")
        n = await run_once(pipeline.db, pipeline.forms)
    print(f"{n} pengingat/ringkasan diantrekan.")
    return 0


async def _serve(args) -> int:
    import uvicorn

    from .pipeline import settle_heap
    from .server import build_app, configured_channels
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
                from .telegram import TelegramChannel
                telegram = TelegramChannel(telegram_cfg, pipeline)
            app = build_app(pipeline, whatsapp, telegram=telegram, run_scheduler=not args.no_scheduler)
            settle_heap()
            server = uvicorn.Server(uvicorn.Config(app, host=args.host, port=args.port, log_level="warning"))
            await server.serve()
    return "workers" if workers else 0


def _serve_workers(args) -> int:
    """N processes on one port (uvicorn's supervisor); each builds its app with server.app_from_env."""
    import uvicorn
    os.environ["PANTAU_SCHEDULER"] = "0" if args.no_scheduler else "1"
    uvicorn.run("bot.server:app_from_env", factory=True, host=args.host, port=args.port, workers=args.workers,
                log_level="warning")
    return 0


async def _telegram(args) -> int:
    from .telegram import TelegramChannel, TelegramConfig, run_sender
    cfg = TelegramConfig.from_env()
    async with opened() as pipeline:
        channel = TelegramChannel(cfg, pipeline)
        await channel.start()
        await channel.app.bot.delete_webhook()
        print("Bot Telegram berjalan (long polling). Ctrl-C untuk berhenti.", flush=True)
        try:
            await asyncio.gather(channel.poll_forever(), run_sender(pipeline.db, channel.app.bot))
        finally:
            await channel.stop()
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pantau", description="Pantau: laporan pertemuan dan pemantauan desa.")
    sub = p.add_subparsers(dest="cmd", required=True)
    chat = sub.add_parser("chat", help="chat in the terminal")
    chat.add_argument("--as", dest="as_id", default=os.environ.get("USER", "lokal"), help="who is talking")
    chat.add_argument("--jsonl", action="store_true", help="one JSON line in and out per message")
    inv = sub.add_parser("invite", help="make an invite code (koordinator)")
    inv.add_argument("--role", default="koordinator", choices=["koordinator", "fasilitator", "kader", "opd"])
    inv.add_argument("--area", required=True)
    inv.add_argument("--agency", help="opd: the agency it answers for, e.g. \"Dinas Koperasi\"")
    roster = sub.add_parser("roster", help="contacts in bulk").add_subparsers(dest="roster_cmd", required=True)
    imp = roster.add_parser("import")
    imp.add_argument("file")
    imp.add_argument("--skip-invalid", action="store_true")
    rnd = sub.add_parser("round", help="monitoring rounds").add_subparsers(dest="round_cmd", required=True)
    add = rnd.add_parser("add")
    add.add_argument("--name", required=True)
    add.add_argument("--start", required=True)
    add.add_argument("--due", required=True)
    rimp = rnd.add_parser("import")
    rimp.add_argument("file")
    summ = sub.add_parser("summary", help="roll-up of an area")
    summ.add_argument("--area", required=True)
    summ.add_argument("--from", dest="date_from")
    summ.add_argument("--to", dest="date_to")
    summ.add_argument("--round")
    summ.add_argument("--json", action="store_true")
    exp = sub.add_parser("export", help="Excel (or CSV) of an area")
    exp.add_argument("--area", required=True)
    exp.add_argument("--round")
    exp.add_argument("--out", required=True, help="FILE.xlsx, or FILE.csv / --csv for a folder of CSV files")
    exp.add_argument("--csv", action="store_true")
    sub.add_parser("telegram", help="run the Telegram bot by long polling")
    serve = sub.add_parser("serve", help="the web app for webhooks (WhatsApp) and the outbox senders")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    serve.add_argument("--workers", type=int, default=int(os.environ.get("PANTAU_WORKERS", "1")),
                       help="processes answering webhooks (PostgreSQL; one of them runs senders and scheduler)")
    serve.add_argument("--no-scheduler", action="store_true",
                       help="do not queue reminders here (run `pantau scheduler` elsewhere)")
    sub.add_parser("remind", help="queue the reminders and summaries due now (run from cron)")
    sub.add_parser("scheduler", help="queue reminders and summaries every minute")
    forms_cli.register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=os.environ.get("PANTAU_LOG_LEVEL", "WARNING"),
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("twilio").setLevel(logging.WARNING)   # its INFO lines dump every request
    args = parser().parse_args(argv)
    handler = {"chat": _chat, "invite": _invite, "roster": _roster, "round": _round, "summary": _summary,
               "export": _export, "remind": _remind, "scheduler": _remind,
               "serve": _serve, "telegram": _telegram, "form": forms_cli.run}[args.cmd]
    result = asyncio.run(handler(args))
    if result == "workers":             # uvicorn's multi-process supervisor cannot run inside asyncio.run
        return _serve_workers(args)
    return result


if __name__ == "__main__":
    sys.exit(main())

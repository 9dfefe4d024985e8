"""`pantau chat`, `serve`, `telegram`, `remind` and `scheduler`: running the bot."""
from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from types import FrameType

from . import programs as programs_cli
from .common import opened


async def chat(args: argparse.Namespace) -> int:
    from ..channels.terminal import run_chat
    from ..phones import normalize_sender
    async with opened() as pipeline:
        await run_chat(pipeline, normalize_sender(args.as_id), args.jsonl)
    return 0


async def remind(args: argparse.Namespace) -> int:
    from storage.reminders import Planned

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
        plan: list[Planned] = []
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


async def serve(args: argparse.Namespace) -> int | str:
    """The web server; beside it the background processes (bot/background.py): senders, scheduler, jobs."""
    import uvicorn

    from ..background import Background
    from ..config import settings
    from ..server import build_app, uvicorn_options
    channels = settings().channels()                  # name → configuration, from the registry (bot/channels)
    if not channels:                                  # the dashboard (and `pantau chat`) work without one
        print("Peringatan: belum ada kanal, hanya dasbor yang berjalan. Untuk WhatsApp isi TWILIO_ACCOUNT_SID, "
              "TWILIO_AUTH_TOKEN, TWILIO_WHATSAPP_FROM dan PANTAU_PUBLIC_URL; untuk Telegram isi TELEGRAM_BOT_TOKEN, "
              "TELEGRAM_WEBHOOK_SECRET dan PANTAU_PUBLIC_URL.", file=sys.stderr, flush=True)
    async with opened() as pipeline:      # migrations and forms once, before any worker starts
        if args.workers > 1:
            workers = True
        else:
            workers = False
            app = build_app(pipeline, channels, run_senders=False, freeze_heap=True,
                            background=Background(scheduler=not args.no_scheduler))
            server = uvicorn.Server(uvicorn.Config(app, host=args.host, port=args.port, **uvicorn_options()))
            # uvicorn stops cleanly on SIGTERM, then raises it again for the handler it found: handled here, a
            # stop asked by systemd or docker ends with status 0 after the shutdown, not 143 (killed)
            signal.signal(signal.SIGTERM, _stopped)
            await server.serve()
    return "workers" if workers else 0


def _stopped(signum: int, frame: FrameType | None) -> None:
    """SIGTERM after uvicorn's clean shutdown: nothing left to do (`pantau serve` returns 0)."""


def serve_workers(args: argparse.Namespace) -> int:
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


async def telegram(args: argparse.Namespace) -> int:
    from ..channels.telegram import TelegramChannel, run_sender
    from ..config import TelegramConfig
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


"""`pantau serve`: the web app (Starlette + uvicorn) for channel webhooks, plus the outbox senders."""
from __future__ import annotations

import asyncio
import contextlib
import os

from starlette.applications import Starlette
from starlette.responses import FileResponse, PlainTextResponse
from starlette.routing import Route

from .pipeline import Pipeline


def build_app(pipeline: Pipeline, whatsapp=None, run_senders: bool = True, telegram=None) -> Starlette:
    """The app; ``whatsapp`` is a TwilioConfig and ``telegram`` a TelegramChannel, or None when not configured."""
    async def shared_file(request):
        from . import media
        name = request.path_params["name"]
        path = media.media_dir() / "shared" / name
        if "/" in name or name.startswith(".") or not path.is_file():
            return PlainTextResponse("not found", status_code=404)
        return FileResponse(path)

    routes = [Route("/health", lambda request: PlainTextResponse("ok")),
              Route("/files/{name}", shared_file, methods=["GET"])]
    if whatsapp is not None:
        from .whatsapp import routes as whatsapp_routes
        routes += whatsapp_routes(whatsapp, pipeline)
    if telegram is not None:
        routes.append(telegram.route())

    @contextlib.asynccontextmanager
    async def lifespan(app):
        tasks = []
        if run_senders and whatsapp is not None:
            from .whatsapp_sender import run_sender
            tasks.append(asyncio.create_task(run_sender(pipeline.db, whatsapp)))
        if telegram is not None:
            from .telegram import WEBHOOK_PATH
            from .telegram import run_sender as run_telegram_sender
            await telegram.start()
            if telegram.cfg.public_url:
                await telegram.app.bot.set_webhook(telegram.cfg.public_url + WEBHOOK_PATH,
                                                   secret_token=telegram.cfg.webhook_secret,
                                                   allowed_updates=["message"])
            if run_senders:
                tasks.append(asyncio.create_task(run_telegram_sender(pipeline.db, telegram.app.bot)))
        yield
        for task in tasks:
            task.cancel()
        if telegram is not None:
            await telegram.stop()

    return Starlette(routes=routes, lifespan=lifespan)


def configured_channels(env=None):
    """(TwilioConfig | None, TelegramConfig | None) from the environment; wrong values stop the start."""
    env = env if env is not None else os.environ
    whatsapp = telegram = None
    if env.get("TWILIO_ACCOUNT_SID") or env.get("TWILIO_AUTH_TOKEN"):
        from .config import TwilioConfig
        whatsapp = TwilioConfig.from_env(env)
    if env.get("TELEGRAM_BOT_TOKEN"):
        from .telegram import TelegramConfig
        telegram = TelegramConfig.from_env(env, webhook=True)
    return whatsapp, telegram

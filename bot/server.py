"""`pantau serve`: the web app (Starlette + uvicorn) for channel webhooks, plus the outbox senders."""
from __future__ import annotations

import asyncio
import contextlib
import os

from starlette.applications import Starlette
from starlette.responses import FileResponse, PlainTextResponse
from starlette.routing import Route

from .pipeline import Pipeline, settle_heap


def build_app(pipeline: Pipeline, whatsapp=None, run_senders: bool = True, telegram=None,
              run_scheduler: bool = False) -> Starlette:
    """The app; ``whatsapp`` is a TwilioConfig and ``telegram`` a TelegramChannel, or None when not configured.

    With several processes (``--workers``, or several machines behind a load balancer) every one
    answers webhooks, but the senders and the scheduler run only in the elected leader of each."""
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
    from .web import routes as dashboard_routes      # the coordinator dashboard, /dasbor
    routes += dashboard_routes(pipeline)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        from .leader import lead
        senders = []
        if run_senders and whatsapp is not None:
            from .whatsapp_sender import run_sender
            senders.append(lambda: run_sender(pipeline.db, whatsapp))
        if telegram is not None:
            from .telegram import WEBHOOK_PATH
            from .telegram import run_sender as run_telegram_sender
            await telegram.start()
            if telegram.cfg.public_url:
                await telegram.app.bot.set_webhook(telegram.cfg.public_url + WEBHOOK_PATH,
                                                   secret_token=telegram.cfg.webhook_secret,
                                                   allowed_updates=["message"])
            if run_senders:
                senders.append(lambda: run_telegram_sender(pipeline.db, telegram.app.bot))
        tasks = [asyncio.create_task(lead(pipeline.db, senders, name="pantau-senders"))] if senders else []
        if run_scheduler:
            from .reminders import run_forever
            tasks.append(asyncio.create_task(lead(pipeline.db, [lambda: run_forever(pipeline.db, pipeline.forms)],
                                                  name="pantau-scheduler")))
        yield
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
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


def app_from_env() -> Starlette:
    """The app for one of ``pantau serve --workers N``'s processes (uvicorn calls this in each):
    channels from the environment, the pipeline opened in the process's own event loop."""
    from storage.db import Database
    whatsapp, telegram_cfg = configured_channels()
    holder: dict = {}

    @contextlib.asynccontextmanager
    async def lifespan(app):
        pipeline = await Pipeline.open(Database())
        telegram = None
        if telegram_cfg:
            from .telegram import TelegramChannel
            telegram = TelegramChannel(telegram_cfg, pipeline)
        inner = build_app(pipeline, whatsapp, telegram=telegram,
                          run_scheduler=os.environ.get("PANTAU_SCHEDULER", "1") != "0")
        holder["app"] = inner
        settle_heap()
        async with inner.router.lifespan_context(inner):
            yield
        await pipeline.db.close()

    async def dispatch(scope, receive, send):
        if scope["type"] == "lifespan":
            return await Starlette(lifespan=lifespan)(scope, receive, send)
        await holder["app"](scope, receive, send)
    return dispatch

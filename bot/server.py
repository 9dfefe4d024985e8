"""`pantau serve`: the web app (Starlette + uvicorn) for channel webhooks, plus the outbox senders."""
from __future__ import annotations

import asyncio
import contextlib
import os

from starlette.applications import Starlette
from starlette.responses import FileResponse, PlainTextResponse
from starlette.routing import Route

from .pipeline import Pipeline


def build_app(pipeline: Pipeline, whatsapp=None, run_senders: bool = True) -> Starlette:
    """The app; ``whatsapp`` is a TwilioConfig, or None when WhatsApp is not configured."""
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

    @contextlib.asynccontextmanager
    async def lifespan(app):
        tasks = []
        if run_senders and whatsapp is not None:
            from .whatsapp_sender import run_sender
            tasks.append(asyncio.create_task(run_sender(pipeline.db, whatsapp)))
        yield
        for task in tasks:
            task.cancel()

    return Starlette(routes=routes, lifespan=lifespan)


def configured_channels(env=None):
    env = env if env is not None else os.environ
    whatsapp = None
    if env.get("TWILIO_ACCOUNT_SID") or env.get("TWILIO_AUTH_TOKEN"):
        from .config import TwilioConfig
        whatsapp = TwilioConfig.from_env(env)
    return whatsapp

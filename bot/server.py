"""`pantau serve`: the web app (Starlette + uvicorn) for channel webhooks, plus the outbox senders."""
from __future__ import annotations

import asyncio
import contextlib

from starlette.applications import Starlette
from starlette.responses import FileResponse, PlainTextResponse
from starlette.routing import Route
from uvicorn.protocols.http.h11_impl import H11Protocol

from .pipeline import Pipeline, settle_heap


def build_app(pipeline: Pipeline, whatsapp=None, run_senders: bool = True, telegram=None,
              run_scheduler: bool = False, extra_routes=()) -> Starlette:
    """The app; ``whatsapp`` is a TwilioConfig and ``telegram`` a TelegramChannel, or None when not configured.

    With several processes (``--workers``, or several machines behind a load balancer) every one
    answers webhooks, but the senders and the scheduler run only in the elected leader of each."""
    async def shared_file(request):
        from . import media
        path = media.open_shared(request.path_params["name"])    # unguessable name, at most a day old
        if path is None:
            return PlainTextResponse("not found", status_code=404)
        return FileResponse(path, headers={"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex"})

    routes = [Route("/health", lambda request: PlainTextResponse("ok")),
              Route("/files/{name}", shared_file, methods=["GET"])]
    if whatsapp is not None:
        from .whatsapp import routes as whatsapp_routes
        routes += whatsapp_routes(whatsapp, pipeline)
    if telegram is not None:
        routes.append(telegram.route())
    from .web import routes as dashboard_routes      # the coordinator dashboard, /dasbor
    routes += dashboard_routes(pipeline)
    routes += list(extra_routes)          # more routes or mounts (a dashboard, …)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        from .leader import lead
        senders = []
        if run_senders and whatsapp is not None:
            from .whatsapp_sender import run_sender
            senders.append(lambda: run_sender(pipeline.db, whatsapp))
        if telegram is None:          # (the Telegram channel warms up in its start())
            from .warmup import warm_up
            await warm_up(pipeline)
        if telegram is not None:
            from .telegram import WEBHOOK_PATH
            from .telegram_updates import ALLOWED_UPDATES
            from .telegram import run_sender as run_telegram_sender
            await telegram.start()
            if telegram.cfg.public_url:
                await telegram.app.bot.set_webhook(telegram.cfg.public_url + WEBHOOK_PATH,
                                                   secret_token=telegram.cfg.webhook_secret,
                                                   allowed_updates=ALLOWED_UPDATES)
            if run_senders:
                from .media import run_media_fetcher as fetch_telegram_media
                senders.append(lambda: run_telegram_sender(pipeline.db, telegram.app.bot))
                senders.append(lambda: fetch_telegram_media(pipeline.db, telegram.media))
        if run_senders:      # coordinators' charts and Excel files, rendered off the hot path (bot/jobs.py)
            from .jobs import run_forever as run_jobs
            senders.append(lambda: run_jobs(pipeline.db, pipeline.forms))
        if run_senders and whatsapp is not None:
            from .media import run_media_fetcher
            senders.append(lambda: run_media_fetcher(pipeline.db, whatsapp))
        tasks = [asyncio.create_task(lead(pipeline.db, senders, name="pantau-senders"))] if senders else []
        from .media import sweep_forever
        tasks.append(asyncio.create_task(sweep_forever()))       # coordinators' files removed after a day
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
    from .config import Settings, settings
    return (Settings.from_env(env) if env is not None else settings()).channels()


def app_from_env() -> Starlette:
    """The app for one of ``pantau serve --workers N``'s processes (uvicorn calls this in each):
    channels from the environment, the pipeline opened in the process's own event loop."""
    from .config import database, settings
    from .logsafe import install
    install()                  # each worker process cleans its own log lines
    whatsapp, telegram_cfg = configured_channels()
    holder: dict = {}

    @contextlib.asynccontextmanager
    async def lifespan(app):
        pipeline = await Pipeline.open(database())
        telegram = None
        if telegram_cfg:
            from .telegram import TelegramChannel
            telegram = TelegramChannel(telegram_cfg, pipeline)
        inner = build_app(pipeline, whatsapp, telegram=telegram,
                          run_scheduler=settings().scheduler)
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


# ---------------------------------------------------------------- the HTTP server's own limits

class BoundedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for the request line and headers: uvicorn closes an idle
    kept-alive connection, but a new connection that sends nothing, or drips its headers a byte at a
    time, would otherwise stay open for ever. The body has its own deadline (bot/http_limits.py)."""

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._arm_header_timer()

    def _arm_header_timer(self) -> None:
        self._cycle_before = self.cycle
        from .config import settings
        self._header_timer = self.loop.call_later(settings().http_header_timeout, self._header_timeout)

    def _header_timeout(self) -> None:
        if self.cycle is self._cycle_before and not self.transport.is_closing():   # still no complete request
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.cycle is not self._cycle_before and self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            if self._header_timer is not None:
                self._header_timer.cancel()
            self._arm_header_timer()

    def connection_lost(self, exc) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None
        super().connection_lost(exc)


def uvicorn_options(s=None) -> dict:
    """uvicorn's settings for `pantau serve`: keep-alive and header deadlines, a cap on concurrent
    connections (more are answered 503 at once), headers of at most 16 KB. A reverse proxy in front
    (README) adds its own limits; these hold without one."""
    from .config import settings
    s = s or settings()
    return {"http": "bot.server:BoundedH11Protocol", "timeout_keep_alive": s.http_keep_alive, "limit_concurrency": s.http_max_connections,
            "h11_max_incomplete_event_size": 16 * 1024, "timeout_graceful_shutdown": 10, "log_level": "warning"}

"""`pantau serve`: the web app (Starlette + uvicorn) for channel webhooks; the outbox senders, the
scheduler and the job worker run beside it in processes of their own (bot/background.py)."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .pipeline import Pipeline, settle_heap

if TYPE_CHECKING:
    from .background import Background
    from .channels.registry import Live
    from .config import Settings

Channels = Mapping[str, Any] | Iterable["Live"] | None     # name → configuration, or channels already opened


def build_app(pipeline: Pipeline, channels: Channels = None, run_senders: bool = True,
              run_scheduler: bool = False, extra_routes: Iterable[BaseRoute] = (), background: Background | None = None,
              freeze_heap: bool = False) -> Starlette:
    """The app, with the routes of each channel in ``channels``: name → configuration (opened here, as its
    ``Runtime.open`` says; ``Settings.channels()`` gives them) or ``registry.Live`` channels already opened.

    ``pantau serve`` passes ``run_senders=False`` and a ``background`` (bot/background.py): the senders,
    the scheduler and the job worker run in processes of their own, started with the app and stopped
    after it. With ``run_senders`` they run here instead, in this event loop (tests, one small process).
    Either way each runs only in the elected leader among all processes. ``freeze_heap``: the start-up
    heap is moved out of the garbage collector's sight once the app is warm (a server process)."""
    from .channels.registry import opened
    live = opened(channels or {}, pipeline)

    async def shared_file(request: Request) -> Response:
        from . import media
        path = media.open_shared(request.path_params["name"])    # unguessable name, at most a day old
        if path is None:
            return PlainTextResponse("not found", status_code=404)
        return FileResponse(path, filename=path.name, headers={   # a download, never a page (bot/web/headers.py)
            "Cache-Control": "private, no-store", "X-Robots-Tag": "noindex", "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox"})

    routes: list[BaseRoute] = [Route("/health", lambda request: PlainTextResponse("ok")),
              Route("/files/{name}", shared_file, methods=["GET"])]
    for channel in live:                   # each channel's webhooks
        routes += channel.runtime.routes(channel.opened, pipeline)
    from .web import routes as dashboard_routes      # the coordinator dashboard, /dasbor
    routes += dashboard_routes(pipeline)
    from .web.api import routes as api_routes            # the data API, /api/v1 (keys: pantau api-client)
    routes += api_routes(pipeline)
    routes += list(extra_routes)          # more routes or mounts (a dashboard, …)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        from .background import channel_senders, lead_all, work
        tasks: list[asyncio.Task[Any]] = []
        started: list[Live] = []
        if background is not None:    # first: the children start while this process warms up
            background.start()
        try:
            async with contextlib.AsyncExitStack() as stack:
                if not any(channel.runtime.warms_up for channel in live):   # (else a channel's start() does)
                    from .warmup import warm_up
                    await warm_up(pipeline)
                for channel in live:
                    started.append(channel)
                    await channel.runtime.start(channel.opened)
                if freeze_heap:               # after the warm-up: what it built lives as long as the process
                    settle_heap()
                if run_senders:
                    senders = await channel_senders(stack, pipeline.db, ((c.name, c.config, c.opened) for c in live))
                    tasks += lead_all(pipeline.db, work("senders", pipeline.db, pipeline.forms, senders, run_scheduler,
                                                        webhooks=True) + work("jobs", pipeline.db, pipeline.forms))
                from .media import sweep_forever
                tasks.append(asyncio.create_task(sweep_forever()))       # coordinators' files removed after a day
                try:
                    yield
                finally:
                    for task in tasks:
                        task.cancel()
                    await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            if background is not None:    # after the last webhook: uvicorn has closed the connections
                await asyncio.to_thread(background.stop)
            for channel in reversed(started):
                await channel.runtime.stop(channel.opened)

    return Starlette(routes=routes, lifespan=lifespan)


def _settings(env: Mapping[str, str] | None) -> Settings:
    from .config import Settings, settings
    return Settings.from_env(env) if env is not None else settings()


def app_from_env() -> ASGIApp:
    """The app for one of ``pantau serve --workers N``'s processes (uvicorn calls this in each):
    channels from the environment, the pipeline opened in the process's own event loop; webhooks only."""
    from .config import database
    from .logsafe import install
    install()                  # each worker process cleans its own log lines
    channels = _settings(None).channels()
    holder: dict[str, Starlette] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pipeline = await Pipeline.open(database())
        # the senders, scheduler and job worker: the supervisor's background processes (bot/cli/main.py)
        inner = build_app(pipeline, channels, run_senders=False, freeze_heap=True)
        holder["app"] = inner
        async with inner.router.lifespan_context(inner):
            yield
        await pipeline.db.close()

    async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await Starlette(lifespan=lifespan)(scope, receive, send)
            return
        await holder["app"](scope, receive, send)
    return dispatch


# ---------------------------------------------------------------- the HTTP server's own limits

HEADER_LIMIT = 16 * 1024      # request line and headers, bytes: a webhook's are well under 2 KB


TOO_LARGE = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


class HeadersTooLarge(Exception):
    pass


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol (llhttp, in C) with a deadline and a size cap for the request line
    and headers. uvicorn closes an idle kept-alive connection, but a new connection that sends nothing,
    or drips its headers a byte at a time, would otherwise stay open for ever, and httptools sets no
    size of its own. The body has its own deadline and cap (bot/http_limits.py).

    "Waiting for a head" runs from the connection's start, and from the end of each request's body,
    until the next request's headers are complete; bytes read meanwhile count toward the cap (a read
    in which a head completes does not count: there the parser's own pieces are counted), and the
    deadline runs while no request is in progress."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._header_timer: asyncio.TimerHandle | None = None
        self._waiting_head, self._head_bytes, self._heads = True, 0, 0
        self._parsed_head, self._too_large = 0, False
        super().connection_made(transport)
        self._arm_header_timer()

    def _busy(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

    def _arm_header_timer(self) -> None:
        self._cancel_header_timer()
        from .config import settings
        self._header_timer = self.loop.call_later(settings().http_header_timeout, self._header_timeout)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_timeout(self) -> None:
        self._header_timer = None
        if self._waiting_head and not self._busy() and not self.transport.is_closing():
            self.transport.close()           # no complete request line and headers in time

    def data_received(self, data: bytes) -> None:
        counting, heads = self._waiting_head, self._heads
        super().data_received(data)
        if not counting or self._heads != heads or self.transport.is_closing():
            return
        self._head_bytes += len(data)
        if self._head_bytes > HEADER_LIMIT:
            self.transport.write(TOO_LARGE)
            self.transport.close()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._parsed_head = 0

    def on_url(self, url: bytes) -> None:
        self._count_head(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count_head(len(name) + len(value) + 4)
        super().on_header(name, value)

    def _count_head(self, n: int) -> None:
        """Headers that arrived in one read: counted as the parser hands them over."""
        self._parsed_head += n
        if self._parsed_head > HEADER_LIMIT:
            self._too_large = True
            raise HeadersTooLarge()      # stops the parser: uvicorn answers through send_400_response

    def send_400_response(self, msg: str) -> None:
        if self._too_large:
            self.transport.write(TOO_LARGE)
            self.transport.close()
            return
        super().send_400_response(msg)

    def on_headers_complete(self) -> None:
        self._waiting_head, self._head_bytes, self._heads = False, 0, self._heads + 1
        self._cancel_header_timer()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._waiting_head, self._head_bytes = True, 0

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.transport.is_closing() or self._busy():
            return
        if self._waiting_head:
            self._arm_header_timer()
        else:          # answered before its body arrived (408, 413): the rest of it is not waited for
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)


def uvicorn_options(s: Settings | None = None) -> dict[str, Any]:
    """uvicorn's settings for `pantau serve`: keep-alive and header deadlines, a cap on concurrent
    connections (more are answered 503 at once), headers of at most 16 KB. A reverse proxy in front
    (README) adds its own limits; these hold without one."""
    from .config import settings
    s = s or settings()
    return {"http": "bot.server:BoundedHttpToolsProtocol", "timeout_keep_alive": s.http_keep_alive,
            "limit_concurrency": s.http_max_connections, "timeout_graceful_shutdown": 10, "log_level": "warning"}

"""A real webhook receiver for the tests: an aiohttp server on 127.0.0.1 that verifies every request with
standardwebhooks' ``Webhook.verify`` (as a subscriber's code would) and answers what the test scripted."""
from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web
from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class Receiver:
    secret: str = ""
    script: list[tuple[int, dict]] = field(default_factory=list)   # answers for the next requests, in turn
    accepted: list[dict] = field(default_factory=list)     # verified events answered 2xx, in arrival order
    seen: list[tuple[str, str | None]] = field(default_factory=list)   # (webhook-id, type) of every request
    forged: int = 0                                          # requests whose signature did not verify
    url: str = ""
    delay: float = 0.0                                       # seconds before answering (a slow receiver)
    _runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        try:
            event = Webhook(self.secret).verify(body, dict(request.headers))
        except WebhookVerificationError:
            self.forged += 1
            return web.Response(status=401)
        self.seen.append((request.headers["webhook-id"], event.get("type")))
        status, headers = self.script.pop(0) if self.script else (200, {})
        if self.delay:
            import asyncio
            await asyncio.sleep(self.delay)
        if 200 <= status < 300:
            self.accepted.append({"id": request.headers["webhook-id"], **event})
        return web.Response(status=status, headers=headers)

    async def start(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/hook"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

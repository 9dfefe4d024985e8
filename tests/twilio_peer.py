"""Test infrastructure: a local stand-in for Twilio's REST API that records what the bot sends,
answers like Twilio (201 with a Message resource, or Twilio's error JSON), and serves media behind
the account's basic auth, like Twilio's media URLs."""
from __future__ import annotations

import asyncio
import base64
import contextlib
import secrets
import socket
from email.utils import formatdate

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .images import image_bytes

#: one TLS context for the status callbacks' clients (httpx builds one per client otherwise: ~18 ms of CPU each)
TLS = httpx.create_ssl_context()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TwilioPeer:
    def __init__(self, account_sid: str, auth_token: str):
        self.account_sid, self.auth_token = account_sid, auth_token
        self.requests: list[dict] = []
        self.fail: dict[str, tuple[int, int]] = {}    # To → (HTTP status, Twilio error code)
        self.media = {"/media/sheet.jpg": image_bytes("attendance sheet photo")}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.created: list[dict] = []                 # accepted messages, newest last (for the list API)
        self.callbacks = False                        # post status callbacks like Twilio does
        self.hold: asyncio.Event | None = None        # set: accept the message but answer only when released
        self.received = asyncio.Event()               # a message request arrived
        self.fail_list = 0                            # answer this many message-list pages with a 500
        self.pending: set[asyncio.Task] = set()       # status callbacks still being posted

    def app(self) -> Starlette:
        async def messages(request: Request):
            form = dict((await request.form()).multi_items())
            self.requests.append({"path": request.url.path, "form": form,
                                  "auth": request.headers.get("authorization", "")})
            to = form.get("To", "")
            if to in self.fail:
                status, code = self.fail[to]
                return JSONResponse({"code": code, "message": f"error {code}", "more_info":
                                     f"https://www.twilio.com/docs/errors/{code}", "status": status}, status_code=status)
            sid = "SM" + secrets.token_hex(16)
            now = formatdate(usegmt=True)
            resource = {
                "account_sid": self.account_sid, "api_version": "2010-04-01", "body": form.get("Body", ""),
                "date_created": now, "date_sent": None, "date_updated": now, "direction": "outbound-api",
                "error_code": None, "error_message": None, "from": form.get("From"),
                "messaging_service_sid": form.get("MessagingServiceSid"), "num_media": "0", "num_segments": "1",
                "price": None, "price_unit": "USD", "sid": sid, "status": "queued", "subresource_uris": {
                    "media": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}/Media.json"},
                "to": to, "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json"}
            self.created.append(resource)
            self.received.set()
            if self.callbacks and form.get("StatusCallback"):
                task = asyncio.get_running_loop().create_task(self._status_callback(form["StatusCallback"], sid))
                self.pending.add(task)
                task.add_done_callback(self.pending.discard)
            if self.hold is not None:
                with contextlib.suppress(asyncio.TimeoutError):   # the sender may be killed before it hears back
                    await asyncio.wait_for(self.hold.wait(), 20)
            return JSONResponse(resource, status_code=201)

        async def message_list(request: Request):
            if self.fail_list:
                self.fail_list -= 1
                return JSONResponse({"code": 20500, "message": "Internal Server Error", "status": 500},
                                    status_code=500)
            to = request.query_params.get("To")
            found = [m for m in reversed(self.created) if not to or m["to"] == to]
            page_size = int(request.query_params.get("PageSize", "50"))
            return JSONResponse({"messages": found[:page_size], "page": 0, "page_size": page_size,
                                 "first_page_uri": request.url.path, "next_page_uri": None,
                                 "previous_page_uri": None, "uri": request.url.path, "start": 0,
                                 "end": min(page_size, len(found)) - 1})

        async def media(request: Request):
            expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
            if request.headers.get("authorization") != expected:
                return Response("unauthorized", status_code=401)
            return Response(self.media[request.url.path], media_type="image/jpeg")

        @contextlib.asynccontextmanager
        async def lifespan(_app):
            """Callbacks still retrying when the peer stops are cancelled and awaited while the loop runs (left to
            the loop's close, one cut inside httpx's connect left a coroutine never awaited: a warning, an error)."""
            yield
            for task in list(self.pending):
                task.cancel()
            await asyncio.gather(*self.pending, return_exceptions=True)

        return Starlette(lifespan=lifespan, routes=[
            Route("/2010-04-01/Accounts/{sid}/Messages.json", messages, methods=["POST"]),
            Route("/2010-04-01/Accounts/{sid}/Messages.json", message_list, methods=["GET"]),
            Route("/media/{name}", media, methods=["GET"]),
        ])


    async def _status_callback(self, url: str, sid: str) -> None:
        """What Twilio posts when a message it accepted is sent (signed with the auth token)."""
        from twilio.request_validator import RequestValidator
        form = {"MessageSid": sid, "MessageStatus": "sent", "AccountSid": self.account_sid}
        await asyncio.sleep(1)                       # Twilio reports a status once it has sent the message
        signature = RequestValidator(self.auth_token).compute_signature(url, form)
        for _ in range(50):                          # Twilio retries callbacks; the app may be restarting
            try:
                async with httpx.AsyncClient(timeout=5, verify=TLS) as client:
                    resp = await client.post(url, data=form, headers={"X-Twilio-Signature": signature})
                if resp.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)


@contextlib.asynccontextmanager
async def serving(app, port: int):
    """Run an ASGI app with uvicorn on 127.0.0.1:port for the duration of the block."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task

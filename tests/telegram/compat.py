"""The thinnest layer that makes telegram-test-api 4.2.1 behave like the real Bot API for PTB 22.

Known gaps it covers: getMe lacks is_bot; sendMessage returns `date` in milliseconds and no `from`;
getUpdates ignores `offset` and `timeout` and marks updates read when sent; errors are HTTP 500
without ok/error_code; setMyCommands, sendPhoto, sendDocument and getFile do not exist; webhook
delivery never sends the secret header and a failed delivery crashes the emulator (so webhooks are
delivered from here, with the header, and retried like Telegram does).
"""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import secrets
import time

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..twilio_peer import TLS      # one TLS context for every client (httpx builds one per client: ~18 ms)


def _seconds(value):
    return value // 1000 if isinstance(value, int) and value > 10**11 else value


class Compat:
    #: seconds between two reads of the emulator's new updates (the real Bot API pushes a webhook at once;
    #: bench.first_reply reads more often so that this stand-in's wait is not counted as Pantau's)
    poll = 0.05

    def __init__(self, emulator_url: str, token: str):
        self.emu, self.token = emulator_url, token
        self.bot_id = int(token.split(":")[0])
        self.pending: list[dict] = []          # updates handed out but not yet confirmed by an offset
        self.files: dict[str, bytes] = {}      # file_id → bytes (photos users send, files the bot sends)
        self.sent_files: list[dict] = []       # what the bot sent with sendPhoto / sendDocument
        self.commands: list = []
        self.webhook: tuple[str, str] | None = None
        self.webhook_task: asyncio.Task | None = None
        self.fail_next: list[tuple[str, int, dict]] = []   # (method, status, body) to answer once
        self.hold: asyncio.Event | None = None     # set: deliver a sendMessage, answer only once released
        self.held = asyncio.Event()                # a sendMessage is being held
        self.allowed_updates: dict[str, list] = {}          # getUpdates / setWebhook → the types asked for
        self.answered_callbacks: list[str] = []

    # -- the user's side (used by the simulated user in tests)
    def put_file(self, data: bytes) -> dict:
        file_id = "F" + secrets.token_hex(8)
        self.files[file_id] = data
        return {"file_id": file_id, "file_unique_id": hashlib.sha1(data).hexdigest()[:16],
                "file_size": len(data), "width": 1280, "height": 960}

    async def _pull(self, client: httpx.AsyncClient) -> list[dict]:
        resp = await client.post(f"{self.emu}/bot{self.token}/getUpdates", json={})
        updates = resp.json().get("result") or []
        for u in updates:
            msg = u.get("message") or (u.get("callback_query") or {}).get("message") or {}
            for junk in ("botToken", "chatId"):
                msg.pop(junk, None)
            msg["date"] = _seconds(msg.get("date", int(time.time())))
            if "callback_query" in u:       # the emulator leaves out chat_instance, which the Bot API always sends
                u["callback_query"].setdefault("chat_instance", str(u["callback_query"]["from"]["id"]))
        return updates

    async def get_updates(self, offset: int | None, timeout: float) -> list[dict]:
        if offset is not None:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
        deadline = time.monotonic() + min(timeout, 5)
        async with httpx.AsyncClient(timeout=10, verify=TLS) as client:
            while True:
                self.pending += await self._pull(client)
                if self.pending or time.monotonic() >= deadline:
                    return list(self.pending)
                await asyncio.sleep(self.poll)

    async def _deliver_webhooks(self):
        url, secret = self.webhook
        async with httpx.AsyncClient(timeout=30, verify=TLS) as client:
            while True:
                for update in await self._pull(client):
                    while True:        # Telegram retries until the webhook answers 2xx
                        try:
                            r = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret})
                            if r.status_code < 300:
                                break
                        except httpx.HTTPError:
                            pass
                        await asyncio.sleep(0.2)
                await asyncio.sleep(self.poll)

    def app(self) -> Starlette:
        async def method(request: Request):
            name = request.path_params["method"]
            if request.path_params["token"] != self.token:
                return JSONResponse({"ok": False, "error_code": 401, "description": "Unauthorized"}, status_code=401)
            form = await request.form()
            params = {}
            for key, value in form.multi_items():
                params[key] = await value.read() if hasattr(value, "read") else value
            for i, (m, status, body) in enumerate(self.fail_next):
                if m == name:
                    del self.fail_next[i]
                    return JSONResponse(body, status_code=status)
            if "allowed_updates" in params:
                self.allowed_updates[name] = json.loads(params["allowed_updates"])
            if name == "answerCallbackQuery":
                self.answered_callbacks.append(params.get("callback_query_id", ""))
            async with httpx.AsyncClient(timeout=30, verify=TLS) as client:
                if name == "getMe":
                    return JSONResponse({"ok": True, "result": {"id": self.bot_id, "is_bot": True, "first_name": "Pantau",
                                                                "username": "pantau_test_bot", "can_join_groups": False,
                                                                "can_read_all_group_messages": False,
                                                                "supports_inline_queries": False}})
                if name == "getUpdates":
                    offset = int(params["offset"]) if params.get("offset") else None
                    return JSONResponse({"ok": True, "result": await self.get_updates(offset, float(params.get("timeout") or 0))})
                if name in ("setMyCommands", "deleteMyCommands"):
                    self.commands = json.loads(params.get("commands", "[]"))
                    return JSONResponse({"ok": True, "result": True})
                if name == "setWebhook":
                    if self.webhook_task:
                        self.webhook_task.cancel()
                    self.webhook = (params["url"], params.get("secret_token", ""))
                    self.webhook_task = asyncio.create_task(self._deliver_webhooks())
                    return JSONResponse({"ok": True, "result": True})
                if name == "deleteWebhook":
                    if self.webhook_task:
                        self.webhook_task.cancel()
                    self.webhook = self.webhook_task = None
                    return JSONResponse({"ok": True, "result": True})
                if name == "getFile":
                    data = self.files.get(params.get("file_id", ""))
                    if data is None:
                        return JSONResponse({"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"},
                                            status_code=400)
                    return JSONResponse({"ok": True, "result": {"file_id": params["file_id"], "file_unique_id": "u" + params["file_id"],
                                                                "file_size": len(data), "file_path": f"photos/{params['file_id']}.jpg"}})
                if name in ("sendPhoto", "sendDocument"):
                    field = "photo" if name == "sendPhoto" else "document"
                    sent = self.put_file(params.get(field, b"") if isinstance(params.get(field), bytes) else b"")
                    self.sent_files.append({"chat_id": params.get("chat_id"), "kind": field, "caption": params.get("caption", ""),
                                            **sent})
                    resp = await client.post(f"{self.emu}/bot{self.token}/sendMessage",
                                             data={"chat_id": params["chat_id"], "text": f"[{field}] {params.get('caption', '')}"})
                    result = self._fix_message(resp.json()["result"])
                    result[field] = [dict(sent)] if field == "photo" else {"file_id": sent["file_id"],
                                                                           "file_unique_id": sent["file_unique_id"]}
                    return JSONResponse({"ok": True, "result": result})
                resp = await client.post(f"{self.emu}/bot{self.token}/{name}",
                                         data={k: v for k, v in params.items() if not isinstance(v, bytes)})
            if resp.status_code >= 400:
                try:
                    desc = resp.json().get("message") or resp.text
                except ValueError:
                    desc = resp.text
                return JSONResponse({"ok": False, "error_code": 400, "description": f"Bad Request: {desc}"[:300]},
                                    status_code=400)
            body = resp.json()
            if isinstance(body.get("result"), dict) and "message_id" in body["result"]:
                body["result"] = self._fix_message(body["result"])
            if name == "sendMessage" and self.hold is not None:   # delivered; the bot may die before it hears
                self.held.set()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self.hold.wait(), 20)
            return JSONResponse(body)

        async def file(request: Request):
            file_id = request.path_params["path"].split("/")[-1].rsplit(".", 1)[0]
            data = self.files.get(file_id)
            return Response(data, media_type="image/jpeg") if data is not None else Response(status_code=404)

        @contextlib.asynccontextmanager
        async def lifespan(_app):
            """The webhook delivery still running when the stand-in stops is cancelled and awaited while the loop
            runs (left to the loop's close, a cut inside httpx's connect leaves a coroutine never awaited)."""
            yield
            task, self.webhook_task = self.webhook_task, None
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)

        return Starlette(lifespan=lifespan, routes=[Route("/bot{token}/{method}", method, methods=["GET", "POST"]),
                                 Route("/file/bot{token}/{path:path}", file, methods=["GET"])])

    def _fix_message(self, msg: dict) -> dict:
        msg = dict(msg)
        msg["date"] = _seconds(msg.get("date", int(time.time())))
        msg.setdefault("from", {"id": self.bot_id, "is_bot": True, "first_name": "Pantau", "username": "pantau_test_bot"})
        msg.pop("chat_id", None)
        return msg


class SimUser:
    """A person on Telegram, typing into the emulator and reading what the bot sent them."""

    def __init__(self, emulator_url: str, compat: Compat, chat_id: int, name: str = "Siti"):
        self.emu, self.compat, self.chat_id, self.name = emulator_url, compat, chat_id, name

    async def send(self, text: str = "", **extra) -> None:
        user = {"id": self.chat_id, "first_name": self.name, "is_bot": False, "language_code": "id"}
        message = {"botToken": self.compat.token, "chatId": self.chat_id, "from": user,
                   "chat": {"id": self.chat_id, "type": "private", "first_name": self.name},
                   "date": int(time.time()), **({"text": text} if text else {}), **extra}
        if text.startswith("/"):
            message["entities"] = [{"offset": 0, "length": len(text.split()[0]), "type": "bot_command"}]
        async with httpx.AsyncClient(timeout=10, verify=TLS) as client:
            r = await client.post(f"{self.emu}/sendCommand" if text.startswith("/") else f"{self.emu}/sendMessage",
                                  json=message)
            r.raise_for_status()

    async def tap_inline(self, data: str, message: dict) -> None:
        """A tap on an inline button under ``message`` (a message the bot sent, as the emulator keeps it)."""
        user = {"id": self.chat_id, "first_name": self.name, "is_bot": False, "language_code": "id"}
        async with httpx.AsyncClient(timeout=10, verify=TLS) as client:
            r = await client.post(f"{self.emu}/sendCallback", json={
                "botToken": self.compat.token, "chatId": self.chat_id, "from": user, "data": data,
                "message": {"message_id": 1, "date": int(time.time()), "text": message.get("text", ""),
                            "chat": {"id": self.chat_id, "type": "private", "first_name": self.name}}})
            r.raise_for_status()

    async def send_photo(self, data: bytes, caption: str = "") -> None:
        small = self.compat.put_file(data[: len(data) // 4] or b"x")
        big = self.compat.put_file(data)
        small.update(width=320, height=240)
        await self.send("", photo=[small, big], **({"caption": caption} if caption else {}))

    async def read(self) -> list[dict]:
        """New messages from the bot: [{text, keyboard}]."""
        async with httpx.AsyncClient(timeout=10, verify=TLS) as client:
            r = await client.post(f"{self.emu}/getUpdates", json={"token": self.compat.token, "chatId": self.chat_id})
        out = []
        for u in r.json()["result"]:
            m = u["message"]
            markup = m.get("reply_markup")
            if isinstance(markup, str):
                markup = json.loads(markup)
            keyboard = [b["text"] for row in (markup or {}).get("keyboard", []) for b in row]
            out.append({"text": m.get("text", ""), "keyboard": keyboard})
        return out

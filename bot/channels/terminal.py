"""`pantau chat`: the terminal channel, interactive or one JSON line per message (--jsonl)."""
from __future__ import annotations

import asyncio
import json
import sys
import uuid
from datetime import datetime
from typing import Any

from flows.types import Inbound
from storage.db import Database
from storage.models import Outbox
from storage.repo import Tx

from ..reports import jobs
from .. import catalog, media
from ..images import NOT_A_PHOTO
from ..phones import normalize_sender  # noqa: F401 - roster and tests import it from here
from ..pipeline import Pipeline
from ..clock import clock
from ..outbox import OutboxLoop, Sent


class TerminalChannel:
    """The terminal as an outbox channel: "sending" a row hands its payload to the chat that prints it. Only
    the person at this terminal is served; other people's rows (a notice to a fasilitator) stay pending
    until they chat."""
    name = "terminal"

    def __init__(self, sender: str):
        self.sender = sender
        self.printed: list[dict[str, Any]] = []

    async def prepare(self, tx: Tx, rows: list[Outbox], now: datetime) -> None:
        return None

    def ready(self, recipient: str) -> bool:
        return recipient == self.sender

    async def send(self, row: Outbox) -> Sent:
        self.printed.append(dict(row.payload))
        return Sent()

    async def settle(self, tx: Tx, row: Outbox) -> str | None:
        return None             # a row left in doubt by a killed chat is printed again


async def take_terminal_replies(db: Database, sender: str, now: datetime | None = None) -> list[dict[str, Any]]:
    """One round of the one outbox loop for the person at this terminal: their due replies, oldest first,
    stopping at the first that is not due (a reminder held back until quiet hours end: later rows wait)."""
    channel = TerminalChannel(sender)
    await OutboxLoop(db, channel).round(now or clock())
    return channel.printed


def parse_line(line: str) -> dict[str, Any]:
    line = line.rstrip("\n")
    if line.lstrip().startswith("{"):
        try:
            data = json.loads(line)
            if isinstance(data, dict):
                return data
        except json.JSONDecodeError:
            pass
    return {"text": line}


async def _one(pipeline: Pipeline, sender: str, data: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
    photo_ref: str | None = None
    media_row: tuple[str, str, str, int] | None = None     # a stored file (media.MediaRow)
    location: tuple[float, float] | None = None
    kind = "text"
    if data.get("photo"):
        try:
            digest, path, mime, size = media.store_file(str(data["photo"]))
            photo_ref, media_row, kind = digest, (digest, str(path), mime, size), "photo"
        except media.NotAPhoto:           # an SVG, a page, a document: not stored, the person told why
            return [{"text": catalog.gettext_for("id")(NOT_A_PHOTO)}], False
        except OSError:
            return [{"text": "Foto tidak bisa dibaca. Mohon kirim ulang."}], False
    if isinstance(data.get("location"), dict):
        try:
            location = (float(data["location"]["lat"]), float(data["location"]["lon"]))
            kind = "location"
        except (KeyError, TypeError, ValueError):
            location = None
    inbound = Inbound(channel="terminal", sender=sender, message_id=str(data.get("id") or uuid.uuid4()),
                      text=str(data.get("text") or ""), photo=photo_ref, location=location, kind=kind)
    result = await pipeline.handle(inbound, media_row)
    await jobs.run_due(pipeline.db, pipeline.forms)      # a coordinator's chart or Excel file, right away
    replies = await take_terminal_replies(pipeline.db, sender, pipeline.now())
    return replies, result is None


def render(reply: dict[str, Any]) -> str:
    lines = [reply.get("text", "")]
    for i, choice in enumerate(reply.get("choices", []), 1):
        lines.append(f"  {i}. {choice}")
    for kind in ("image", "document"):
        if reply.get(kind):
            lines.append(f"  [{kind}: {reply[kind]}]")
    return "\n".join(lines)


async def run_chat(pipeline: Pipeline, sender: str, jsonl: bool) -> None:
    loop = asyncio.get_running_loop()
    if not jsonl:
        print("Pantau — ketik pesan Anda. Ctrl-D untuk keluar.\n", flush=True)
    while True:
        if not jsonl:
            print("> ", end="", flush=True)
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            break
        data = parse_line(line)
        replies, duplicate = await _one(pipeline, sender, data)
        if jsonl:
            out: dict[str, Any] = {"replies": [{"text": r.get("text", ""), "choices": r.get("choices", []),
                                **{k: r[k] for k in ("image", "document") if r.get(k)}} for r in replies]}
            if duplicate:
                out["duplicate"] = True
            sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
            sys.stdout.flush()
        else:
            for reply in replies:
                print(render(reply) + "\n", flush=True)

"""Delivering the WhatsApp outbox through Twilio's Messages API (async client).

- Free-form messages only within 24 hours of the person's last message; outside it a reminder goes
  as an approved template (content_sid + content_variables), and a message without a template is
  recorded as failed rather than tried (Twilio would refuse it with 63016).
- At most ``rate_per_second`` messages per second per sender (Twilio: 80/s).
- 429 holds back the whole channel, 5xx the recipient (backoff with jitter and the attempt cap are the
  outbox loop's, bot/outbox.py); permanent errors are recorded, not retried; a timeout leaves the row
  in doubt, settled from Twilio's own record.
"""
from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypedDict

from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from storage.db import Database
from storage.outbox import provider_id_owner
from storage.keys import aware
from storage.models import Outbox
from storage.repo import Tx

from ..config import TwilioConfig
from ..outbox import Failed, InDoubt, NotSent, Outcome, OutboxLoop, RetryAfter, Sent
from ..phones import masked
from ..clock import clock
from .whatsapp_paths import STATUS_PATH

log = logging.getLogger("pantau.whatsapp.sender")
WINDOW = timedelta(hours=24)
PERMANENT = {21211, 21408, 21610, 21614, 63003, 63016, 63024, 63032}   # bad number, unsubscribed, window, …


# twilio ships no type information (no py.typed, no maintained stubs): to mypy its class is Any
class TwilioHttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]
    """Twilio's async HTTP client with the account's credentials sent as an Authorization header (aiohttp
    deprecates its ``auth=`` parameter and ``BasicAuth``), and optionally another base URL (a local stand-in
    in tests)."""

    def __init__(self, base_url: str | None = None, **kw: Any) -> None:
        super().__init__(**kw)
        self.base_url = base_url.rstrip("/") if base_url else None

    async def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:   # twilio.http.response.Response
        if self.base_url and url.startswith("https://api.twilio.com"):
            url = self.base_url + url[len("https://api.twilio.com"):]
        auth = kwargs.pop("auth", None)
        if auth is not None:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            kwargs["headers"] = {**(kwargs.get("headers") or {}), "Authorization": f"Basic {token}"}
        return await super().request(method, url, *args, **kwargs)


def make_client(cfg: TwilioConfig) -> Client:
    return Client(cfg.account_sid, cfg.auth_token, http_client=TwilioHttpClient(cfg.api_base_url))


def body_of(payload: dict[str, Any]) -> str:
    """The reply as WhatsApp text: numbered choices and how to answer them."""
    lines = [payload.get("text", "")]
    for i, choice in enumerate(payload.get("choices") or [], 1):
        lines.append(f"{i}. {choice}")
    if payload.get("hint"):
        lines.append(payload["hint"])
    return "\n".join(lines)[:1600]


class RateLimiter:
    """At most ``rate`` calls per second, evenly spaced."""

    def __init__(self, rate: float) -> None:
        self.interval, self.next = 1.0 / rate, 0.0

    async def wait(self) -> None:
        now = time.monotonic()
        if self.next > now:
            await asyncio.sleep(self.next - now)
        self.next = max(self.next, now) + self.interval


class WhatsAppOutbox:
    """The WhatsApp adapter of the one outbox loop (bot/outbox.py)."""

    name = "whatsapp"

    def __init__(self, cfg: TwilioConfig, client: Client, limiter: RateLimiter | None = None) -> None:
        self.cfg, self.client = cfg, client
        self.limiter = limiter or RateLimiter(cfg.rate_per_second)
        self.last: dict[str, datetime] = {}
        self.now = clock()
        self.held: Callable[[], bool] = lambda: False      # set by the outbox loop: the channel is held

    async def prepare(self, tx: Tx, rows: list[Outbox], now: datetime) -> None:
        self.now = now
        self.last = dict(await tx.last_inbound_many("whatsapp", [r.external_id for r in rows]))

    def ready(self, to: str) -> bool:
        return True

    async def send(self, row: Outbox) -> Outcome:
        return await _send_one(row, self.last.get(row.external_id), self.cfg, self.client, self.limiter, self.now,
                               self.held)

    async def settle(self, tx: Tx, row: Outbox) -> str | None:
        """Twilio's own record: the oldest message to the same number with the same text, created after the claim
        (2 s for clock skew; Twilio dates are whole seconds) and not already recorded for another row.
        A failed list page raises (``TwilioException``, network): the loop asks again later."""
        if not row.external_id.startswith("+"):
            return None
        body = body_of(row.payload)
        claimed = aware(row.next_attempt_at) - timedelta(seconds=2)
        # oldest first (Twilio lists newest first): the loop settles a person's rows oldest first, and each
        # takes the oldest matching message no other row has
        for m in reversed(await self.client.messages.list_async(to=f"whatsapp:{row.external_id}", limit=50)):
            if m.body == body and m.date_created and aware(m.date_created) >= claimed:
                owner = await provider_id_owner(tx.s, m.sid)
                if owner is None or owner == row.id:     # not another row's message
                    sid: str = m.sid
                    return sid
        return None


async def send_due(db: Database, cfg: TwilioConfig, client: Client, limiter: RateLimiter,
                   now: datetime | None = None) -> int:
    """One round of the outbox loop for WhatsApp (tests); returns how many messages Twilio accepted."""
    return await OutboxLoop(db, WhatsAppOutbox(cfg, client, limiter)).round(now)


class MessageArgs(TypedDict, total=False):
    """The arguments of Twilio's ``messages.create``: a sender, and a body (with media) or a template."""

    to: str
    status_callback: str
    messaging_service_sid: str
    from_: str | None          # TwilioConfig.whatsapp_from (config checks one of the two senders is set)
    body: str
    media_url: list[str]
    content_sid: str
    content_variables: str


async def _send_one(row: Outbox, last_inbound: datetime | None, cfg: TwilioConfig, client: Client, limiter: RateLimiter,
                    now: datetime, held: Callable[[], bool] = lambda: False) -> Outcome:
    to = row.external_id
    if not to.startswith("+"):
        return Failed("not a phone number: needs a WhatsApp user id sender")
    inside = last_inbound is not None and now - last_inbound < WINDOW
    # the row id rides on the status callback: Twilio's callback confirms a send we did not live to record
    kwargs: MessageArgs = {"to": f"whatsapp:{to}", "status_callback": f"{cfg.public_url}{STATUS_PATH}?o={row.id}"}
    if cfg.messaging_service_sid:
        kwargs["messaging_service_sid"] = cfg.messaging_service_sid
    else:
        kwargs["from_"] = cfg.whatsapp_from
    template = cfg.templates.get(row.payload.get("template", ""))
    if inside:
        kwargs["body"] = body_of(row.payload)
        attachments = [row.payload[k] for k in ("image", "document") if row.payload.get(k)]
        if attachments:   # Twilio fetches media from a public URL: /files/<unguessable name>
            kwargs["media_url"] = [f"{cfg.public_url}/files/{Path(a).name}" for a in attachments]
    elif template:
        variables = row.payload.get("variables") or {}
        kwargs["content_sid"] = template
        kwargs["content_variables"] = json.dumps({str(i): str(v) for i, v in enumerate(variables.values(), 1)})
    else:
        return Failed("outside the 24-hour window and no approved template")
    await limiter.wait()
    if held():                  # the channel was held (20429) while this request waited for the pace
        return NotSent()
    try:
        message = await client.messages.create_async(**kwargs)
    except TwilioRestException as exc:
        if exc.status == 429:          # the account's rate: every recipient waits
            return RetryAfter(None, f"{exc.status} {exc.code}", scope="channel")
        if exc.status >= 500 and exc.code not in PERMANENT:
            return RetryAfter(None, f"{exc.status} {exc.code}")
        log.warning("whatsapp message to %s failed permanently (%s)", masked(to), exc.code)
        return Failed(f"{exc.status} {exc.code}: {exc.msg}")
    except OSError as exc:      # could not connect (aiohttp's connector errors are OSErrors): never reached Twilio
        return RetryAfter(None, type(exc).__name__)
    except Exception as exc:   # noqa: BLE001 - a timeout or a broken answer: Twilio may have the message
        return InDoubt(type(exc).__name__)
    return Sent(message.sid)


async def run_sender(db: Database, cfg: TwilioConfig, every: float = 0.5) -> None:
    client = make_client(cfg)
    try:
        await OutboxLoop(db, WhatsAppOutbox(cfg, client)).run_forever(every)
    finally:                    # stopped (cancelled) with the app: its aiohttp session closed, not left to the collector
        await client.http_client.close()

"""Delivering the WhatsApp outbox through Twilio's Messages API (async client).

- Free-form messages only within 24 hours of the person's last message; outside it a reminder goes
  as an approved template (content_sid + content_variables), and a message without a template is
  recorded as failed rather than tried (Twilio would refuse it with 63016).
- At most ``rate_per_second`` messages per second per sender (Twilio: 80/s).
- 429 and 5xx are retried with exponential backoff; permanent errors are recorded, not retried.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from pathlib import Path
from datetime import datetime, timedelta

from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from storage.db import Database
from storage.repo import Tx, aware

from .config import TwilioConfig, outbox_in_doubt_after
from .pipeline import clock
from .whatsapp import STATUS_PATH, masked

log = logging.getLogger("pantau.whatsapp.sender")
WINDOW = timedelta(hours=24)
PERMANENT = {21211, 21408, 21610, 21614, 63003, 63016, 63024, 63032}   # bad number, unsubscribed, window, …
MAX_ATTEMPTS = 8


class BaseUrlHttpClient(AsyncTwilioHttpClient):
    """Sends the client's requests to another base URL (a local stand-in in tests)."""

    def __init__(self, base_url: str, **kw):
        super().__init__(**kw)
        self.base_url = base_url.rstrip("/")

    async def request(self, method, url, *args, **kwargs):
        if url.startswith("https://api.twilio.com"):
            url = self.base_url + url[len("https://api.twilio.com"):]
        return await super().request(method, url, *args, **kwargs)


def make_client(cfg: TwilioConfig) -> Client:
    http = BaseUrlHttpClient(cfg.api_base_url) if cfg.api_base_url else AsyncTwilioHttpClient()
    return Client(cfg.account_sid, cfg.auth_token, http_client=http)


def body_of(payload: dict) -> str:
    """The reply as WhatsApp text: numbered choices and how to answer them."""
    lines = [payload.get("text", "")]
    for i, choice in enumerate(payload.get("choices") or [], 1):
        lines.append(f"{i}. {choice}")
    if payload.get("hint"):
        lines.append(payload["hint"])
    return "\n".join(lines)[:1600]


class RateLimiter:
    """At most ``rate`` calls per second, evenly spaced."""

    def __init__(self, rate: float):
        self.interval, self.next = 1.0 / rate, 0.0

    async def wait(self) -> None:
        now = time.monotonic()
        if self.next > now:
            await asyncio.sleep(self.next - now)
        self.next = max(self.next, now) + self.interval


async def send_due(db: Database, cfg: TwilioConfig, client: Client, limiter: RateLimiter,
                   now: datetime | None = None) -> int:
    """Send what is due now; returns how many messages Twilio accepted.

    Rows are claimed ("sending") and committed before anything leaves, and each row's outcome is
    committed right after its request. A sender killed in between leaves the row in doubt; the next
    round settles it from Twilio's own record (status callback or message list) before sending again."""
    now = now or clock()
    await settle_in_doubt(db, client, now)
    async with db.session() as s, s.begin():
        tx = Tx(s)
        rows = await tx.claim_due("whatsapp", now)
        last = {to: await tx.last_inbound_at("whatsapp", to) for to in {r.external_id for r in rows}}
    sent = 0
    for row in rows:
        outcome = await _send_one(row, last.get(row.external_id), cfg, client, limiter, now)
        async with db.session() as s, s.begin():
            sent += await Tx(s).record_outcome(row.id, outcome, now)
    return sent


async def _send_one(row, last_inbound: datetime | None, cfg: TwilioConfig, client: Client, limiter: RateLimiter,
                    now: datetime) -> tuple:
    """One row to Twilio: ("sent", sid) | ("retry", attempts, at, error) | ("failed", error)."""
    to = row.external_id
    if not to.startswith("+"):
        return ("failed", "not a phone number: needs a WhatsApp user id sender")
    inside = last_inbound is not None and now - last_inbound < WINDOW
    # the row id rides on the status callback: Twilio's callback confirms a send we did not live to record
    kwargs = {"to": f"whatsapp:{to}", "status_callback": f"{cfg.public_url}{STATUS_PATH}?o={row.id}"}
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
        return ("failed", "outside the 24-hour window and no approved template")
    await limiter.wait()
    attempts = row.attempts + 1
    try:
        message = await client.messages.create_async(**kwargs)
    except TwilioRestException as exc:
        if (exc.status == 429 or exc.status >= 500) and attempts < MAX_ATTEMPTS and exc.code not in PERMANENT:
            return ("retry", attempts, now + timedelta(seconds=2 ** attempts), f"{exc.status} {exc.code}")
        log.warning("whatsapp message to %s failed permanently (%s)", masked(to), exc.code)
        return ("failed", f"{exc.status} {exc.code}: {exc.msg}")
    except (OSError, asyncio.TimeoutError) as exc:   # network: try again later
        return ("retry", attempts, now + timedelta(seconds=2 ** attempts), type(exc).__name__)
    return ("sent", message.sid)


async def settle_in_doubt(db: Database, client: Client, now: datetime) -> int:
    """Rows left "sending" by a sender that died: marked sent if Twilio has the message (same number,
    same text, created after the claim), else sent again. Returns how many were found at Twilio."""
    found = 0
    async with db.session() as s, s.begin():
        tx = Tx(s)
        for row in await tx.in_doubt("whatsapp", now - outbox_in_doubt_after()):
            sid = None
            body = body_of(row.payload) if row.external_id.startswith("+") else None
            # ours if created after the claim (2 s for clock skew; Twilio dates are whole seconds), with
            # the same text, and not already recorded for another row
            claimed = aware(row.next_attempt_at) - timedelta(seconds=2)
            try:
                if body is not None:
                    for m in await client.messages.list_async(to=f"whatsapp:{row.external_id}", limit=50):
                        if (m.body == body and m.date_created and aware(m.date_created) >= claimed
                                and not await tx.provider_id_known(m.sid)):
                            sid = m.sid
                            break
            except (TwilioRestException, OSError, asyncio.TimeoutError):
                continue                      # Twilio unreachable: ask again next round
            if sid:
                await tx.mark_sent(row.id, now, sid)
                found += 1
                log.info("in-doubt whatsapp message %d was delivered to Twilio; not sent again", row.id)
            else:
                await tx.retry_later(row.id, row.attempts, now, "in doubt: not at Twilio, sending again")
    return found


async def run_sender(db: Database, cfg: TwilioConfig, every: float = 0.5) -> None:
    client = make_client(cfg)
    limiter = RateLimiter(cfg.rate_per_second)
    while True:
        try:
            await send_due(db, cfg, client, limiter)
        except Exception:   # the loop must survive; rows stay pending and are tried again
            log.exception("whatsapp sender round failed")
        await asyncio.sleep(every)

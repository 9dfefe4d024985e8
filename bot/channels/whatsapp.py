"""WhatsApp through Twilio: the signed inbound webhook and status callbacks (Starlette routes).

The adapter only translates: Twilio's form fields → ``Inbound``; replies leave through the outbox
(bot/whatsapp_sender.py). Every request's X-Twilio-Signature is checked against the public URL
Twilio called (PANTAU_PUBLIC_URL + path), not the URL seen behind a proxy.
"""
from __future__ import annotations

import hmac
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from flows.types import Inbound
from storage.db import Database
from storage.repo import Tx

from ..config import TwilioConfig, settings
from ..http_limits import BodyTooLarge, BodyTooSlow, WrongContentType, read_urlencoded
from ..inputs import ID_MAX, clean_text, coordinates, count, fits_id
from ..media import PendingMedia, media_url_allowed, start_fetch
from ..phones import masked, normalize_whatsapp_id
from ..pipeline import Pipeline
from ..clock import clock as now_utc
from .registry import Job, Runtime
from .whatsapp_paths import INBOUND_PATH, STATUS_PATH

log = logging.getLogger("pantau.whatsapp")
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


FAILURES = ("failed", "undelivered", "canceled")


async def record_callback(tx: Tx, outbox_id: int | None, sid: str, status: str, error: str | None, now: datetime) -> None:
    """Twilio's status callback. With our row id (``?o=``) it is recorded by the row, so it holds even when
    it comes before the sender has written the message's sid down (the outbox writes its outcomes every
    0.1 s, and then changes only rows still "sending"): accepted → sent; failed → that failure."""
    if outbox_id is not None:
        if status in FAILURES:
            await tx.callback_failed(outbox_id, sid, status, error)
        else:
            await tx.confirm_sent(outbox_id, sid, now)
    await tx.set_delivery_status(sid, status, error)


def inbound_kind(form: Mapping[str, str]) -> str:
    kind = (form.get("MessageType") or "").lower()
    if form.get("Latitude") and form.get("Longitude"):
        return "location"
    if (count(form.get("NumMedia")) or 0) > 0:
        ctype = (form.get("MediaContentType0") or "").lower()
        if ctype.startswith("image/") and kind != "sticker" and "webp" not in ctype:
            return "photo"
        if ctype.startswith("audio/") or kind == "audio":
            return "voice"
        return "sticker" if (kind == "sticker" or "webp" in ctype) else "other"
    return "text"


MAX_BODY = 64 * 1024      # Twilio's webhooks are a few KB (1,600 characters of text at most)


class Refused(Exception):
    """A request answered without being processed: ``response`` says why (403, 408, 413, 415, 400)."""

    def __init__(self, response: Response) -> None:
        self.response = response


def signed(validator: RequestValidator, url: str, params: dict[str, str], signature: str) -> bool:
    """Twilio's signature of the URL we gave it, checked by Twilio's library: the exact URL first (one HMAC), and
    only if that fails ``validate``, which also tries the URL with and without its port (two HMACs and a parse:
    ~100 µs a message, a tenth of the web process's work for it)."""
    exact = validator.compute_signature(url, params)
    if hmac.compare_digest(exact.encode(), signature.encode("utf-8", "replace")):
        return True
    return bool(validator.validate(url, params, signature))


def routes(cfg: TwilioConfig, pipeline: Pipeline, max_body: int = MAX_BODY) -> list[Route]:
    validator = RequestValidator(cfg.auth_token)

    async def verified_form(request: Request, path: str) -> dict[str, str]:
        """The signed form, read within ``max_body`` bytes and the body deadline, urlencoded only: an
        unsigned or oversized body is refused before anything is parsed or written anywhere."""
        try:
            pairs = await read_urlencoded(request, max_body, settings().http_body_timeout)
        except WrongContentType:
            raise Refused(Response("form (application/x-www-form-urlencoded) expected", status_code=415)) from None
        except BodyTooLarge:
            log.warning("refused a Twilio request over %d bytes", max_body)
            raise Refused(Response("too large", status_code=413)) from None
        except BodyTooSlow:
            raise Refused(Response("request timeout", status_code=408)) from None
        params = dict(pairs)
        signature = request.headers.get("X-Twilio-Signature", "")
        url = cfg.public_url + path + (f"?{request.url.query}" if request.url.query else "")
        if not signature or not signed(validator, url, params, signature):
            log.warning("rejected a Twilio request with a bad or missing signature")
            raise Refused(Response("forbidden", status_code=403))
        return params

    async def inbound(request: Request) -> Response:
        try:
            form = await verified_form(request, INBOUND_PATH)
            msg, pending = inbound_message(form, cfg)
        except Refused as refused:
            return refused.response
        try:
            await pipeline.handle(msg, pending.media_row() if pending else None)
        except Exception as exc:   # noqa: BLE001 - not stored: say so (5xx), Twilio may deliver it again
            log.warning("whatsapp message not stored (%s); answered 503", type(exc).__name__)
            return Response("not stored, try again", status_code=503)
        if pending:       # after the commit: the message is stored whatever the download does
            start_fetch(pipeline.db, cfg, pending)
        if log.isEnabledFor(logging.INFO):
            log.info("whatsapp message from %s processed", masked(msg.sender))
        return Response(EMPTY_TWIML, media_type="text/xml")

    async def status(request: Request) -> Response:
        try:
            form = await verified_form(request, STATUS_PATH)
        except Refused as refused:
            return refused.response
        status = (form.get("MessageStatus") or "").lower()[:20]
        sid = form.get("MessageSid", "")
        if not fits_id(sid):
            log.warning("twilio status callback without a usable MessageSid dropped")
            return Response(EMPTY_TWIML, media_type="text/xml")   # 200: sending it again cannot help
        outbox_id = request.query_params.get("o", "")
        async with pipeline.db.session() as s, s.begin():
            await record_callback(Tx(s), int(outbox_id) if outbox_id.isdigit() and len(outbox_id) < 19 else None,
                                  sid, status, (form.get("ErrorCode") or "")[:20] or None, now_utc())
        return Response(EMPTY_TWIML, media_type="text/xml")

    return [Route(INBOUND_PATH, inbound, methods=["POST"]), Route(STATUS_PATH, status, methods=["POST"])]


def inbound_message(form: Mapping[str, str], cfg: TwilioConfig) -> tuple[Inbound, "PendingMedia | None"]:
    """Twilio's fields as an ``Inbound`` (and the photo to fetch after the commit), or ``Refused`` (400)
    with a log line naming the field: values that can never be stored are not retried into a 500."""
    sid, raw_from = form.get("MessageSid", ""), form.get("From", "")
    if not fits_id(sid):
        log.warning("twilio message refused: MessageSid missing or longer than %d characters", ID_MAX)
        raise Refused(Response("MessageSid missing or too long", status_code=400))
    sender = normalize_whatsapp_id(raw_from) if raw_from else ""
    if not fits_id(sender):
        log.warning("twilio message refused: From missing or longer than %d characters", ID_MAX)
        raise Refused(Response("From missing or too long", status_code=400))
    if count(form.get("NumMedia")) is None:
        log.warning("twilio message refused: NumMedia is not a count")
        raise Refused(Response("NumMedia must be a number", status_code=400))
    kind = inbound_kind(form)
    photo, pending, location = None, None, None
    if kind == "photo":
        url = form.get("MediaUrl0", "")
        if media_url_allowed(url, cfg.media_hosts):
            pending = PendingMedia.for_url(url, (form.get("MediaContentType0") or "image/jpeg").lower()[:60],
                                           sender)
            photo = pending.key
        else:
            log.warning("twilio media URL on a host that is not Twilio's: not fetched; asking to send again")
            kind = "other"
    if kind == "location":
        location = coordinates(form.get("Latitude"), form.get("Longitude"))
        if location is None:
            log.warning("twilio location with unusable coordinates: taken as an unreadable message")
            kind = "other"
    return Inbound(channel="whatsapp", sender=sender, message_id=sid, text=clean_text(form.get("Body", "")),
                   photo=photo, location=location, kind=kind), pending


# ---------------------------------------------------------------- how it runs (bot/channels/registry.py)

def configured(env: Mapping[str, str], webhook: bool) -> TwilioConfig | None:
    """Configured when the account's sid or token is set (then the rest must be right)."""
    return TwilioConfig.from_env(env) if env.get("TWILIO_ACCOUNT_SID") or env.get("TWILIO_AUTH_TOKEN") else None


@asynccontextmanager
async def senders(db: Database, cfg: TwilioConfig, _opened: object) -> AsyncIterator[list[Job]]:
    """The outbox sender through Twilio's Messages API and the fetcher of photos whose first download failed."""
    from ..media import run_media_fetcher
    from .whatsapp_sender import run_sender
    logging.getLogger("twilio").setLevel(logging.WARNING)     # its client logs each request at INFO
    yield [lambda: run_sender(db, cfg), lambda: run_media_fetcher(db, cfg)]


RUNTIME = Runtime(settings=configured, routes=routes, senders=senders)

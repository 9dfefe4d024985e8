"""WhatsApp through Twilio: the signed inbound webhook and status callbacks (Starlette routes).

The adapter only translates: Twilio's form fields → ``Inbound``; replies leave through the outbox
(bot/whatsapp_sender.py). Every request's X-Twilio-Signature is checked against the public URL
Twilio called (PANTAU_PUBLIC_URL + path), not the URL seen behind a proxy.
"""
from __future__ import annotations

import logging

import httpx
import phonenumbers
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from flows.types import Inbound
from storage.repo import Tx

from . import media
from .config import TwilioConfig
from .pipeline import Pipeline
from .pipeline import clock as now_utc

log = logging.getLogger("pantau.whatsapp")
INBOUND_PATH, STATUS_PATH = "/whatsapp/inbound", "/whatsapp/status"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def normalize_whatsapp_id(value: str) -> str:
    """'whatsapp:+6281234567890', '+62 812-3456-7890' or a bare WaId '6281234567890' → '+6281234567890'.

    A bare WaId already carries its country code: parsing it with region ID would add a second 62.
    Ids that are not phone numbers (WhatsApp business-scoped user ids) are kept, prefixed 'wa:'.
    """
    raw = value.strip()
    if raw.lower().startswith("whatsapp:"):
        raw = raw.split(":", 1)[1]
    digits = raw.replace(" ", "").replace("-", "")
    if digits.lstrip("+").isdigit():
        try:
            number = phonenumbers.parse(digits if digits.startswith("+") else "+" + digits, None)
            if phonenumbers.is_possible_number(number):
                return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        except phonenumbers.NumberParseException:
            pass
    return "wa:" + raw


def masked(phone: str) -> str:
    return phone[:5] + "…" + phone[-2:] if len(phone) > 8 else "…"


def inbound_kind(form) -> str:
    kind = (form.get("MessageType") or "").lower()
    if form.get("Latitude") and form.get("Longitude"):
        return "location"
    if int(form.get("NumMedia") or 0) > 0:
        ctype = (form.get("MediaContentType0") or "").lower()
        if ctype.startswith("image/") and kind != "sticker" and "webp" not in ctype:
            return "photo"
        if ctype.startswith("audio/") or kind == "audio":
            return "voice"
        return "sticker" if (kind == "sticker" or "webp" in ctype) else "other"
    return "text"


async def fetch_media(cfg: TwilioConfig, url: str) -> tuple[bytes, str]:
    async with httpx.AsyncClient(auth=(cfg.account_sid, cfg.auth_token), follow_redirects=True,
                                 timeout=10) as client:
        resp = await client.get(url)
        resp.raise_for_status()
        return resp.content, resp.headers.get("content-type", "image/jpeg")


def routes(cfg: TwilioConfig, pipeline: Pipeline) -> list[Route]:
    validator = RequestValidator(cfg.auth_token)

    async def verified_form(request: Request, path: str):
        form = await request.form()
        params = {k: v for k, v in form.multi_items()}
        signature = request.headers.get("X-Twilio-Signature", "")
        url = cfg.public_url + path + (f"?{request.url.query}" if request.url.query else "")
        if not signature or not validator.validate(url, params, signature):
            log.warning("rejected a Twilio request with a bad or missing signature")
            return None
        return params

    async def inbound(request: Request) -> Response:
        form = await verified_form(request, INBOUND_PATH)
        if form is None:
            return Response("forbidden", status_code=403)
        sender = normalize_whatsapp_id(form.get("From", ""))
        kind = inbound_kind(form)
        photo, media_row, location = None, None, None
        if kind == "photo":
            try:
                data, ctype = await fetch_media(cfg, form["MediaUrl0"])
                suffix = {"image/png": ".png"}.get(ctype, ".jpg")
                digest, path = media.store_bytes(data, suffix)
                photo, media_row = digest, (digest, str(path), ctype, len(data))
            except (httpx.HTTPError, KeyError):
                log.warning("could not fetch a photo from Twilio; asking to send again")
                kind = "other"
        if kind == "location":
            location = (float(form["Latitude"]), float(form["Longitude"]))
        msg = Inbound(channel="whatsapp", sender=sender, message_id=form.get("MessageSid", ""),
                      text=form.get("Body", ""), photo=photo, location=location, kind=kind)
        if not msg.message_id:
            return Response("MessageSid missing", status_code=400)
        await pipeline.handle(msg, media_row)
        log.info("whatsapp message from %s processed", masked(sender))
        return Response(EMPTY_TWIML, media_type="text/xml")

    async def status(request: Request) -> Response:
        form = await verified_form(request, STATUS_PATH)
        if form is None:
            return Response("forbidden", status_code=403)
        status = (form.get("MessageStatus") or "").lower()
        outbox_id = request.query_params.get("o", "")
        async with pipeline.db.session() as s, s.begin():
            tx = Tx(s)
            if outbox_id.isdigit() and status not in ("failed", "undelivered", "canceled"):
                await tx.confirm_sent(int(outbox_id), form.get("MessageSid", ""), now_utc())
            await tx.set_delivery_status(form.get("MessageSid", ""), status, form.get("ErrorCode"))
        return Response(EMPTY_TWIML, media_type="text/xml")

    return [Route(INBOUND_PATH, inbound, methods=["POST"]), Route(STATUS_PATH, status, methods=["POST"])]

"""How people and times are keyed in storage: identities (phone or channel id), the channel that reaches
an identity, and aware datetimes."""
from __future__ import annotations

from datetime import datetime, timezone

# identity kind → the channel whose sender delivers to it
DELIVERY_CHANNEL = {"phone": "whatsapp", "telegram": "telegram", "terminal": "terminal"}


def identity_key(channel: str, external_id: str) -> tuple[str, str]:
    """How an identity is stored: a phone number (E.164) is one identity on WhatsApp, SMS and the
    terminal; other ids (a Telegram chat id, a local name) belong to their channel."""
    if external_id.startswith("+") and external_id[1:].isdigit() and channel in ("whatsapp", "terminal", "sms"):
        return "phone", external_id
    return channel, external_id


def aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)

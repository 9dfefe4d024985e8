"""How people and times are keyed in storage: identities (a phone number, or a channel's own id), the
channel that reaches an identity, and aware datetimes.

Storage names no channel: which channels carry phone numbers, and which one reaches a number nobody has
written from yet, is installed by the channel registry (bot/channels/registry.py) when bot/ is imported."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone


@dataclass(frozen=True)
class Routing:
    phone_channels: frozenset[str]      # channels whose sender ids may be phone numbers: one person across them
    phone_delivery: str | None          # the channel that reaches a phone number no one has written from


_routing: Routing | None = None


def install(routing: Routing) -> None:
    global _routing
    _routing = routing


def routing() -> Routing:
    if _routing is None:
        raise RuntimeError("no channels registered: import bot (bot/channels/registry.py installs them)")
    return _routing


def is_phone(external_id: str) -> bool:
    return external_id.startswith("+") and external_id[1:].isdigit()


def identity_key(channel: str, external_id: str) -> tuple[str, str]:
    """How an identity is stored: a phone number (E.164) is one identity on every channel that carries
    phone numbers (WhatsApp, the terminal); other ids (a Telegram chat id, a local name) belong to their
    channel."""
    if is_phone(external_id) and channel in routing().phone_channels:
        return "phone", external_id
    return channel, external_id


def delivery_channel(kind: str) -> str | None:
    """The channel that reaches an identity of this kind when nothing better is known."""
    return routing().phone_delivery if kind == "phone" else kind


def aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)

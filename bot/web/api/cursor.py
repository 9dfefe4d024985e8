"""Opaque cursors: the keyset position a page ended at, as URL-safe base64 JSON. Clients pass them back
unchanged; anything else is refused (``bad_cursor``)."""
from __future__ import annotations

import base64
import json
from typing import Any

from .errors import ApiError


def encode(kind: str, position: Any) -> str:
    raw = json.dumps([kind, position], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(kind: str, text: str | None, default: Any) -> Any:
    if not text:
        return default
    try:
        found, position = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, TypeError):
        raise ApiError("bad_cursor") from None
    if found != kind or type(position) is not type(default):
        raise ApiError("bad_cursor")
    if isinstance(default, list) and (len(position) != len(default)
                                      or not all(type(p) is type(d) for p, d in zip(position, default))):
        raise ApiError("bad_cursor")
    return position

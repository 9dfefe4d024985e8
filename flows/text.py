"""Text hygiene at the door: what any channel hands in is cleaned once, before it is stored or read.

NUL and the other C0/C1 control characters are removed (PostgreSQL refuses NUL in text and JSON,
openpyxl refuses most controls), except newline and tab, and so are invisible zero-width and
direction-override marks (a name that looks like another); CR LF and lone CR become a newline;
lone surrogates (which cannot be encoded as UTF-8) are dropped; the text is normalised to NFC (an
"é" typed two ways is one answer); and it is cut at ``MAX_INBOUND`` characters. Per question the
forms limit length further (a name 80, an activity 200, a free text 2,000).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .types import Inbound

MAX_INBOUND = 4096      # Telegram's own limit for one message; WhatsApp allows 1,600
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def clean_text(text: str | None, limit: int = MAX_INBOUND) -> str:
    """``text`` without control characters (newline and tab kept), NFC, at most ``limit`` characters."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROLS.sub("", text)
    return unicodedata.normalize("NFC", text)[:limit]


def clean_inbound(inbound: "Inbound") -> "Inbound":
    """The same ``Inbound`` with its text cleaned, and its sender id too (ids are stored as text)."""
    text, sender, mid = clean_text(inbound.text), clean_text(inbound.sender, 80), clean_text(inbound.message_id, 80)
    if (text, sender, mid) == (inbound.text, inbound.sender, inbound.message_id):
        return inbound
    return replace(inbound, text=text, sender=sender, message_id=mid)

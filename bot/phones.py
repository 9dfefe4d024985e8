"""Phone numbers in one place: every channel and the roster turn what people type or platforms send into
one E.164 form (+6281234567890), so one person is one identity whichever way the number was written."""
from __future__ import annotations

import phonenumbers


def _e164(digits: str, region: str | None) -> str | None:
    try:
        number = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_phone(value: str) -> str | None:
    """'+6281234567890', '081234567890', '6281234567890', '+62 812-3456-7890' → '+6281234567890'; None when
    it is not a possible phone number. A national number (leading 0) is read as Indonesian."""
    digits = value.strip().replace(" ", "").replace("-", "")
    if not digits.lstrip("+").isdigit() or len(digits) < 9:
        return None
    if digits.startswith("+"):
        return _e164(digits, None)
    return _e164("+" + digits if digits.startswith("62") else digits, "ID")


def normalize_sender(value: str) -> str:
    """A terminal/roster id: a phone number in E.164, other ids kept as typed."""
    return normalize_phone(value) or value.strip()


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
        found = _e164(digits if digits.startswith("+") else "+" + digits, None)
        if found:
            return found
    return "wa:" + raw


def masked(phone: str) -> str:
    """For logs: never a full number."""
    return phone[:5] + "…" + phone[-2:] if len(phone) > 8 else "…"

"""Private logs: no bot token at any level; no phone number, message body or SQL parameter above DEBUG.

``install()`` wraps the process's log record factory, so every record — ours, uvicorn's, httpx's
(which logs each Telegram request URL, token included), python-telegram-bot's, SQLAlchemy's — is
cleaned once when it is made, whatever handler prints it later. The exception text is formatted and
cleaned there too (a database error's text may quote a row). SQL parameters are never put in
messages in the first place (``hide_parameters=True`` in storage/db.py).
"""
from __future__ import annotations

import logging
import re
from typing import Any

_TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")
_PHONE = re.compile(r"(?<![\w.])(?:\+|whatsapp:\+?)?(?:62|0)8\d{6,12}(?!\d)|(?<![\w.])\+\d{8,15}(?!\d)")
# PostgreSQL quotes values in some errors: "Key (x)=(value) already exists", "Failing row contains (…)"
_ROW = re.compile(r"(Key \([^)]*\)=)\(.*?\)( already exists| is not present)?|Failing row contains \(.*\)")
_installed = False


def _mask_phone(match: re.Match[str]) -> str:
    text: str = match.group(0)
    return text[: min(4, len(text) - 3)] + "…" + text[-2:]


def redact(text: str, private: bool = True) -> str:
    """``text`` with bot tokens masked; with ``private`` also phone numbers and quoted rows."""
    text = _TOKEN.sub("<token>", text)
    if private:
        text = _ROW.sub(lambda m: (m.group(1) + "(…)" + (m.group(2) or "")) if m.group(1) else "Failing row (…)",
                        text)
        text = _PHONE.sub(_mask_phone, text)
    return text


def install() -> None:
    """Clean every log record of this process (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    make = logging.getLogRecordFactory()
    formatter = logging.Formatter()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        private = record.levelno > logging.DEBUG
        try:
            message = record.getMessage()
        except Exception:          # noqa: BLE001 - a bad format string must not hide the line
            message = str(record.msg)
        record.msg, record.args = redact(message, private), None
        if record.exc_info:
            record.exc_text = redact(formatter.formatException(record.exc_info), private)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, private)
        return record

    logging.setLogRecordFactory(factory)

"""An outbox row's payload: a reply as the channels send it, and a notice to someone else."""
from __future__ import annotations

from dataclasses import fields
from typing import Any

from flows.types import Reply

from . import catalog


def notice_payload(reply: Reply) -> dict[str, Any]:
    """A message to someone other than the sender (an approval to decide, a competing report): it may reach
    a WhatsApp user outside the 24-hour window, so it carries the general ``notice`` template, whose one
    variable is the whole message on one line (templates take no line breaks)."""
    data = reply_payload(reply)
    lines = [data.get("text", ""), *(f"{i}. {c}" for i, c in enumerate(data.get("choices") or [], 1))]
    return {**data, "template": "notice", "variables": {"message": " ".join(" ".join(lines).split())[:1000]}}


_REPLY_FIELDS = tuple(f.name for f in fields(Reply))


def reply_payload(reply: Reply, lang: str = "id") -> dict[str, Any]:
    """An outbox row's payload; with choices, also how to answer them by number (for text channels)."""
    data = {name: getattr(reply, name) for name in _REPLY_FIELDS}
    data = {k: v for k, v in data.items() if v not in (None, (), False)}
    if "choices" in data:
        data["choices"] = list(data["choices"])
        n = len(data["choices"])
        if n > 1:
            t = catalog.gettext_for(lang)
            data["hint"] = t("Balas %(numbers)s atau %(last)s.") % {
                "numbers": ", ".join(str(i) for i in range(1, n)), "last": n}
    return data

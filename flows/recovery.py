"""Drafts and errors: the one reminder of a silent draft, and what a person hears when the engine failed."""
from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from .state import State
from .types import Context, Inbound, Reply, Step

# ---------------------------------------------------------------- a draft about to expire

#: a silent draft is reminded of once, inside WhatsApp's 24-hour window for free-form messages and in working
#: hours: after ``DRAFT_REMIND_AFTER`` of silence and before ``DRAFT_REMIND_UNTIL`` (13.5 h: any silence
#: meets 8:00–20:00 in it); it is dropped after ``DRAFT_TTL``
DRAFT_REMIND_AFTER = timedelta(hours=10)
DRAFT_REMIND_UNTIL = timedelta(hours=23, minutes=30)


def draft_reminder(session: dict[str, Any], ctx: Context) -> Reply | None:
    """The one reminder of a draft not continued (None if the session has no draft)."""
    try:
        state = State.from_json(session)
    except (TypeError, ValueError):       # a session this code cannot read: no reminder rather than a crash
        return None
    draft = state.any_draft
    if draft is None or (draft.id, draft.version) not in ctx.forms:
        return None
    lang = state.lang or "id"
    t = ctx.gettext(lang)
    title = ctx.forms[(draft.id, draft.version)].title[lang].lower()
    return Reply(t("Bapak/Ibu, %(title)s Anda belum selesai dan akan dihapus jika tidak dilanjutkan dalam 2 hari. "
                   "Ketik \"menu\" untuk melanjutkan.") % {"title": title})


# ---------------------------------------------------------------- the error boundary

def failed(session: dict[str, Any] | None, inbound: Inbound, ctx: Context) -> Step[dict[str, Any]]:
    """What the person hears when ``advance`` failed on their message: an apology, and the session as it was
    before the message (its last consistent state; an open yes/no sub-question closed). Read as plain JSON,
    not as a ``State``: the session may be what the engine failed on."""
    state = json.loads(json.dumps(session)) if session else {}
    state.pop("pending", None)
    state.pop("mode_before", None)
    lang = state.get("lang") or (ctx.contact.lang if ctx.contact else "id")
    t = ctx.gettext(lang)
    return Step(state, [Reply(t("Maaf, ada gangguan. Jawaban terakhir Anda belum tersimpan. Ketik menu untuk "
                                "melanjutkan."))])

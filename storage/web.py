"""Dashboard sign-in: one-time login links from the chat and the sessions they open.

Only hashes are stored: a link's token and a session's key travel in a URL or a cookie and are never
written down, so a copy of the database opens nothing.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from flows.types import ContactView

from .results import affected
from .models import Contact, LoginLink, WebSession
from .keys import aware

LINK_VALID = timedelta(minutes=15)
IDLE_LIMIT = timedelta(hours=12)
TOUCH_EVERY = timedelta(minutes=1)      # last_seen is written at most this often (not on every page)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Viewer:
    """The person behind a dashboard session."""
    session_id: str                     # the stored hash (CSRF tokens are derived from it)
    contact: ContactView
    lang: str


async def create_login_link(s: AsyncSession, contact_id: int, now: datetime) -> str:
    """A new one-time token for ``contact_id`` (valid 15 minutes); the caller's transaction stores it."""
    token = secrets.token_urlsafe(24)
    s.add(LoginLink(token_hash=_hash(token), contact_id=contact_id, created_at=now, expires_at=now + LINK_VALID))
    await s.flush()
    return token


async def login_link_state(s: AsyncSession, token: str, now: datetime) -> str:
    """"ok", "used", "expired" or "unknown" — what the sign-in page tells the person, without using it."""
    link = await s.get(LoginLink, _hash(token))
    if link is None:
        return "unknown"
    if link.used_at is not None:
        return "used"
    return "expired" if aware(link.expires_at) <= now else "ok"


async def use_login_link(s: AsyncSession, token: str, lang: str, now: datetime) -> tuple[str, str | None]:
    """Spend the token and open a session: ("ok", session key for the cookie) or (why not, None).

    The token is marked used by one conditional UPDATE, so two requests racing with one link open
    one session."""
    state = await login_link_state(s, token, now)
    if state != "ok":
        return state, None
    result = await s.execute(update(LoginLink).where(LoginLink.token_hash == _hash(token),
                                                     LoginLink.used_at.is_(None), LoginLink.expires_at > now)
                             .values(used_at=now))
    if not affected(result):
        return "used", None
    link = await s.get(LoginLink, _hash(token))
    assert link is not None         # the row the UPDATE above has just changed
    contact = await s.get(Contact, link.contact_id)
    key = secrets.token_urlsafe(32)
    s.add(WebSession(id=_hash(key), contact_id=link.contact_id, lang=contact.lang if contact else lang,
                     created_at=now, last_seen=now))
    await s.flush()
    return "ok", key


async def viewer_for(s: AsyncSession, key: str, now: datetime) -> Viewer | None:
    """The open session with this cookie key, or None (unknown, ended, or idle over 12 hours).
    Seeing it counts as activity (written at most once a minute)."""
    row = await s.get(WebSession, _hash(key))
    if row is None or row.ended_at is not None or now - aware(row.last_seen) > IDLE_LIMIT:
        return None
    contact = await s.get(Contact, row.contact_id)
    if contact is None or contact.role == "kader" or contact.disabled_at is not None:   # disabled: no more pages
        return None
    if now - aware(row.last_seen) > TOUCH_EVERY:
        row.last_seen = now
        await s.flush()
    return Viewer(row.id, ContactView(contact.id, contact.name, contact.role, contact.area_code, contact.lang,
                                      program_id=contact.program_id),
                  row.lang)


async def set_session_lang(s: AsyncSession, session_id: str, lang: str) -> None:
    await s.execute(update(WebSession).where(WebSession.id == session_id).values(lang=lang))


async def end_session(s: AsyncSession, session_id: str, now: datetime) -> None:
    await s.execute(update(WebSession).where(WebSession.id == session_id, WebSession.ended_at.is_(None))
                    .values(ended_at=now))


async def end_sessions_of(s: AsyncSession, contact_id: int, now: datetime) -> int:
    """``keluar`` in the chat: every open dashboard session of the person ends; returns how many."""
    result = await s.execute(update(WebSession).where(WebSession.contact_id == contact_id,
                                                      WebSession.ended_at.is_(None)).values(ended_at=now))
    return affected(result) or 0

"""The chat side of the dashboard: ``dasbor`` sends a one-time link, ``keluar`` closes every session.

Called by the pipeline for the engine's requests (like ``ringkasan``), inside the message's
transaction: the link is stored with the reply that carries it, or neither is."""
from __future__ import annotations

from datetime import datetime

from flows.problem import Gettext
from flows.types import ContactView, Reply
from storage.db import Session
from storage.web import create_login_link, end_sessions_of

from ..config import public_url

LOGIN_PATH = "/dasbor/masuk/"


async def fulfil(s: Session, what: str, contact: ContactView, now: datetime, t: Gettext) -> list[Reply]:
    if what == "logout":
        n = await end_sessions_of(s, contact.id, now)
        if not n:
            return [Reply(t("Tidak ada dasbor yang sedang terbuka."))]
        return [Reply(t("Dasbor sudah ditutup (%(n)s sesi). Ketik \"dasbor\" untuk membukanya lagi.") % {"n": n})]
    token = await create_login_link(s, contact.id, now)
    return [Reply(t("Buka dasbor Pantau lewat tautan ini. Tautan berlaku 15 menit dan hanya bisa dipakai sekali; "
                    "jangan diteruskan kepada orang lain.") + "\n" + public_url() + LOGIN_PATH + token),
            Reply(t("Ketik \"keluar\" untuk menutup dasbor di semua perangkat."))]

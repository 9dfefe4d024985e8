"""Ways in from outside the chat: dashboard logins, the data API and its change feed, signed webhooks."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import DEFAULT_PROGRAM_ID, Base


class LoginLink(Base):
    """A one-time dashboard link sent in the chat (``dasbor``): only its SHA-256 is stored."""
    __tablename__ = "web_login_links"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(nullable=True)


class WebSession(Base):
    """A dashboard session opened with a login link; ends after 12 h idle, on logout or ``keluar``."""
    __tablename__ = "web_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)       # SHA-256 of the cookie's session key
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    lang: Mapped[str] = mapped_column(String(5), default="id")
    created_at: Mapped[datetime]
    last_seen: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(nullable=True)
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id"), nullable=True,
                                                   default=DEFAULT_PROGRAM_ID)


# ------------------------------------------------------------------ the data API (storage/api_clients.py, changes.py)

class ApiClient(Base):
    """A program's or office's key to /api/v1: only the key's SHA-256 is stored; read only inside ``areas``."""
    __tablename__ = "api_clients"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_hint: Mapped[str] = mapped_column(String(16))          # the key's first characters, to tell keys apart
    areas: Mapped[list[str]] = mapped_column(JSON)             # Kemendagri codes: each and everything under it
    scopes: Mapped[list[str]] = mapped_column(JSON)            # read:aggregates, read:reports, …
    programs: Mapped[list[int] | None] = mapped_column(JSON, nullable=True)   # program ids; None: every program
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(nullable=True)


class ApiCall(Base):
    """The audit of every call of a key: which endpoint, with which filters, how many rows came back."""
    __tablename__ = "api_calls"
    __table_args__ = (Index("ix_api_calls_client", "client_id", "at"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id"))
    endpoint: Mapped[str] = mapped_column(String(80))
    filters: Mapped[dict[str, Any]]
    status: Mapped[int] = mapped_column(Integer)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    at: Mapped[datetime]


class Change(Base):
    """One row per saved, revised, rejected or merged report, written in the same transaction (the change
    feed, storage/changes.py). ``txid``: the writing transaction on PostgreSQL (the feed's safe horizon)."""
    __tablename__ = "changes"
    __table_args__ = (Index("ix_changes_txid", "txid", "id"), Index("ix_changes_kab", "kab", "txid", "id"))
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    txid: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    report_id: Mapped[int] = mapped_column(Integer, index=True)
    area_code: Mapped[str] = mapped_column(String(13))
    kab: Mapped[str | None] = mapped_column(String(5), nullable=True)   # the kabupaten ("81.05"): a narrow key's range
    op: Mapped[str] = mapped_column(String(8))                 # upsert, delete (what the writer meant)
    at: Mapped[datetime]


# ------------------------------------------------------------------ signed webhooks (storage/webhooks.py)

class WebhookSubscription(Base):
    """A signed webhook (Standard Webhooks, `pantau webhook add`): where events go, which ones, for which area.
    ``secret`` is the signing secret (``whsec_…``): kept as it is because every delivery is signed with it."""
    __tablename__ = "webhook_subscriptions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(100))
    events: Mapped[list[str]] = mapped_column(JSON)              # event types; ["*"]: every one
    area_code: Mapped[str] = mapped_column(String(13), default="")   # this area and below; "": every area
    programs: Mapped[list[int] | None] = mapped_column(JSON, nullable=True)   # program ids; None: every program
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    removed_at: Mapped[datetime | None] = mapped_column(nullable=True)


class WebhookEvent(Base):
    """An event for one subscription, written in the transaction of its change and moved into the outbox by the
    sender in the order the transactions committed (storage/webhooks.py ``release``)."""
    __tablename__ = "webhook_events"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    subscription_id: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class WebhookMark(Base):
    """An event sent once for good (a round closed): its key, so a second scheduler run does not send it again."""
    __tablename__ = "webhook_marks"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    at: Mapped[datetime]

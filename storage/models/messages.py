"""The conversation's tables: sessions, inbound messages (deduplicated) and the outbox."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class Session(Base):
    """The conversation state of one channel identity (JSON owned by flows/)."""
    __tablename__ = "sessions"
    __table_args__ = (UniqueConstraint("channel", "external_id"), Index("ix_sessions_draft", "draft_form", "draft_area"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(80))
    state: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
    seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")   # messages applied so far
    # the report being filled (copied from state on save) so "who is still filling in" is one indexed query
    draft_form: Mapped[str | None] = mapped_column(String(40), nullable=True)
    draft_area: Mapped[str | None] = mapped_column(String(13), nullable=True)


class InboundMessage(Base):
    __tablename__ = "inbound"
    __table_args__ = (UniqueConstraint("channel", "message_id"), Index("ix_inbound_sender", "external_id", "received_at"))
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    message_id: Mapped[str] = mapped_column(String(80))
    external_id: Mapped[str] = mapped_column(String(80))
    received_at: Mapped[datetime]
    payload: Mapped[dict[str, Any]]


class Outbox(Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "status", "next_attempt_at"),
                      Index("ix_outbox_provider_id", "provider_id"),
                      Index("ix_outbox_recipient", "channel", "external_id", "status"))
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(80))
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending, sending, sent, failed, …
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True)
    provider_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)

"""Areas, programs and people: who reports, in which program, reached how, invited by whom."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from .base import DEFAULT_PROGRAM_ID, Base


class Area(Base):
    __tablename__ = "areas"
    code: Mapped[str] = mapped_column(String(13), primary_key=True)   # PP.KK.CC.DDDD
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[int] = mapped_column(Integer, index=True)          # 1 provinsi … 4 desa/kelurahan


class Program(Base):
    """A program (PKH, Kotaku, …) of a deployment (issue 25). A deployment with one program is today's."""
    __tablename__ = "programs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    agency: Mapped[str | None] = mapped_column(String(120), nullable=True)   # the owner agency
    start: Mapped[str | None] = mapped_column(String(10), nullable=True)     # ISO dates
    end: Mapped[str | None] = mapped_column(String(10), nullable=True)
    settings: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime]


class ProgramArea(Base):
    """A desa a program covers (the expected set of "belum melapor"), with an optional outside reference
    such as a Kotaku BKM code."""
    __tablename__ = "program_areas"
    # the desa any program covers under an area (the forum's expected set) without reading every program's
    # rows (migration 0020)
    __table_args__ = (Index("ix_program_areas_area", "area_code"),)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), primary_key=True)
    area_code: Mapped[str] = mapped_column(ForeignKey("areas.code"), primary_key=True)
    ref: Mapped[str | None] = mapped_column(String(80), nullable=True)


class ProgramForm(Base):
    """A form (built-in or imported) enabled in a program for a role."""
    __tablename__ = "program_forms"
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), primary_key=True)
    form_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class Contact(Base):
    __tablename__ = "contacts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    area_code: Mapped[str] = mapped_column(ForeignKey("areas.code"), index=True)
    lang: Mapped[str] = mapped_column(String(5), default="id")
    created_at: Mapped[datetime]
    # who may see and change what (issue 12): a self-registered kader waits for approval; a disabled
    # contact is treated as unknown
    verified: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    disabled_at: Mapped[datetime | None] = mapped_column(nullable=True)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), nullable=True)
    agency: Mapped[str | None] = mapped_column(String(120), nullable=True)   # OPD: its agency's name (shown)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), nullable=True, index=True)  # OPD
    # the membership in use (role, area, agency above are its copy, so a message reads one row): the program
    # of the person's reports; None: every program (a forum koordinator invited with --program '*')
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id"), nullable=True,
                                                   default=DEFAULT_PROGRAM_ID)


class Membership(Base):
    """One person's role and area in one program: one phone number is one person in every program.
    ``program_id`` None: every program (the forum)."""
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("contact_id", "program_id", "role", "area_code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id"), nullable=True, index=True)
    role: Mapped[str] = mapped_column(String(20))
    area_code: Mapped[str] = mapped_column(ForeignKey("areas.code"))
    agency: Mapped[str | None] = mapped_column(String(120), nullable=True)
    verified: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), nullable=True)
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Identity(Base):
    """How a contact is reached: one per channel (telegram chat id, whatsapp E.164 or BSUID, …)."""
    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(80))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)


class Invite(Base):
    __tablename__ = "invites"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    role: Mapped[str] = mapped_column(String(20))
    area_code: Mapped[str] = mapped_column(ForeignKey("areas.code"))
    created_at: Mapped[datetime]
    used_by: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(nullable=True)
    used_at: Mapped[datetime | None] = mapped_column(nullable=True)     # claimed (atomically, once)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)   # e.g. {"agency": …} for OPD
    agency: Mapped[str | None] = mapped_column(String(120), nullable=True)   # OPD invites: the agency's name
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), nullable=True)
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id"), nullable=True,
                                                   default=DEFAULT_PROGRAM_ID)   # None: every program

"""Reports (keyed and revised, never appended), their photos and jobs, rounds, reminders, form versions
and the answers the bot could not read."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from .base import DEFAULT_PROGRAM_ID, Base


class Report(Base):
    """One report per (form, area, key); every save adds a ReportRevision."""
    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("form_id", "area_code", "key", "program_id", name="uq_reports_program_key"),
                      Index("ix_reports_area_form", "area_code", "form_id"),
                      # the national roll-ups read only this index: a matched meeting counted once (same_as),
                      # a desa once whatever its programs (area_code; migration 0020), grouped by kabupaten and
                      # program in its order (migration 0022)
                      Index("ix_reports_rollup", "form_id", "kab", "program_id", "period", "men", "women", "same_as",
                            "area_code"),
                      # one round's monitoring reports, by kabupaten and desa (migration 0022)
                      Index("ix_reports_round", "form_id", "period", "kab", "area_code"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_id: Mapped[str] = mapped_column(String(40))
    form_version: Mapped[int] = mapped_column(Integer)
    area_code: Mapped[str] = mapped_column(ForeignKey("areas.code"))
    key: Mapped[str] = mapped_column(String(200))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    answers: Mapped[dict[str, Any]]
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Copied out of ``answers`` on save so national roll-ups are one indexed GROUP BY, not JSON in Python.
    kab: Mapped[str | None] = mapped_column(String(5), nullable=True)        # PP.KK of area_code
    period: Mapped[str | None] = mapped_column(String(80), nullable=True)    # meeting date or round name
    men: Mapped[int | None] = mapped_column(Integer, nullable=True)
    women: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # sent by a kader not yet approved: counted apart in summaries until the sender is approved
    verified: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # a report under another person's key: kept apart (conflict "pending") until the fasilitator picks
    competes_with: Mapped[int | None] = mapped_column(ForeignKey("reports.id"), nullable=True)
    conflict: Mapped[str | None] = mapped_column(String(12), nullable=True)   # pending, rejected, merged (edited onto another)
    # the program it was sent for; the same meeting sent for two programs is two reports (issue 25)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), default=DEFAULT_PROGRAM_ID,
                                            server_default=str(DEFAULT_PROGRAM_ID))
    # one event of several programs (a musdes reported by PKH and Kotaku): the report it was matched to by a
    # fasilitator (counted once in the forum view, credited to each program); None: its own event
    same_as: Mapped[int | None] = mapped_column(ForeignKey("reports.id"), nullable=True)


class ReportMatch(Base):
    """A fasilitator's decision that two reports of different programs are one event (``same``: the later
    one's ``same_as`` points at the earlier) or two (``apart``); undone: ``undone_at`` (issue 25)."""
    __tablename__ = "report_matches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)   # the later report
    other_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))                # the earlier one
    decision: Mapped[str] = mapped_column(String(8))                                # same, apart
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    at: Mapped[datetime]
    undone_at: Mapped[datetime | None] = mapped_column(nullable=True)


class ReportRevision(Base):
    __tablename__ = "report_revisions"
    __table_args__ = (UniqueConstraint("report_id", "revision"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    revision: Mapped[int] = mapped_column(Integer)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    answers: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class Media(Base):
    """A photo. Its id (``sha256``) is the content's SHA-256, or for media fetched after the message's commit
    (WhatsApp) the SHA-256 of its source URL: the report refers to the row before the file arrives."""
    __tablename__ = "media"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    path: Mapped[str] = mapped_column(String(300))
    mime: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default="stored", server_default="stored")  # pending, failed
    url: Mapped[str | None] = mapped_column(Text, nullable=True)          # where a pending file is fetched from
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    fetch_after: Mapped[datetime | None] = mapped_column(nullable=True)
    content_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    channel: Mapped[str | None] = mapped_column(String(20), nullable=True)        # who sent a pending file:
    external_id: Mapped[str | None] = mapped_column(String(80), nullable=True)    # told if it never arrives


class Job(Base):
    """A coordinator's request (summary chart, Excel export): recorded in the message's transaction,
    rendered afterwards by the elected worker, its reply appended to the outbox."""
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status", "status", "id"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))                  # summary, export
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(80))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    lang: Mapped[str] = mapped_column(String(5))
    status: Mapped[str] = mapped_column(String(12))                 # pending, running, done, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None] = mapped_column(nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id"), nullable=True,
                                                   default=DEFAULT_PROGRAM_ID)


class Round(Base):
    """A monitoring round; its name is unique within its program (two programs may each have "Agustus 2024")."""
    __tablename__ = "rounds"
    __table_args__ = (UniqueConstraint("name", "program_id", name="uq_rounds_name_program"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    start: Mapped[str] = mapped_column(String(10))   # ISO date
    due: Mapped[str] = mapped_column(String(10))
    schedule: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)   # overrides DEFAULT_SCHEDULE
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id"), nullable=True)   # None: every program


class SentReminder(Base):
    """One row per reminder or scheduled summary ever queued: its key makes sending exactly-once."""
    __tablename__ = "sent_reminders"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    queued_at: Mapped[datetime]
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id"), nullable=True,
                                                   default=DEFAULT_PROGRAM_ID)


class FormVersion(Base):
    """Every form version ever loaded, so a running session keeps the version it started with."""
    __tablename__ = "form_versions"
    form_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition: Mapped[dict[str, Any]]
    digest: Mapped[str | None] = mapped_column(String(64), nullable=True)   # storage/forms.py form_digest
    loaded_at: Mapped[datetime]


class UnreadAnswer(Base):
    """An answer the bot could not read (issue 23, `pantau kata`): normalised text, no sender kept beside it;
    one row per answer, counted when listed."""
    __tablename__ = "unread_answers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question: Mapped[str] = mapped_column(String(120))      # "<form>.<question>"
    area_code: Mapped[str] = mapped_column(String(13))      # the desa the form is about
    day: Mapped[str] = mapped_column(String(10))            # ISO date the answer was given
    text: Mapped[str] = mapped_column(String(80))
    __table_args__ = (Index("ix_unread_answers_area_day", "area_code", "day"),)

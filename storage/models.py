"""Tables. Areas are keyed by Kemendagri code; reports are keyed and revised, never appended."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint,
                        true)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .types import UtcDateTime


class Base(DeclarativeBase):
    # every DateTime column stores UTC and reads back aware UTC, on SQLite too (storage/types.py)
    type_annotation_map = {dict[str, Any]: JSON, datetime: UtcDateTime()}


class Area(Base):
    __tablename__ = "areas"
    code: Mapped[str] = mapped_column(String(13), primary_key=True)   # PP.KK.CC.DDDD
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[int] = mapped_column(Integer, index=True)          # 1 provinsi … 4 desa/kelurahan


DEFAULT_PROGRAM_ID = 1   # the program migration 0017 made of a deployment's data ("utama"); always there


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


# ------------------------------------------------------------------ the learning loop (storage/followup.py, stories.py)

#: a recommendation's status: "ditangani_kecamatan" needs 19 characters (migration 0016 widened the column on
#: PostgreSQL; SQLite checks no length, and its table is left as it was rather than copied)
STATUS = String(24).with_variant(String(16), "sqlite")


class IssueItem(Base):
    """An activity of a monitoring report that is not running and names an obstacle or support asked."""
    __tablename__ = "issue_items"
    __table_args__ = (UniqueConstraint("report_id", "activity_index"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    activity_index: Mapped[int] = mapped_column(Integer)
    area_code: Mapped[str] = mapped_column(String(13), index=True)            # the desa
    round: Mapped[str | None] = mapped_column(String(80), nullable=True)
    activity: Mapped[str] = mapped_column(String(200))
    problem: Mapped[str] = mapped_column(Text, default="")
    support: Mapped[str] = mapped_column(Text, default="")
    support_from: Mapped[str] = mapped_column(String(200), default="")       # comma-separated choice values
    recommendation_id: Mapped[int | None] = mapped_column(ForeignKey("recommendations.id"), nullable=True,
                                                          index=True)
    created_at: Mapped[datetime]
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id"), nullable=True,
                                                   default=DEFAULT_PROGRAM_ID)   # its report's program
    # the recommendation the forum last returned it from (with a reason: what `status usulan` tells the desa)
    returned_from: Mapped[int | None] = mapped_column(ForeignKey("recommendations.id"), nullable=True)


class Recommendation(Base):
    """The agreed follow-up of one or more issue items (merged across desa) of a kecamatan."""
    __tablename__ = "recommendations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kec: Mapped[str] = mapped_column(String(13), index=True)
    text: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(12))                 # desa, kecamatan, kabupaten
    agency: Mapped[str | None] = mapped_column(String(120), nullable=True, index=True)   # the lead's name (shown)
    target: Mapped[str | None] = mapped_column(String(10), nullable=True)   # YYYY-MM or YYYY-MM-DD
    status: Mapped[str] = mapped_column(STATUS)                    # flows/loop_values.py status_label
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("recommendations.id"), nullable=True)  # by the forum


class Agency(Base):
    """An OPD of a kabupaten, managed with `pantau opd` (storage/agencies.py); found by any of its aliases."""
    __tablename__ = "agencies"
    __table_args__ = (UniqueConstraint("kab", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kab: Mapped[str] = mapped_column(String(13), index=True)
    name: Mapped[str] = mapped_column(String(160))
    created_at: Mapped[datetime]


class AgencyAlias(Base):
    """Another name of an agency ("BPMD"), compared normalised (lower case, letters and digits) per kabupaten."""
    __tablename__ = "agency_aliases"
    __table_args__ = (UniqueConstraint("kab", "norm"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    kab: Mapped[str] = mapped_column(String(13))
    alias: Mapped[str] = mapped_column(String(160))
    norm: Mapped[str] = mapped_column(String(160))


class RecommendationAgency(Base):
    """An agency responsible for a recommendation carried to the kabupaten: one lead, any co-responsible."""
    __tablename__ = "recommendation_agencies"
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id"), primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True, index=True)
    lead: Mapped[bool] = mapped_column(Boolean, default=False)


class RecommendationProgram(Base):
    """A program a recommendation belongs to: the programs of the desa needs it answers (several when the forum
    merged the needs of several programs into one item); each program's views show it."""
    __tablename__ = "recommendation_programs"
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id"), primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), primary_key=True, index=True)


class RecommendationEvent(Base):
    """Every change of a recommendation: who, when, to which status, why."""
    __tablename__ = "recommendation_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id"), index=True)
    status: Mapped[str] = mapped_column(STATUS)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    at: Mapped[datetime]
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)   # what the forum changed (OPD, target, merge)


class StorySelection(Base):
    """A panel's decision on a story of change at one level: selected (with why and who sat on the panel),
    or returned to the storyteller for verification (with the question)."""
    __tablename__ = "story_selections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    level: Mapped[str] = mapped_column(String(12))                 # kecamatan, kabupaten
    area_code: Mapped[str] = mapped_column(String(13), index=True)  # the panel's area
    decision: Mapped[str] = mapped_column(String(12))              # dipilih, verifikasi
    reason: Mapped[str] = mapped_column(Text, default="")
    panel: Mapped[str] = mapped_column(Text, default="")
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    at: Mapped[datetime]
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id"), nullable=True,
                                                   default=DEFAULT_PROGRAM_ID)
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

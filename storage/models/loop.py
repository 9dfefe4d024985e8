"""The learning loop (storage/followup.py, stories.py): issue items, recommendations, agencies, stories."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import DEFAULT_PROGRAM_ID, Base


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

"""Plain values that go in and out of ``advance``: no I/O, no clock, no globals."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from enum import StrEnum
from typing import Any, Generic, NamedTuple, TypeVar

from .forms import Form


class Request(StrEnum):
    """Coordinator data the pipeline adds to a step (bot/reports/coordinator.py answers each, exhaustively)."""
    MISSING = "missing"          # desa that have not reported
    SUMMARY = "summary"          # the area's summary with a chart (a job)
    EXPORT = "export"            # the Excel file (a job)
    DASHBOARD = "dashboard"      # a sign-in link to the dashboard
    LOGOUT = "logout"            # sign out of the dashboard


@dataclass(frozen=True)
class Inbound:
    """One message from a person, whatever the channel."""

    channel: str                 # "terminal", "telegram", "whatsapp"
    sender: str                  # the channel's id for the person (E.164 phone, chat id, …)
    message_id: str              # unique per channel: duplicates are dropped before the engine
    text: str = ""
    photo: str | None = None     # a stored media reference (sha256) once the adapter saved it
    location: tuple[float, float] | None = None
    kind: str = "text"           # text, photo, location, voice, sticker, other


@dataclass(frozen=True)
class Reply:
    text: str
    choices: tuple[str, ...] = ()
    yes_no: bool = False         # channels may show two buttons
    document: str | None = None  # a file to attach (exports)
    image: str | None = None     # a picture to attach (charts)


@dataclass(frozen=True)
class MembershipChoice:
    """One of a person's programs, as the chat offers it (flows/programs.py)."""
    id: int
    program_id: int | None        # None: every program (forum)
    program_code: str
    program_name: str
    role: str
    area_code: str
    in_use: bool = False


@dataclass(frozen=True)
class ContactView:
    id: int
    name: str
    role: str                    # kader, fasilitator, koordinator
    area_code: str
    lang: str = "id"
    verified: bool = True        # a self-registered kader is not, until approved
    active: bool = True          # False once removed (``pantau contact disable``, or not approved)
    program_id: int | None = 1   # the program in use (storage/programs.py); None: every program (forum)


class InviteView(NamedTuple):
    """An invite code as registration sees it (a tuple: ``role, area = invite`` still works)."""
    role: str
    area_code: str
    state: str = "open"          # open, used, expired, revoked
    extra: dict[str, Any] | None = None    # e.g. {"agency": …} for a role that needs more than an area


class Waiting(StrEnum):
    """What a coordinator is asked to decide: ``WaitingView.kind`` (stored as its value in the session's
    ``decide`` keys and in ``Step.decisions``)."""

    APPROVE = "approve"          # a kader waiting for approval
    CONFLICT = "conflict"        # a report under another person's key
    MATCH = "match"              # the same event reported for two programs


@dataclass(frozen=True)
class WaitingView:
    """Something a coordinator is asked to decide (flows/access.py): a kader waiting for approval
    (``kind`` "approve", ``ref`` the contact id), a competing report (``kind`` "conflict", ``ref``
    the competing report's id) or an event of two programs (``kind`` "match", ``ref`` the report's id).
    Any other kind is refused when the view is made (``Waiting``)."""
    kind: str
    ref: int
    name: str                    # the kader's name / the competing sender's name
    area_code: str
    other_name: str = ""         # the first sender (conflict)
    title: str = ""              # the report (conflict)
    since: datetime | None = None
    area_name: str = ""          # "Desa Kilmury", filled in by the pipeline

    def __post_init__(self) -> None:
        Waiting(self.kind)       # ValueError: a kind no question is written for

    @property
    def what(self) -> Waiting:
        return Waiting(self.kind)


@dataclass(frozen=True)
class ReportView:
    """A stored report as the engine sees it (for ``ubah`` and suggestions)."""

    id: int
    form_id: str
    form_version: int
    area_code: str
    answers: dict[str, Any]
    updated: datetime
    revision: int = 1
    key: str = ""                 # what it is about (form.key); a story's holds the moment it was started
    returned: tuple[str, str] | None = None   # a story a panel returned to check: (its level, its question)


@dataclass(frozen=True)
class RoundView:
    name: str
    start: str                   # ISO dates
    due: str


@dataclass(frozen=True)
class NewReport:
    form_id: str
    form_version: int
    area_code: str
    key: str
    answers: dict[str, Any]
    report_id: int | None = None  # set when correcting an existing report


@dataclass(frozen=True)
class NewContact:
    name: str
    role: str
    area_code: str
    lang: str
    invite_code: str | None = None
    verified: bool = True        # False: a kader who registered themselves, until approved


class NotLoaded(Exception):
    """``advance`` reached context the pipeline left out for this message (``engine.needs`` did not name it):
    the pipeline loads it and takes the message again — ``advance`` is pure, so the first try left no trace."""

    def __init__(self, what: str):
        super().__init__(what)
        self.what = what


@dataclass(frozen=True)
class Context:
    """Everything ``advance`` may know besides the session and the message."""

    now: datetime                                   # aware; held in UTC whatever zone it was given in
    forms: dict[tuple[str, int], Form]              # every known version
    gettext: Callable[[str], Callable[[str], str]]  # lang → gettext function
    contact: ContactView | None = None
    areas: Any = None                               # flows.areas.AreaIndex
    invites: dict[str, tuple[Any, ...]] = field(default_factory=dict)  # code → InviteView (role, area_code, state, extra)
    rounds: tuple[RoundView, ...] = ()
    recent_reports: tuple[ReportView, ...] = ()
    previous: dict[str, dict[str, Any]] = field(default_factory=dict)  # form id → last answers in area
    waiting: tuple[WaitingView, ...] = ()           # what this coordinator is asked to decide (flows/access.py)
    memberships: tuple[MembershipChoice, ...] = ()  # the person's programs, when more than one (flows/programs.py)
    # the forms a program enabled, per role (``program_forms``): program id → role → form ids; a program absent
    # from it keeps every form (flows/menu.py ``forms_for``)
    program_forms: Mapping[int, Mapping[str, frozenset[str]]] = field(default_factory=dict)
    loop: Any = None                                # flows.followup.LoopData for a side conversation
    lexicons: Any = None                            # flows.lexicon.Lexicons: words per region (None: built-in only)
    # what the pipeline left out for this message ("invites", "recent", "rounds", "previous"): read through ``need``
    missing: frozenset[str] = frozenset()

    def need(self, what: str) -> None:
        """Call before reading ``invites``, ``recent_reports``, ``rounds`` or ``previous``: raises ``NotLoaded`` if the
        pipeline left it out, so an empty value is never taken for "there is none"."""
        if what in self.missing:
            raise NotLoaded(what)

    def __post_init__(self) -> None:
        # Time is UTC inside: a clock given in WIB, WITA or WIT is the same instant and must write the same
        # session (its ISO times) as UTC; local dates come from the person's zone (flows.dates.zone_for_area).
        if self.now.tzinfo is None or self.now.utcoffset() is None:
            raise ValueError(f"Context.now must be aware, not {self.now!r}")
        object.__setattr__(self, "now", self.now.astimezone(timezone.utc))

    def latest(self, form_id: str) -> Form:
        return self.forms[(form_id, max(v for f, v in self.forms if f == form_id))]

    def form_ids(self) -> list[str]:
        return sorted({f for f, _ in self.forms})


S = TypeVar("S")


@dataclass(frozen=True)
class Step(Generic[S]):
    """What ``advance`` decided: the new session, replies, and at most one record to store.

    ``advance`` returns ``Step[dict]`` (the session as JSON); inside flows/ a step carries the typed
    ``flows.state.State``, converted once at ``advance``'s boundary."""

    session: S
    replies: list[Reply]
    report: NewReport | None = None
    contact: NewContact | None = None
    language: str | None = None          # the user switched language
    request: Request | None = None       # data the pipeline must add
    decisions: tuple[tuple[Any, ...], ...] = ()   # a coordinator's decisions (flows/access.py): ("approve", id, yes), …
    actions: tuple[Any, ...] = ()                # decisions of a side conversation to store (flows/side.py)
    unread: tuple[str, str, str] | None = None   # an answer not understood: (form.question, area, text) (`pantau kata`)
    membership: int | None = None                # the membership chosen for this report (flows/programs.py)
    join: tuple[str, str, str] | None = None     # an invite code confirmed by a registered person: (code, what, lang)


T = TypeVar("T")


_STEP_REST = tuple(f.name for f in fields(Step) if f.name != "session")


def with_session(step: Step[Any], session: T) -> Step[T]:
    """The same step carrying another form of the session (``State`` inside flows/, JSON outside)."""
    return Step(session, **{name: getattr(step, name) for name in _STEP_REST})

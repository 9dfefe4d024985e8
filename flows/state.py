"""The conversation state as small typed values, with a schema version and a JSON round trip.

A session is stored as JSON (storage/ keeps it opaque). ``State.from_json`` reads any version ever
written — older ones are migrated on load, step by step — and ``to_json`` writes the current one.
``advance`` converts once at its boundary: JSON → ``State`` on the way in, ``State`` → JSON on the way out;
everything in between works on these values.

Keys this module does not know are kept as they were (``extra``), so a newer module's data survives.
``side`` holds a side conversation of the learning loop (follow-up, forum, story selection: flows/sides.py), typed
like the draft; the engine never reads it. ``extra`` also holds flows/access.py's keys (``decide``,
``invite_tries``).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from .sides import Side, side_from_json

_NAMES: dict[type, tuple[str, ...]] = {}
_KNOWN: dict[type, frozenset[str]] = {}


def _names(cls: type) -> tuple[str, ...]:
    """A dataclass's field names, in order, found once (``dataclasses.fields`` walks them at every call)."""
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


def _known(cls: type) -> frozenset[str]:
    """The fields read from JSON by name (all but ``extra``, which keeps the keys this code does not know)."""
    known = _KNOWN.get(cls)
    if known is None:
        known = _KNOWN[cls] = frozenset(_names(cls)) - {"extra"}
    return known

SCHEMA = 3


# ---------------------------------------------------------------- positions

@dataclass(frozen=True)
class Pos:
    """Where in a form: a top-level question (``Pos("men")``), a question of a repeat's item
    (``Pos("activities", 2, "status")``: the third item), a question of an item of a repeat inside a repeat's
    item (``Pos("members", 1, "age", ("households", 0))``: the second member of the first household; ``name``,
    ``index`` and ``sub`` are always the innermost repeat's), or the summary (``CONFIRM``).
    Stored as ``["men"]`` / ``["activities", 2, "status"]`` / ``["members", 1, "age", "households", 0]`` /
    ``["$confirm"]``."""

    name: str
    index: int | None = None         # the item of a repeat (with ``sub``)
    sub: str | None = None
    parent: tuple[str, int] | None = None   # a nested repeat's: the outer repeat and its item

    @property
    def in_repeat(self) -> bool:
        return self.index is not None

    @property
    def item(self) -> int:
        """The item index of a position inside a repeat (0 for a top-level one)."""
        return self.index or 0

    @property
    def question(self) -> str:
        """The name of the question asked here."""
        return self.sub if self.sub is not None else self.name

    def to_json(self) -> list[Any]:
        if self.parent is not None:
            return [self.name, self.index, self.sub, self.parent[0], self.parent[1]]
        return [self.name] if self.index is None else [self.name, self.index, self.sub]

    @classmethod
    def from_json(cls, data: list[Any] | tuple[Any, ...]) -> Pos:
        if len(data) == 1 and isinstance(data[0], str):
            # a top-level question's position, one object per name (a Pos never changes): every message reads the
            # draft's position and history back from JSON, and most of them are these
            top = _TOP.get(data[0])
            if top is None:
                top = cls(data[0])
                if len(_TOP) < 4096:          # question names are few; bounded all the same
                    _TOP[data[0]] = top
            return top
        if (len(data) == 3 and isinstance(data[0], str) and isinstance(data[2], str) and isinstance(data[1], int)
                and not isinstance(data[1], bool)):
            return cls(data[0], data[1], data[2])
        if (len(data) == 5 and all(isinstance(data[i], str) for i in (0, 2, 3))
                and all(isinstance(data[i], int) and not isinstance(data[i], bool) for i in (1, 4))):
            return cls(data[0], data[1], data[2], (data[3], data[4]))
        raise ValueError(f"not a position: {data!r}")


_TOP: dict[str, Pos] = {}
CONFIRM = Pos("$confirm")


# ---------------------------------------------------------------- open sub-questions

@dataclass(frozen=True)
class Ask:
    """A plain yes/no (or language) question: ``kind`` is cancel, cancel_draft, restart or language."""

    kind: str


@dataclass(frozen=True)
class ConfirmAnswer:
    """An answer shown back before it is stored (flows.results.Confirm): "ya" stores ``updates``."""

    what: str
    updates: dict[str, Any]
    text: str
    choices: list[str]
    on_no: list[Any]                 # [msgid, params] of what "tidak" answers
    kind: str = "confirm"


@dataclass(frozen=True)
class PickQuestion:
    """"Jawaban mana yang ingin diubah?": the questions offered, by number."""

    names: list[str]
    kind: str = "pick_question"


@dataclass(frozen=True)
class OldDate:
    """Saved by the code before issue 11: "more than a year ago, benar?" about ``value``."""

    value: str
    kind: str = "old_date"


@dataclass(frozen=True)
class RawPending:
    """A sub-question this code does not know (a newer module's): kept as it was."""

    data: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.data.get("kind"))


Pending = Ask | ConfirmAnswer | PickQuestion | OldDate | RawPending
ASK_KINDS = ("cancel", "cancel_draft", "restart", "language")
_PENDING_TYPES: dict[str, type[ConfirmAnswer] | type[PickQuestion] | type[OldDate]] = {
    "confirm": ConfirmAnswer, "pick_question": PickQuestion, "old_date": OldDate}


def pending_from_json(data: dict[str, Any]) -> Pending:
    kind = data.get("kind")
    if kind in ASK_KINDS and set(data) == {"kind"}:
        return Ask(str(kind))
    cls = _PENDING_TYPES.get(str(kind))
    if cls is not None and set(data) == {f.name for f in fields(cls)}:
        return cls(**data)
    return RawPending(dict(data))


def pending_to_json(pending: Pending) -> dict[str, Any]:
    if isinstance(pending, RawPending):
        return dict(pending.data)
    return {f.name: getattr(pending, f.name) for f in fields(pending)}


# ---------------------------------------------------------------- a draft

@dataclass
class Draft:
    """A report being filled: which form version, where in it, and the answers so far."""

    id: str
    version: int
    area: str
    answers: dict[str, Any] = field(default_factory=dict)
    pos: Pos | None = None                   # None: not begun
    history: list[Pos] = field(default_factory=list)
    edit_of: int | None = None
    started: str = ""
    auto: list[str] = field(default_factory=list)
    suggest: dict[str, list[str]] = field(default_factory=dict)
    review: bool | None = None               # correcting one answer: walk back to the summary
    page: dict[str, Any] | None = None       # the page of a long choice list shown: {"pos": [...], "n": 1}
    today: str | None = None                 # the day of the last answer, for today() in the form's expressions
    early: list[str] | None = None           # photo questions holding a photo sent before they were reached
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Draft:
        known = _known(cls)
        values = {k: v for k, v in data.items() if k in known}
        if values.get("pos") is not None:
            values["pos"] = Pos.from_json(values["pos"])
        values["history"] = [Pos.from_json(p) for p in values.get("history") or []]
        draft = cls(**values)
        draft.extra = {k: v for k, v in data.items() if k not in known}
        return draft

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in _names(type(self)):
            value = getattr(self, name)
            if name == "extra" or (value is None and name in _OMITTED_WHEN_NONE):
                continue
            out[name] = value
        out["pos"] = self.pos.to_json() if self.pos is not None else None
        out["history"] = [p.to_json() for p in self.history]
        return {**self.extra, **out}


_OMITTED_WHEN_NONE = {"review", "page", "today", "early"}


# ---------------------------------------------------------------- registering

@dataclass
class Reg:
    """The steps of registering (flows/registration.py): name → role → (invite code) → area."""

    step: str = "name"                       # name, role, invite, area, area_pick, area_confirm
    name: str = ""
    role: str = ""
    invite: str | None = None                # the invite code that granted the role
    scope: str | None = None                 # the area the search is narrowed to
    candidates: list[str] | None = None      # areas offered by number
    area: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reg:
        known = _known(cls)
        reg = cls(**{k: v for k, v in data.items() if k in known})
        reg.extra = {k: v for k, v in data.items() if k not in known}
        return reg

    def to_json(self) -> dict[str, Any]:
        """Only the steps taken so far (the shape registration always stored)."""
        out = {name: getattr(self, name) for name in _names(type(self))
               if name != "extra" and getattr(self, name) not in (None, "")}
        return {**self.extra, **out}


# ---------------------------------------------------------------- one person's conversation

@dataclass
class State:
    """One person's conversation: mode, language, the draft, an open yes/no sub-question."""

    mode: str | None = None                  # register, menu, form, pick_report
    lang: str | None = None
    updated: str | None = None               # ISO time of the last message
    form: Draft | None = None                # being filled now
    draft: Draft | None = None               # kept aside (menu)
    pending: Pending | None = None           # a yes/no or pick asked before anything else
    reg: Reg | None = None                   # registration steps (flows/registration.py)
    reports: list[list[Any]] | None = None   # reports offered for "ubah": [id, label]
    mode_before: str | None = None
    photo: str | None = None                 # a photo sent at the menu, for the next report that asks for one
    side: Side | None = None                 # a side conversation of the loop (flows/sides.py)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def any_draft(self) -> Draft | None:
        """The draft being filled, or else the one kept aside."""
        return self.form or self.draft

    def the_form(self) -> Draft:
        """The draft being filled (only called in form mode, where there is one)."""
        if self.form is None:
            raise ValueError("no form is being filled")
        return self.form

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> State:
        data = migrate(dict(data or {}))
        data.pop("schema", None)
        known = _known(cls)
        typed = ("form", "draft", "pending", "reg", "side")
        state = cls(**{k: v for k, v in data.items() if k in known and k not in typed})
        state.form = Draft.from_json(data["form"]) if isinstance(data.get("form"), dict) else None
        state.draft = Draft.from_json(data["draft"]) if isinstance(data.get("draft"), dict) else None
        pending = data.get("pending")
        state.pending = pending_from_json(pending) if isinstance(pending, dict) else None
        state.reg = Reg.from_json(data["reg"]) if isinstance(data.get("reg"), dict) else None
        side = data.get("side")
        state.side = side_from_json(side) if isinstance(side, dict) else None
        state.extra = {k: v for k, v in data.items() if k not in known or (k == "side" and state.side is None and v is not None)}
        return state

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.extra)
        for name in _names(type(self)):
            value = getattr(self, name)
            if name == "extra" or value is None:
                continue
            if isinstance(value, (Draft, Reg)):
                out[name] = value.to_json()
            elif name == "pending":
                out[name] = pending_to_json(value)
            elif name == "side":
                out[name] = value.to_json()
            else:
                out[name] = value
        out["schema"] = SCHEMA
        return out


# ---------------------------------------------------------------- versions

def _from_1(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 (no "schema" key, before issue 11): the same keys; a draft's "review" flag may be missing,
    an old-date question is pending as {"kind": "old_date", "value"} (still understood by the engine)."""
    return data


def _from_2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 2 kept the day of the last answer inside the answers (``answers["$today"]``, for today() in a
    form's expressions); version 3 keeps it beside them (``Draft.today``): answers hold only answers."""
    for key in ("form", "draft"):
        draft = data.get(key)
        if isinstance(draft, dict) and isinstance(draft.get("answers"), dict) and "$today" in draft["answers"]:
            answers = dict(draft["answers"])
            data[key] = {**draft, "answers": answers, "today": answers.pop("$today")}
    return data


#: schema version → the function that lifts a state of that version to the next
_MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _from_1, 2: _from_2}


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """A stored state of any version, as the current version."""
    version = int(data.get("schema", 1)) if data else SCHEMA
    if version > SCHEMA:
        raise ValueError(f"session schema {version} is newer than this code ({SCHEMA})")
    while version < SCHEMA:
        data = _MIGRATIONS[version](data)
        version += 1
    data["schema"] = SCHEMA
    return data


def normalize(session: dict[str, Any] | None) -> dict[str, Any]:
    """A session as the current schema writes it (a copy)."""
    return State.from_json(session).to_json()

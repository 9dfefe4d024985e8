"""The conversation state as small typed values, with a schema version and a JSON round trip.

A session is stored as JSON (storage/ keeps it opaque). ``State.from_json`` reads any version ever
written — older ones are migrated on load, step by step — and ``to_json`` writes the current one.
Keys this module does not know are kept as they were (``extra``), so a newer module's data survives.
``side`` is an opaque slot for side conversations of other modules (approval, follow-up, …): the
engine never reads it.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

SCHEMA = 2


@dataclass
class Draft:
    """A report being filled: which form version, where in it, and the answers so far."""

    id: str
    version: int
    area: str
    answers: dict[str, Any] = field(default_factory=dict)
    #: ["men"], ["activities", 2, "status"] inside a repeat item, ["$confirm"] for the summary, None: not begun
    pos: list[Any] | None = None
    history: list[list[Any]] = field(default_factory=list)
    edit_of: int | None = None
    started: str = ""
    auto: list[str] = field(default_factory=list)
    suggest: dict[str, list[str]] = field(default_factory=dict)
    review: bool | None = None              # correcting one answer: walk back to the summary
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Draft:
        known = {f.name for f in fields(cls)} - {"extra"}
        draft = cls(**{k: v for k, v in data.items() if k in known})
        draft.extra = {k: v for k, v in data.items() if k not in known}
        return draft

    def to_json(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
        if self.review is None:
            out.pop("review")
        return {**self.extra, **out}


@dataclass
class State:
    """One person's conversation: mode, language, the draft, an open yes/no sub-question."""

    mode: str | None = None                  # register, menu, form, pick_report
    lang: str | None = None
    updated: str | None = None               # ISO time of the last message
    form: Draft | None = None                # being filled now
    draft: Draft | None = None               # kept aside (menu)
    pending: dict[str, Any] | None = None    # a yes/no or pick asked before anything else
    reg: dict[str, Any] | None = None        # registration steps
    reports: list[list[Any]] | None = None   # reports offered for "ubah"
    mode_before: str | None = None
    side: dict[str, Any] | None = None       # other modules' side conversations (opaque to the engine)
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> State:
        data = migrate(dict(data or {}))
        data.pop("schema", None)
        known = {f.name for f in fields(cls)} - {"extra"}
        state = cls(**{k: v for k, v in data.items() if k in known and k not in ("form", "draft")})
        state.form = Draft.from_json(data["form"]) if isinstance(data.get("form"), dict) else None
        state.draft = Draft.from_json(data["draft"]) if isinstance(data.get("draft"), dict) else None
        state.extra = {k: v for k, v in data.items() if k not in known}
        return state

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.extra)
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "extra" or value is None:
                continue
            out[f.name] = value.to_json() if isinstance(value, Draft) else value
        out["schema"] = SCHEMA
        return out


def _from_1(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 (no "schema" key, before issue 11): the same keys; a draft's "review" flag may be missing,
    an old-date question is pending as {"kind": "old_date", "value"} (still understood by the engine)."""
    return data


#: schema version → the function that lifts a state of that version to the next
_MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _from_1}


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
    """A session as the current schema writes it (a copy): what ``advance`` works on."""
    return State.from_json(session).to_json()

"""The side conversations of the learning loop as typed state (``State.side``), with their JSON round trip.

One dataclass per kind, told apart in JSON by ``"kind"`` as written since the loop began:
``{"kind": "followup", "role": "fasilitator", "queue": [3, 5], "step": "item", "work": {}}`` (tindak lanjut;
role also ``local`` or ``opd``), ``{"kind": "forum", "role": "forum", …}`` (the kabupaten forum) and
``{"kind": "stories", "level": "kecamatan", "period": null, "domains": [], "panel": null, …}`` (pilih cerita).
``total`` and ``skipped`` are written once the position is shown or an item is skipped; ``choices`` and
``current`` while the period is being chosen. ``work`` is each step's scratchpad (what was typed so far).
A side of a kind this code does not know, or of a shape it does not expect, is kept as it was
(``RawSide``), like a newer module's pending question. flows/side.py runs them; flows/followup.py,
flows/forum.py and flows/selection.py see only a ``SideBox``.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

_OMITTED_WHEN_NONE = frozenset({"total", "skipped", "choices", "current"})
_FIELDS: dict[type, tuple[str, ...]] = {}


def _names(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in fields(cls) if f.name != "extra")
    return names


@dataclass(kw_only=True)
class LoopSide:
    """What every side conversation of the loop has: a queue of items, the step at the head item, the
    answers typed at it so far (``work``), and the position count."""

    KIND: ClassVar[str] = ""
    REQUIRED: ClassVar[tuple[str, ...]] = ("queue", "step")

    step: str
    queue: list[Any] = field(default_factory=list)
    work: dict[str, Any] = field(default_factory=dict)
    total: int | None = None                 # how many the queue began with ("2 dari 5")
    skipped: list[Any] | None = None         # "lewati dulu": offered again next time
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.KIND}
        for name in _names(type(self)):
            value = getattr(self, name)
            if value is None and name in _OMITTED_WHEN_NONE:
                continue
            out[name] = value
        return {**self.extra, **out}


@dataclass(kw_only=True)
class Followup(LoopSide):
    """Tindak lanjut: a fasilitator's issue items (role ``fasilitator``), the recommendations kept at desa or
    kecamatan (``local``), or an OPD's recommendations (``opd``)."""

    KIND: ClassVar[str] = "followup"
    REQUIRED: ClassVar[tuple[str, ...]] = ("queue", "step", "role")

    role: str


@dataclass(kw_only=True)
class Forum(LoopSide):
    """The kabupaten forum: a koordinator decides the recommendations carried to the kabupaten."""

    KIND: ClassVar[str] = "forum"

    role: str = "forum"


@dataclass(kw_only=True)
class Stories(LoopSide):
    """Pilih cerita: a panel picks one story of change per domain for a period."""

    KIND: ClassVar[str] = "stories"
    REQUIRED: ClassVar[tuple[str, ...]] = ("queue", "step", "level")

    level: str
    period: dict[str, Any] | None = None     # {"name", "start", "due"} of the round chosen, None: all
    domains: list[str] = field(default_factory=list)
    panel: str | None = None                 # who sat on the panel last time (offered again)
    choices: list[list[Any]] | None = None   # the periods offered by number, while choosing one
    current: bool | None = None              # whether the first of them is the running round


@dataclass(frozen=True)
class RawSide:
    """A side conversation this code does not know (a newer module's, or a shape it never wrote): kept."""

    data: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.data.get("kind"))

    def to_json(self) -> dict[str, Any]:
        return dict(self.data)


Side = Followup | Forum | Stories | RawSide
_KINDS: dict[str, type[Followup] | type[Forum] | type[Stories]] = {
    "followup": Followup, "forum": Forum, "stories": Stories}
#: the JSON type each field must have to be read typed (anything else: the side is kept raw)
_TYPES: dict[str, type | tuple[type, ...]] = {
    "step": str, "queue": list, "work": dict, "total": int, "skipped": list, "role": str, "level": str,
    "period": dict, "domains": list, "panel": str, "choices": list, "current": bool}


def side_from_json(data: dict[str, Any]) -> Side:
    """The typed side conversation ``data`` holds (``RawSide`` when its kind or shape is not known)."""
    cls = _KINDS.get(str(data.get("kind")))
    if cls is None or any(name not in data for name in cls.REQUIRED):
        return RawSide(dict(data))
    names = _names(cls)
    values: dict[str, Any] = {}
    for name in names:
        if name not in data:
            continue
        value = data[name]
        if (value is None and name in cls.REQUIRED) or (value is not None and not isinstance(value, _TYPES[name])) \
                or (isinstance(value, bool) and _TYPES[name] is int):
            return RawSide(dict(data))
        values[name] = value
    side = cls(**values)
    side.extra = {k: v for k, v in data.items() if k not in names and k != "kind"}
    if side.to_json() != data:             # e.g. "total": null written: keep what was stored, exactly
        return RawSide(dict(data))
    return side


def side_to_json(side: Side) -> dict[str, Any]:
    return side.to_json()


@dataclass
class SideBox:
    """What a side conversation module reads and writes: the side slot alone (None: it ended)."""

    side: Side | None = None

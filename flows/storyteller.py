"""Who told a story of change, as everyone is shown it. Pure.

The story form (flows/forms/cerita.yaml, version 3) asks whether the storyteller may be named and, if so, their
name: the storyteller may be someone other than the kader who sends the story, or the kader themself ("saya
sendiri"). An anonymous story shows neither the storyteller nor the kader who sent it, on every page, panel,
sheet and export: the kader of a desa is known there, so their name would name the storyteller of their own
story. Stories of the versions before 3 have no storyteller answer: the kader is shown, as then.
"""
from __future__ import annotations

from typing import Any

from .answers import normalize

FORM = "cerita"
ANONYMOUS = "anonim"
ANONYMOUS_LABEL = "Anonim"        # the cell of a sheet or export in place of a name
# "the kader themself": the answers that name the sender, not someone else
SELF = frozenset({"saya sendiri", "saya", "sendiri", "diri sendiri", "saya pribadi", "aku", "aku sendiri",
                  "beta", "beta sendiri", "sa", "sa sendiri", "sy sendiri", "sy", "myself", "me", "i",
                  "self"})


def anonymous(form_id: str, answers: dict[str, Any] | None) -> bool:
    """A story whose storyteller asked not to be named: no name of anyone behind it is shown."""
    return form_id == FORM and bool(answers) and (answers or {}).get("consent") == ANONYMOUS


def is_self(text: str) -> bool:
    return normalize(text) in SELF


def storyteller(answers: dict[str, Any], reporter: str) -> str:
    """The storyteller's name to show ("" when anonymous): the name given, or the kader who sent the story when
    it is their own (or the form did not ask)."""
    if answers.get("consent") == ANONYMOUS:
        return ""
    named = " ".join(str(answers.get("teller") or "").split())
    return reporter if not named or is_self(named) else named


def sender(form_id: str, answers: dict[str, Any] | None, reporter: str) -> str:
    """The sender's name as a page or sheet shows it beside a report: "Anonim" for an anonymous story."""
    return ANONYMOUS_LABEL if anonymous(form_id, answers) else reporter


def unnamed(answers: dict[str, Any]) -> dict[str, Any]:
    """The answers without the storyteller's name: an earlier revision of a story now anonymous may hold it."""
    return {k: v for k, v in answers.items() if k != "teller"}

"""The value every parser returns: an answer, or a reason to ask again."""
from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Callable
from typing import Any

#: a gettext function: msgid → text in the person's language
Gettext = Callable[[str], str]


def N_(msgid: str) -> str:
    """Mark a string for translation without translating it (babel extracts it)."""
    return msgid


@dataclass(frozen=True)
class Problem:
    """Why an answer cannot be used: a gettext msgid and its %-format parameters."""

    msgid: str
    params: dict[str, Any] = field(default_factory=dict)

    def render(self, gettext: Gettext) -> str:
        text = gettext(self.msgid)
        return text % self.params if self.params else text

"""What taking an answer gives: taken (``Accepted``), to be shown back and confirmed first (``Confirm``),
or why not (``Problem``)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .problem import N_, Problem


@dataclass(frozen=True)
class Accepted:
    """An answer taken: the values to write at the position; ``auto`` names the questions it answered as well
    (the partner of "L 79 P 38", skipped when walking on); ``done_repeat``: the list of items is complete."""

    updates: dict[str, Any]
    auto: tuple[str, ...] = ()
    done_repeat: bool = False


@dataclass(frozen=True)
class Confirm:
    """An answer read with an assumption (a fuzzy option, a date without a year, a bare day, text after a pause):
    shown back with a yes/no question before it is stored. ``updates`` are what "ya" stores."""

    what: str
    updates: dict[str, Any]
    question: Problem
    choices: tuple[str, ...] = (N_("Ya"), N_("Tidak"))
    on_no: Problem = field(default_factory=lambda: Problem(N_("Baik, mohon tulis jawaban yang benar.")))


#: what taking an answer gives: taken, to be confirmed first, or why not
Answer = Accepted | Confirm | Problem

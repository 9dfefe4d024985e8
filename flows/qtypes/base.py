"""What a question type is: one ``QType`` of plain functions and flags, and ``Typed``, an answer as its reader
sees it. Each type's module (flows/qtypes/<name>.py) makes one ``QType``; flows/qtypes/__init__.py holds the
table. This module and the type modules import nothing of the engine above them (forms, filling, display,
positions, answer_types): the engine reads the table, and hands a reader what it needs in ``Typed``."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..form_model import Form, Question
from ..problem import N_, Gettext, Problem
from ..results import Answer
from ..state import Draft

Options = list[tuple[str, list[str]]]
#: an XLSForm cell that says yes (``required``, ``pantau_count``, …)
YES = {"yes", "true", "true()", "1", "ya", "y"}


@dataclass(frozen=True)
class Typed:
    """An answer typed (or sent as a photo or a location) at the draft's position, with the engine's checks."""

    form: Form
    draft: Draft
    q: Question
    text: str
    lang: str
    now: datetime                                    # the engine's clock (the person's zone is applied by the type)
    photo: str | None                                # the SHA-256 of a photo sent
    location: tuple[float, float] | None             # a location sent
    siblings: tuple[Question, ...]                   # the questions beside this one (its repeat's, or the form's)
    check: Callable[[dict[str, Any]], dict[str, Any] | Problem]     # the form's constraints on these updates
    options: Callable[[], Options]                   # a select's options at this position (filtered, rounds)
    page_pick: Callable[[Options], str | Problem | None]   # a number at a list in pages (None: not paged)


Reader = Callable[[Typed], Answer]


def no_answer(q: Question, value: Any) -> Problem | bool | None:
    """The final check of a type with nothing of its own to check."""
    return None


def plain_cell(q: Question, value: Any) -> Any:
    """An answer as an Excel cell when the type has no typed cell of its own: a number stays a number."""
    return value if isinstance(value, (int, float)) else str(value)


def no_computed(q: Question, value: Any) -> Any:
    """A type that a computed default cannot give (a photo, a point): never one."""
    return None


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def as_text(value: Any) -> str | None:
    """A computed value as the text of a choice or a text answer (3.0 is "3"); a true/false is none."""
    if isinstance(value, bool):
        return None
    return str(int(value)) if is_number(value) and float(value).is_integer() else str(value)


def no_columns(*row: Any) -> None:
    """A type with no XLSForm columns of its own."""


def short_answer(q: Question, t: Gettext) -> str:
    return t("Tulis jawaban singkat.")


def skip_hint(q: Question, t: Gettext) -> str | None:
    """The line under a question nobody must answer (when no earlier answer or default is shown)."""
    return None if q.required else t("Ketik \"lewati\" jika tidak ada.")


@dataclass(frozen=True)
class QType:
    """One question type: how a form names it, how an answer to it is read, checked, shown and exported."""

    name: str                                             # the ``type:`` of a form file
    read: Reader | None                                   # a typed answer read (None: the type asks nothing)
    show: Callable[[Question, Any, str, Gettext], str]    # an answer as the person reads it back (not empty)
    help: Callable[[Question, Gettext], str] = short_answer     # "bantuan": how to answer it
    hint: Callable[[Question, Gettext], str | None] = skip_hint  # the line under the question
    check: Callable[[Question, Any], Problem | bool | None] = no_answer   # final check (True: ask again)
    cell: Callable[[Question, Any], Any] = plain_cell     # the Excel cell (a plain value; empty answers never)
    computed: Callable[[Question, Any], Any] = no_computed   # a computed default (not empty) as its answer, or None
    typed: Callable[[Any], str] = str                     # an answer as the text its reader reads ("sama")
    kind: str | None = None         # what an expression sees (number, text, date, list); None: not checked
    required: bool = True           # required unless the form says ``required: false``
    lexicon: bool = False           # read through the person's lexicon ("seng ada", "dua pulu")
    choices: bool = False           # offers the question's choices
    many: bool = False              # several choices at once
    attachment: bool = False        # answered with a photo or location message (others need text)
    # said when a photo or location comes where this type needs typing (a msgid)
    typed_as: str = N_("Terima kasih, tetapi pertanyaan ini perlu dijawab dengan tulisan.")
    none_skips: bool = True         # "tidak ada" skips it when optional (an integer reads it as 0)
    checks_itself: bool = False     # its reader checks the form's constraints (a date, before confirming)
    file: bool = False              # the answer is a stored file's SHA-256 (a photo): linked, not shown
    xls_in: tuple[str, ...] = ()    # the XLSForm types read as this type
    xls_out: str | None = None      # the XLSForm type written (a select adds its list; a repeat is begin_repeat)
    xls_binds: Callable[[dict[str, Any], dict[str, Any]], None] = no_columns   # (row, bind) before they are read
    xls_read: Callable[[dict[str, Any], dict[str, Any]], None] = no_columns    # (row, question) its own columns in
    xls_write: Callable[[Question, dict[str, Any]], None] = no_columns         # (question, row) its own columns out
    width: float = 34               # the Excel column's width
    table_type: str = "string"      # the Table Schema type of its column in the API's tables
    package_type: str | None = None  # the Table Schema type in the data package (None: no column)

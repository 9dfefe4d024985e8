"""What a form is: ``Form``, its ``Question``s, ``Choice``s and ``Group``s, and ``FormError``.

flows/forms.py builds them from a form file (``parse_form``) and is where callers import them from.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

LANGS = ("id", "en")
ROLES = ("kader", "fasilitator", "koordinator")
SYSTEM_KEYS = {"$started"}
MORE = "$more"       # the question a repeat with ``ask_more`` ends each item with: "Tambah satu lagi?" (never stored)


class FormError(ValueError):
    def __init__(self, source: str, question: str | None, problem: str) -> None:
        where = f"{source}: question '{question}'" if question else source
        super().__init__(f"{where}: {problem}")
        self.source, self.question, self.problem = source, question, problem


@dataclass(frozen=True)
class Choice:
    value: str
    label: dict[str, str]
    data: dict[str, str] = field(default_factory=dict)   # other columns, for a choice_filter


@dataclass(frozen=True)
class Group:
    """A labelled group (XLSForm begin_group) a question belongs to: its label is shown when the chat enters it."""

    name: str
    label: dict[str, str]


#: an integer question that is not a count has no bounds but these (the same as a decimal's)
NUMBER_MIN, NUMBER_MAX = -10**12, 10**12


@dataclass(frozen=True)
class Question:
    name: str
    type: str
    label: dict[str, str]
    hint: dict[str, str] = field(default_factory=dict)
    required: bool = True
    choices: tuple[Choice, ...] = ()
    choices_from: str | None = None          # "rounds": filled from the context
    relevant: str | None = None
    constraint: str | None = None
    constraint_message: dict[str, str] = field(default_factory=dict)
    minimum: int = 0
    maximum: int = 100_000
    pair: str | None = None                   # integer answered together with another ("L 79 P 38")
    not_future: bool = False
    confirm_older_than_days: int | None = None
    questions: tuple["Question", ...] = ()   # for repeat
    suggest_from_previous: bool = False       # repeat: offer the previous report's items
    item_label: str | None = None             # repeat: the sub-question that names an item
    ask_more: bool = False                    # repeat: each item ends with "Tambah satu lagi?" (no count, no name)
    short: dict[str, str] = field(default_factory=dict)  # label in the summary
    repeat_count: str | None = None           # repeat: how many items (an expression), no item names
    choice_filter: str | None = None          # select: which choices to offer, e.g. choice('kab') == kab
    default: str | None = None                # answer taken when the person types "sama"
    default_expr: str | None = None           # a default computed when the question is reached (an expression)
    count: bool = True                        # integer: a count of people or things (0 to 100,000, count wording)
    groups: tuple[Group, ...] = ()            # the labelled groups the question is in, outermost first
    calculate: tuple[tuple[str, str], ...] = ()   # repeat: values derived per item
    choice_list: str | None = None            # select: the form's shared choice list it offers (choice_lists:)
    appearance: str | None = None             # XLSForm appearance: no effect in a chat, kept for export


@dataclass(frozen=True)
class Form:
    id: str
    version: int
    title: dict[str, str]
    questions: tuple[Question, ...]
    key: tuple[str, ...]
    roles: tuple[str, ...] = ROLES
    source: str = ""
    calculate: tuple[tuple[str, str], ...] = ()   # derived values, e.g. total = men + women
    order: int = 100                               # place in the menu
    summary: Any = None                            # flows.summary_spec.SummarySpec, from the `summary:` section

    def question(self, name: str) -> Question:
        found = self._by_name.get(name)
        if found is None:
            raise KeyError(name)
        return found

    @cached_property
    def _by_name(self) -> dict[str, Question]:
        """Each question by name (the first, as a walk through ``all_questions`` finds it), built once."""
        out: dict[str, Question] = {}
        for q in self.all_questions():
            out.setdefault(q.name, q)
        return out

    @cached_property
    def uses_random(self) -> bool:
        """Whether an expression calls random() (a report then gets its own fixed seed, ``$seed``)."""
        exprs = [e for q in self.all_questions() for e in (q.relevant, q.constraint, q.default_expr, q.repeat_count,
                                                           q.choice_filter, *(c for _, c in q.calculate))]
        return any("random(" in str(e) for e in (*exprs, *(c for _, c in self.calculate)) if e)

    def all_questions(self) -> Iterator[Question]:
        """Every question, a repeat's (and a nested repeat's) after the repeat."""
        def walk(questions: tuple[Question, ...]) -> Iterator[Question]:
            for q in questions:
                yield q
                yield from walk(q.questions)
        return walk(self.questions)


# every known form version, by (form id, version): what the pipeline loads and the engine reads
FormVersions = dict[tuple[str, int], Form]

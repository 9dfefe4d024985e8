"""The days and the round a summary covers (``Filters`` → ``Window``), and the SQL that leaves out reports far
outside them. The rules for which date filters which kind of report are in storage/summary.py."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from flows.forms import Form
from flows.summary_spec import SummarySpec
from flows.types import RoundView

from .completeness import of_program
from .models import Report, Round
from .periods import consolidated, next_start, started_day


@dataclass
class Filters:
    area: str
    date_from: date | None = None
    date_to: date | None = None
    round: str | None = None
    program: int | None = None      # one program's reports and expected desa; None: every program (issue 25)
    once: bool = False              # an event of several programs counted once (storage/matches.py), the forum view
    by_program: bool = False        # also each program's own figures (Rollup.programs), in the same pass; implies once


class UnknownRound(ValueError):
    def __init__(self, name: str, known: list[str]):
        super().__init__(name)
        self.name, self.known = name, known



@dataclass(frozen=True)
class Window:
    """The days and the round a summary covers, with every round's due date (for monitoring by dates)."""
    date_from: date | None
    date_to: date | None
    round: str | None
    round_due: dict[str, date]
    program: int | None = None      # Filters.program: the reports of one program (None: every program)
    starts: tuple[tuple[date, str], ...] = ()   # every round's (start, name), by start: a consolidating report's round
    # derived in __post_init__ (ISO forms of the dates, whether anything filters at all)
    _from: str = field(init=False, repr=False, compare=False)
    _to: str = field(init=False, repr=False, compare=False)
    filtered: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_from", self.date_from.isoformat() if self.date_from else "")
        object.__setattr__(self, "_to", self.date_to.isoformat() if self.date_to else "")
        object.__setattr__(self, "filtered", bool(self.date_from or self.date_to or self.round))

    def _in(self, day: date | None) -> bool:
        if day is None:
            return not (self.date_from or self.date_to)
        return not ((self.date_from and day < self.date_from) or (self.date_to and day > self.date_to))

    def admits(self, form: Form, spec: SummarySpec, area_code: str, key: str, answers: dict[str, Any],
               created: datetime | None = None) -> bool:
        if not self.filtered:
            return True
        if spec.period == "round":
            assert spec.period_question is not None     # the parser sets the question of a round or date period
            name = answers.get(spec.period_question)
            if self.round is not None:
                return name == self.round
            return name in self.round_due and self._in(self.round_due[name])
        if spec.period == "date":
            assert spec.period_question is not None
            raw = answers.get(spec.period_question)
            if not raw or type(raw) is not str or len(raw) != 10:
                return not (self.date_from or self.date_to)
            if self.round is not None and spec.consolidates and answers.get(spec.consolidates[0]) == spec.consolidates[1]:
                return consolidated(self.starts, raw) == self.round
            # ISO dates compare as text
            return not ((self.date_from and raw < self._from) or (self.date_to and raw > self._to))
        return self._in(started_day(form, area_code, key, created))


async def window_for(s: AsyncSession, f: Filters) -> Window:
    # a name held by several programs: the one of the program asked for (its own, else every program's)
    rows = await s.scalars(select(Round).order_by(Round.start, Round.id))
    rounds = {r.name: r for r in of_program(((r.program_id, RoundView(r.name, r.start, r.due)) for r in rows),
                                            f.program)}
    lo, hi = f.date_from, f.date_to
    if f.round is not None:
        if f.round not in rounds:
            raise UnknownRound(f.round, list(rounds))
        r = rounds[f.round]
        start, due = date.fromisoformat(r.start), date.fromisoformat(r.due)
        lo, hi = max(lo, start) if lo else start, min(hi, due) if hi else due
    return Window(lo, hi, f.round, {n: date.fromisoformat(r.due) for n, r in rounds.items()}, f.program,
                  tuple(sorted((date.fromisoformat(r.start), n) for n, r in rounds.items())))


def prefilter(form: Form, spec: SummarySpec, window: Window) -> ColumnElement[bool]:
    """SQL that keeps a form's reports possibly inside the window, from the ``period`` column copied at save
    (storage/rollup.py: the answer ``date``, else ``round``, else the key). Python checks exactly afterwards;
    this only spares decoding the answers of reports far outside it."""
    clause: list[ColumnElement[bool]] = [Report.form_id == form.id]
    names = {q.name for q in form.questions}
    if spec.period == "date" and spec.period_question == "date":
        if window.date_from:
            clause.append(Report.period >= window.date_from.isoformat())
        if window.date_to and window.round is not None and spec.consolidates:
            # a consolidating report held after the round's end, before the next round begins, counts in it
            name, value = spec.consolidates
            late = [Report.key.startswith(f"{value}|")] if form.key and form.key[0] == name else []
            nxt = next_start(window.starts, window.round)
            after = [*late, *([Report.period < nxt.isoformat()] if nxt else [])]
            clause.append(or_(Report.period <= window.date_to.isoformat(), and_(*after) if after else true()))
        elif window.date_to:
            clause.append(Report.period <= window.date_to.isoformat())
    elif spec.period == "round" and spec.period_question == "round" and "date" not in names:
        if window.round is not None:
            clause.append(Report.period == window.round)
        else:
            clause.append(Report.period.in_([n for n, due in window.round_due.items() if window._in(due)]))
    elif spec.period == "started" and form.key == ("$started",) and not names & {"date", "round"}:
        if window.date_from:    # the key is the start in UTC: a day either side covers every zone
            clause.append(Report.period >= (window.date_from - timedelta(days=1)).isoformat())
        if window.date_to:
            clause.append(Report.period < (window.date_to + timedelta(days=2)).isoformat())
    return and_(*clause)

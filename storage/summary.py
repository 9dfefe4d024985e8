"""Roll-ups for an area and everything below it, as the forms declare them (their ``summary:`` sections).

Which date filters which kind of report (the same in chat, CLI, Excel and every roll-up):

- a form with ``period: {date: Q}`` (meetings) counts by the date answered in Q — the meeting's own date;
- a form with ``period: {round: Q}`` (monitoring) counts by the round it belongs to: with ``--round`` the
  reports of that round; with ``--from``/``--to`` the reports of the rounds whose due date lies in the range;
- a form with ``period: started`` (stories) counts by the day it was told, in the area's time zone.
With ``--round R`` the dated kinds count only inside R's dates (start … due). An unknown round is refused
(``UnknownRound``, with the known ones). Reports without the date asked for are left out of a filtered summary.

``rollup()`` returns plain dataclasses (the area's figures and one ``AreaFigures`` per child area: kabupaten →
kecamatan → desa) for any caller, e.g. a web page; ``summarize()`` is the same as JSON for `pantau summary`.
"""
from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, Row, and_, or_, select, true
from sqlalchemy.engine import Result
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.util.typing import Unpack

from flows.forms import Form, parse_form
from flows.summary_spec import Count, SummarySpec, Top, summaries
from flows.types import RoundView

from .completeness import expected_desa, of_program
from .models import Area, FormVersion, Report, Round
from .scope import under
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


@dataclass
class AreaFigures:
    """One area's figures per form section (e.g. ``sections["meetings"]["participants"]``)."""
    code: str
    name: str
    level: int
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class Rollup:
    filters: Filters
    area: AreaFigures
    children: list[AreaFigures]          # one per child area, by code; the area's own reports under its own code
    details: dict[str, dict[str, Any]]   # per section: groups (``by``), top answers, missing desa, timeliness
    specs: list[tuple[Form, SummarySpec]]
    unverified: dict[str, int] = field(default_factory=dict)   # form id → reports of kader not yet approved
    programs: dict[int, dict[str, dict[str, Any]]] = field(default_factory=dict)   # by_program: id → section figures


# ------------------------------------------------------------------------------------------- periods

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


# ------------------------------------------------------------------------------------------- forms

@functools.lru_cache(maxsize=64)
def _parsed(form_id: str, version: int, definition: str) -> Form:
    return parse_form(json.loads(definition), f"{form_id} v{version}")


async def summary_forms(s: AsyncSession, forms: dict[tuple[str, int], Form] | None = None) -> list[tuple[Form, SummarySpec]]:
    """The newest version of every form that declares a summary, in menu order. ``forms``: the loaded
    (id, version) → Form map; without it the versions stored in the database are read."""
    if forms is None:
        forms = {}
        for row in await s.scalars(select(FormVersion)):
            forms[(row.form_id, row.version)] = _parsed(row.form_id, row.version,
                                                        json.dumps(row.definition, sort_keys=True))
    return summaries(forms)


# ------------------------------------------------------------------------------------------- counting

def _normal(text: str) -> str:
    return " ".join(str(text).lower().split()).strip(" .,")


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def ranked(c: Counter[Any]) -> list[tuple[Any, int]]:
    """Most frequent first; ties in alphabetical order (the same on every database)."""
    return sorted(c.items(), key=lambda kv: (-kv[1], str(kv[0])))


_Plan = tuple[tuple[str, ...], list[tuple[str, str, frozenset[str]]], list[tuple[str, str, bool]]]
_PLANS: dict[int, tuple[SummarySpec, tuple[str, ...], list[tuple[str, str, frozenset[str]]],
                        list[tuple[str, str, bool]]]] = {}


def _plan(spec: SummarySpec) -> _Plan:
    """(sums, counts [(name, question, excluded)], tops [(name, question)]) of a spec, made once."""
    plan = _PLANS.get(id(spec))
    if plan is None or plan[0] is not spec:
        plan = _PLANS[id(spec)] = (spec, spec.sums,
                                   [(a.name, a.question, frozenset(a.exclude)) for a in spec.answers
                                    if isinstance(a, Count)],
                                   [(a.name, a.question, a.select) for a in spec.answers if isinstance(a, Top)])
    return plan[1:]


class _Acc:
    """Figures of one section for one area while reports are read."""
    __slots__ = ("n", "sums", "items", "counts", "tops", "desa")

    def __init__(self, spec: SummarySpec):
        self.n, self.items = 0, 0
        self.sums = dict.fromkeys(spec.sums, 0)
        self.counts: dict[str, Counter[Any]] = {a.name: Counter() for a in spec.answers if isinstance(a, Count)}
        self.tops: dict[str, Counter[Any]] = {a.name: Counter() for a in spec.answers if isinstance(a, Top)}
        self.desa: set[str] = set()

    def add_sums(self, spec: SummarySpec, answers: dict[str, Any]) -> None:
        self.n += 1
        sums = self.sums
        for q in spec.sums:
            v = answers.get(q)
            if v:
                sums[q] += v if type(v) is int else _int(v)

    def add(self, spec: SummarySpec, area_code: str, answers: dict[str, Any]) -> None:
        self.add_sums(spec, answers)
        _, counts, tops = _plan(spec)
        if spec.reported:
            self.desa.add(area_code)
        if spec.items:
            rows = answers.get(spec.items) or []
            self.items += len(rows)
        else:
            rows = [answers]
        for name, question, excluded in counts:
            c = self.counts[name]
            for row in rows:
                v = row.get(question)
                if type(v) is list:
                    for x in v:
                        if x not in excluded:
                            c[x] += 1
                elif v not in excluded:
                    c[v or "?"] += 1
        for name, question, is_select in tops:
            c = self.tops[name]
            for row in rows:
                v = row.get(question)
                for x in (v if type(v) is list else (v,)):
                    if x:
                        c[x if is_select else _normal(x)] += 1

    def merge(self, other: "_Acc") -> None:
        self.n += other.n
        self.items += other.items
        for k, v in other.sums.items():
            self.sums[k] += v
        for k, c in other.counts.items():
            self.counts[k].update(c)
        for k, c in other.tops.items():
            self.tops[k].update(c)
        self.desa |= other.desa

    def figures(self, spec: SummarySpec, expected: set[str] | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if spec.reported:
            out["desa_reported"] = len(self.desa)
            out["desa_expected"] = len((expected or set()) | self.desa)
        if spec.count:
            out[spec.count] = self.n
        out.update(self.sums)
        for name, parts in spec.totals:
            out[name] = sum(out[p] for p in parts)
        for name, part, whole in spec.percent:
            out[name] = round(100 * out[part] / out[whole], 1) if out[whole] else 0.0
        if spec.items_count:
            out[spec.items_count] = self.items
        for name, c in self.counts.items():
            out[name] = dict(ranked(c))
        return out


def child_of(code: str, area: str) -> str:
    """The area one level below ``area`` that holds ``code`` (``area`` itself for its own reports)."""
    depth = area.count(".") + 2 if area else 1
    return ".".join(code.split(".")[:depth])


async def rollup(s: AsyncSession, f: Filters, forms: dict[tuple[str, int], Form] | None = None) -> Rollup:
    from .completeness import completeness, get_round
    window = await window_for(s, f)
    specs = await summary_forms(s, forms)
    by_id = {form.id: (form, spec) for form, spec in specs}
    level = f.area.count(".") + 1 if f.area else 0
    names = {code: name for code, name in await s.execute(
        select(Area.code, Area.name).where(under(Area.code, f.area), Area.level.in_((level, level + 1))))}
    child_codes = sorted(c for c in names if c != f.area)
    totals = {spec.section: _Acc(spec) for _, spec in specs}
    groups: dict[str, dict[str, _Acc]] = {spec.section: {} for _, spec in specs}
    per_child: dict[str, dict[str, _Acc]] = {}
    # the first save's time only where a story-like form has no $started in its key, and only when filtered
    needs_created = window.filtered and any(spec.period == "started" and "$started" not in form.key
                                            for form, spec in specs)
    cols = [Report.form_id, Report.area_code, Report.key, Report.answers, Report.verified] + (
        [Report.program_id, Report.same_as] if f.by_program else []) + ([Report.created_at] if needs_created else [])
    where = [under(Report.area_code, f.area), Report.conflict.is_(None)]   # competing submissions wait apart
    if f.program is not None:
        where.append(Report.program_id == f.program)
    if f.once and not f.by_program:
        where.append(Report.same_as.is_(None))
    where.append(or_(*(prefilter(form, spec, window) for form, spec in specs)) if window.filtered
                 else Report.form_id.in_(list(by_id)))
    # the columns' types, which mypy cannot follow through select(*cols): created_at only when asked for
    rows = cast("Result[str, str, str, dict[str, Any], bool, Unpack[tuple[datetime, ...]]]",
                await s.execute(select(*cols).where(*where)))
    child_for: dict[str, dict[str, _Acc]] = {}
    unverified: Counter[str] = Counter()      # from kader not yet approved: counted apart, not in the figures
    by_program: dict[int, dict[str, _Acc]] = {}
    for form_id, area_code, key, answers, verified, *created in rows:
        if f.by_program:            # (program, same_as) come before the optional first save time
            pid, same_as = cast("tuple[int, int | None]", tuple(created[:2]))
            created = created[2:]
        form, spec = by_id[form_id]
        if window.filtered and not window.admits(form, spec, area_code, key, answers, created[0] if created else None):
            continue
        if not verified:
            unverified[form_id] += 1
            continue
        if f.by_program:            # each program credits its own report; the total counts an event once
            mine = by_program.setdefault(pid, {})
            (mine.get(spec.section) or mine.setdefault(spec.section, _Acc(spec))).add(spec, area_code, answers)
            if same_as is not None:
                continue
        child = child_for.get(area_code)
        if child is None:
            child = child_for[area_code] = per_child.setdefault(child_of(area_code, f.area), {})
        acc = child.get(spec.section)
        if acc is None:
            acc = child[spec.section] = _Acc(spec)
        acc.add(spec, area_code, answers)
        if spec.by:
            value = answers.get(spec.by, "lainnya")
            g = groups[spec.section].get(value)
            if g is None:
                g = groups[spec.section][value] = _Acc(spec)
            g.add_sums(spec, answers)
    for here in per_child.values():       # the area's total is the sum of its children
        for section, acc in here.items():
            totals[section].merge(acc)
    details: dict[str, dict[str, Any]] = {}
    expected: set[str] = set()
    if any(spec.reported for _, spec in specs):
        expected = await expected_desa(s, f.area, f.program)
    status_rows = []
    if f.round and any(spec.reported for _, spec in specs):
        rnd = await get_round(s, f.round, f.program)
        reported_form = next(form.id for form, spec in specs if spec.reported)
        status_rows = await completeness(s, f.area, rnd, reported_form, f.program) if rnd else []
    area = AreaFigures(f.area, names.get(f.area, f.area) if f.area else "Indonesia", level)
    for form, spec in specs:
        acc = totals[spec.section]
        area.sections[spec.section] = acc.figures(spec, expected)
        d: dict[str, Any] = {}
        if spec.by:
            d["by_" + spec.by] = {k: g.figures(spec) for k, g in sorted(groups[spec.section].items(),
                                                                       key=lambda kv: str(kv[0]))}
        for a in spec.answers:
            if isinstance(a, Top):
                d[a.name] = ranked(acc.tops[a.name])[:a.limit]
        if spec.reported:
            d["desa_missing"] = sorted(expected - acc.desa)
            d["timeliness"] = ({k: sum(1 for r in status_rows if r.status == k)
                                for k in ("tepat_waktu", "terlambat", "sedang_diisi", "belum")} if f.round else {})
        details[spec.section] = d
    expected_by: dict[str, set[str]] = {}
    for c in expected:
        expected_by.setdefault(child_of(c, f.area), set()).add(c)
    status_by: dict[str, Counter[str]] = {}
    for r in status_rows:
        status_by.setdefault(child_of(r.code, f.area), Counter())[r.status] += 1
    children = []
    for code in child_codes + ([f.area] if f.area in per_child and level < 4 else []):
        here = per_child.get(code, {})
        fig = AreaFigures(code, names.get(code, code), code.count(".") + 1)
        for _, spec in specs:
            fig.sections[spec.section] = here.get(spec.section, _Acc(spec)).figures(
                spec, expected_by.get(code, set()) if spec.reported else None)
            if spec.reported and f.round:
                st = status_by.get(code, Counter())
                fig.sections[spec.section]["timeliness"] = {
                    k: st[k] for k in ("tepat_waktu", "terlambat", "sedang_diisi", "belum")}
        children.append(fig)
    programs = {pid: {spec.section: here.get(spec.section, _Acc(spec)).figures(
        spec, await expected_desa(s, f.area, pid) if spec.reported else None) for _, spec in specs}
        for pid, here in by_program.items()} if f.by_program else {}
    return Rollup(f, area, children, details, specs, dict(sorted(unverified.items())), programs)


def as_json(r: Rollup) -> dict[str, Any]:
    """The roll-up as `pantau summary --json` prints it: each section's figures, its details, and children."""
    f = r.filters
    out: dict[str, Any] = {
        "area": {"code": f.area, "name": r.area.name},
        "filters": {"from": f.date_from.isoformat() if f.date_from else None,
                    "to": f.date_to.isoformat() if f.date_to else None, "round": f.round},
    }
    for _, spec in r.specs:
        figures, details = r.area.sections[spec.section], r.details[spec.section]
        if spec.by:
            out[spec.section] = {"total": figures, **details}
        else:
            out[spec.section] = {**figures, **details}
    out["children"] = [{"code": c.code, "name": c.name, "level": c.level, **c.sections} for c in r.children]
    out["unverified"] = r.unverified
    return out


async def summarize(s: AsyncSession, f: Filters, forms: dict[tuple[str, int], Form] | None = None) -> dict[str, Any]:
    return as_json(await rollup(s, f, forms))


async def iter_reports(s: AsyncSession, area: str, form_id: str, batch: int = 2000, program: int | None = None
                       ) -> AsyncIterator[tuple[str, dict[str, Any], int, datetime, str]]:
    """Reports of a form under an area (of one program; None: every program), streamed (bounded memory):
    (area code, answers, revision, updated at, reporter's name)."""
    async for row in iter_report_rows(s, area, form_id, batch, program):
        yield row[0], row[1], row[2], row[3], row[4]


async def iter_report_rows(s: AsyncSession, area: str, form_id: str, batch: int = 2000, program: int | None = None
                           ) -> AsyncIterator[tuple[str, dict[str, Any], int, datetime, str, str, datetime, bool]]:
    """As ``iter_reports``, with the report's key, first save time (what the period filters need) and whether
    its sender was approved. Competing submissions wait for the fasilitator's choice and are left out."""
    async for code, answers, revision, updated, name, key, created, verified, _ in iter_report_rows_with_id(
            s, area, form_id, batch, program):
        yield code, answers, revision, updated, name, key, created, verified


async def iter_report_rows_with_id(s: AsyncSession, area: str, form_id: str, batch: int = 2000,
                                   program: int | None = None
                                   ) -> AsyncIterator[Row[str, dict[str, Any], int, datetime, str, str, datetime, bool,
                                                          int]]:
    """As ``iter_report_rows``, with the report's id last (the export's link to a photo on the dashboard)."""
    from .models import Contact as C
    q = (select(Report.area_code, Report.answers, Report.revision, Report.updated_at, C.name, Report.key,
                Report.created_at, Report.verified, Report.id)
         .join(C, C.id == Report.contact_id)
         .where(Report.form_id == form_id, under(Report.area_code, area), Report.conflict.is_(None),
                *([Report.program_id == program] if program is not None else []))
         .order_by(Report.area_code, Report.id).execution_options(yield_per=batch))
    result = await s.stream(q)
    async for row in result:
        yield row

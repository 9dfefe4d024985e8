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

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import or_, select
from sqlalchemy.engine import Result
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.util.typing import Unpack

from flows.forms import Form
from flows.summary_spec import SummarySpec, Top

from .completeness import DesaStatus, expected_by_program, expected_desa
from .models import Area, Program, Report
from .periods import started_day
from .report_rows import iter_report_rows, iter_report_rows_with_id, iter_reports
from .scope import under
from .summary_acc import _Acc, _normal, child_of, ranked, summary_forms
from .summary_period import Filters, UnknownRound, Window, prefilter, window_for

# moved to summary_period / summary_acc / report_rows; imported from here by their callers
__all__ = ["AreaFigures", "Filters", "Rollup", "UnknownRound", "Window", "_Acc", "_normal", "as_json", "child_of",
           "iter_report_rows", "iter_report_rows_with_id", "iter_reports", "prefilter", "ranked", "rollup",
           "started_day", "summarize", "summary_forms", "window_for"]


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


TIMELINESS = ("tepat_waktu", "terlambat", "sedang_diisi", "belum")


@dataclass
class _Pass:
    """The reports read once: one accumulator per child area and section, per ``by`` value, per program
    (``Filters.by_program``), and the reports of kader not yet approved (counted apart, not in the figures)."""
    area: str
    per_child: dict[str, dict[str, _Acc]] = field(default_factory=dict)
    groups: dict[str, dict[str, _Acc]] = field(default_factory=dict)
    by_program: dict[int, dict[str, _Acc]] = field(default_factory=dict)
    unverified: Counter[str] = field(default_factory=Counter)
    child_for: dict[str, dict[str, _Acc]] = field(default_factory=dict)

    def credit(self, pid: int, spec: SummarySpec, area_code: str, answers: dict[str, Any]) -> None:
        mine = self.by_program.setdefault(pid, {})
        (mine.get(spec.section) or mine.setdefault(spec.section, _Acc(spec))).add(spec, area_code, answers)

    def add(self, spec: SummarySpec, area_code: str, answers: dict[str, Any]) -> None:
        child = self.child_for.get(area_code)
        if child is None:
            child = self.child_for[area_code] = self.per_child.setdefault(child_of(area_code, self.area), {})
        acc = child.get(spec.section)
        if acc is None:
            acc = child[spec.section] = _Acc(spec)
        acc.add(spec, area_code, answers)
        if spec.by:
            value = answers.get(spec.by, "lainnya")
            groups = self.groups.setdefault(spec.section, {})
            g = groups.get(value)
            if g is None:
                g = groups[value] = _Acc(spec)
            g.add_sums(spec, answers)


async def _read(s: AsyncSession, f: Filters, window: Window, specs: list[tuple[Form, SummarySpec]]) -> _Pass:
    """One read of the reports under the area (competing submissions wait apart), into accumulators."""
    by_id = {form.id: (form, spec) for form, spec in specs}
    # the first save's time only where a story-like form has no $started in its key, and only when filtered
    needs_created = window.filtered and any(spec.period == "started" and "$started" not in form.key
                                            for form, spec in specs)
    cols = [Report.form_id, Report.area_code, Report.key, Report.answers, Report.verified] + (
        [Report.program_id, Report.same_as] if f.by_program else []) + ([Report.created_at] if needs_created else [])
    where = [under(Report.area_code, f.area), Report.conflict.is_(None),
             *([Report.program_id == f.program] if f.program is not None else []),
             *([Report.same_as.is_(None)] if f.once and not f.by_program else []),
             or_(*(prefilter(form, spec, window) for form, spec in specs)) if window.filtered
             else Report.form_id.in_(list(by_id))]
    # the columns' types, which mypy cannot follow through select(*cols): created_at only when asked for
    rows = cast("Result[str, str, str, dict[str, Any], bool, Unpack[tuple[datetime, ...]]]",
                await s.execute(select(*cols).where(*where)))
    out = _Pass(f.area)
    pid, same_as = 0, None
    for form_id, area_code, key, answers, verified, *created in rows:
        if f.by_program:            # (program, same_as) come before the optional first save time
            pid, same_as = cast("tuple[int, int | None]", tuple(created[:2]))
            created = created[2:]
        form, spec = by_id[form_id]
        if window.filtered and not window.admits(form, spec, area_code, key, answers, created[0] if created else None):
            continue
        if not verified:
            out.unverified[form_id] += 1
            continue
        if f.by_program:            # each program credits its own report; the total counts an event once
            out.credit(pid, spec, area_code, answers)
            if same_as is not None:
                continue
        out.add(spec, area_code, answers)
    return out


async def _expected(s: AsyncSession, f: Filters, specs: list[tuple[Form, SummarySpec]]
                    ) -> tuple[set[str], list[DesaStatus]]:
    """The desa expected under the area and, with a round, each one's status (``completeness``: one row per
    expected desa, so with a known round the expected set is read once, from its rows)."""
    from .completeness import completeness, get_round
    reported = next((form.id for form, spec in specs if spec.reported), None)
    if reported is None:
        return set(), []
    rnd = await get_round(s, f.round, f.program) if f.round else None
    if rnd is None:
        return await expected_desa(s, f.area, f.program), []
    status_rows = await completeness(s, f.area, rnd, reported, f.program)
    return {r.code for r in status_rows}, status_rows


def _details(spec: SummarySpec, acc: _Acc, groups: dict[str, _Acc], expected: set[str],
             status_rows: list[DesaStatus], with_round: bool) -> dict[str, Any]:
    d: dict[str, Any] = {}
    if spec.by:
        d["by_" + spec.by] = {k: g.figures(spec) for k, g in sorted(groups.items(), key=lambda kv: str(kv[0]))}
    for a in spec.answers:
        if isinstance(a, Top):
            d[a.name] = ranked(acc.tops[a.name])[:a.limit]
    if spec.reported:
        d["desa_missing"] = sorted(expected - acc.desa)
        d["timeliness"] = ({k: sum(1 for r in status_rows if r.status == k) for k in TIMELINESS}
                           if with_round else {})
    return d


def _children(f: Filters, codes: list[str], names: dict[str, str], specs: list[tuple[Form, SummarySpec]],
              per_child: dict[str, dict[str, _Acc]], expected: set[str], status_rows: list[DesaStatus]
              ) -> list[AreaFigures]:
    expected_by: dict[str, set[str]] = {}
    for c in expected:
        expected_by.setdefault(child_of(c, f.area), set()).add(c)
    status_by: dict[str, Counter[str]] = {}
    for r in status_rows:
        status_by.setdefault(child_of(r.code, f.area), Counter())[r.status] += 1
    children = []
    for code in codes:
        here = per_child.get(code, {})
        fig = AreaFigures(code, names.get(code, code), code.count(".") + 1)
        for _, spec in specs:
            fig.sections[spec.section] = here.get(spec.section, _Acc(spec)).figures(
                spec, expected_by.get(code, set()) if spec.reported else None)
            if spec.reported and f.round:
                st = status_by.get(code, Counter())
                fig.sections[spec.section]["timeliness"] = {k: st[k] for k in TIMELINESS}
        children.append(fig)
    return children


async def rollup(s: AsyncSession, f: Filters, forms: dict[tuple[str, int], Form] | None = None) -> Rollup:
    window = await window_for(s, f)
    specs = await summary_forms(s, forms)
    level = f.area.count(".") + 1 if f.area else 0
    names = {code: name for code, name in await s.execute(
        select(Area.code, Area.name).where(under(Area.code, f.area), Area.level.in_((level, level + 1))))}
    read = await _read(s, f, window, specs)
    totals = {spec.section: _Acc(spec) for _, spec in specs}
    for here in read.per_child.values():       # the area's total is the sum of its children
        for section, acc in here.items():
            totals[section].merge(acc)
    expected, status_rows = await _expected(s, f, specs)
    area = AreaFigures(f.area, names.get(f.area, f.area) if f.area else "Indonesia", level)
    details: dict[str, dict[str, Any]] = {}
    for _, spec in specs:
        area.sections[spec.section] = totals[spec.section].figures(spec, expected)
        details[spec.section] = _details(spec, totals[spec.section], read.groups.get(spec.section, {}), expected,
                                         status_rows, bool(f.round))
    codes = sorted(c for c in names if c != f.area) + ([f.area] if f.area in read.per_child and level < 4 else [])
    children = _children(f, codes, names, specs, read.per_child, expected, status_rows)
    programs: dict[int, dict[str, dict[str, Any]]] = {}
    if f.by_program:            # each program's desa, in one statement (storage/completeness.py); a program with
        # no report here yet still has its expected desa (an explicit zero reported, not a zero expected)
        every = sorted({*read.by_program, *await s.scalars(select(Program.id))})
        expected_of = await expected_by_program(s, f.area, every) if any(
            spec.reported for _, spec in specs) else {}
        programs = {pid: {spec.section: read.by_program.get(pid, {}).get(spec.section, _Acc(spec)).figures(
            spec, expected_of.get(pid, set()) if spec.reported else None) for _, spec in specs}
            for pid in every}
    return Rollup(f, area, children, details, specs, dict(sorted(read.unverified.items())), programs)


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

"""The forms a summary reads, and the figures of one section for one area while reports are read (``_Acc``)."""
from __future__ import annotations

import functools
import json
from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.forms import Form, parse_form
from flows.summary_spec import Count, SummarySpec, Top, summaries

from .models import FormVersion


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

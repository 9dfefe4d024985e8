"""What a form's summary shows, declared in the form file's ``summary:`` section (pure; no I/O).

The summaries (`pantau summary`, ``ringkasan`` in chat, scheduled summaries, the roll-up per child area and
the dashboard) are computed from these declarations, so a new form — written by hand or converted from an
XLSForm — is summarised without touching Python. The schema (every key but ``section`` is optional)::

    summary:
      section: meetings             # the name of this form's part of the summary (JSON key); unique
      title: {id: PERTEMUAN, en: MEETINGS}
      period: {date: date}          # what places a report in time, one of:
                                    #   {date: QUESTION}  the date answered in the report (a meeting's date)
                                    #   {round: QUESTION} the monitoring round it belongs to
                                    #   started           the day it was told (a story), in the area's zone
      consolidates: {kind: koordinasi_kecamatan}   # a report with this answer counts in the round it
                                    # consolidates (the last one begun by its date), even when held after the
                                    # round's end: a kecamatan meeting that brings the round's reports together
      count: meetings               # JSON name for the number of reports
      sums: [men, women]            # integer answers added up (named by the question)
      totals: {participants: [men, women]}        # sums of sums
      percent: {percent_women: [women, participants]}   # 100 * a / b, one decimal
      by: kind                      # the figures above once more per choice of a select_one question
      items: {repeat: activities, count: activities}    # the answers below are over the items of this
                                                       # repeat; ``count`` names their number
      answers:                      # shown in this order; each is one of
        # how often each choice was picked (select_one / select_multiple), leaving out some choices:
        - {name: by_status, count: status, label: {id: Keadaan, en: Status}, except: [tidak_perlu]}
        # the most frequent answers (text: case, spacing and end punctuation ignored), at most limit (5):
        - {name: top_obstacles, top: obstacles, label: {id: Kendala terbanyak, en: Main obstacles}, limit: 5}
      reported: true                # desa that reported / expected / missing, and timeliness for the round
      text:                         # the lines of the chat / CLI summary; {name} is any figure above
        headline: {id: "PERTEMUAN: {meetings} pertemuan", en: "MEETINGS: {meetings}"}
        by: {id: "- {label}: {meetings} pertemuan", en: "- {label}: {meetings}"}
        child: {id: "{meetings} pertemuan", en: "{meetings} meetings"}   # one child area's part of its line
      labels: {participants: {id: Jumlah peserta, en: Participants}}   # titles of figures in Excel

A ``count`` answer without a label is shown in brackets after the headline. Labels of choices always come
from the form's questions. ``FormError`` names the form and the problem for every mistake.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from collections.abc import Callable, Sequence

ErrorFn = Callable[[str], Any]        # raises: a FormError naming the form

PERIODS = ("date", "round", "started")


@dataclass(frozen=True)
class Count:
    name: str
    question: str
    label: dict[str, str] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class Top:
    name: str
    question: str
    label: dict[str, str]
    limit: int = 5
    select: bool = False                      # a select question: values are choices, shown by their labels


@dataclass(frozen=True)
class SummarySpec:
    section: str
    title: dict[str, str] = field(default_factory=dict)
    period: str = "started"                   # "date", "round" or "started"
    period_question: str | None = None        # the date / round question
    consolidates: tuple[str, str] | None = None   # (question, value): counted in the round it consolidates
    count: str | None = None
    sums: tuple[str, ...] = ()
    totals: tuple[tuple[str, tuple[str, ...]], ...] = ()
    percent: tuple[tuple[str, str, str], ...] = ()
    by: str | None = None
    items: str | None = None                  # the repeat counted over
    items_count: str | None = None
    answers: tuple["Count | Top", ...] = ()   # in the order the summary shows them
    reported: bool = False
    text: dict[str, dict[str, str]] = field(default_factory=dict)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)   # column titles of figures (Excel)

    def figure_names(self) -> list[str]:
        """The flat figures of one area (what a per-child row carries)."""
        return [*([self.count] if self.count else []), *self.sums, *(n for n, _ in self.totals),
                *(n for n, _, _ in self.percent), *([self.items_count] if self.items_count else [])]


def _texts(error: ErrorFn, value: Any, what: str, langs: Sequence[str]) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(value.get(lang), str) for lang in langs):
        raise error(f"summary: {what} needs a text per language, e.g. {{id: ..., en: ...}}")
    return {lang: value[lang] for lang in langs}


def _names(error: ErrorFn, value: Any, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise error(f"summary: {what} must be a list of question names")
    return tuple(value)


QuestionFn = Callable[[Any, Sequence[str], str], Any]   # the question a name names, of one of the types, or error


def _period(raw: dict[str, Any], question: QuestionFn, error: ErrorFn
            ) -> tuple[str, str | None, tuple[str, str] | None]:
    """What places a report in time (and its question), and what it consolidates."""
    period, period_q = "started", None
    p = raw.get("period", "started")
    if isinstance(p, dict) and len(p) == 1 and next(iter(p)) in ("date", "round"):
        period, period_q = next(iter(p.items()))
        question(period_q, ("date",) if period == "date" else ("select_one", "text"), f"period {period}")
    elif p != "started":
        raise error("summary: period must be {date: QUESTION}, {round: QUESTION} or started")
    consolidates = None
    c = raw.get("consolidates")
    if c is not None:
        if period != "date" or not isinstance(c, dict) or len(c) != 1:
            raise error("summary: consolidates needs period {date: QUESTION} and {QUESTION: CHOICE}")
        name, value = next(iter(c.items()))
        question(name, ("select_one",), "consolidates")
        consolidates = (str(name), str(value))
    return period, period_q, consolidates


def _figures(raw: dict[str, Any], question: QuestionFn, error: ErrorFn
             ) -> tuple[tuple[str, ...], list[tuple[str, tuple[str, ...]]], list[tuple[str, str, str]]]:
    """The sums, the totals of sums and the percentages."""
    sums = _names(error, raw.get("sums"), "sums")
    for name in sums:
        question(name, ("integer",), "sums")
    figures = set(sums) | ({raw["count"]} if raw.get("count") else set())
    totals = []
    for name, parts in (raw.get("totals") or {}).items():
        parts = _names(error, parts, f"totals {name}")
        if not set(parts) <= figures:
            raise error(f"summary: totals {name} may add up only sums: {', '.join(sorted(set(parts) - figures))}")
        totals.append((str(name), parts))
        figures.add(str(name))
    percent = []
    for name, parts in (raw.get("percent") or {}).items():
        parts = _names(error, parts, f"percent {name}")
        if len(parts) != 2 or not set(parts) <= figures:
            raise error(f"summary: percent {name} needs [part, whole], two figures of the summary")
        percent.append((str(name), parts[0], parts[1]))
    return sums, totals, percent


def _answers(raw: dict[str, Any], question: QuestionFn, error: ErrorFn, langs: Sequence[str]) -> list[Count | Top]:
    """The answers shown: how often each choice was picked (count), or the most frequent ones (top)."""
    answers: list[Count | Top] = []
    for c in raw.get("answers") or []:
        if not isinstance(c, dict) or not c.get("name") or ("count" in c) == ("top" in c):
            raise error("summary: each of answers needs a name and either count: QUESTION or top: QUESTION")
        label = _texts(error, c.get("label"), f"answers {c['name']} label", langs)
        if "count" in c:
            question(c["count"], ("select_one", "select_multiple"), "count")
            answers.append(Count(str(c["name"]), c["count"], label, _names(error, c.get("except"), "except")))
        else:
            q = question(c["top"], ("text", "select_multiple", "select_one"), "top")
            limit = c.get("limit", 5)
            if not isinstance(limit, int) or limit < 1:
                raise error(f"summary: top {c['name']} limit must be a whole number >= 1")
            answers.append(Top(str(c["name"]), c["top"], label or {lang: c["name"] for lang in langs}, limit,
                               q.type != "text"))
    return answers


def parse_summary(raw: Any, questions: dict[str, Any], error: ErrorFn,
                  langs: Sequence[str] = ("id", "en")) -> SummarySpec | None:
    """``questions``: name → Question of the form (repeat items included); ``error(problem)`` raises."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("section"), str) or not raw["section"].isidentifier():
        raise error("summary needs a section name (a simple identifier such as 'meetings')")
    known = {"section", "title", "period", "count", "sums", "totals", "percent", "by", "items", "answers",
             "reported", "text", "labels", "consolidates"}
    extra = set(raw) - known
    if extra:
        raise error(f"summary: unknown field(s): {', '.join(sorted(extra))}")

    def question(name: Any, types: Sequence[str], what: str) -> Any:
        q = questions.get(name)
        if q is None:
            raise error(f"summary: {what} names {name!r}, which is not a question of the form")
        if q.type not in types:
            raise error(f"summary: {what} {name!r} must be a {' or '.join(types)} question, not {q.type}")
        return q

    period, period_q, consolidates = _period(raw, question, error)
    sums, totals, percent = _figures(raw, question, error)
    by = raw.get("by")
    if by is not None:
        question(by, ("select_one",), "by")
    items, items_count = None, None
    if raw.get("items") is not None:
        it = raw["items"]
        if not isinstance(it, dict) or "repeat" not in it:
            raise error("summary: items needs {repeat: QUESTION, count: NAME}")
        items = question(it["repeat"], ("repeat",), "items").name
        items_count = it.get("count")
    answers = _answers(raw, question, error, langs)
    text = {k: _texts(error, v, f"text {k}", langs) for k, v in (raw.get("text") or {}).items()}
    if set(text) - {"headline", "by", "child"}:
        raise error("summary: text may have headline, by and child")
    labels = {str(k): _texts(error, v, f"labels {k}", langs) for k, v in (raw.get("labels") or {}).items()}
    return SummarySpec(section=raw["section"], title=_texts(error, raw.get("title"), "title", langs),
                       period=period, period_question=period_q, consolidates=consolidates, count=raw.get("count"), sums=sums,
                       totals=tuple(totals), percent=tuple(percent), by=by, items=items, items_count=items_count,
                       answers=tuple(answers), reported=bool(raw.get("reported", False)), text=text,
                       labels=labels)


def summaries(forms: dict[Any, Any]) -> list[tuple[Any, SummarySpec]]:
    """(form, spec) of the newest version of every form that declares a summary, in menu order;
    ``forms`` maps (id, version) → Form."""
    newest: dict[str, Any] = {}
    for (form_id, version), form in forms.items():
        if form_id not in newest or version > newest[form_id].version:
            newest[form_id] = form
    chosen = sorted((f for f in newest.values() if getattr(f, "summary", None)), key=lambda f: (f.order, f.id))
    seen: dict[str, str] = {}
    for f in chosen:
        if f.summary.section in seen:
            raise ValueError(f"forms {seen[f.summary.section]!r} and {f.id!r} both name their summary section "
                             f"{f.summary.section!r}: give one of them another name")
        seen[f.summary.section] = f.id
    return [(f, f.summary) for f in chosen]

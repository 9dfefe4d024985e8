"""Pure helpers of the dashboard: numbers and times for the locale, a report's answers as rows, what a
revision changed, when a hand-sent reminder may go, and charts as inline SVG."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from babel.dates import format_datetime
from babel.numbers import format_percent
from markupsafe import Markup, escape

from flows.dates import zone_for_area
from flows.display import fmt_number, show
from flows.forms import Form, Question
from flows.problem import Gettext
from flows.qtypes import TABLE
from flows.schedule import DEFAULT_SCHEDULE

from ..channels import registry



def number(value: float | int | None, lang: str) -> str:
    return fmt_number(value or 0, lang)


def percent(value: float, lang: str) -> str:
    """32.5 → '32,5%' (id) / '32.5%' (en)."""
    return format_percent((value or 0) / 100, "#,##0.0%", locale=lang)


def when(value: datetime | None, area: str, lang: str) -> str:
    """A moment in the area's own zone: '15 Agu 2024 12.00 WIT'."""
    if value is None:
        return "—"
    zone = zone_for_area(area)
    local = value.astimezone(zone)
    return f"{format_datetime(local, 'd MMM yyyy HH.mm', locale=lang)} {_zone_name(area)}"


def _zone_name(area: str) -> str:
    offset = zone_for_area(area).utcoffset(None)
    return {7: "WIB", 8: "WITA", 9: "WIT"}.get(int(offset.total_seconds() // 3600), "") if offset else ""


# ---------------------------------------------------------------- answers and revisions

def answer_rows(form: Form, answers: dict[str, Any], lang: str, t: Gettext) -> list[tuple[str, str]]:
    """(label, shown value) for every answered question, repeat items numbered: 'Kegiatan 2 — Bidang'."""
    rows: list[tuple[str, str]] = []
    for q in form.questions:
        if q.type == "note" or q.name not in answers:
            continue
        label = (q.short or q.label)[lang]
        if q.type == "repeat":
            rows += _item_rows(q, answers.get(q.name) or [], label, lang, t)
            continue
        rows.append((label, show(q, answers[q.name], lang, t)))
    return rows


def _item_rows(rep: Question, items: list[Any], label: str, lang: str, t: Gettext) -> list[tuple[str, str]]:
    """'Rumah tangga 1 — Nama', and for a repeat inside an item 'Rumah tangga 1 — Anggota 2 — Umur'."""
    rows: list[tuple[str, str]] = []
    for i, item in enumerate(items, 1):
        for sub in rep.questions:
            if sub.type == "note" or sub.name not in item:
                continue
            sl = (sub.short or sub.label)[lang]
            if sub.type == "repeat":
                rows += _item_rows(sub, item[sub.name] or [], f"{label} {i} — {sl}", lang, t)
            else:
                rows.append((f"{label} {i} — {sl}", show(sub, item[sub.name], lang, t)))
    return rows


def changes(form: Form, before: dict[str, Any] | None, after: dict[str, Any], lang: str,
            t: Gettext) -> list[tuple[str, str, str]]:
    """What a revision changed: (question, before, after); a first revision changes nothing."""
    if before is None:
        return []
    old, new = dict(answer_rows(form, before, lang, t)), dict(answer_rows(form, after, lang, t))
    gone = t("(tidak ada)")
    labels = list(new) + [k for k in old if k not in new]
    return [(k, old.get(k, gone), new.get(k, gone)) for k in labels if old.get(k) != new.get(k)]


def photos(form: Form, answers: dict[str, Any]) -> list[str]:
    """The SHA-256 of every photo in the answers (also inside repeats)."""
    out = []
    for q in form.questions:
        if TABLE[q.type].file and answers.get(q.name):
            out.append(str(answers[q.name]))
        elif q.type == "repeat":
            out += _item_photos(q, answers.get(q.name) or [])
    return out


def _item_photos(rep: Question, items: list[Any]) -> list[str]:
    out = []
    for item in items:
        out += [str(item[s.name]) for s in rep.questions if TABLE[s.type].file and item.get(s.name)]
        for sub in rep.questions:
            if sub.type == "repeat":
                out += _item_photos(sub, item.get(sub.name) or [])
    return out


# ---------------------------------------------------------------- a reminder sent by hand

@dataclass(frozen=True)
class ReminderPlan:
    send_at: datetime
    how: str              # "text", "template" (outside WhatsApp's 24 hours) or "impossible"
    kind: str             # before, due, after (the template used outside the window)
    quiet: bool           # held back until quiet hours end


def plan_reminder(now: datetime, desa: str, due_iso: str, channel: str | None, last_message: datetime | None,
                  templates: set[str], schedule: dict[str, Any] | None = None) -> ReminderPlan:
    """When a reminder queued at ``now`` may go: never in the desa's quiet hours (20.00–07.00 local, as
    scheduled reminders); on WhatsApp as free text only within 24 hours of the kader's last message,
    otherwise as the approved template of its kind, or not at all without one."""
    sched = {**DEFAULT_SCHEDULE, **(schedule or {})}
    zone = zone_for_area(desa)
    local = now.astimezone(zone)
    start = local.replace(hour=sched["quiet_until"], minute=0, second=0, microsecond=0)
    if local.hour >= sched["quiet_from"]:
        send_at = start + timedelta(days=1)
    elif local.hour < sched["quiet_until"]:
        send_at = start
    else:
        send_at = local
    day, due = send_at.date().isoformat(), due_iso
    kind = "before" if day < due else "due" if day == due else "after"
    how = "text"
    spec = registry.get(channel) if channel else None
    if spec is not None and spec.reply_window is not None:
        if last_message is None or send_at - last_message >= spec.reply_window:
            how = "template" if kind in templates else "impossible"
    return ReminderPlan(send_at.astimezone(now.tzinfo), how, kind, send_at != local)


# ---------------------------------------------------------------- charts (inline SVG, drawn here)

def stacked_bar(parts: list[tuple[str, int, str]], label: str) -> Markup:
    """One bar split in proportion: parts are (name, count, css class). Readable without colour: the
    counts are in the table beside it and in the bar's title."""
    total = sum(v for _, v, _ in parts)
    title = "; ".join(f"{n}: {v}" for n, v, _ in parts)
    out = [f'<svg class="bar" viewBox="0 0 100 8" preserveAspectRatio="none" role="img" '
           f'aria-label="{escape(label)}: {escape(title)}"><title>{escape(title)}</title>']
    x = 0.0
    for name, value, css in parts:
        if total and value:
            w = 100 * value / total
            out.append(f'<rect class="{css}" x="{x:.2f}" y="0" width="{w:.2f}" height="8"/>')
            x += w
    if not total:
        out.append('<rect class="none" x="0" y="0" width="100" height="8"/>')
    out.append("</svg>")
    return Markup("".join(out))


def bar_chart(items: list[tuple[str, int]], label: str, fmt: Callable[[int], str] = str) -> Markup:
    """Horizontal bars with their labels and counts, as one SVG that scales to the screen's width."""
    if not items:
        return Markup("")
    top = max(v for _, v in items) or 1
    h = 22 * len(items)
    out = [f'<svg class="chart" viewBox="0 0 320 {h}" role="img" aria-label="{escape(label)}">'
           f'<title>{escape(label)}</title>']
    for i, (name, value) in enumerate(items):
        y = i * 22
        w = 150 * value / top
        out.append(f'<text x="0" y="{y + 15}" class="lbl">{escape(name[:28])}</text>'
                   f'<rect x="160" y="{y + 4}" width="{w:.1f}" height="14" class="b{i % 4}"/>'
                   f'<text x="{164 + w:.1f}" y="{y + 15}" class="val">{escape(fmt(value))}</text>')
    out.append("</svg>")
    return Markup("".join(out))

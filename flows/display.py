"""Showing answers back to people: numbers and dates formatted with babel for the user's language."""
from __future__ import annotations

from typing import Any

# how numbers, dates and choices are written (flows/formats.py); imported from here by the rest of the code
from .formats import choice_label as choice_label, fmt_date as fmt_date, fmt_number as fmt_number
from .forms import Form, FormVersions, Question
from .markup import chat_text
from .problem import Gettext
from .qtypes import TABLE


def show(q: Question, value: Any, lang: str, t: Gettext) -> str:
    """One answer as the user reads it back: "79", "6 Agustus 2024", "Musyawarah desa"."""
    if value is None or value == "" or value == []:
        return t("(tidak ada)")
    return TABLE[q.type].show(q, value, lang, t)


class _Safe(dict[str, Any]):
    """Placeholders without a value show "…"."""

    def __missing__(self, key: str) -> str:
        return "…"


def format_values(text: str, values: dict[str, Any], lang: str) -> str:
    """Fill {name} placeholders in a form text, its styling as chat text (flows/markup.py); numbers formatted
    for the language."""
    text = chat_text(text)
    if "{" not in text and "}" not in text:       # nothing to fill (most labels): as format_map would give
        return text
    shown = _Safe({k: fmt_number(v, lang) if isinstance(v, (int, float)) and not isinstance(v, bool) else v
                   for k, v in values.items() if v is not None})
    try:
        return text.format_map(shown)
    except (ValueError, IndexError):
        return text


def report_title(form: Form, answers: dict[str, Any], lang: str, t: Gettext) -> str:
    """'Laporan pertemuan — Musyawarah desa, 6 Agustus 2024' for lists of reports."""
    parts = []
    for k in form.key:
        if k.startswith("$") or answers.get(k) in (None, ""):
            continue
        try:
            parts.append(show(form.question(k), answers[k], lang, t))
        except KeyError:
            continue
    if not parts:     # keyed by time only (a story): its first words tell two reports apart
        text = next((str(answers[q.name]) for q in form.questions if q.type == "text" and answers.get(q.name)), "")
        words = text.split()
        if words:
            parts.append(" ".join(words[:6]).rstrip(".,;:!?") + ("…" if len(words) > 6 else ""))
    title = form.title[lang]
    return f"{title} — {', '.join(parts)}" if parts else title


def choice_labels(forms: FormVersions, form_id: str, lang: str = "id") -> dict[str, dict[str, str]]:
    """For the newest version of a form: question name → {choice value → label}, for reports and exports."""
    keys = [k for k in forms if k[0] == form_id]
    if not keys:
        return {}
    form = forms[max(keys, key=lambda k: k[1])]
    return {q.name: {c.value: c.label[lang] for c in q.choices} for q in form.all_questions() if q.choices}

"""The summary an imported form gets when its XLSForm declares none (pure; no I/O).

``default_summary(data)`` reads the converted form file content (``flows.xlsform.from_xlsform``) and returns
a ``summary:`` section in the schema of ``flows.summary_spec``: one section named after the form id with the
number of reports, the sum of every top-level integer question that counts (not an id, code, age or year:
``counts``) and how often each choice of every top-level
select_one / select_multiple question was picked (choice labels come from the form). Reports are placed in
time by the day they were told (``period: started``). The section is written into the form file like a
given ``pantau_summary``, so exporting the form and importing it again gives the same form.
"""
from __future__ import annotations

import re
from typing import Any

LANGS = ("id", "en")
REPORTS = {"id": "laporan", "en": "reports"}
REPORTS_LABEL = {"id": "Jumlah laporan", "en": "Reports"}


def _plain(text: str) -> str:
    """A question's text as a figure's title: no placeholders, braces or closing question mark."""
    text = re.sub(r"\{\{|\}\}|\{[^{}]*\}", "", text)
    return re.sub(r"\s+", " ", text).strip().rstrip("?:").strip()


def _title(q: dict[str, Any]) -> dict[str, str]:
    for key in ("short", "label"):
        texts = q.get(key) or {}
        if isinstance(texts, dict) and all(_plain(str(texts.get(lang) or "")) for lang in LANGS):
            return {lang: _plain(str(texts[lang])) for lang in LANGS}
    return {lang: q["name"] for lang in LANGS}


# an integer named like one of these identifies or measures something; adding it up across reports means nothing
NOT_COUNTED = re.compile(r"(^|_)(id|kode|code|no|nomor|number|num|nik|kk|hp|telp|phone|umur|usia|age|tahun|year|"
                         r"thn|rt|rw|kodepos|zip)(_|$)|^(jumlah|n|num|number)_?(of_)?(id|kode|code)", re.IGNORECASE)


def counts(q: dict[str, Any]) -> bool:
    """Whether an integer question counts people or things (summed): marked so (pantau_count), or not named
    like an id, code, age, year or number (``umur``, ``kode_desa``, ``tahun_lahir``, ``no_hp`` are not summed)."""
    if q.get("count", True):            # an imported integer is count: false unless pantau_count marks it
        return True
    return not NOT_COUNTED.search(str(q.get("name", "")))


def default_summary(data: dict[str, Any]) -> dict[str, Any]:
    questions = [q for q in data.get("questions") or [] if isinstance(q, dict) and q.get("name")]
    taken = {q["name"] for q in questions}
    count = "reports" if "reports" not in taken else "reports_count"
    sums = [q for q in questions if q.get("type") == "integer" and counts(q)]
    selects = [q for q in questions if q.get("type") in ("select_one", "select_multiple") and q.get("choices")]
    titles = {q["name"]: _title(q) for q in sums}
    title = {lang: str((data.get("title") or {}).get(lang) or data["id"]) for lang in LANGS}
    headline = {lang: f"{_plain(title[lang]).upper()}: {{{count}}} {REPORTS[lang]}"
                + "".join(f"; {titles[q['name']][lang]}: {{{q['name']}}}" for q in sums) for lang in LANGS}
    summary: dict[str, Any] = {
        "section": data["id"], "title": title, "count": count,
        "text": {"headline": headline,
                 "child": {lang: f"{_plain(title[lang]).lower()} {{{count}}}" for lang in LANGS}},
        "labels": {count: dict(REPORTS_LABEL), **titles},
    }
    if sums:
        summary["sums"] = [q["name"] for q in sums]
    answers = []
    for q in selects:
        name = f"by_{q['name']}"
        if name not in taken and name != count:
            answers.append({"name": name, "count": q["name"], "label": _title(q)})
    if answers:
        summary["answers"] = answers
    return summary

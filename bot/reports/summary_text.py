"""The roll-up as a short message (CLI, chat, scheduled summaries), in the lines the forms declare."""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from flows.areas import AreaIndex
from flows.display import choice_labels, fmt_date, fmt_number
from flows.forms import Form
from flows.problem import N_, Gettext
from flows.summary_spec import Count, SummarySpec, Top, summaries

_FIELD = re.compile(r"\{(\w+)\}")

CHILD_HEADS = {1: N_("Per provinsi:"), 2: N_("Per kabupaten/kota:"), 3: N_("Per kecamatan:"),
               4: N_("Per desa/kelurahan:")}


Show = Callable[[Any], str]         # a figure as text: numbers in the language's format
Specs = Sequence[tuple[Form, SummarySpec]]


def _n(lang: str) -> Show:
    def n(v: Any) -> str:
        return fmt_number(v, lang) if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v)
    return n


def _listing(counts: dict[str, int], labels: dict[str, str], n: Show) -> str:
    """"Berjalan 25, Berjalan sebagian 15" from counts by choice value."""
    return ", ".join(f"{labels.get(k, k)} {n(v)}" for k, v in counts.items())


def fill(template: str, values: dict[str, Any], n: Show) -> str:
    """A form's summary line with its {figures}; numbers in the language's format, unknown names as …"""
    return _FIELD.sub(lambda m: n(values[m.group(1)]) if m.group(1) in values else "…", template)


def _labels(forms: dict[Any, Any], form_id: str, lang: str) -> dict[str, dict[str, str]]:
    return choice_labels(forms, form_id, lang)


def section_lines(spec: SummarySpec, form_id: str, figures: dict[str, Any], details: dict[str, Any],
                  forms: dict[Any, Any], areas: AreaIndex, t: Gettext, lang: str) -> list[str]:
    n = _n(lang)
    labels = _labels(forms, form_id, lang)
    values = dict(figures)
    for a in spec.answers:
        if isinstance(a, Count):
            values[a.name] = _listing(figures.get(a.name) or {}, labels.get(a.question, {}), n)
    head = spec.text.get("headline", {}).get(lang) or f"{(spec.title.get(lang) or spec.section).upper()}: " + (
        "{" + spec.count + "}" if spec.count else "")
    headline = fill(head, values, n)
    inline = [a for a in spec.answers if isinstance(a, Count) and not a.label and figures.get(a.name)]
    if inline:
        headline += " (" + "; ".join(values[a.name] for a in inline) + ")"
    lines = [headline]
    if spec.by and spec.text.get("by"):
        by_labels = labels.get(spec.by, {})
        for value, g in details.get("by_" + spec.by, {}).items():
            lines.append(fill(spec.text["by"][lang], {**g, "label": by_labels.get(value, value)}, n))
    if spec.reported and details.get("timeliness"):
        tl = details["timeliness"]
        lines.append(t("- Tepat waktu %(on_time)s, terlambat %(late)s, sedang diisi %(drafting)s, belum %(missing)s")
                     % {"on_time": n(tl["tepat_waktu"]), "late": n(tl["terlambat"]),
                        "drafting": n(tl["sedang_diisi"]), "missing": n(tl["belum"])})
    for a in spec.answers:
        if isinstance(a, Count) and a.label and figures.get(a.name):
            lines.append(f"- {a.label[lang]}: {values[a.name]}")
        elif isinstance(a, Top) and details.get(a.name):
            shown = labels.get(a.question, {}) if a.select else {}
            lines.append(f"- {a.label[lang]}: " + "; ".join(f"{shown.get(k, k)} ({n(v)})" for k, v in details[a.name]))
    if spec.reported and details.get("desa_missing"):
        names = [areas.short(c) for c in details["desa_missing"][:20]]
        more = len(details["desa_missing"]) - len(names)
        lines.append(t("- Belum melapor: %(list)s") % {"list": ", ".join(names)} + (
            " " + t("(dan %(count)s lainnya)") % {"count": n(more)} if more > 0 else ""))
    return lines


def child_line(code: str, sections: dict[str, Any], specs: Specs, forms: dict[Any, Any], areas: AreaIndex, here: str,
               t: Gettext, lang: str) -> str:
    """'- Kec. Bula: 3 pertemuan, 114 peserta (…); 2 dari 2 desa melapor, 3 kegiatan (…); 1 cerita'."""
    n = _n(lang)
    parts = []
    for form, spec in specs:
        template = spec.text.get("child", {}).get(lang)
        fig = sections.get(spec.section)
        if not template or fig is None:
            continue
        labels = _labels(forms, form.id, lang)
        values = {**fig, **{a.name: _listing(fig.get(a.name) or {}, labels.get(a.question, {}), n) or "-"
                            for a in spec.answers if isinstance(a, Count)}}
        parts.append(fill(template, values, n))
    name = t("%(area)s (laporan tingkat ini)") % {"area": areas.short(code)} if code == here else areas.short(code)
    return f"- {name}: " + "; ".join(parts)


def has_data(child: dict[str, Any]) -> bool:
    """A child area with any report or any desa expected to report."""
    return any(isinstance(v, (int, float)) and v for section in child.values() if isinstance(section, dict)
               for v in section.values())


def render_summary(data: dict[str, Any], forms: dict[Any, Any], areas: AreaIndex, t: Gettext, lang: str = "id",
                   specs: Specs | None = None) -> str:
    specs = specs if specs is not None else summaries(forms)
    n = _n(lang)
    code = data["area"]["code"]
    lines = [t("Ringkasan %(area)s") % {"area": areas.label(code) if code else t("seluruh Indonesia")}]
    f = data["filters"]
    if f["from"] or f["to"] or f["round"]:
        lines.append(", ".join(x for x in (
            (t("dari %(date)s") % {"date": fmt_date(f["from"], lang)}) if f["from"] else "",
            (t("sampai %(date)s") % {"date": fmt_date(f["to"], lang)}) if f["to"] else "",
            (t("putaran %(round)s") % {"round": f["round"]}) if f["round"] else "") if x))
    for form, spec in specs:
        section = data.get(spec.section)
        if section is None:
            continue
        figures = section.get("total", section) if spec.by else section
        lines += ["", *section_lines(spec, form.id, figures, section, forms, areas, t, lang)]
    children = data.get("children") or []
    if children:
        level = max(c["level"] for c in children)
        lines += ["", t(CHILD_HEADS.get(level, N_("Per wilayah:")))]
        shown = [c for c in children if has_data(c)]
        lines += [child_line(c["code"], c, specs, forms, areas, code, t, lang) for c in shown]
        if len(shown) < len(children):
            lines.append(t("- %(count)s wilayah lain: belum ada data") % {"count": n(len(children) - len(shown))})
    if data.get("unverified"):
        lines += ["", t("BELUM DIVERIFIKASI (dari kader yang belum disetujui, tidak dihitung di atas): "
                        "%(count)s laporan") % {"count": n(sum(data["unverified"].values()))}]
    return "\n".join(lines)

"""The roll-up as a short Indonesian message (CLI now; chat and schedules later)."""
from __future__ import annotations

from flows.areas import AreaIndex
from flows.display import fmt_number
from flows.forms import Form


def _choice_labels(forms: dict, form_id: str, question: str, lang: str) -> dict[str, str]:
    latest = max((k for k in forms if k[0] == form_id), default=None, key=lambda k: k[1])
    if latest is None:
        return {}
    form: Form = forms[latest]
    try:
        return {c.value: c.label[lang] for c in form.question(question).choices}
    except KeyError:
        return {}


def render_summary(data: dict, forms: dict, areas: AreaIndex, t, lang: str = "id") -> str:
    n = lambda v: fmt_number(v, lang)  # noqa: E731
    kinds = _choice_labels(forms, "pertemuan", "kind", lang)
    statuses = _choice_labels(forms, "pemantauan", "status", lang)
    sectors = _choice_labels(forms, "pemantauan", "sector", lang)
    levels = _choice_labels(forms, "pemantauan", "support_from", lang)
    story_levels = _choice_labels(forms, "cerita", "level", lang)
    m = data["meetings"]["total"]
    lines = [t("Ringkasan %(area)s") % {"area": areas.label(data["area"]["code"])}]
    f = data["filters"]
    if f["from"] or f["to"] or f["round"]:
        lines.append(", ".join(x for x in (
            (t("dari %(date)s") % {"date": f["from"]}) if f["from"] else "",
            (t("sampai %(date)s") % {"date": f["to"]}) if f["to"] else "",
            (t("putaran %(round)s") % {"round": f["round"]}) if f["round"] else "") if x))
    lines += ["", t("PERTEMUAN: %(count)s pertemuan, %(people)s peserta (laki-laki %(men)s, perempuan %(women)s, "
                    "%(pct)s%% perempuan; pemuda %(youth)s; disabilitas %(disabled)s)") % {
        "count": n(m["meetings"]), "people": n(m["participants"]), "men": n(m["men"]), "women": n(m["women"]),
        "pct": n(m["percent_women"]), "youth": n(m["youth"]), "disabled": n(m["disabled"])}]
    for kind, b in data["meetings"]["by_kind"].items():
        lines.append(t("- %(kind)s: %(count)s pertemuan, %(people)s peserta (L %(men)s, P %(women)s)") % {
            "kind": kinds.get(kind, kind), "count": n(b["meetings"]), "people": n(b["participants"]),
            "men": n(b["men"]), "women": n(b["women"])})
    mon = data["monitoring"]
    lines += ["", t("PEMANTAUAN: %(done)s dari %(expected)s desa sudah melapor; %(count)s kegiatan") % {
        "done": n(mon["desa_reported"]), "expected": n(mon["desa_expected"]), "count": n(mon["activities"])}]
    if mon.get("timeliness"):
        tl = mon["timeliness"]
        lines.append(t("- Tepat waktu %(on_time)s, terlambat %(late)s, sedang diisi %(drafting)s, belum %(missing)s")
                     % {"on_time": n(tl["tepat_waktu"]), "late": n(tl["terlambat"]),
                        "drafting": n(tl["sedang_diisi"]), "missing": n(tl["belum"])})
    if mon["by_status"]:
        lines.append(t("- Keadaan: %(list)s") % {"list": ", ".join(
            f"{statuses.get(k, k)} {n(v)}" for k, v in mon["by_status"].items())})
    if mon["by_sector"]:
        lines.append(t("- Bidang: %(list)s") % {"list": ", ".join(
            f"{sectors.get(k, k)} {n(v)}" for k, v in mon["by_sector"].items())})
    if mon["top_obstacles"]:
        lines.append(t("- Kendala terbanyak: %(list)s") % {"list": "; ".join(
            f"{k} ({n(v)})" for k, v in mon["top_obstacles"])})
    if mon["support_from"]:
        lines.append(t("- Dukungan diminta dari: %(list)s") % {"list": ", ".join(
            f"{levels.get(k, k)} {n(v)}" for k, v in mon["support_from"].items())})
    if mon["top_support"]:
        lines.append(t("- Dukungan yang diminta: %(list)s") % {"list": "; ".join(
            f"{k} ({n(v)})" for k, v in mon["top_support"])})
    if mon["desa_missing"]:
        names = [areas.short(c) for c in mon["desa_missing"][:20]]
        lines.append(t("- Belum melapor: %(list)s") % {"list": ", ".join(names)})
    st = data["stories"]
    lines += ["", t("CERITA PERUBAHAN: %(count)s") % {"count": n(st["total"])} + (
        " (" + ", ".join(f"{story_levels.get(k, k)} {n(v)}" for k, v in st["by_level"].items()) + ")"
        if st["by_level"] else "")]
    return "\n".join(lines)

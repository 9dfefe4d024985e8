"""The roll-up as a short Indonesian message (CLI now; chat and schedules later)."""
from __future__ import annotations

from flows.areas import AreaIndex
from flows.display import choice_labels, fmt_number


def _listing(counts: dict[str, int], labels: dict[str, str], n) -> str:
    """"Berjalan 25, Berjalan sebagian 15" from counts by choice value."""
    return ", ".join(f"{labels.get(k, k)} {n(v)}" for k, v in counts.items())


def render_summary(data: dict, forms: dict, areas: AreaIndex, t, lang: str = "id") -> str:
    n = lambda v: fmt_number(v, lang)  # noqa: E731
    kinds = choice_labels(forms, "pertemuan", lang).get("kind", {})
    monitoring = choice_labels(forms, "pemantauan", lang)
    statuses, sectors = monitoring.get("status", {}), monitoring.get("sector", {})
    levels = monitoring.get("support_from", {})
    story_levels = choice_labels(forms, "cerita", lang).get("level", {})
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
        lines.append(t("- Keadaan: %(list)s") % {"list": _listing(mon["by_status"], statuses, n)})
    if mon["by_sector"]:
        lines.append(t("- Bidang: %(list)s") % {"list": _listing(mon["by_sector"], sectors, n)})
    if mon["top_obstacles"]:
        lines.append(t("- Kendala terbanyak: %(list)s") % {"list": "; ".join(
            f"{k} ({n(v)})" for k, v in mon["top_obstacles"])})
    if mon["support_from"]:
        lines.append(t("- Dukungan diminta dari: %(list)s") % {"list": _listing(mon["support_from"], levels, n)})
    if mon["top_support"]:
        lines.append(t("- Dukungan yang diminta: %(list)s") % {"list": "; ".join(
            f"{k} ({n(v)})" for k, v in mon["top_support"])})
    if mon["desa_missing"]:
        names = [areas.short(c) for c in mon["desa_missing"][:20]]
        lines.append(t("- Belum melapor: %(list)s") % {"list": ", ".join(names)})
    st = data["stories"]
    lines += ["", t("CERITA PERUBAHAN: %(count)s") % {"count": n(st["total"])} + (
        " (" + _listing(st["by_level"], story_levels, n) + ")"
        if st["by_level"] else "")]
    if data.get("unverified"):
        lines += ["", t("BELUM DIVERIFIKASI (dari kader yang belum disetujui, tidak dihitung di atas): "
                        "%(count)s laporan") % {"count": n(sum(data["unverified"].values()))}]
    return "\n".join(lines)

"""Status usulan: a kader reads what their desa asked in its monitoring reports and what became of each
proposal — the agreed recommendation, where it is handled, the OPD, the target, the status and a short
history, times in the kader's own zone. Pure; the pipeline loads ``ctx.loop.proposals`` for the kader's own
desa only."""
from __future__ import annotations

from typing import Any

from .display import fmt_date
from .localtime import local, zone_name
from .loop_values import RETURNED, LoopData, ProposalView, fmt_target, status_label
from .problem import Gettext
from .sides import SideBox
from .types import Context, Reply, Step

COMMAND = "proposals"
SHOWN = 8                     # the newest proposals in chat
HISTORY = 3                   # the last changes of each


def _when(at: Any, area: str, lang: str) -> str:
    moment = local(at, area)
    return f"{fmt_date(moment.date(), lang)} {moment:%H:%M} {zone_name(area)}"


def proposal_lines(p: ProposalView, area: str, t: Gettext, lang: str) -> list[str]:
    lines = [f"{p.activity} — {p.asked}" if p.asked and p.asked != p.activity else p.activity]
    rec = p.rec
    if rec is None:
        lines.append("   " + t("Status: belum dibahas di rapat kecamatan"))
        return lines
    lines.append("   " + t("Rekomendasi: %(text)s") % {"text": rec.text})
    where = [t("Status: %(status)s") % {"status": status_label(rec.status, t)}]
    if rec.agency:
        where.append(t("OPD: %(agency)s") % {"agency": ", ".join((rec.agency, *rec.co_agencies))})
    if rec.target:
        where.append(t("target %(target)s") % {"target": fmt_target(rec.target, lang)})
    lines.append("   " + "; ".join(where))
    if rec.status == RETURNED:
        reason = next((note for status, _at, note in reversed(p.history) if status == RETURNED and note), "-")
        lines.append("   " + t("Dikembalikan forum kabupaten ke kecamatan. Alasannya: %(reason)s. Usulan ini menunggu "
                              "dibahas lagi di rapat kecamatan.") % {"reason": reason})
    for status, at, note in p.history[-HISTORY:]:
        line = f"{_when(at, area, lang)}: {status_label(status, t)}"
        lines.append("   - " + (f"{line} ({note})" if note else line))
    return lines


def start(session: SideBox, ctx: Context, t: Gettext) -> Step[SideBox]:
    data: LoopData = ctx.loop or LoopData()
    contact = ctx.contact
    area = contact.area_code if contact else ""
    lang = contact.lang if contact else "id"
    if not data.proposals:
        return Step(session, [Reply(t("Belum ada usulan dari desa Anda. Usulan dicatat dari laporan pemantauan: "
                                      "kegiatan yang belum berjalan dengan kendala atau dukungan yang diminta."))])
    lines = [t("Usulan %(desa)s dan tindak lanjutnya:") % {"desa": data.names.get(area, area)}]
    for n, p in enumerate(data.proposals[:SHOWN], 1):
        first, *rest = proposal_lines(p, area, t, lang)
        lines += [f"{n}. {first}", *rest]
    if len(data.proposals) > SHOWN:
        lines.append(t("… dan %(count)s usulan lain yang lebih lama.") % {"count": len(data.proposals) - SHOWN})
    return Step(session, [Reply("\n".join(lines))])

"""Cerita terpilih: anyone in an area — kader included — reads which stories of change the panels of their area
selected, at which level and why (the MSC guide: feed the results back). Pure; the pipeline loads the
selections into ``ctx.loop.selected`` (``LoopData``) for the person's own area only."""
from __future__ import annotations


from .loop_values import LoopData, SelectedView
from .problem import Gettext
from .selection import level_label, story_title
from .sides import SideBox
from .types import Context, Reply, Step

COMMAND = "selected"
SHOWN = 10                    # the newest stories in chat; the dashboard and Excel have all of them


def story_lines(story: SelectedView, data: LoopData, t: Gettext) -> list[str]:
    where = data.names.get(story.desa, story.desa)
    who = t("%(desa)s, pencerita: %(name)s") % {"desa": where, "name": story.teller} if story.teller else where
    lines = [t("%(domain)s — \"%(title)s\" (%(who)s)") % {
        "domain": dict(data.domains).get(story.domain, story.domain), "title": story_title(story.text), "who": who}]
    for c in story.chosen:
        lines.append(t("   Panel %(level)s %(area)s: %(reason)s") % {
            "level": level_label(c.level, t), "area": data.names.get(c.area, c.area), "reason": c.reason})
    return lines


def start(session: SideBox, ctx: Context, t: Gettext) -> Step[SideBox]:
    data: LoopData = ctx.loop or LoopData()
    if not data.selected:
        return Step(session, [Reply(t("Belum ada cerita perubahan yang dipilih panel di wilayah Anda."))])
    lines = [t("Cerita perubahan yang dipilih panel di wilayah Anda, dengan alasan panel:")]
    for n, story in enumerate(data.selected[:SHOWN], 1):
        first, *rest = story_lines(story, data, t)
        lines += [f"{n}. {first}", *rest]
    if len(data.selected) > SHOWN:
        lines.append(t("… dan %(count)s cerita lain (lihat di dasbor atau Excel).")
                     % {"count": len(data.selected) - SHOWN})
    return Step(session, [Reply("\n".join(lines))])

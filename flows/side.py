"""Side conversations of the learning loop (tindak lanjut, pilih cerita), hooked into ``engine.advance``.

A side conversation lives in ``session["side"]``; while it runs, the person's messages go to it. The
engine calls ``advance`` and shows its menu when the side conversation ends.
"""
from __future__ import annotations

from . import followup, selected, selection
from .types import Reply, Step

COMMANDS = {"tindak lanjut": "followup", "tindaklanjut": "followup", "follow up": "followup",
            "followup": "followup", "pilih cerita": "stories", "seleksi cerita": "stories",
            "pilih cerita perubahan": "stories", "cerita terpilih": selected.COMMAND,
            "hasil pilihan cerita": selected.COMMAND}
STARTS = ("followup", "stories", selected.COMMAND)
EXITS = ("menu", "start", "cancel", "edit", "language", "restart") + ("summary", "missing", "export")


def menu_options(ctx, t) -> list[tuple[str, str]]:
    """Menu entries for the loop, by role (value, label)."""
    role = ctx.contact.role if ctx.contact else "kader"
    out = []
    if role in ("fasilitator", "koordinator", "opd"):
        out.append(("side:followup", t("Tindak lanjut usulan desa")))
    if role in selection.PANEL_LEVEL:
        out.append(("side:stories", t("Pilih cerita perubahan")))
    return out


def start(session: dict, what: str, ctx, t) -> Step:
    role = ctx.contact.role
    if what == selected.COMMAND:             # everyone: the panels' choices in their area, and why
        return selected.start(session, ctx, t)
    if what == "followup":
        if role not in ("fasilitator", "koordinator", "opd"):
            return Step(session, [Reply(t("Tindak lanjut usulan untuk fasilitator, koordinator dan OPD."))])
        return followup.start(session, ctx, t, "fasilitator" if role == "fasilitator" else "opd")
    if role not in selection.PANEL_LEVEL:
        return Step(session, [Reply(t("Pemilihan cerita perubahan untuk fasilitator dan koordinator."))])
    return selection.start(session, ctx, t, role)


def advance(session: dict, text: str, cmd: str | None, ctx, t, menu_reply, lang: str) -> Step | None:
    """The message if it belongs to a side conversation (a step), else None (the engine goes on)."""
    if cmd in STARTS:
        if session.get("form"):
            session["draft"] = session.pop("form")
        session.pop("side", None)
        session["mode"] = "menu"
        step = start(session, cmd, ctx, t)
        return step if session.get("side") else Step(session, step.replies + [menu_reply(session, ctx, t, lang)])
    side = session.get("side")
    if not side:
        return None
    if cmd in EXITS:
        session.pop("side")
        return None if cmd != "cancel" else Step(session, [Reply(t("Baik, dihentikan.")),
                                                            menu_reply(session, ctx, t, lang)])
    module = followup if side["kind"] == "followup" else selection
    step, done = module.advance(session, text, cmd, ctx, t)
    if done:
        return Step(step.session, step.replies + [menu_reply(session, ctx, t, lang)], actions=step.actions)
    return step

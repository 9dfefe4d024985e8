"""An invite code typed by a person already registered (issue 25): it adds a membership (a Kotaku kader
invited into PKH as well). The bot shows what the code gives (role, area, program) and asks; "ya" makes the
pipeline claim the code and add the membership (``Step.join``); anything else keeps things as they were."""
from __future__ import annotations

from typing import Any

from . import answers as A
from .access import looks_like_code, normal_code
from .menu import menu_reply
from .problem import Gettext
from .state import State
from .types import Context, Inbound, InviteView, Reply, Step

KEY = "join_ask"          # in state.extra: the code whose membership the person is asked to confirm


def _what(invite: Any, ctx: Context, t: Gettext) -> str:
    area = ctx.areas.short(invite.area_code) if ctx.areas is not None else invite.area_code
    program = (invite.extra or {}).get("program_name") or t("semua program")
    return t("%(role)s di %(area)s, program %(program)s") % {"role": invite.role, "area": area, "program": program}


def stage(state: State, inbound: Inbound, ctx: Context, t: Gettext, lang: str) -> Step[State] | None:
    """At the menu: a code typed, or the answer to "add this membership?"; None: not about an invite."""
    if ctx.contact is None or state.mode != "menu":
        state.extra.pop(KEY, None)
        return None
    asked, what = state.extra.pop(KEY, None), state.extra.pop(KEY + "_what", "")
    if isinstance(asked, str):
        if A.parse_yes_no(A.normalize(inbound.text).strip()) is True:
            return Step(state, [], join=(asked, str(what), lang))
        return Step(state, [Reply(t("Baik, keanggotaan Anda tidak diubah.")), menu_reply(state, ctx, t, lang)])
    if not looks_like_code(inbound.text):
        return None
    ctx.need("invites")
    code = normal_code(inbound.text)
    found = ctx.invites.get(code)
    if found is None:
        return None              # not a code after all: the menu answers as for any other word
    invite = InviteView(*found)
    if invite.state != "open":
        why = {"used": t("Kode undangan ini sudah dipakai."), "expired": t("Kode undangan ini sudah kedaluwarsa."),
               "revoked": t("Kode undangan ini sudah dibatalkan.")}.get(invite.state, "")
        return Step(state, [Reply(why + " " + t("Mohon minta kode baru kepada koordinator Anda.")),
                            menu_reply(state, ctx, t, lang)])
    what = _what(invite, ctx, t)
    state.extra[KEY], state.extra[KEY + "_what"] = code, what
    return Step(state, [Reply(t("Kode undangan ini menambahkan keanggotaan: %(what)s. Tambahkan?") % {"what": what},
                              (t("Ya"), t("Tidak")), yes_no=True)])


def joined_text(t: Gettext, what: str, outcome: str) -> str:
    """The answer once the pipeline tried: ``added``, ``already`` (a member with that role and area), or
    ``lost`` (the code was used or expired a moment ago)."""
    if outcome == "added":
        return t("Keanggotaan ditambahkan: %(what)s. Ketik \"program\" untuk memilih program yang dipakai.") % {
            "what": what}
    if outcome == "already":
        return t("Anda sudah menjadi anggota: %(what)s.") % {"what": what}
    return t("Kode undangan ini sudah tidak berlaku. Mohon minta kode baru kepada koordinator Anda.")

"""The pipeline's side of several programs (issue 25): a person's memberships for the chat's program question
(read only where the deployment has more than one program: a one-program deployment pays no statement), and
the membership chosen stored on the contact row."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from flows.types import ContactView, MembershipChoice, Reply
from storage import programs as store
from storage.db import Session
from storage.matches import several_programs


async def context_extras(s: Session, contact: ContactView | None, want: set[str]) -> dict[str, Any]:
    if contact is None:
        return {}
    extras: dict[str, Any] = {}
    enabled = await store.program_forms(s)
    if enabled:
        extras["program_forms"] = enabled
    if "memberships" not in want or not await several_programs(s):
        return extras
    mine = await store.memberships(s, contact.id)
    if len(mine) < 2:
        return extras
    return extras | {"memberships": tuple(
        MembershipChoice(m.id, m.program_id, m.program_code, m.program_name, m.role, m.area_code,
                         in_use=(m.program_id, m.role, m.area_code) == (contact.program_id, contact.role,
                                                                       contact.area_code))
        for m in mine)}


def previous_for_all(previous: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in previous.items() if "@" not in k}


def previous_of(previous: dict[str, dict[str, Any]], contact: ContactView) -> dict[str, dict[str, Any]]:
    """The last answers of the desa offered back to a person: of their own program's reports (a forum member:
    of any program)."""
    if contact.program_id is None:
        return previous_for_all(previous)
    suffix = f"@{contact.program_id}"
    return {k[:-len(suffix)]: v for k, v in previous.items() if k.endswith(suffix)}


async def join_by_invite(s: Session, contact: ContactView, code: str, what: str, lang: str, now: datetime) -> Reply:
    """Claim the invite (once, as at registration) and add its membership; the answer says which happened."""
    from flows.join import joined_text
    from storage.access import claim_invite
    from storage.models import Invite

    from . import catalog
    t = catalog.gettext_for(lang)
    invite = await s.get(Invite, code)
    if invite is None:
        return Reply(joined_text(t, what, "lost"))
    if any((m.program_id, m.role, m.area_code) == (invite.program_id, invite.role, invite.area_code)
           for m in await store.memberships(s, contact.id)):
        return Reply(joined_text(t, what, "already"))      # the code stays unused, for someone else
    if not await claim_invite(s, code, now):
        return Reply(joined_text(t, what, "lost"))
    invite.used_by = contact.id
    await store.join(s, contact.id, invite.program_id, invite.role, invite.area_code, now, invite.agency)
    return Reply(joined_text(t, what, "added"))


async def switch(s: Session, contact: ContactView, membership: int) -> ContactView:
    """The person uses ``membership`` from now on (their reports are of its program, in its role and area)."""
    chosen = await store.use_membership(s, contact.id, membership)
    if chosen is None:
        return contact
    return replace(contact, role=chosen.role, area_code=chosen.area_code, program_id=chosen.program_id)

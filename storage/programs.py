"""Several programs in one deployment (issue 25): programs, the desa each covers, who is a member of which.

One phone number is one person (a contact) in every program; a membership gives them a role and an area in
one program (``program_id`` None: every program, the forum). The contact row carries a copy of the
membership in use, so a message reads one row whatever the number of programs; ``use_membership`` switches.
A deployment with one program (``utama``, made by migration 0017) behaves as before.
"""
from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import DEFAULT_PROGRAM_ID, Area, Contact, Membership, Program, ProgramArea, ProgramForm
from .scope import under

# the row migration 0017 adds; a test or benchmark that empties every table adds it again (id 1 after
# RESTART IDENTITY)
DEFAULT_PROGRAM_SQL = "INSERT INTO programs (code, name, created_at) VALUES ('utama', 'Program utama', now())"
EVERY = "*"      # --program '*': every program (a forum koordinator)


@dataclass(frozen=True)
class ProgramView:
    id: int
    code: str
    name: str
    agency: str | None
    areas: int


@dataclass(frozen=True)
class MembershipView:
    id: int
    program_id: int | None       # None: every program
    program_code: str            # "*" for every program
    program_name: str
    role: str
    area_code: str


class UnknownProgram(ValueError):
    def __init__(self, code: str, known: list[str]):
        super().__init__(code)
        self.code, self.known = code, known


async def add_program(s: AsyncSession, code: str, name: str, now: datetime, agency: str | None = None,
                      start: str | None = None, end: str | None = None,
                      settings: dict[str, Any] | None = None) -> tuple[int, bool]:
    """Add a program or change its name, agency, dates; returns (id, added)."""
    row = await s.scalar(select(Program).where(Program.code == code))
    added = row is None
    if row is None:
        row = Program(code=code, name=name, created_at=now)
        s.add(row)
    row.name = name
    for field, value in (("agency", agency), ("start", start), ("end", end), ("settings", settings)):
        if value is not None:
            setattr(row, field, value)
    await s.flush()
    return row.id, added


async def list_programs(s: AsyncSession) -> list[ProgramView]:
    counts = {pid: n for pid, n in await s.execute(select(ProgramArea.program_id, func.count())
                                                    .group_by(ProgramArea.program_id))}
    return [ProgramView(p.id, p.code, p.name, p.agency, counts.get(p.id, 0))
            for p in await s.scalars(select(Program).order_by(Program.id))]


async def program_names(s: AsyncSession) -> list[tuple[int, str, str]]:
    """(id, code, name) of every program, oldest first: what a page's program picker needs, without
    ``list_programs``' count of each program's desa (a read of every ``program_areas`` row)."""
    return [(pid, code, name) for pid, code, name in await s.execute(
        select(Program.id, Program.code, Program.name).order_by(Program.id))]


async def program_id(s: AsyncSession, code: str) -> int | None:
    """The id of the program with this code; None for '*' (every program); UnknownProgram otherwise."""
    if code.strip() == EVERY:
        return None
    found = await s.scalar(select(Program.id).where(Program.code == code.strip()))
    if found is None:
        raise UnknownProgram(code, list(await s.scalars(select(Program.code).order_by(Program.id))))
    return found


async def program_codes(s: AsyncSession) -> dict[int, str]:
    return {pid: code for pid, code in await s.execute(select(Program.id, Program.code).order_by(Program.id))}


async def set_areas(s: AsyncSession, program: int, codes: Iterable[tuple[str, str | None]], remove: bool = False
                    ) -> int:
    """Add (area, outside reference) pairs to the desa a program covers, or remove them; returns how many
    changed. An area above desa level stands for every desa under it."""
    changed = 0
    for code, ref in codes:
        desa = list(await s.scalars(select(Area.code).where(under(Area.code, code), Area.level == 4)))
        for d in desa or [code]:
            row = await s.get(ProgramArea, (program, d))
            if remove and row is not None:
                await s.delete(row)
                changed += 1
            elif not remove and row is None:
                s.add(ProgramArea(program_id=program, area_code=d, ref=ref if d == code else None))
                changed += 1
            elif not remove and row is not None and ref and d == code:
                row.ref = ref
    await s.flush()
    return changed


async def program_desa(s: AsyncSession, program: int, area: str) -> list[str]:
    """The desa a program covers under ``area`` (its expected set for completeness), sorted."""
    return list(await s.scalars(select(ProgramArea.area_code).where(ProgramArea.program_id == program,
                                                                    under(ProgramArea.area_code, area))
                                .order_by(ProgramArea.area_code)))


async def add_membership(s: AsyncSession, contact: Contact, now: datetime) -> None:
    """The membership a contact's role, area and program make (registration, roster, migration)."""
    found = await s.scalar(select(Membership.id).where(
        Membership.contact_id == contact.id, Membership.role == contact.role,
        Membership.area_code == contact.area_code,
        Membership.program_id.is_(None) if contact.program_id is None else Membership.program_id == contact.program_id))
    if found is None:
        s.add(Membership(contact_id=contact.id, program_id=contact.program_id, role=contact.role,
                         area_code=contact.area_code, agency=contact.agency, verified=contact.verified,
                         approved_by=contact.approved_by, created_at=now))
        await s.flush()


async def join(s: AsyncSession, contact_id: int, program: int | None, role: str, area_code: str, now: datetime,
               agency: str | None = None) -> bool:
    """Make an existing person a member of another program (an invite claimed by a known number);
    returns False when they already were."""
    contact = await s.get(Contact, contact_id)
    if contact is None:
        return False
    before = await memberships(s, contact_id)
    if any(m.program_id == program and m.role == role and m.area_code == area_code for m in before):
        return False
    s.add(Membership(contact_id=contact_id, program_id=program, role=role, area_code=area_code, agency=agency,
                     created_at=now))
    await s.flush()
    return True


async def memberships(s: AsyncSession, contact_id: int) -> list[MembershipView]:
    """A person's active memberships, oldest first."""
    rows = await s.execute(select(Membership, Program.code, Program.name)
                           .outerjoin(Program, Program.id == Membership.program_id)
                           .where(Membership.contact_id == contact_id, Membership.disabled_at.is_(None))
                           .order_by(Membership.id))
    return [MembershipView(m.id, m.program_id, code or EVERY, name or "Semua program", m.role, m.area_code)
            for m, code, name in rows]


async def use_membership(s: AsyncSession, contact_id: int, membership_id: int) -> MembershipView | None:
    """Switch the membership in use: the contact row takes its program, role, area and agency (so the next
    message reads it in the one row it reads anyway). None if it is not theirs."""
    mine = {m.id: m for m in await memberships(s, contact_id)}
    chosen = mine.get(membership_id)
    row = await s.get(Membership, membership_id)
    contact = await s.get(Contact, contact_id)
    if chosen is None or row is None or contact is None:
        return None
    contact.program_id, contact.role, contact.area_code, contact.agency = (row.program_id, row.role,
                                                                           row.area_code, row.agency)
    await s.flush()
    return chosen


# program_forms as the chat reads it, per process: read again at most once a minute (and at once after
# ``set_forms`` or ``forget_forms`` in this process), so a message pays no statement for it
_forms_cache: list[tuple[float, dict[int, dict[str, frozenset[str]]]]] = []
FORMS_RECHECK = 60.0


def forget_forms() -> None:
    _forms_cache.clear()


async def program_forms(s: AsyncSession) -> Mapping[int, Mapping[str, frozenset[str]]]:
    """The forms each program enabled, per role: program id → role → form ids. A program without rows is
    absent: it keeps every form (one program's behaviour before ``program_forms``)."""
    now = time.monotonic()
    if _forms_cache and now - _forms_cache[0][0] < FORMS_RECHECK:
        return _forms_cache[0][1]
    found: dict[int, dict[str, set[str]]] = {}
    for pid, role, form_id in await s.execute(select(ProgramForm.program_id, ProgramForm.role, ProgramForm.form_id)):
        found.setdefault(pid, {}).setdefault(role, set()).add(form_id)
    frozen = {pid: {role: frozenset(ids) for role, ids in roles.items()} for pid, roles in found.items()}
    _forms_cache[:] = [(now, frozen)]
    return frozen


async def set_forms(s: AsyncSession, program: int, role: str, form_ids: Iterable[str], remove: bool = False) -> int:
    """Enable forms in a program for a role (or take them back); returns how many changed."""
    changed = 0
    for fid in form_ids:
        row = await s.get(ProgramForm, (program, fid, role))
        if remove and row is not None:
            await s.delete(row)
            changed += 1
        elif not remove and row is None:
            s.add(ProgramForm(program_id=program, form_id=fid, role=role))
            changed += 1
    await s.flush()
    forget_forms()
    return changed


def enabled_for(forms: Mapping[int, Mapping[str, frozenset[str]]], program: int | None, role: str
                ) -> frozenset[str] | None:
    """The forms a role may use in a program; None: every form (a program without a list, or every program)."""
    if program is None or program not in forms:
        return None
    return forms[program].get(role, frozenset())


async def forms_of(s: AsyncSession, program: int | None) -> frozenset[str] | None:
    """The forms a program enabled for any of its roles (what its dashboard and exports show); None: every
    form (a program without a list, or every program)."""
    if program is None:
        return None
    roles = (await program_forms(s)).get(program)
    return None if roles is None else frozenset().union(*roles.values())


def default_program() -> int:
    return DEFAULT_PROGRAM_ID

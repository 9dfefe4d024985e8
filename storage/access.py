"""Queries of who may see and change what: invites (claimed atomically, once), kader waiting for
approval, competing reports, disabling a contact. flows/access.py holds the conversation."""
from __future__ import annotations

from typing import Any, assert_never, overload

import secrets
from datetime import datetime, timedelta

from sqlalchemy import or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from flows.types import ContactView, InviteView, Waiting, WaitingView

from . import changes
from . import webhooks
from .results import affected
from .models import DEFAULT_PROGRAM_ID, Contact, Identity, Invite, Membership, Program, Report, ReportRevision
from .routing import reach
from .scope import under

INVITE_DAYS = 7
COORDINATORS = ("fasilitator", "koordinator")         # who approves kader and may correct any report of the area
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"     # no 0/O, 1/I: read aloud and typed on phones


@overload
def aware(value: datetime) -> datetime: ...
@overload
def aware(value: None) -> None: ...
def aware(value: datetime | None) -> datetime | None:
    from datetime import timezone
    return value if value is None or value.tzinfo else value.replace(tzinfo=timezone.utc)


def invite_state(row: Invite, now: datetime) -> str:
    if row.revoked_at is not None:
        return "revoked"
    if row.used_at is not None or row.used_by is not None:
        return "used"
    if row.expires_at is not None and aware(row.expires_at) <= now:
        return "expired"
    return "open"


def may_change(editor: ContactView | None, owner_id: int | None, area_code: str, program: int | None = None) -> bool:
    """A report is changed by its sender, or by an approved coordinator whose area holds it, in their program
    (``program``: the report's; a coordinator of every program, the forum, may change any)."""
    if editor is None:
        return False
    if owner_id is None or editor.id == owner_id:
        return True
    if program is not None and editor.program_id is not None and program != editor.program_id:
        return False
    return (editor.role in COORDINATORS and editor.verified and editor.active
            and (area_code == editor.area_code or area_code.startswith(editor.area_code + ".")))


# ---------------------------------------------------------------- invites

async def create_invite(s: AsyncSession, role: str, area_code: str, now: datetime, days: float = INVITE_DAYS,
                        extra: dict[str, Any] | None = None, agency: str | None = None,
                        program_id: int | None = DEFAULT_PROGRAM_ID) -> str:
    """A new single-use code for ``role`` in ``area_code``, valid ``days`` (any role: kader, fasilitator,
    koordinator, and whatever a later program adds, with ``extra`` for what it needs besides an area). An OPD
    invite names an agency registered in the kabupaten (any alias): ``AgencyError`` otherwise."""
    from .agencies import AgencyError, resolve
    agency_id = None
    if agency is not None:
        found = await resolve(s, area_code[:5], agency)
        if found is None:
            raise AgencyError(f"OPD \"{agency}\" belum terdaftar di kabupaten {area_code[:5]}. Tambahkan dulu: "
                              f"pantau opd add \"{agency}\" --area {area_code[:5]}")
        agency, agency_id = found.name, found.id
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    invite = Invite(code=code, role=role, area_code=area_code, created_at=now,
                    expires_at=now + timedelta(days=days), extra=extra, agency=agency, agency_id=agency_id,
                    program_id=program_id)
    s.add(invite)
    if program_id is None:    # every program: written after the insert, where None would mean "the default"
        await s.flush()
        invite.program_id = None
    await s.commit()
    return code


async def invites_typed(s: AsyncSession, code: str, now: datetime) -> dict[str, InviteView]:
    """The invite with this code (whatever its state), as registration sees it; {} if there is none."""
    if not code or len(code) > 16:
        return {}
    row = await s.get(Invite, code)
    if row is None:
        return {}
    program = await s.get(Program, row.program_id) if row.program_id is not None else None
    extra = {**(row.extra or {}), **({"agency": row.agency} if row.agency else {}),
             **({"program_name": program.name} if program is not None else {})} or None
    return {row.code: InviteView(row.role, row.area_code, invite_state(row, now), extra)}


async def claim_invite(s: AsyncSession, code: str, now: datetime) -> bool:
    """Use the code once: one conditional UPDATE, so of two people sending it at the same moment exactly
    one gets it (PostgreSQL: the second waits for the first's row lock, then finds it used)."""
    result = await s.execute(update(Invite).where(
        Invite.code == code, Invite.used_at.is_(None), Invite.used_by.is_(None), Invite.revoked_at.is_(None),
        or_(Invite.expires_at.is_(None), Invite.expires_at > now)).values(used_at=now))
    return affected(result) == 1


async def list_invites(s: AsyncSession, now: datetime) -> list[tuple[Invite, str, str | None]]:
    """Every invite with its state and the name of who used it, newest first."""
    rows = await s.execute(select(Invite, Contact.name).outerjoin(Contact, Contact.id == Invite.used_by)
                           .order_by(Invite.created_at.desc()))
    return [(inv, invite_state(inv, now), name) for inv, name in rows]


async def revoke_invite(s: AsyncSession, code: str, now: datetime) -> str | None:
    """Revoke an unused code; returns its state before (None if there is no such code)."""
    row = await s.get(Invite, code)
    if row is None:
        return None
    state = invite_state(row, now)
    if state in ("open", "expired"):
        row.revoked_at = now
    await s.commit()
    return state


# ---------------------------------------------------------------- contacts

async def disable_contact(s: AsyncSession, contact_id: int, now: datetime) -> bool:
    result = await s.execute(update(Contact).where(Contact.id == contact_id, Contact.disabled_at.is_(None))
                             .values(disabled_at=now))
    return affected(result) == 1


async def approve_contact(s: AsyncSession, contact_id: int, now: datetime, by: int | None = None) -> bool:
    """Verified from now on, and so are the reports they sent while waiting."""
    result = await s.execute(update(Contact).where(Contact.id == contact_id, Contact.verified.is_(False))
                             .values(verified=True, approved_by=by))
    if affected(result):
        ids = await s.execute(update(Report).where(Report.contact_id == contact_id).values(verified=True)
                              .returning(Report.id, Report.area_code))
        await changes.record(s, [(rid, area) for rid, area in ids], now)
        await s.execute(update(Membership).where(Membership.contact_id == contact_id, Membership.verified.is_(False))
                        .values(verified=True, approved_by=by))
    return affected(result) == 1


async def waiting_contacts(s: AsyncSession, area_code: str) -> list[Contact]:
    """Kader under ``area_code`` who registered themselves and wait for approval, oldest first."""
    return list(await s.scalars(select(Contact).where(Contact.verified.is_(False), Contact.disabled_at.is_(None),
                                                      under(Contact.area_code, area_code)).order_by(Contact.id)))


async def find_contacts(s: AsyncSession, who: str) -> list[Contact]:
    """Contacts by id, by an identity (phone number, Telegram id) or by exact name."""
    q = select(Contact).outerjoin(Identity, Identity.contact_id == Contact.id)
    cond = [Identity.external_id == who, Contact.name == who]
    if who.isdigit() and len(who) < 10:
        cond.append(Contact.id == int(who))
    return list((await s.scalars(q.where(or_(*cond)).distinct())).unique())


async def approvers(s: AsyncSession, area_code: str) -> list[tuple[str, str]]:
    """Where to ask about a kader of ``area_code``: the fasilitator(s) of its kecamatan, else the
    koordinator(s) of the nearest area above; as (delivery channel, external id)."""
    levels = area_code.split(".")
    above = [".".join(levels[:i]) for i in range(len(levels) - 1, 0, -1)]
    rows = (await s.execute(select(Contact.id, Contact.area_code)
                            .where(Contact.area_code.in_(above), Contact.role.in_(COORDINATORS),
                                   Contact.verified.is_(True), Contact.disabled_at.is_(None))
                            .order_by(Contact.id))).all()
    for code in above:               # the nearest level that has someone
        found = [where for cid, area in rows if area == code and (where := await reach(s, cid))]
        if found:
            return found
    return []


async def identities_of(s: AsyncSession, contact_id: int) -> list[tuple[str, str]]:
    """Where a notice to this contact goes (storage/routing.py): at most one place."""
    where = await reach(s, contact_id)
    return [where] if where else []


# built once: ``aliased`` proxies every column of the table (a few milliseconds and ~1,800 objects in reference
# cycles, left for the garbage collector, each time); a statement built from the same aliases compiles the same
_FIRST, _SECOND = aliased(Report), aliased(Report)
_C1, _C2 = aliased(Contact), aliased(Contact)


async def waiting_for(s: AsyncSession, contact: ContactView) -> tuple[WaitingView, ...]:
    """What an approved coordinator is asked to decide in their area: kader waiting for approval, then
    competing reports (oldest first)."""
    if contact.role not in COORDINATORS or not contact.verified or not contact.active:
        return ()
    mine = contact.program_id      # a coordinator decides in their own program (None: the forum, every one)
    kader = (await s.execute(select(Contact.id, Contact.name, Contact.area_code, Contact.created_at)
                             .where(Contact.role == "kader", Contact.verified.is_(False),
                                    Contact.disabled_at.is_(None), under(Contact.area_code, contact.area_code),
                                    *([Contact.program_id == mine] if mine is not None else []))
                             .order_by(Contact.id).limit(20))).all()
    first, second, c1, c2 = _FIRST, _SECOND, _C1, _C2
    conflicts = (await s.execute(
        select(second.id, c2.name, second.area_code, c1.name, second.form_id, first.period, second.created_at)
        .join(first, first.id == second.competes_with).join(c1, c1.id == first.contact_id)
        .join(c2, c2.id == second.contact_id)
        .where(second.conflict == "pending", under(second.area_code, contact.area_code),
               *([second.program_id == mine] if mine is not None else []))
        .order_by(second.id).limit(20))).all()
    from .matches import proposals, several_programs
    matches = await proposals(s, contact.area_code, mine) if await several_programs(s) else []
    return (tuple(WaitingView("approve", i, n, a, since=aware(t)) for i, n, a, t in kader)
            + tuple(WaitingView("conflict", i, n, a, other, f"{form} {period or ''}".strip(), aware(t))
                    for i, n, a, other, form, period, t in conflicts)
            + tuple(WaitingView("match", m.report_id, f"{m.name} ({m.program})", m.area_code,
                                f"{m.other_name} ({m.other_program})", f"{m.form_id} {m.period or ''}".strip(),
                                aware(m.since)) for m in matches))


# a message a decision causes for someone else: (channel, external id, text key, values)
Notice = tuple[str, str, str, dict[str, str]]


async def decide(s: AsyncSession, by: ContactView, kind: str, ref: int, decision: bool | str, now: datetime
                 ) -> list[Notice]:
    """Apply a coordinator's decision (only inside their area); returns messages for others as
    (channel, external id, text key, values)."""
    what = Waiting(kind)         # ValueError: a kind nobody is asked about is never applied to a report
    match what:
        case Waiting.MATCH:      # one event of two programs, or two (storage/matches.py)
            from .matches import decide_match
            await decide_match(s, by.id, ref, str(decision), now, by.area_code, by.program_id)
            return []
        case Waiting.APPROVE:
            return await _decide_approval(s, by, ref, decision, now)
        case Waiting.CONFLICT:
            return await _decide_conflict(s, by, ref, decision, now)
        case _:
            assert_never(what)


async def _decide_approval(s: AsyncSession, by: ContactView, ref: int, decision: bool | str, now: datetime
                           ) -> list[Notice]:
    row = await s.get(Contact, ref)
    if row is None or not may_change(by, -1, row.area_code, row.program_id) or row.verified or row.disabled_at:
        return []
    out: list[Notice] = [(c, e, "approved" if decision else "rejected", {"by": by.name}) for c, e in await identities_of(s, ref)]
    if decision:
        await approve_contact(s, ref, now, by.id)
    else:
        row.disabled_at, row.approved_by = now, by.id
    return out


async def _decide_conflict(s: AsyncSession, by: ContactView, ref: int, decision: bool | str, now: datetime
                           ) -> list[Notice]:
    report = await s.get(Report, ref)
    if report is None or report.conflict != "pending" or not may_change(by, -1, report.area_code, report.program_id):
        return []
    first = await s.get(Report, report.competes_with)
    if decision == "both":
        report.conflict, report.competes_with = None, None
    elif decision == "second" and first is not None:      # the later report replaces the first, kept as revisions
        await _take_key_of(s, first, report)
        first.revision += 1
        first.answers, first.form_version, first.updated_at = report.answers, report.form_version, now
        for name in ("men", "women", "period", "verified"):
            setattr(first, name, getattr(report, name))
        s.add(ReportRevision(report_id=first.id, revision=first.revision, contact_id=report.contact_id,
                             answers=report.answers, created_at=now))
        report.conflict = "rejected"
    else:
        report.conflict = "rejected"
    await s.flush()
    await changes.record(s, [(r.id, r.area_code) for r in (first, report) if r is not None], now)
    await webhooks.reports_changed(s, [first if decision == "second" else None, report], now)
    people = [report.contact_id] + ([first.contact_id] if first is not None else [])
    out = []
    for cid in dict.fromkeys(people):
        out += [(c, e, "conflict_" + str(decision), {"by": by.name}) for c, e in await identities_of(s, cid)]
    return out


async def _take_key_of(s: AsyncSession, first: Report, second: Report) -> None:
    """The first report takes the second's answers, so it takes the key those answers make (the part before
    "#", the second's own suffix) when no other report holds it: the first may have been corrected to another
    meeting since, and a report's key always follows its answers (never counted beside the same meeting)."""
    base = second.key.split("#", 1)[0]
    if base == first.key:
        return
    holder = await s.scalar(select(Report).where(Report.program_id == first.program_id, Report.form_id == first.form_id,
                                                 Report.area_code == first.area_code, Report.key == base))
    if holder is not None and holder.id != second.id:
        return                                            # another meeting holds it: keep the first's key
    if holder is not None:                                # the second (rejected below) gives its key up
        second.key = f"{base}#{second.contact_id}"[:200]
        await s.flush()
    first.key = base


async def owners(s: AsyncSession, keys: list[tuple[str, str, str]]) -> dict[tuple[int, str, str, str], tuple[int, int]]:
    """(program, form, area, key) → (report id, owner contact id) of the reports already under these keys, in
    any program — one statement per 500 keys."""
    keys = sorted(set(keys))
    out: dict[tuple[int, str, str, str], tuple[int, int]] = {}
    for i in range(0, len(keys), 500):
        q = (select(Report.program_id, Report.form_id, Report.area_code, Report.key, Report.id, Report.contact_id)
             .where(tuple_(Report.form_id, Report.area_code, Report.key).in_(keys[i:i + 500])))
        out.update({(p, f, a, k): (rid, cid) for p, f, a, k, rid, cid in await s.execute(q)})
    return out

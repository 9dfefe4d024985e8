"""The OPD agencies of each kabupaten, managed with `pantau opd add/list/alias`: one row per agency with any
number of aliases ("BPMD" = "Dinas Pemberdayaan Masyarakat dan Desa (BPMD)"). Invites, OPD contacts and
recommendations reference an agency by id; a name typed anywhere is found through the aliases, never stored
as free text."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from flows.loop_values import AgencyView, agency_norm

from .models import Agency, AgencyAlias, Contact, Invite, Recommendation, RecommendationAgency


class AgencyError(Exception):
    """Why an agency cannot be added or named so (Indonesian, shown as is)."""


norm = agency_norm


def tidy(text: str) -> str:
    return " ".join(text.split())


def derived(name: str) -> list[str]:
    """The aliases a name brings with it: itself, and for "Long name (ABBR)" the abbreviation and the long name."""
    out = [tidy(name)]
    m = re.fullmatch(r"\s*(.+?)\s*\(\s*([^()]+?)\s*\)\s*", name)
    if m:
        out += [tidy(m.group(2)), tidy(m.group(1))]
    return [a for a in out if norm(a)]


def group_names(names: Iterable[str]) -> dict[str, list[str]]:
    """Free-text agency names of one kabupaten grouped by what they share: canonical name → every spelling.
    Full names with an abbreviation in brackets come first, so "BPMD" joins
    "Dinas Pemberdayaan Masyarakat dan Desa (BPMD)" instead of standing alone."""
    ordered = sorted({tidy(n) for n in names if n and norm(n)}, key=lambda n: ("(" not in n, -len(n), n))
    owner: dict[str, str] = {}
    groups: dict[str, list[str]] = {}
    for name in ordered:
        keys = [norm(a) for a in derived(name)]
        found = next((owner[k] for k in keys if k in owner), None)
        if found is None:
            found = name
            groups[name] = []
        for alias in derived(name):
            owner.setdefault(norm(alias), found)
            if alias not in groups[found]:
                groups[found].append(alias)
    return groups


async def listing(s: AsyncSession, kab: str) -> list[AgencyView]:
    """The agencies of a kabupaten by name, each with its aliases."""
    agencies = list(await s.scalars(select(Agency).where(Agency.kab == kab).order_by(Agency.name)))
    aliases: dict[int, list[str]] = {}
    if agencies:
        for row in await s.scalars(select(AgencyAlias).where(AgencyAlias.kab == kab).order_by(AgencyAlias.id)):
            if norm(row.alias) != norm(next(a.name for a in agencies if a.id == row.agency_id)):
                aliases.setdefault(row.agency_id, []).append(row.alias)
    return [AgencyView(a.id, a.name, tuple(aliases.get(a.id, ()))) for a in agencies]


async def resolve(s: AsyncSession, kab: str, text: str) -> AgencyView | None:
    """The agency of the kabupaten this name or alias means, or None."""
    row = await s.scalar(select(AgencyAlias).where(AgencyAlias.kab == kab, AgencyAlias.norm == norm(text)))
    if row is None:
        return None
    agency = await s.get(Agency, row.agency_id)
    return AgencyView(agency.id, agency.name) if agency else None


async def add(s: AsyncSession, kab: str, name: str, now: datetime, aliases: Iterable[str] = ()) -> AgencyView:
    name = tidy(name)
    if len(norm(name)) < 3:
        raise AgencyError("Nama OPD terlalu pendek, mis. \"Dinas Koperasi\".")
    found = await resolve(s, kab, name)
    if found is not None:
        raise AgencyError(f"\"{name}\" sudah terdaftar sebagai \"{found.name}\".")
    agency = Agency(kab=kab, name=name[:160], created_at=now)
    s.add(agency)
    await s.flush()
    for alias in [*derived(name), *aliases]:
        await _alias(s, kab, agency.id, alias)
    return AgencyView(agency.id, agency.name)


async def _alias(s: AsyncSession, kab: str, agency_id: int, alias: str) -> None:
    alias = tidy(alias)
    taken = await s.scalar(select(AgencyAlias).where(AgencyAlias.kab == kab, AgencyAlias.norm == norm(alias)))
    if taken is None:
        s.add(AgencyAlias(agency_id=agency_id, kab=kab, alias=alias[:160], norm=norm(alias)[:160]))
        await s.flush()
    elif taken.agency_id != agency_id:
        other = await s.get(Agency, taken.agency_id)
        raise AgencyError(f"\"{alias}\" sudah dipakai untuk \"{other.name if other else '?'}\".")


async def alias(s: AsyncSession, kab: str, agency_text: str, new: str) -> tuple[AgencyView, str | None]:
    """Give an agency another name. When that name is an agency of its own (two spellings registered apart,
    e.g. by the migration of free text), the two become one: its people, invites and recommendations move
    here. Returns (the agency, the name of the agency merged into it or None)."""
    agency = await resolve(s, kab, agency_text)
    if agency is None:
        raise AgencyError(f"OPD \"{agency_text}\" tidak ada di kabupaten {kab}. Lihat: pantau opd list --area {kab}")
    if len(norm(new)) < 2:
        raise AgencyError("Alias terlalu pendek.")
    other = await resolve(s, kab, new)
    if other is None:
        await _alias(s, kab, agency.id, new)
        return agency, None
    if other.id == agency.id:
        return agency, None
    await _merge(s, other.id, agency)
    return agency, other.name


async def _merge(s: AsyncSession, gone: int, into: AgencyView) -> None:
    await s.execute(update(AgencyAlias).where(AgencyAlias.agency_id == gone).values(agency_id=into.id))
    for model in (Contact, Invite):
        await s.execute(update(model).where(model.agency_id == gone).values(agency_id=into.id, agency=into.name))
    kept = set(await s.scalars(select(RecommendationAgency.recommendation_id)
                               .where(RecommendationAgency.agency_id == into.id)))
    for row in list(await s.scalars(select(RecommendationAgency).where(RecommendationAgency.agency_id == gone))):
        if row.recommendation_id in kept:
            await s.delete(row)
        else:
            row.agency_id = into.id
    await s.flush()
    await s.execute(update(Recommendation).where(Recommendation.id.in_(
        select(RecommendationAgency.recommendation_id).where(RecommendationAgency.agency_id == into.id,
                                                             RecommendationAgency.lead.is_(True))))
        .values(agency=into.name))
    old = await s.get(Agency, gone)
    if old is not None:
        await s.delete(old)
    await s.flush()


@dataclass(frozen=True)
class Responsible:
    lead: AgencyView | None
    co: tuple[AgencyView, ...]


async def responsible(s: AsyncSession, rec_ids: list[int]) -> dict[int, Responsible]:
    """Per recommendation: its lead agency and the co-responsible ones."""
    out: dict[int, Responsible] = {}
    if not rec_ids:
        return out
    rows = await s.execute(select(RecommendationAgency.recommendation_id, RecommendationAgency.lead, Agency.id,
                                  Agency.name)
                           .join(Agency, Agency.id == RecommendationAgency.agency_id)
                           .where(RecommendationAgency.recommendation_id.in_(rec_ids))
                           .order_by(RecommendationAgency.recommendation_id, Agency.name))
    for rid, lead, aid, name in rows:
        have = out.get(rid, Responsible(None, ()))
        view = AgencyView(aid, name)
        out[rid] = Responsible(view, have.co) if lead else Responsible(have.lead, (*have.co, view))
    return out


async def assign(s: AsyncSession, rec: Recommendation, agency_ids: list[int]) -> None:
    """Make these agencies (first: the lead) the responsible ones of ``rec``; all must be of its kabupaten."""
    kab = rec.kec[:5]
    agencies = {a.id: a for a in await s.scalars(select(Agency).where(Agency.id.in_(agency_ids), Agency.kab == kab))}
    if len(agencies) != len(set(agency_ids)):
        raise AgencyError("OPD di luar kabupaten")
    for row in list(await s.scalars(select(RecommendationAgency)
                                    .where(RecommendationAgency.recommendation_id == rec.id))):
        await s.delete(row)
    await s.flush()
    seen: list[int] = []
    for aid in agency_ids:
        if aid not in seen:
            seen.append(aid)
            s.add(RecommendationAgency(recommendation_id=rec.id, agency_id=aid, lead=len(seen) == 1))
    rec.agency = agencies[seen[0]].name if seen else None
    await s.flush()


async def recs_of(s: AsyncSession, agency_id: int) -> set[int]:
    """The recommendations this agency leads or shares."""
    return set(await s.scalars(select(RecommendationAgency.recommendation_id)
                               .where(RecommendationAgency.agency_id == agency_id)))

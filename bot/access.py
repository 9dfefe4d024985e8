"""The pipeline's side of who may see and change what (issue 12), hooked into ``Pipeline._apply`` and
``handle_batch`` in a few lines: what the engine needs to know (the invite typed, what waits for a
coordinator), the invite claimed atomically, coordinators asked about new kader and competing
reports, and the people concerned told of decisions."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any, cast

from flows import access as flows_access
from flows.display import report_title
from flows.forms import FormVersions
from flows.problem import N_, Gettext
from flows.types import Context, ContactView, Inbound, InviteView, NewReport, Reply, Step, WaitingView
from storage import access as store
from storage.db import Session
from storage.repo import SavedReport

from . import catalog


#: a message to someone else than the sender: (channel, external id, reply)
Notices = list[tuple[str, str, Reply]]
#: ``flows.advance``
Advance = Callable[[dict[str, Any] | None, Inbound, Context], Step[dict[str, Any]]]


def _t() -> Gettext:
    return catalog.gettext_for("id")


async def context_extras(s: Session, inbound: Inbound, contact: ContactView | None, want: set[str],
                         now: datetime) -> dict[str, Any]:
    """Context fields for this message: the invite whose code was typed (registration), and for an
    approved coordinator what waits for their decision."""
    extras: dict[str, Any] = {}
    if "invites" in want:
        extras["invites"] = await store.invites_typed(s, flows_access.normal_code(inbound.text), now)
    if contact is not None and contact.role in store.COORDINATORS:
        areas = catalog.area_index()
        extras["waiting"] = tuple(replace(w, area_name=areas.short(w.area_code))
                                  for w in await store.waiting_for(s, contact))
    return extras


async def settle(s: Session, inbound: Inbound, session: dict[str, Any] | None, ctx: Context,
                 step: Step[dict[str, Any]], now: datetime, advance: Advance) -> Step[dict[str, Any]]:
    """Before the step's contact is created: its invite is claimed once. Lost (someone used it a moment
    ago, or it expired meanwhile): the message is answered again as if the code had been used."""
    if step.contact and step.contact.invite_code:
        code = step.contact.invite_code
        if not await store.claim_invite(s, code, now):
            role, area, *_ = ctx.invites.get(code) or ("", "")
            return advance(session, inbound, replace(ctx, invites={code: InviteView(role, area, "used")}))
    return step


async def after_contact(s: Session, contact: ContactView, now: datetime, notices: Notices) -> None:
    """A kader who registered themselves: their fasilitator (or the koordinator above) is asked."""
    if contact.verified or contact.role != "kader":
        return
    t = _t()
    item = WaitingView("approve", contact.id, contact.name, contact.area_code, since=now)
    question = flows_access.question(item, replace_ctx(), t)
    for channel, external in await store.approvers(s, contact.area_code):
        notices.append((channel, external, question))


def replace_ctx() -> Context:
    """The little of a Context that ``flows.access.question`` reads (the area names)."""
    class _Ctx:
        areas = catalog.area_index()
    return cast(Context, _Ctx())


_TOLD = {
    "approved": N_("Pendaftaran Anda sebagai kader sudah disetujui oleh %(by)s. Laporan Anda kini terverifikasi."),
    "rejected": N_("Pendaftaran Anda sebagai kader belum disetujui. Mohon hubungi fasilitator kecamatan Anda."),
    "conflict_first": N_("%(by)s sudah memeriksa dua laporan yang sama: laporan yang pertama dikirim yang dipakai."),
    "conflict_second": N_("%(by)s sudah memeriksa dua laporan yang sama: laporan yang kemudian dikirim yang dipakai."),
    "conflict_both": N_("%(by)s sudah memeriksa dua laporan yang sama: keduanya disimpan sebagai pertemuan berbeda."),
}


def told_text(key: str, values: dict[str, Any], t: Gettext) -> str:
    return t(_TOLD[key]) % values


async def apply_decisions(s: Session, step: Step[dict[str, Any]], contact: ContactView | None, now: datetime,
                          notices: Notices) -> None:
    if not step.decisions or contact is None:
        return
    t = _t()
    for kind, ref, decision in step.decisions:
        for channel, external, key, values in await store.decide(s, contact, kind, ref, decision, now):
            notices.append((channel, external, Reply(told_text(key, values, t))))


async def propose_match(s: Session, saved: SavedReport, report: NewReport | None, notices: Notices) -> None:
    """A meeting another program reported too (same desa, kind and date): its fasilitator (or the koordinator
    above) is asked whether it is one event, as a conflict is asked (answered in the chat, or in `menunggu`)."""
    from storage.matches import EVENT_FORMS, proposals, several_programs
    if report is None or report.form_id not in EVENT_FORMS or not await several_programs(s):
        return
    match = next((m for m in await proposals(s, report.area_code) if m.report_id == saved.id), None)
    if match is None:
        return
    item = WaitingView("match", match.report_id, f"{match.name} ({match.program})", match.area_code,
                       f"{match.other_name} ({match.other_program})", f"{match.form_id} {match.period or ''}".strip(),
                       match.since)
    question = flows_access.question(item, replace_ctx(), catalog.gettext_for("id"))
    for channel, external in await store.approvers(s, report.area_code):
        notices.append((channel, external, question))


async def report_kept_apart(s: Session, saved: SavedReport | None, contact: ContactView | None,
                            forms: FormVersions, report: NewReport | None, lang: str,
                            notices: Notices) -> list[Reply]:
    """A report under another person's key: the sender is told here (returned), the first sender and
    the fasilitator through ``notices``."""
    t = catalog.gettext_for(lang)
    if saved and contact is not None and not contact.verified:     # saved: the contact sent it
        return [Reply(t("Laporan ini ditandai \"belum diverifikasi\" sampai fasilitator kecamatan menyetujui "
                        "pendaftaran Anda."))] + await report_kept_apart(s, saved, replace(contact, verified=True),
                                                                         forms, report, lang, notices)
    if saved and not saved.competes_with:
        await propose_match(s, saved, report, notices)   # the same event reported for another program
    if not saved or not saved.competes_with or saved.owner_id is None or report is None or contact is None:
        return []                         # (competing: a report of this contact, its first sender known)
    from storage.models import Contact
    first = await s.get(Contact, saved.owner_id)
    form = forms.get((report.form_id, report.form_version))
    title = report_title(form, report.answers, "id", _t()) if form else report.form_id
    first_name = first.name if first else "?"
    mine = Reply(t("Laporan yang sama (%(title)s) sudah dikirim oleh %(name)s. Laporan Anda tidak menimpanya: "
                   "disimpan terpisah, dan fasilitator kecamatan akan memilih yang dipakai.")
                 % {"title": title, "name": first_name})
    t_id = _t()
    for channel, external in await store.identities_of(s, saved.owner_id):
        notices.append((channel, external, Reply(t_id(
            "%(name)s juga mengirim %(title)s. Laporan Anda tetap tersimpan; fasilitator kecamatan akan memeriksa "
            "keduanya.") % {"name": contact.name, "title": title})))
    item = WaitingView("conflict", saved.id, contact.name, report.area_code, first_name, title)
    question = flows_access.question(item, replace_ctx(), t_id)
    for channel, external in await store.approvers(s, report.area_code):
        notices.append((channel, external, question))
    return [mine]

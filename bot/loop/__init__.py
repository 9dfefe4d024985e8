"""The learning loop on the bot side: what a side conversation may see (``load``), storing its decisions and
telling the village (``apply_actions``), and the loop's lines in summaries (``summary_block``).

Messages back to kader and storytellers go through the outbox like any reply, but never in quiet hours
(20:00–07:00 in the desa's zone) and with a WhatsApp template for outside the 24-hour window
(``followup_update``: variables name, message).
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, datetime
from typing import Any, assert_never

from flows.display import choice_labels
from flows.loop_steps import LoopAction
from flows.forms import FormVersions
from flows.loop_values import FOR_AGENCIES, LOCAL_OPEN, LoopData, ProposalView, RecView, SelectedView, fmt_target, overdue, send_at, status_label, update_text
from flows import proposals, selected
from flows.selection import LEVELS, BELOW, level_label, panel_level, question_text, selected_text, story_title
from flows.problem import Gettext
from flows.types import ContactView, Reply
from storage import followup as F
from storage import stories as S
from storage import forum as Forum
from storage.db import Session
from storage.models import Contact, Recommendation

from .. import catalog

log = logging.getLogger("pantau.loop")
TEMPLATE = "followup_update"

#: a message in a person's language: (their gettext, their language) → text
TextFor = Callable[[Gettext, str], str]


def _names(codes: Iterable[str | None]) -> dict[str, str]:
    areas = catalog.area_index()
    return {c: areas.short(c) for c in codes if c}


def domains(forms: FormVersions, lang: str) -> tuple[tuple[str, str], ...]:
    return tuple(choice_labels(forms, "cerita", lang).get("level", {}).items())


def _typed(text: str) -> str | None:
    from flows import answers, side
    return side.COMMANDS.get(answers.normalize(text).lstrip("/"))


def wants_load(contact: ContactView, text: str) -> bool:
    """Whether a message of this person may need the loop's data: always for coordinators and OPD, for a kader
    only when they type ``cerita terpilih`` or ``status usulan`` (a menu number asks through ``ctx.need``)."""
    from flows import side
    return contact.role != "kader" or _typed(text) in side.KADER_VIEWS


async def load(s: Session, contact: ContactView, now: datetime, forms: FormVersions, lang: str, text: str = "",
               views: bool = False) -> LoopData | None:
    """The items, recommendations and stories in the contact's own scope; the stories selected by the panels of
    their area when they ask for them (``cerita terpilih``, for everyone), a kader's own desa's proposals
    (``status usulan``). ``views``: both of those (a kader picked one from the menu)."""
    typed = _typed(text)
    program = contact.program_id          # every list of their own program only (None: every program, the forum)
    shown: tuple[SelectedView, ...] = ()
    if views or typed == selected.COMMAND:
        shown = tuple(await S.selected_in(s, contact.area_code, contact.program_id))
    mine: tuple[ProposalView, ...] = ()
    if contact.role == "kader" and (views or typed == proposals.COMMAND):
        await F.sync_items(s, contact.area_code, now)
        mine = tuple(await F.proposals(s, contact.area_code, program))
    level = panel_level(contact.role, contact.area_code)
    if contact.role == "fasilitator":
        await F.sync_items(s, contact.area_code, now)
        items = tuple(await F.open_items(s, contact.area_code, program=program))
        stories = tuple(await S.waiting(s, "kecamatan", contact.area_code, contact.program_id))
        local = tuple(await F.recommendations(s, contact.area_code, local_only=True, statuses=LOCAL_OPEN,
                                              program=program))
        data = LoopData(items=items, agencies=tuple(await F.agencies(s, contact.area_code[:5])), stories=stories,
                        domains=domains(forms, lang), recs=local)
        codes = {i.desa for i in items} | {st.desa for st in stories} | {d for r in local for d in r.desa} | {
            contact.area_code}
    elif contact.role in ("koordinator", "opd"):
        agency = await F.contact_agency(s, contact.id) if contact.role == "opd" else None
        recs = (tuple(await F.recommendations(s, contact.area_code, agency=agency.id if agency else None,
                                              open_only=True, carried_only=True, statuses=FOR_AGENCIES,
                                              program=program))
                if contact.role == "koordinator" or agency else ())
        forum = (tuple(await Forum.waiting(s, contact.area_code, program))
                 if contact.role == "koordinator" and contact.area_code.count(".") == 1 else ())
        stories = tuple(await S.waiting(s, level, contact.area_code, contact.program_id)) if level else ()
        data = LoopData(recs=recs, agency=agency.name if agency else None, stories=stories,
                        domains=domains(forms, lang), forum=forum,
                        agencies=tuple(await F.agencies(s, contact.area_code)) if forum else ())
        codes = {r.kec for r in recs + forum} | {d for r in recs + forum for d in r.desa} | {st.desa for st in stories}
    elif shown or mine or views:
        data, codes = LoopData(domains=domains(forms, lang), proposals=mine), {contact.area_code}
    else:
        return None
    if data.stories:
        data = replace(data, rounds=await S.rounds(s))
    codes |= {x.desa for x in shown} | {c.area for x in shown for c in x.chosen}
    return replace(data, names=_names(codes), selected=shown)


async def _notify(s: Session, contact_id: int, area: str, text_for: TextFor, now: datetime) -> bool:
    """Queue ``text_for(t, lang)`` to a contact in their language, outside quiet hours, with the template."""
    row = await s.get(Contact, contact_id)
    if row is None:
        return False
    t = catalog.gettext_for(row.lang)
    text = text_for(t, row.lang)
    payload = {"text": text, "template": TEMPLATE, "variables": {"name": row.name, "message": text}}
    return await F.queue_to(s, contact_id, payload, send_at(now, area), now)


async def _tell_village(s: Session, change: F.Change, now: datetime) -> int:
    told = 0
    names = _names(change.desa_items)
    for cid, _name, desa, _lang in await F.kader_of(s, sorted(change.desa_items), change.programs):
        rec = replace(change.rec, topic=change.desa_items[desa])

        def text_for(t: Gettext, lang: str, rec: RecView = rec, desa: str = desa) -> str:
            return update_text(rec, names[desa], t, lang, change.note, change.reason, change.actor)
        told += await _notify(s, cid, desa, text_for, now)
    return told


async def apply_actions(s: Session, contact: ContactView, actions: Iterable[tuple[str, dict[str, Any]]], now: datetime,
                        forms: FormVersions, lang: str) -> list[Reply]:
    """Store a side conversation's decisions (scope checked again) and queue the messages they cause."""
    t = catalog.gettext_for(lang)
    replies: list[Reply] = []
    for kind, work in actions:
        what = LoopAction(kind)           # an unknown kind is a bug: it raises, never passes as stored
        try:
            match what:
                case LoopAction.RECOMMEND:
                    await _tell_village(s, await F.recommend(s, contact, work, now), now)
                case LoopAction.STATUS:
                    agency = await F.contact_agency(s, contact.id)
                    await _tell_village(s, await F.set_status(s, contact, agency.id if agency else None, work, now),
                                        now)
                case LoopAction.FORUM:
                    change = await Forum.decide(s, contact, work, now)
                    if change is not None:
                        await _tell_village(s, change, now)
                    if change is not None and work.get("do") == "return":
                        await _tell_fasilitator(s, change, now)
                case LoopAction.SELECT | LoopAction.VERIFY:
                    decision = await S.decide(s, contact, kind, work, now)
                    await _tell_storyteller(s, contact, kind, work, decision, forms, now)
                case _:
                    assert_never(what)
        except (F.OutOfScope, S.OutOfScope) as exc:
            log.warning("loop action %s refused for contact %d: %s", kind, contact.id, exc)
            replies.append(Reply(t("Maaf, ini tidak bisa disimpan karena di luar wilayah atau tugas Anda.")))
    return replies


async def _tell_fasilitator(s: Session, change: F.Change, now: datetime) -> None:
    """A recommendation returned by the forum: the fasilitator who carried it hears why (its items are back in
    their queue)."""
    row = await s.get(Recommendation, change.rec.id)
    if row is None:
        return
    kec = catalog.area_index().short(change.rec.kec)
    await _notify(s, row.created_by, change.rec.kec, lambda t, lang: t(
        "Forum kabupaten mengembalikan rekomendasi %(kec)s: \"%(text)s\". Alasannya: %(reason)s. Usulan desanya "
        "kembali ke daftar \"tindak lanjut\" Anda.") % {"kec": kec, "text": change.rec.text,
                                                       "reason": change.reason or "-"}, now)


async def _tell_storyteller(s: Session, contact: ContactView, kind: str, work: dict[str, Any],
                            decision: S.Decision, forms: FormVersions, now: datetime) -> None:
    area = catalog.area_index().short(contact.area_code)
    title = story_title(decision.story)

    def text_for(t: Gettext, lang: str) -> str:
        if kind == "select":
            domain = dict(domains(forms, lang)).get(decision.domain, decision.domain)
            return selected_text(title, domain, work["level"], area, work["reason"], t)
        return question_text(title, area, work["question"], t)
    await _notify(s, decision.teller_id, decision.desa, text_for, now)


# ---------------------------------------------------------------- summaries

def _listing(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items())


async def summary_block(s: Session, area: str, today: date, forms: FormVersions, t: Gettext, lang: str = "id", program: int | None = None
                        ) -> str:
    """The loop in a summary (of ``program``; None: every program): recommendations by status and OPD, overdue
    ones, and stories selected per level."""
    recs = await F.recommendations(s, area, program=program)
    lines = [t("TINDAK LANJUT: %(count)s rekomendasi") % {"count": len(recs)}]
    if recs:
        by_status: dict[str, int] = {}
        by_agency: dict[str, int] = {}
        for r in recs:
            by_status[status_label(r.status, t)] = by_status.get(status_label(r.status, t), 0) + 1
            if r.agency:
                by_agency[r.agency] = by_agency.get(r.agency, 0) + 1
        lines.append(t("- Status: %(list)s") % {"list": _listing(by_status)})
        if by_agency:
            lines.append(t("- Per OPD: %(list)s") % {"list": _listing(dict(sorted(by_agency.items())))})
        late = [r for r in recs if overdue(r, today)]
        for r in late:
            lines.append(t("- LEWAT TARGET: %(agency)s — %(text)s (target %(target)s, %(status)s)") % {
                "agency": r.agency, "text": r.text, "target": fmt_target(r.target, lang),
                "status": status_label(r.status, t)})
    lines += ["", *await story_lines(s, area, forms, t, lang, program)]
    return "\n".join(lines)


async def story_lines(s: Session, area: str, forms: FormVersions, t: Gettext, lang: str = "id", program: int | None = None) -> list[str]:
    """"Panel kecamatan: 3 cerita dipilih dari 41; domain Kelembagaan desa: …" per level (of ``program``)."""
    total, picked, stories = await S.for_summary(s, area, program)
    labels = dict(domains(forms, lang))
    lines = []
    for level in LEVELS:
        chosen = [rid for rid, events in picked.items() if any(e[0] == level and e[1] == "dipilih" for e in events)]
        below = total if level not in BELOW else sum(
            1 for events in picked.values() if any(e[0] == BELOW[level] and e[1] == "dipilih" for e in events))
        if not chosen and level != "kecamatan":
            continue
        parts = [t("Panel %(level)s: %(count)s cerita dipilih dari %(total)s") % {
            "level": level_label(level, t), "count": len(chosen), "total": below}]
        for rid in chosen:
            a = stories[rid].answers
            domain = a.get("level")
            reason = next(e[2] for e in reversed(picked[rid]) if e[0] == level and e[1] == "dipilih")
            parts.append(t("domain %(domain)s: %(title)s (%(desa)s) — alasan panel: %(reason)s") % {
                "domain": labels.get(domain, domain) if isinstance(domain, str) else domain, "title": story_title(a.get("story") or ""),
                "desa": catalog.area_index().short(stories[rid].area_code), "reason": reason})
        lines.append("; ".join(parts))
    return [t("CERITA TERPILIH:")] + (lines or [t("- belum ada")])

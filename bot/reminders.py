"""`pantau remind` (once, e.g. from cron) and `pantau scheduler` (every minute): reminders and summaries.

Safe to run from several processes at once: each reminder is claimed by its unique key in the same
transaction that queues its messages, so it is sent once.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime, timedelta
from typing import Any

from flows.display import fmt_date
from flows.forms import FormVersions
from flows.problem import Gettext
from flows.schedule import DEFAULT_SCHEDULE, Due, Person, due_reminders, due_summaries
from flows.types import ContactView, RoundView
from storage.completeness import IN_PROGRESS, MISSING, completeness
from storage.db import Database, Session
from storage.matches import several_programs
from storage.programs import program_codes
from storage.reminders import Planned, claim, claim_to, people, rounds_with_schedule, silent_drafts
from storage import webhooks

from . import catalog
from .clock import clock
from .payloads import reply_payload

log = logging.getLogger("pantau.reminders")


def reminder_text(d: Due, t: Gettext, lang: str) -> str:
    p = {**d.params, "due": fmt_date(d.params["due"], lang)} if "due" in d.params else dict(d.params)
    if d.kind == "before":
        return t("Bapak/Ibu %(name)s, laporan pemantauan putaran %(round)s untuk %(desa)s ditunggu paling lambat "
                 "%(due)s (%(days)s hari lagi). Ketik \"menu\" lalu pilih Laporan pemantauan.") % p
    if d.kind == "due":
        return t("Bapak/Ibu %(name)s, hari ini batas laporan pemantauan putaran %(round)s untuk %(desa)s. "
                 "Ketik \"menu\" lalu pilih Laporan pemantauan. Terima kasih.") % p
    if d.kind == "after":
        return t("Bapak/Ibu %(name)s, laporan pemantauan putaran %(round)s untuk %(desa)s belum kami terima "
                 "(batas %(due)s). Mohon dikirim bila sempat; ketik \"menu\" untuk mulai.") % p
    missing = "\n".join(f"- {n}" for n in d.params["missing"])
    return (t("Bapak/Ibu %(name)s, desa di Kec. %(kecamatan)s ini belum mengirim laporan pemantauan putaran "
              "%(round)s (batas %(due)s). Mohon dibantu diingatkan:") % p) + "\n" + missing


def _active(rnd: RoundView, today: date, sched: dict[str, Any]) -> bool:
    start = date.fromisoformat(rnd.due) - timedelta(days=max(sched["before_days"], default=0) + 1)
    end = date.fromisoformat(rnd.due) + timedelta(days=max([*sched["after_days"], sched["escalate_after_days"]]) + 2)
    return min(start, date.fromisoformat(rnd.start)) <= today <= end


WHY = {"before": "pengingat sebelum batas", "due": "pengingat hari batas", "after": "pengingat setelah batas",
       "escalate": "daftar desa belum melapor untuk fasilitator", "weekly": "ringkasan mingguan",
       "closed": "ringkasan penutupan putaran"}


EVERY = "every"     # the pass for members of every program (the forum): their summaries only


async def run_once(db: Database, forms: FormVersions, now: datetime | None = None, plan: list[Planned] | None = None,
                   dry_run: bool = False, program: int | None = None) -> int:
    """Queue every reminder and scheduled summary due now; returns how many were queued. Each one goes into
    ``plan`` (a list of storage.reminders.Planned) if given; ``dry_run`` queues nothing and records nothing.
    ``program``: only that program's rounds, desa and members (`pantau remind --program`). Without it, a
    deployment of several programs reminds each program's members of their own program's rounds and desa
    (a Kotaku report does not spare a PKH kader), and members of every program get their summaries."""
    now = now or clock()
    queued = 0
    async with db.session() as s, s.begin():
        passes: list[int | str | None] = [program]
        if program is None and await several_programs(s):
            passes = [*(await program_codes(s)), EVERY]
        for one in passes:
            queued += await _pass(s, forms, now, plan, dry_run, one)
        if not dry_run:           # a draft's one reminder (issue 11); --dry-run lists only round reminders
            queued += await _remind_drafts(s, forms, now)
    if queued:
        log.info("queued %d reminders/summaries", queued)
    return queued


async def _pass(s: Session, forms: FormVersions, now: datetime, plan: list[Planned] | None, dry_run: bool,
                program: int | str | None) -> int:
    """The reminders and summaries of one program (None: of a deployment with one program, as always;
    ``EVERY``: the summaries of members of every program)."""
    from .reports.coordinator import summary_replies
    queued = 0
    areas = catalog.area_index()
    forum = program == EVERY
    pid = program if isinstance(program, int) else None
    kader: list[Person]
    fasil: list[Person]
    if forum:
        kader, fasil, koord = [], [], await people(s, "koordinator", every=True)
    else:
        kader, fasil, koord = [await people(s, role, pid) for role in ("kader", "fasilitator", "koordinator")]
    by_desa: dict[str, list[Person]] = {}
    for p in kader:
        by_desa.setdefault(p.area_code, []).append(p)
    by_kec: dict[str, list[Person]] = {}
    for p in fasil:
        by_kec.setdefault(p.area_code, []).append(p)
    for rnd, schedule, round_program in await rounds_with_schedule(s, pid):
        if not dry_run:           # round.closed to the webhooks, once, the day after its due date
            await webhooks.round_closed(s, rnd.name, rnd.start, rnd.due, now, round_program)
        sched = {**DEFAULT_SCHEDULE, **(schedule or {})}
        if not _active(rnd, now.date(), sched):
            continue
        if not forum:
            rows = await completeness(s, "", rnd, program=pid) if pid else await completeness(s, "", rnd)
            missing = {r.code: by_desa.get(r.code, []) for r in rows
                       if r.status in (MISSING, IN_PROGRESS) and not r.waiting}    # a sent report awaiting a check: no chase
            names = {c: areas.short(c) for c in {*missing, *(c.rsplit(".", 1)[0] for c in missing)}}
            names.update({c: areas.name(c) for c in by_kec})
            for d in due_reminders(rnd, now, missing, by_kec, names, schedule):
                t = catalog.gettext_for("id")
                payload = {"text": reminder_text(d, t, "id"), "template": f"reminder_{d.kind}",
                           "variables": {k: v for k, v in d.params.items() if isinstance(v, (str, int))}}
                queued += await claim(s, _keyed(d.key, pid), d.contact_id, [payload], now, plan,
                                      f"{WHY.get(d.kind, d.kind)}, putaran {rnd.name}", dry_run)
        for d in due_summaries(rnd, now, koord, schedule):
            contact = next(p for p in koord if p.contact_id == d.contact_id)
            view = ContactView(contact.contact_id, contact.name, "koordinator", contact.area_code,
                               program_id=pid)   # None: every program, as before
            replies = await summary_replies(s, view, now, forms, catalog.gettext_for("id"), "id")
            queued += await claim(s, _keyed(d.key, pid), d.contact_id, [reply_payload(r) for r in replies], now,
                                  plan, f"{WHY.get(d.kind, d.kind)}, putaran {rnd.name}", dry_run)
    return queued


def _keyed(key: str, program: int | None) -> str:
    """A reminder's once-only key, of one program: a person in two programs is reminded once for each."""
    return key if program is None else f"{key}@p{program}"[:200]


async def _remind_drafts(s: Session, forms: FormVersions, now: datetime) -> int:
    """One reminder per silent draft, in the area's working hours (flows.engine.draft_reminder)."""
    from flows.dates import zone_for_area
    from flows.recovery import DRAFT_REMIND_AFTER, DRAFT_REMIND_UNTIL, draft_reminder
    from flows.types import Context
    ctx = Context(now=now, forms=forms, gettext=catalog.gettext_for)
    queued = 0
    for channel, external_id, state, updated, contact_id in await silent_drafts(
            s, now - DRAFT_REMIND_AFTER, now - DRAFT_REMIND_UNTIL):
        draft = state.get("form") or state.get("draft") or {}
        if not 8 <= now.astimezone(zone_for_area(draft.get("area"))).hour < 20:
            continue
        reply = draft_reminder(state, ctx)
        if reply is not None:
            key = f"draft:{channel}:{external_id}:{state.get('updated') or updated.isoformat()}"[:200]
            queued += await claim_to(s, key, contact_id, channel, external_id, [reply_payload(reply)], now)
    return queued


async def run_forever(db: Database, forms: FormVersions, every: float = 60.0) -> None:
    while True:
        try:
            await run_once(db, forms)
        except Exception:   # keep the scheduler alive; the next minute retries
            log.exception("reminder run failed")
        await asyncio.sleep(every)

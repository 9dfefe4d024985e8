"""The path of one message: inbound record → session → flows.advance → report + outbox, in one transaction."""
from __future__ import annotations

import logging
import os
from dataclasses import asdict
from datetime import datetime, timezone

from flows.engine import advance, needs
from flows.types import Context, Inbound, Reply
from storage.db import Database
from storage.repo import Tx, sync_forms

from . import catalog

log = logging.getLogger("pantau.pipeline")


def clock() -> datetime:
    """Now, or the fixed time in PANTAU_NOW (ISO, for scripted tests)."""
    fixed = os.environ.get("PANTAU_NOW")
    if fixed:
        value = datetime.fromisoformat(fixed)
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.now(timezone.utc)


def reply_payload(reply: Reply, lang: str = "id") -> dict:
    """An outbox row's payload; with choices, also how to answer them by number (for text channels)."""
    data = {k: v for k, v in asdict(reply).items() if v not in (None, (), False)}
    if "choices" in data:
        data["choices"] = list(data["choices"])
        n = len(data["choices"])
        if n > 1:
            t = catalog.gettext_for(lang)
            data["hint"] = t("Balas %(numbers)s atau %(last)s.") % {
                "numbers": ", ".join(str(i) for i in range(1, n)), "last": n}
    return data


class Pipeline:
    def __init__(self, db: Database, forms: dict, now=clock):
        self.db = db
        self.forms = forms
        self.now = now

    @classmethod
    async def open(cls, db: Database, form_dirs=None, now=clock) -> "Pipeline":
        """Migrate, load the area tree once, register the form versions, and return a ready pipeline."""
        await db.migrate()
        await db.seed_areas(catalog.area_names())
        async with db.session() as s:
            raw = await sync_forms(s, catalog.read_forms(form_dirs), now())
        return cls(db, catalog.build_forms(raw), now)

    async def handle(self, inbound: Inbound, media: tuple[str, str, str, int] | None = None) -> list[Reply] | None:
        """Process one message; None if it is a duplicate (already processed, nothing sent again)."""
        now = self.now()
        async with self.db.session() as s, s.begin():
            tx = Tx(s)
            payload = {"text": inbound.text, "kind": inbound.kind, "photo": inbound.photo,
                       "location": list(inbound.location) if inbound.location else None}
            if not await tx.record_inbound(inbound.channel, inbound.message_id, inbound.sender, payload, now):
                log.info("duplicate %s message dropped", inbound.channel)
                return None
            if media:
                await tx.add_media(*media, now)
            session = await tx.lock_session(inbound.channel, inbound.sender, now) or None
            contact = await tx.contact_for(inbound.channel, inbound.sender)
            want = needs(session, inbound, registered=contact is not None)
            ctx = Context(
                now=now, forms=self.forms, gettext=catalog.gettext_for, contact=contact,
                areas=catalog.area_index() if "areas" in want else None,
                invites=await tx.open_invites() if "invites" in want else {},
                rounds=await tx.rounds(),
                recent_reports=await tx.recent_reports(contact) if contact and "recent" in want else (),
                previous=await tx.previous_answers(contact.area_code) if contact and "previous" in want else {},
            )
            step = advance(session, inbound, ctx)
            replies = list(step.replies)
            if step.contact:
                contact = await tx.create_contact(inbound.channel, inbound.sender, step.contact, now)
            if step.language and contact:
                await tx.set_language(contact.id, step.language)
            if step.report and contact:
                _, revision = await tx.save_report(step.report, contact.id, now)
                if revision > 1:
                    t = catalog.gettext_for(step.session.get("lang", "id"))
                    replies.insert(1, Reply(t("Laporan ini menggantikan laporan yang sama yang dikirim sebelumnya "
                                              "(perbaikan ke-%(n)s). Riwayatnya tetap tersimpan.") % {"n": revision - 1}))
            if step.request and contact:
                from .coordinator import fulfil
                replies += await fulfil(s, step.request, contact, now, self.forms, step.session.get("lang", "id"))
            await tx.save_session(inbound.channel, inbound.sender, step.session, now)
            for reply in replies:
                await tx.enqueue(inbound.channel, inbound.sender, reply_payload(reply, step.session.get("lang", "id")),
                                 now)
        return replies

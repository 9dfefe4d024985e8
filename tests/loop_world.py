"""Actors of the learning-loop tests: people talking to the real pipeline over the terminal channel, with a
transcript of everything said (golden files in tests/golden/)."""
from __future__ import annotations

import itertools
from datetime import timezone
from pathlib import Path

from sqlalchemy import select

from bot.pipeline import Pipeline
from flows.types import Inbound
from storage.models import Outbox
from storage.repo import create_invite, upsert_round

from .conftest import open_pipeline

GOLDEN = Path(__file__).parent / "golden"
_ids = itertools.count(1)


class World:
    def __init__(self, p: Pipeline, now):
        self.p, self.now, self.lines, self.codes = p, now, [], {}
        self.channel_of: dict[str, str] = {}          # who writes on another channel than the terminal

    @classmethod
    async def open(cls, url, now) -> "World":
        box = {"now": now}
        p = await open_pipeline(url, now=lambda: box["now"])
        w = cls(p, now)
        w._box = box
        return w

    def at(self, when) -> None:
        self._box["now"] = when
        self.lines.append(f"\n--- {when.isoformat()}")

    def tick(self, minutes: int = 1) -> None:
        """Time passes (not in the transcript): a story's key is the time it was started."""
        from datetime import timedelta
        self._box["now"] += timedelta(minutes=minutes)

    async def say(self, who: str, text: str, record: bool = True):
        replies = await self.p.handle(Inbound(self.channel_of.get(who, "terminal"), who, f"m{next(_ids)}", text=text))
        replies = list(replies or []) + await self._rendered_jobs(who)
        if record:
            self.lines.append(f"👤 {who}: {self.codes.get(text, text)}")
            for r in replies:
                self.lines.append("🤖 " + r.text.replace("\n", "\n   "))
                self.lines += [f"   {i}. {c}" for i, c in enumerate(r.choices, 1)]
        return replies

    async def _rendered_jobs(self, who: str) -> list:
        """A coordinator's ringkasan/unduh is a job (bot/jobs.py): rendered here, as `pantau chat` does,
        and its replies read from the outbox."""
        from bot.reports.jobs import run_due
        from flows.types import Reply
        done = await run_due(self.p.db, self.p.forms)
        if not done:
            return []
        async with self.p.db.session() as s:
            rows = list(await s.scalars(select(Outbox).where(Outbox.external_id == who)
                                        .order_by(Outbox.id.desc()).limit(done)))
        return [Reply(r.payload.get("text", ""), image=r.payload.get("image"), document=r.payload.get("document"))
                for r in reversed(rows)]

    async def script(self, who: str, *texts: str, record: bool = True):
        out = None
        for text in texts:
            out = await self.say(who, text, record)
        return out

    async def register(self, who: str, name: str, role: str, area: str) -> None:
        """A legitimate person (issue 12): a fasilitator or koordinator with an invite for the area, a kader
        who registers and is approved (so reports count as verified)."""
        if role in ("2", "3"):
            from bot import catalog
            found = catalog.area_index().search(area, 3 if role == "2" else 2)
            code = await self.invite("fasilitator" if role == "2" else "koordinator", found.codes[0])
            await self.script(who, "halo", name, role, code, record=False)
            return
        await self.script(who, "halo", name, role, area, "ya", record=False)
        from storage.access import approve_contact, find_contacts
        async with self.p.db.session() as s:
            [contact] = await find_contacts(s, who)
            await approve_contact(s, contact.id, self.now)
            await s.commit()

    async def invite(self, role: str, area: str, agency: str | None = None) -> str:
        """An invite (an OPD's: its agency registered first when it is not yet, as `pantau opd add` does)."""
        from storage.agencies import add, resolve
        async with self.p.db.session() as s:
            if agency and await resolve(s, area[:5], agency) is None:
                await add(s, area[:5], agency, self._box["now"])
            code = await create_invite(s, role, area, self._box["now"], agency=agency)
        self.codes[code] = f"<kode undangan {role}{' ' + agency if agency else ''}>"   # random: not in goldens
        return code

    async def round(self, *args) -> None:
        async with self.p.db.session() as s:
            await upsert_round(s, *args)

    async def notices(self, who: str) -> list[Outbox]:
        """Messages queued to a person that were not replies to their own message (templated notices)."""
        async with self.p.db.session() as s:
            rows = await s.scalars(select(Outbox).where(Outbox.external_id == who).order_by(Outbox.id))
            return [r for r in rows if r.payload.get("template") == "followup_update"]

    def record_notices(self, who: str, rows) -> None:
        for r in rows:
            at = r.next_attempt_at if r.next_attempt_at.tzinfo else r.next_attempt_at.replace(tzinfo=timezone.utc)
            via = f" via {r.channel}" if r.channel != "terminal" else ""
            self.lines.append(f"📨 to {who}{via} (from {at.astimezone(timezone.utc).isoformat()}): "
                              + r.payload["text"].replace("\n", "\n   "))

    def check_golden(self, name: str) -> None:
        import os
        path = GOLDEN / name
        text = "\n".join(self.lines).strip() + "\n"
        if os.environ.get("PANTAU_UPDATE_GOLDEN") or not path.exists():
            path.write_text(text, encoding="utf-8")
        assert text == path.read_text(encoding="utf-8"), f"transcript differs from {path} (PANTAU_UPDATE_GOLDEN=1)"

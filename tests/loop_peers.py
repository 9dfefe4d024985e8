"""People of the learning loop on real peers: Telegram users typing into the telegram-test-api emulator (whose
updates reach the app's webhook), WhatsApp users posting Twilio-signed webhooks, all to one app built like
`pantau serve`'s (bot/server.py build_app: the real routes, the outbox loops running in its event loop). A
transcript records, per person and channel, what they typed and what reached their own phone."""
from __future__ import annotations

import asyncio
import contextlib
import functools
from dataclasses import dataclass, field
from sqlalchemy import func, select

from storage.keys import aware
from storage.models import InboundMessage, Outbox
from storage.repo import create_invite, upsert_round

from .conftest import NOW, open_pipeline
from .loop_world import GOLDEN
from .telegram.compat import SimUser
from .telegram.harness import SECRET, TOKEN as TG_TOKEN, Harness
from .test_whatsapp import Phone, config
from .twilio_peer import TwilioPeer, free_port, serving


@dataclass
class Person:
    name: str
    role: str
    phone: str | None = None               # their WhatsApp number
    chat: int | None = None                # their Telegram chat id
    last: str | None = None                # the channel they last wrote on (what the test expects news on)
    heard: dict[str, int] = field(default_factory=dict)   # channel → messages received

    def id_on(self, channel: str) -> str:
        return self.phone if channel == "whatsapp" else str(self.chat)


class Peers:
    """The app, the Twilio stand-in and the Telegram emulator; ``say`` is one person typing on one channel."""

    def __init__(self, emulator: str, db_url: str):
        self.h = Harness(emulator, db_url)
        self.peer = TwilioPeer("AC" + "1" * 32, "a" * 32)
        self.public = "https://pantau.example.org"
        self.cfg = config(self.peer, self.public)
        self.people: list[Person] = []
        self.users: dict[int, SimUser] = {}
        self.phones: dict[str, Phone] = {}
        self.lines: list[str] = []
        self.codes: dict[str, str] = {}
        self.seen = 0                                  # Twilio requests already read

    @contextlib.asynccontextmanager
    async def running(self, monkeypatch):
        from bot.channels import telegram_sender as tg     # TelegramOutbox builds its Limits there
        from bot.channels.telegram import TelegramChannel, TelegramConfig
        from bot.channels.registry import Live
        from bot.server import build_app
        # Telegram's 1 message a second per chat is the sender's own concern (tests/test_telegram_sender.py)
        monkeypatch.setattr(tg, "Limits", functools.partial(tg.Limits, 1000.0, 1000.0))
        app_port = free_port()
        async with serving(self.h.compat.app(), self.h.compat_port), serving(self.peer.app(), self.peer.port):
            self.p = self.h.pipeline = await open_pipeline(self.h.db_url)
            cfg = TelegramConfig(TG_TOKEN, self.h.cfg.api_base_url, f"http://127.0.0.1:{app_port}", SECRET)
            self.h.webhook = True
            self.channel = TelegramChannel(cfg, self.p)
            try:
                channels = [Live("whatsapp", self.cfg), Live("telegram", cfg, self.channel)]
                async with serving(build_app(self.p, channels, run_senders=True), app_port) as url:
                    self.url = url
                    yield self
                    await self.channel.app.bot.delete_webhook()
            finally:
                await self.p.db.close()

    def person(self, name: str, role: str, phone: str | None = None, chat: int | None = None) -> Person:
        who = Person(name, role, phone, chat)
        self.people.append(who)
        if chat is not None:
            self.users[chat] = SimUser(self.h.compat.emu, self.h.compat, chat, name.split()[0])
        if phone is not None:
            self.phones[phone] = Phone(self.url, self.public, self.peer, number=phone)
            self.phones[phone].n = 1000 * len(self.people)        # MessageSids unique across phones
        return who

    # ---------------------------------------------------------------- talking

    async def say(self, who: Person, channel: str, text: str, record: bool = True) -> list[str]:
        """``who`` types ``text`` on ``channel``; once every reply and notice it caused has left through the
        outbox, what each person received is recorded (the speaker's replies, everyone else's news)."""
        who.last = channel
        if channel == "whatsapp":
            await asyncio.to_thread(self.phones[who.phone].say, text)      # 200 only once committed
        else:
            async with self.p.db.session() as s:
                before = await s.scalar(select(func.count()).select_from(InboundMessage))
            await self.users[who.chat].send(text)
            await self._until(lambda n: n > before, InboundMessage, f"the webhook never delivered {text!r}")
        await self._drained()
        got = await self._received()
        if record:
            self.lines.append(f"👤 {who.name} ({who.role}) on {channel}: {self.codes.get(text, text)}")
        mine = []
        # the speaker's replies, then everyone else's news in the order of the cast (each person's own messages
        # keep the outbox's order; between people the senders' order is not the same from run to run)
        order = [who] + [p for p in self.people if p is not who]
        got.sort(key=lambda g: order.index(g[0]))
        for person, ch, text_ in got:
            assert ch == person.last, f"{person.name} got news on {ch} but last wrote on {person.last}: {text_}"
            person.heard[ch] = person.heard.get(ch, 0) + 1
            if person is who:
                mine.append(text_)
                if record:
                    self.lines.append("🤖 " + text_.replace("\n", "\n   "))
            elif record:
                self.lines.append(f"📨 to {person.name} ({person.role}) on {ch}: " + text_.replace("\n", "\n   "))
        return mine

    async def script(self, who: Person, channel: str, *texts: str, record: bool = True) -> list[str]:
        out: list[str] = []
        for text in texts:
            out = await self.say(who, channel, text, record)
        return out

    async def _until(self, ok, table, why: str) -> None:
        for _ in range(600):
            async with self.p.db.session() as s:
                if ok(await s.scalar(select(func.count()).select_from(table))):
                    return
            await asyncio.sleep(0.02)
        raise AssertionError(why)

    async def _drained(self) -> None:
        """Every row due now has left (sent or failed): nothing waits in the outbox for the loops."""
        for _ in range(1000):
            async with self.p.db.session() as s:
                rows = list(await s.scalars(select(Outbox).where(Outbox.status.in_(("pending", "sending")))))
            if not [r for r in rows if aware(r.next_attempt_at) <= NOW]:
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"the outbox never drained: {[(r.channel, r.external_id, r.status) for r in rows]}")

    async def _received(self) -> list[tuple[Person, str, str]]:
        """(person, channel, text) of everything delivered since the last look, WhatsApp then Telegram."""
        out = []
        by_phone = {p.phone: p for p in self.people if p.phone}
        for req in self.peer.requests[self.seen:]:
            form = req["form"]
            person = by_phone[form["To"].removeprefix("whatsapp:")]
            text = form.get("Body") or f"[templat {form.get('ContentSid')}] {form.get('ContentVariables')}"
            out.append((person, "whatsapp", text))
        self.seen = len(self.peer.requests)
        for person in self.people:
            if person.chat is None:
                continue
            for m in await self.users[person.chat].read():
                text = m["text"] + ("\n⌨ " + " | ".join(m["keyboard"]) if m["keyboard"] else "")
                out.append((person, "telegram", text))
        return out

    # ---------------------------------------------------------------- the world around the chats

    async def invite(self, role: str, area: str, agency: str | None = None) -> str:
        from storage.agencies import add, resolve
        async with self.p.db.session() as s:
            if agency and await resolve(s, area[:5], agency) is None:
                await add(s, area[:5], agency, NOW)
            code = await create_invite(s, role, area, NOW, agency=agency)
        self.codes[code] = f"<kode undangan {role}{' ' + agency if agency else ''}>"   # random: not in goldens
        return code

    async def round(self, *args) -> None:
        async with self.p.db.session() as s:
            await upsert_round(s, *args)

    async def roster(self, who: Person, area_code: str) -> None:
        """``who`` is on the program's roster (`pantau roster import`) with their WhatsApp number and their
        Telegram chat: verified, one person on both channels."""
        from flows.types import NewContact
        from storage.repo import Tx
        async with self.p.db.session() as s, s.begin():
            tx = Tx(s)
            contact = await tx.create_contact("whatsapp", who.phone, NewContact(who.name, "kader", area_code, "id"),
                                              NOW)
            await tx.add_identity(contact.id, "telegram", str(who.chat))

    async def outbox(self) -> list[Outbox]:
        async with self.p.db.session() as s:
            return list(await s.scalars(select(Outbox).order_by(Outbox.id)))

    def note(self, line: str) -> None:
        self.lines.append(line)

    def check_golden(self, name: str) -> None:
        import os
        path = GOLDEN / name
        heard = ["--- what each person received, per channel"] + [
            f"{p.name} ({p.role}): " + ", ".join(f"{ch} {n}" for ch, n in sorted(p.heard.items()))
            for p in self.people]
        text = "\n".join(self.lines + heard).strip() + "\n"
        if os.environ.get("PANTAU_UPDATE_GOLDEN") or not path.exists():
            path.write_text(text, encoding="utf-8")
        assert text == path.read_text(encoding="utf-8"), f"transcript differs from {path} (PANTAU_UPDATE_GOLDEN=1)"

"""One routing rule for every kind of message to a person who did not just write (issue 24): the channel they
last wrote on. A person on the roster with a WhatsApp number and a Telegram chat writes on one channel, then on
another; every kind of notice follows them to the last one (and never to a channel they stopped using)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from flows.types import Inbound, NewContact
from storage.models import Outbox
from storage.repo import Tx

from .conftest import NOW, open_pipeline

KILMURY, KEC = "81.05.08.2010", "81.05.08"
PHONE, CHAT = {"kader": "+6281200000001", "fasil": "+6281300000001"}, {"kader": "700500001", "fasil": "700500009"}
CHANNELS = ("terminal", "whatsapp", "telegram")


def ext(who: str, channel: str) -> str:
    return CHAT[who] if channel == "telegram" else PHONE[who]


async def people(p, clock, first: str, last: str, tick: timedelta = timedelta(minutes=1)) -> dict[str, int]:
    """The kader of Kilmury and their fasilitator, on the roster with both ids, each wrote on ``first`` then on
    ``last`` (``tick`` later)."""
    ids = {}
    async with p.db.session() as s, s.begin():
        tx = Tx(s)
        for who, role, area in (("kader", "kader", KILMURY), ("fasil", "fasilitator", KEC)):
            contact = await tx.create_contact("whatsapp", PHONE[who], NewContact(who.title(), role, area, "id"), NOW)
            await tx.add_identity(contact.id, "telegram", CHAT[who])
            ids[who] = contact.id
    for n, channel in enumerate((first, last)):
        for who in ids:
            clock["now"] += tick
            await p.handle(Inbound(channel, ext(who, channel), f"m-{who}-{n}", text="menu"))
    return ids


@pytest.mark.parametrize("first,last", [(a, b) for a in CHANNELS for b in CHANNELS if a != b])
async def test_every_notice_kind_goes_where_the_person_last_wrote(db_url, first, last):
    from storage.access import identities_of
    from storage.dashboard import kader_of
    from storage.followup import queue_to
    from storage.reminders import delivery
    from storage.routing import reach, reach_many
    clock = {"now": NOW}
    p = await open_pipeline(db_url, now=lambda: clock["now"])
    ids = await people(p, clock, first, last)
    expected = {who: (last, ext(who, last)) for who in ids}
    # an approval request: a stranger registers as kader of Kilmury; their fasilitator is asked
    for i, text in enumerate(("halo", "Budi", "1", "Kilmury, Kilmury", "ya")):
        await p.handle(Inbound("terminal", "+6281299999999", f"b{i}", text=text))
    async with p.db.session() as s:
        asked = [(r.channel, r.external_id) for r in await s.scalars(select(Outbox).where(
            Outbox.payload["template"].as_string() == "notice"))]
        assert asked == [expected["fasil"]]
        # the decision on a registration or on competing reports, to the kader concerned
        assert await identities_of(s, ids["kader"]) == [expected["kader"]]
    async with p.db.session() as s, s.begin():     # follow-up news and story news (bot/loop: one queue_to for both)
        assert await queue_to(s, ids["kader"], {"text": "berita"}, NOW, NOW)
    async with p.db.session() as s:
        news = await s.scalar(select(Outbox).where(Outbox.payload["text"].as_string() == "berita"))
        assert (news.channel, news.external_id) == expected["kader"]
        # a scheduled reminder, and one queued by hand on the dashboard
        assert await delivery(s, ids["kader"]) == expected["kader"]
        [kader] = [k for k in (await kader_of(s, [KILMURY]))[KILMURY] if k.contact_id == ids["kader"]]
        assert (kader.channel, kader.external_id) == expected["kader"]
        assert kader.last_message is not None
        # the one rule, for one person or for a page of them
        assert await reach_many(s, list(ids.values())) == {ids[w]: await reach(s, ids[w]) for w in ids}
    await p.db.close()


async def test_the_dashboard_reaches_a_roster_kader_who_never_wrote_on_their_registered_channel(db_url):
    from storage.dashboard import kader_of
    p = await open_pipeline(db_url)
    async with p.db.session() as s, s.begin():
        tx = Tx(s)
        await tx.create_contact("whatsapp", PHONE["kader"], NewContact("Kader", "kader", KILMURY, "id"), NOW)
        other = await tx.create_contact("telegram", CHAT["kader"], NewContact("Tele", "kader", KILMURY, "id"), NOW)
    async with p.db.session() as s:
        found = {k.name: (k.channel, k.external_id, k.last_message) for k in (await kader_of(s, [KILMURY]))[KILMURY]}
    assert found == {"Kader": ("whatsapp", PHONE["kader"], None), "Tele": ("telegram", CHAT["kader"], None)}
    assert other.id
    await p.db.close()


@pytest.mark.parametrize("first,last", [("whatsapp", "telegram"), ("telegram", "whatsapp"), ("terminal", "whatsapp")])
async def test_two_messages_of_the_same_instant_are_ordered_as_they_were_recorded(db_url, first, last):
    """A fixed clock (PANTAU_NOW, scripted chats) or two hosts whose clocks differ: the message recorded last
    decides, not the order of the person's identities."""
    from storage.routing import reach, reach_many
    clock = {"now": NOW}
    p = await open_pipeline(db_url, now=lambda: clock["now"])
    ids = await people(p, clock, first, last, tick=timedelta(0))
    async with p.db.session() as s:
        assert await reach(s, ids["kader"]) == (last, ext("kader", last))
        assert (await reach_many(s, [ids["kader"]]))[ids["kader"]] == (last, ext("kader", last))
    await p.db.close()

"""A registration flood must not push strangers' text to a fasilitator (issue 28: 15 notices in 2 s): notices
to one person are limited per window, the rest folded into one short digest; every item still waits."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot import notices
from storage.models import Outbox

from .conftest import NOW
from .conftest import open_pipeline
from .test_access import FASIL, add_fasilitator, register_kader, send


async def _notices_to(p, who) -> list[dict]:
    async with p.db.session() as s:
        return [o.payload for o in await s.scalars(select(Outbox).where(Outbox.external_id == who)
                                                    .order_by(Outbox.id))]


async def test_a_registration_flood_reaches_the_fasilitator_as_a_few_notices_and_one_digest(db_url):
    clock = {"now": NOW}
    p = await open_pipeline(db_url, now=lambda: clock["now"])
    await add_fasilitator(p)
    for n in range(15):
        await register_kader(p, f"+62812000001{n:02d}", f"Orang Asing {n}")
    sent = await _notices_to(p, FASIL)
    assert len(sent) == notices.PER_WINDOW + 1                       # was 15
    assert all("mendaftar sebagai kader" in x["text"] for x in sent[:notices.PER_WINDOW])
    digest = sent[-1]
    assert digest["digest"] and "pemberitahuan lain" in digest["text"] and "menunggu" in digest["text"]
    assert "Orang Asing" not in digest["text"]                       # names no one
    assert digest["template"] == "notice"                            # reaches WhatsApp outside 24 hours
    out = await send(p, "menunggu", FASIL)                           # nothing is lost: all 15 wait
    assert all(f"- Orang Asing {n} " in out for n in range(15))
    clock["now"] = NOW + notices.WINDOW + timedelta(seconds=1)       # a new window: a new notice in full
    await register_kader(p, "+6281200000200", "Ibu Kemudian")
    assert "Ibu Kemudian mendaftar" in (await _notices_to(p, FASIL))[-1]["text"]
    await p.db.close()


async def test_one_batch_of_many_notices_is_folded_too(db_url):
    """Several registrations in one transaction (group commit) are limited the same way."""
    from flows.types import Inbound
    p = await open_pipeline(db_url)
    await add_fasilitator(p)
    people = [f"+62812000003{n:02d}" for n in range(8)]
    for text in ("halo", "Orang", "1", "Kilmury, Kilmury"):
        await p.handle_batch([(Inbound("terminal", who, f"{who}-{text}", text=text), None) for who in people])
    await p.handle_batch([(Inbound("terminal", who, f"{who}-ya", text="ya"), None) for who in people])
    sent = await _notices_to(p, FASIL)
    assert len(sent) == notices.PER_WINDOW + 1 and sent[-1]["digest"]
    assert "5 pemberitahuan lain" in sent[-1]["text"]
    await p.db.close()

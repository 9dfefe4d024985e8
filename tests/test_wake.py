"""The senders are woken by the commit that queued a reply (bot/wake.py), not by their next poll.

A kader's reply used to wait for the senders' next look at the outbox (0.2-0.5 s, most of the first-reply
time); the loops below poll only every 30 s, so a reply that leaves within a second was rung for."""
import asyncio
import itertools

from bot import wake
from bot.outbox import OutboxLoop, Sent
from flows.types import Inbound

from .conftest import open_pipeline

_ids = itertools.count(1)


class Recording:
    name = "merpati"

    def __init__(self):
        self.sent: list[str] = []
        self.arrived = asyncio.Event()

    async def prepare(self, tx, rows, now):
        return None

    def ready(self, recipient):
        return True

    async def send(self, row):
        self.sent.append(row.payload.get("text", ""))
        self.arrived.set()
        return Sent(f"m{len(self.sent)}")

    async def settle(self, tx, row):
        return None


async def test_a_reply_leaves_when_it_is_committed_not_at_the_next_poll(db_url):
    p = await open_pipeline(db_url)
    channel = Recording()
    loop = asyncio.create_task(OutboxLoop(p.db, channel).run_forever(every=30))
    try:
        await asyncio.sleep(0.2)                  # the loop's first round: nothing to send, then it waits
        for word in ("halo", "Siti Aminah"):
            channel.arrived.clear()
            await p.handle(Inbound("merpati", "burung-siti", f"w{next(_ids)}", text=word))
            await asyncio.wait_for(channel.arrived.wait(), 5)   # not 30 s: the commit rang
        assert any("Siti Aminah" in text for text in channel.sent)
    finally:
        loop.cancel()
        await asyncio.gather(loop, return_exceptions=True)
    again = wake.listen(p.db.url)                 # the doorbell was given back when the loop ended
    assert again is not None
    wake.stop_listening(p.db.url, again)
    await p.db.close()


async def test_a_ring_with_no_listener_is_harmless_and_two_loops_share_one_bell():
    url = f"sqlite+aiosqlite:///nowhere-{next(_ids)}.db"
    wake.ring(url)                                # nobody listens: nothing raised, nothing blocks
    first, second = wake.listen(url), wake.listen(url)
    assert first is not None and second is not None
    wake.ring(url)
    await asyncio.wait_for(asyncio.gather(first.wait(), second.wait()), 2)
    wake.stop_listening(url, first)
    second.clear()
    wake.ring(url)
    await asyncio.wait_for(second.wait(), 2)      # the other loop still hears it
    wake.stop_listening(url, second)

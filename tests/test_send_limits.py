"""Telegram's broadcast limit as Telegram would count it: never more than 30 messages arriving
within one second, whatever the round trip and its jitter, while still sending close to 30/s.

A simulated clock: each send takes a round trip drawn per scenario, and Telegram "receives" it at
a random moment inside that round trip — the one thing the sender cannot know."""
import asyncio
import random

import pytest

from bot.channels.telegram import Limits


class FakeTime:
    def __init__(self):
        self.t = 1000.0

    def clock(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += max(seconds, 0.0)


async def broadcast(round_trip, messages: int = 600, chats: int | None = None, seed: int = 1):
    """Arrival times at Telegram and the elapsed time, for ``messages`` sends one after another."""
    rng, fake = random.Random(seed), FakeTime()
    limits = Limits(clock=fake.clock, sleep=fake.sleep)
    arrivals, begin = [], fake.t
    for i in range(messages):
        async with limits.slot(str(i % chats if chats else i)):
            rtt = round_trip(rng)
            arrivals.append(fake.t + rng.uniform(0.0, rtt))
            await fake.sleep(rtt)
    return sorted(arrivals), fake.t - begin


def most_in_one_second(arrivals: list[float]) -> int:
    """The largest number of arrivals in any window [t, t + 1 s)."""
    most, lo = 0, 0
    for hi, t in enumerate(arrivals):
        while arrivals[lo] <= t - 1.0:
            lo += 1
        most = max(most, hi - lo + 1)
    return most


@pytest.mark.parametrize("name, round_trip, least_rate", [
    ("local, steady 2 ms", lambda r: 0.002, 29.0),
    ("jitter 0-80 ms", lambda r: r.uniform(0.0, 0.08), 22.0),
    ("mostly fast, 1 in 20 stalls 400 ms", lambda r: 0.4 if r.random() < 0.05 else 0.003, 20.0),
    ("slow network, 150 ms", lambda r: 0.15, 6.0),
])
async def test_never_more_than_30_in_a_second_at_telegram(name, round_trip, least_rate):
    for seed in range(5):
        arrivals, elapsed = await broadcast(round_trip, seed=seed)
        assert most_in_one_second(arrivals) <= 30, name
        assert len(arrivals) / elapsed >= least_rate, name


async def test_fast_network_uses_at_least_95_percent_of_the_limit():
    arrivals, elapsed = await broadcast(lambda r: r.uniform(0.001, 0.01), messages=3000)
    assert len(arrivals) / elapsed >= 0.95 * 30


async def test_one_chat_gets_one_message_a_second():
    arrivals, elapsed = await broadcast(lambda r: r.uniform(0.0, 0.05), messages=20, chats=1)
    gaps = [b - a for a, b in zip(arrivals, arrivals[1:])]
    assert min(gaps) >= 1.0 - 0.05          # anchored at the previous answer: ≥ 1 s minus this send's own delay
    assert elapsed < 20 * 1.1


async def test_a_waiting_slot_really_sleeps():
    slept = []

    async def sleep(seconds):
        slept.append(seconds)
        await asyncio.sleep(0)
    t = [0.0]
    limits = Limits(overall=2, clock=lambda: t[0], sleep=sleep)
    for _ in range(2):
        async with limits.slot("a" + str(_)):
            t[0] += 0.1
    slept.clear()

    async def advance_when_asked(seconds):
        slept.append(seconds)
        t[0] += seconds
    limits.sleep = advance_when_asked
    async with limits.slot("c"):
        pass
    assert slept and abs(sum(slept) - 0.9) < 1e-9     # the first send ended at 0.1 s: free again at 1.1 s

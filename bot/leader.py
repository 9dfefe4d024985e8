"""Run the background jobs (scheduler, outbox senders) only while this process is the elected leader."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from storage.db import Database
from storage.leader import Leadership

log = logging.getLogger("pantau.leader")


async def lead(db: Database, jobs: list[Callable[[], Awaitable[None]]], every: float = 2.0,
               name: str = "pantau-leader") -> None:
    """Forever: try to become leader; while leading, run ``jobs``; if the lock is lost, stop them and try
    again. Followers only retry every ``every`` seconds, so several processes can run this safely."""
    leadership = Leadership(db, name)
    try:
        while True:
            if not await leadership.try_acquire():
                await asyncio.sleep(every)
                continue
            log.info("this process leads %s", name)
            # ensure_future: a task for each job (the jobs are coroutines; typed as awaitables for the callers)
            tasks = [asyncio.ensure_future(job()) for job in jobs]
            try:
                while await leadership.still_held() and not all(t.done() for t in tasks):
                    await asyncio.sleep(every)
            finally:
                for t in tasks:
                    t.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
            log.warning("leadership of %s lost; trying again", name)
    finally:
        await leadership.release()

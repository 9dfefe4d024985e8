"""Warm-up at start: what the first message needs is loaded before the first message arrives.

A fresh process used to answer its first message in 1–4 s (later ones in milliseconds): the area tree's
search index, the date and number parsers, the catalogs and the database connection were all built
on first use. ``warm_up`` walks one throwaway conversation through the pure engine (registration, a
meeting report up to the numbers), then the same conversation through the real pipeline — SQL
compiled, the database connection opened — in a transaction that is rolled back, so nothing is stored
and polling or webhooks start with everything in place."""
from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from flows import dates
from flows.engine import advance
from flows.forms import Form
from flows.types import ContactView, Context, Inbound

from . import catalog

log = logging.getLogger("pantau.warmup")
REGISTRATION = ("/start", "Siti Aminah", "1", "Kilmury, Kilmury", "ya")
REPORT = ("1", "1", "kemarin", "Balai desa", "L 79 P 38", "20", "2", "lewati", "lewati")


class Warmable(Protocol):
    """What warming needs of the pipeline (bot.pipeline.Pipeline)."""

    @property
    def forms(self) -> dict[tuple[str, int], Form]: ...

    def now(self) -> datetime: ...

    async def handle_batch(self, items: list[tuple[Inbound, Any]], rehearse: bool = False) -> Any: ...


def _walk(forms: dict[tuple[str, int], Form], now: datetime, texts: Sequence[str],
          contact: ContactView | None = None) -> None:
    session: dict[str, Any] | None = None
    for i, text in enumerate(texts):
        ctx = Context(now=now, forms=forms, gettext=catalog.gettext_for, contact=contact, areas=catalog.area_index())
        step = advance(session, Inbound("warmup", "warmup", f"w{i}", text=text), ctx)
        session = step.session


async def warm_up(pipeline: Warmable) -> float:
    """Seconds it took. Failures are logged, never fatal: warming is an optimisation."""
    start = time.perf_counter()
    try:
        now = pipeline.now()
        catalog.area_index().prepare()      # the search tables, built at a search otherwise
        dates.load()                        # dateparser, imported at a first unusual date otherwise
        _walk(pipeline.forms, now, REGISTRATION)
        _walk(pipeline.forms, now, REPORT, ContactView(0, "Siti Aminah", "kader", "81.05.08.2010", "id"))
        for lang in ("id", "en"):
            catalog.gettext_for(lang)("Balas %(numbers)s atau %(last)s.")
        # the same conversation through the real pipeline, in one transaction rolled back at the end:
        # every statement compiled, every code path of a message loaded, nothing stored
        texts = REGISTRATION + ("menu",) + REPORT + ("kirim",)
        await pipeline.handle_batch([(Inbound("warmup", "warmup", f"warmup-{i}", text=text), None)
                                     for i, text in enumerate(texts)], rehearse=True)
    except Exception:   # noqa: BLE001
        log.warning("warm-up did not complete", exc_info=True)
    took = time.perf_counter() - start
    log.info("warmed up in %.2f s", took)
    return took

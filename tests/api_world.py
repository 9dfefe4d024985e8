"""The data API over the two-kabupaten scenario (tests/summary_world.py): a client app, keys, and a pull helper."""
from __future__ import annotations

from datetime import datetime

import httpx
from starlette.applications import Starlette

from bot.web.api import RateLimit, routes
from storage.api_clients import create_client
from storage.models import Recommendation, RecommendationEvent
from tests import summary_world as W
from tests.conftest import NOW, open_pipeline

ALL_SCOPES = ["read:aggregates", "read:reports", "read:recommendations", "read:people"]


class World:
    def __init__(self, pipeline, client: httpx.AsyncClient):
        self.pipeline, self.http = pipeline, client

    async def key(self, areas=("81.05",), scopes=ALL_SCOPES, days=30, now: datetime = NOW,
                  programs: list[int] | None = None) -> str:
        async with self.pipeline.db.session() as s:
            _, key = await create_client(s, "Bappeda SBT", list(areas), list(scopes), days, now, programs)
            await s.commit()
        return key

    async def get(self, path: str, key: str | None, **params):
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return await self.http.get("/api/v1" + path, params=params, headers=headers)

    async def pull(self, path: str, key: str, **params) -> list[dict]:
        """Every row, page after page through next_cursor."""
        rows, cursor = [], None
        while True:
            r = await self.get(path, key, **params, **({"cursor": cursor} if cursor else {}))
            assert r.status_code == 200, r.text
            body = r.json()
            rows += body["data"]
            cursor = body["next_cursor"]
            if not cursor:
                return rows


async def recommendations(db) -> None:
    """One follow-up recommendation per kabupaten, each with a status change."""
    async with db.session() as s, s.begin():
        for kec, text in (("81.05.01", "Modal tenun ikat dari BUMDes"), ("81.01.01", "Pakan ternak murah")):
            rec = Recommendation(kec=kec, text=text, level="kecamatan", status="usulan", created_by=1,
                                 created_at=W.at(2024, 8, 1), updated_at=W.at(2024, 8, 2))
            s.add(rec)
            await s.flush()
            s.add(RecommendationEvent(recommendation_id=rec.id, status="usulan", contact_id=1, at=W.at(2024, 8, 1)))
            s.add(RecommendationEvent(recommendation_id=rec.id, status="diproses", note="Dibahas di musrenbang",
                                      contact_id=1, at=W.at(2024, 8, 2)))


async def open_world(db_url: str, per_minute: int = 10_000):
    p = await open_pipeline(db_url)
    await W.build(p.db)
    await recommendations(p.db)
    app = Starlette(routes=routes(p, RateLimit(per_minute)))
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://pantau.test")
    return World(p, http)


async def changes_after(world: World, key: str, cursor: str | None, expect: int = 1, wait: float = 15.0):
    """/changes from a cursor: (rows, next cursor), asked again until ``expect`` rows came or ``wait`` passed.
    On PostgreSQL the feed holds back while any transaction of the cluster that began earlier still runs
    (its horizon is cluster-wide): other tests' databases on a shared server delay it, never break it."""
    import asyncio
    import time
    until = time.monotonic() + wait
    while True:
        body = (await world.get("/changes", key, **({"cursor": cursor} if cursor else {}))).json()
        if len(body["data"]) >= expect or time.monotonic() > until:
            return body["data"], body["next_cursor"]
        await asyncio.sleep(0.2)

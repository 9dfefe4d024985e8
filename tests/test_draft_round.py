"""An unsent draft marks its desa "sedang diisi" in its own round only (issue 28: it did in every round)."""
from __future__ import annotations

from storage.completeness import IN_PROGRESS, MISSING, completeness, get_round
from storage.repo import upsert_round

from .conftest import open_pipeline
from .test_pipeline import register_kader, send

KILMURY = "81.05.08.2010"


async def _status(p, round_name: str) -> str:
    async with p.db.session() as s:
        rows = await completeness(s, "81.05", await get_round(s, round_name))
    return {r.code: r.status for r in rows}[KILMURY]


async def test_a_draft_of_one_round_is_in_progress_in_that_round_only(db_url):
    p = await open_pipeline(db_url)
    async with p.db.session() as s:
        await upsert_round(s, "April 2024", "2024-04-01", "2024-05-31")
        await upsert_round(s, "Juli 2024", "2024-07-01", "2024-08-31")
    await register_kader(p)
    replies = await send(p, "2")                          # monitoring: which round?
    assert "Juli 2024" in replies[-1].choices
    await send(p, "Juli 2024")
    await send(p, "Kebun sayur")                          # ... and the kader stops here: a draft
    assert await _status(p, "Juli 2024") == IN_PROGRESS
    assert await _status(p, "April 2024") == MISSING      # was "sedang diisi" too
    await p.db.close()

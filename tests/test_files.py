"""Finding 9 (issue 12): files made for coordinators (charts, Excel under media/shared/) are reachable
only by their unguessable name, for a day; then they are gone. Nothing else under media/ is served."""
import os
import time

import httpx
import pytest

from bot import media
from bot.server import build_app


@pytest.fixture
async def app(tmp_path, monkeypatch):
    """The app's routes over httpx's ASGI transport (no server, no lifespan: /files needs neither)."""
    monkeypatch.setenv("PANTAU_MEDIA_DIR", str(tmp_path / "media"))
    from types import SimpleNamespace
    pipeline = SimpleNamespace(db=None, forms={}, now=None)       # only /files is asked for here
    transport = httpx.ASGITransport(app=build_app(pipeline=pipeline, run_senders=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://pantau.test") as client:
        yield client


def make(stem="pantau-81.05-20240815", suffix=".xlsx", age_hours=0.0):
    path = media.shared_path(stem, suffix)
    path.write_bytes(b"PK\x03\x04 excel")
    if age_hours:
        old = time.time() - age_hours * 3600
        os.utime(path, (old, old))
    return path


async def test_a_fresh_file_is_served_by_its_link_and_an_old_one_is_gone(app):
    fresh, old = make(), make(age_hours=25)
    got = await app.get(f"/files/{fresh.name}")
    assert got.status_code == 200 and got.content.startswith(b"PK") and "no-store" in got.headers["cache-control"]
    assert (await app.get(f"/files/{old.name}")).status_code == 404
    assert not old.exists()                       # asking for it removed it


async def test_files_older_than_a_day_are_removed_even_if_nobody_asks(app):
    old, fresh = make(), make()
    os.utime(old, (time.time() - 30 * 3600,) * 2)
    os.utime(fresh, (time.time() - 23 * 3600,) * 2)
    assert media.sweep_shared() == 1
    assert not old.exists() and fresh.exists()
    os.utime(fresh, (time.time() - 25 * 3600,) * 2)
    make()                                        # making a new file sweeps too
    assert not fresh.exists()


@pytest.mark.parametrize("path", ["/files/", "/files/pantau-81.05-20240815.xlsx", "/files/..%2Fpantau.db",
                                  "/files/.hidden-aaaaaaaaaaaaaaaaaaaaaaaaa", "/media/", "/files/%2e%2e"])
async def test_nothing_is_listed_or_guessed(app, path):
    make()
    digest, _ = media.store_bytes(b"\xff\xd8 a photo of an attendance sheet")
    assert (await app.get(path)).status_code == 404
    assert (await app.get(f"/files/{digest}.jpg")).status_code == 404         # photos are never served

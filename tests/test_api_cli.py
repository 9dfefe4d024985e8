"""`pantau api-client create|list|revoke` as an administrator uses it: the key printed once and stored only as
a hash, listed without the key, revoked at once; a wrong area or scope refused in Indonesian."""
from __future__ import annotations

import asyncio
from pathlib import Path

from storage.api_clients import client_for_key
from storage.db import Database

from .test_cli_e2e import run


def _state(url: str, key: str):
    async def look():
        db = Database(url)
        try:
            async with db.session() as s:
                return await client_for_key(s, key)
        finally:
            await db.close()
    return asyncio.run(look())


def test_create_list_revoke(cli_env):
    made = run(cli_env, "api-client", "create", "--name", "Bappeda SBT", "--area", "Kab. Seram Bagian Timur",
               "--scope", "read:reports", "--scope", "read:aggregates", "--days", "90")
    key = made.stdout.strip()
    assert key.startswith("pantau_") and len(key) > 40 and "\n" not in key
    assert "tidak bisa ditampilkan lagi" in made.stderr and "81.05" not in made.stdout
    url = cli_env["PANTAU_DATABASE_URL"]
    if url.startswith("sqlite"):
        assert key.encode() not in Path(url.split("///", 1)[1]).read_bytes(), "only the key's hash is stored"
    client = _state(url, key)
    assert client.areas == ("81.05",) and client.scopes == {"read:reports", "read:aggregates"}
    listed = run(cli_env, "api-client", "list").stdout
    assert "Bappeda SBT" in listed and "aktif" in listed and key not in listed and key[:12] in listed
    gone = run(cli_env, "api-client", "revoke", str(client.id))
    assert "dicabut" in gone.stdout
    assert "dicabut" in run(cli_env, "api-client", "list").stdout
    assert _state(url, key).revoked_at is not None


def test_a_wrong_area_or_scope_is_refused(cli_env):
    bad = run(cli_env, "api-client", "create", "--name", "X", "--area", "Atlantis", "--scope", "read:reports",
              check=False)
    assert bad.returncode == 2 and "tidak ditemukan" in bad.stderr
    bad = run(cli_env, "api-client", "create", "--name", "X", "--area", "81.05", "--scope", "write:all", check=False)
    assert bad.returncode == 2 and "read:reports" in bad.stderr
    missing = run(cli_env, "api-client", "revoke", "99", check=False)
    assert missing.returncode == 2 and "tidak ada" in missing.stderr

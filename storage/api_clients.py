"""Keys of the data API (/api/v1): made once (only their SHA-256 is kept), narrowed to areas, programs and
scopes, expiring and revocable; every call audited (``api_calls``) and ``last_used_at`` kept."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .keys import aware
from .models import ApiCall, ApiClient

PREFIX = "pantau_"        # a recognisable prefix: secret scanners and people can tell a Pantau key
SCOPES = ("read:aggregates", "read:reports", "read:recommendations", "read:people")


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class ClientView:
    id: int
    name: str
    areas: tuple[str, ...]
    scopes: frozenset[str]
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    hint: str
    created_at: datetime
    programs: tuple[int, ...] | None = None      # program ids; None: every program

    def state(self, now: datetime) -> str:
        """active, expired or revoked."""
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now else "active"


def _maybe(value: datetime | None) -> datetime | None:
    return aware(value) if value is not None else None


def _view(row: ApiClient) -> ClientView:
    return ClientView(row.id, row.name, tuple(row.areas), frozenset(row.scopes), aware(row.expires_at),
                      _maybe(row.revoked_at), _maybe(row.last_used_at), row.key_hint, aware(row.created_at),
                      tuple(row.programs) if row.programs is not None else None)


async def create_client(s: AsyncSession, name: str, areas: list[str], scopes: list[str], days: float,
                        now: datetime, programs: list[int] | None = None) -> tuple[ClientView, str]:
    """A new client and its key (shown once: only its hash is stored); ``programs`` (ids) None: every program."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise ValueError(f"unknown scope: {', '.join(unknown)}")
    key = PREFIX + secrets.token_urlsafe(32)
    row = ApiClient(name=name, key_hash=key_hash(key), key_hint=key[:12], areas=sorted(set(areas)),
                    scopes=sorted(set(scopes)), created_at=now, expires_at=now + timedelta(days=days),
                    programs=sorted(set(programs)) if programs is not None else None)
    s.add(row)
    await s.flush()
    return _view(row), key


async def list_clients(s: AsyncSession) -> list[ClientView]:
    return [_view(r) for r in await s.scalars(select(ApiClient).order_by(ApiClient.id))]


async def revoke_client(s: AsyncSession, client_id: int, now: datetime) -> ClientView | None:
    """Revoke a key at once (None: no such client); a key revoked before keeps its first revocation time."""
    row = await s.get(ApiClient, client_id)
    if row is None:
        return None
    if row.revoked_at is None:
        row.revoked_at = now
    await s.flush()
    return _view(row)


async def client_for_key(s: AsyncSession, key: str) -> ClientView | None:
    """The client holding this key, whatever its state (the caller tells expired and revoked apart)."""
    if not key.startswith(PREFIX):
        return None
    row = await s.scalar(select(ApiClient).where(ApiClient.key_hash == key_hash(key)))
    return _view(row) if row is not None else None


async def audit(s: AsyncSession, client_id: int, endpoint: str, filters: dict[str, Any], status: int, rows: int,
                now: datetime) -> None:
    """One call of a key: kept in ``api_calls``; the key's ``last_used_at`` moves."""
    # one INSERT statement, not an ORM object and its flush (a page of the data API is a few ms: this was one)
    await s.execute(insert(ApiCall).values(client_id=client_id, endpoint=endpoint[:80], filters=filters, status=status,
                                           rows=rows, at=now))
    await s.execute(update(ApiClient).where(ApiClient.id == client_id).values(last_used_at=now))


async def calls(s: AsyncSession, client_id: int) -> list[ApiCall]:
    return list(await s.scalars(select(ApiCall).where(ApiCall.client_id == client_id).order_by(ApiCall.id)))

"""Who is calling the data API, and what they may read: the key (``Authorization: Bearer`` or the password of
HTTP Basic, so Excel and Power BI "From Web" work), its state, its scope, a rate limit per key, and an audit
row for every call (storage/api_clients.py)."""
from __future__ import annotations

import base64
import binascii
import math
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from storage import api_clients as store
from storage.api_clients import ClientView

from .errors import ApiError, error_response


def key_from(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    kind, _, value = header.partition(" ")
    if kind.lower() == "bearer":
        return value.strip() or None
    if kind.lower() == "basic":
        try:
            user, _, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return password.strip() or user.strip() or None      # the key as password (or as user name)
    return None


class RateLimit:
    """A token bucket per key in this process: ``per_minute`` calls, bursts up to that many."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic):
        self.rate, self.clock = per_minute / 60.0, clock
        self.capacity = float(per_minute)
        self.buckets: dict[int, tuple[float, float]] = {}

    def take(self, client_id: int) -> int | None:
        """None: allowed; else the seconds to wait (Retry-After)."""
        now = self.clock()
        tokens, at = self.buckets.get(client_id, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - at) * self.rate)
        if tokens < 1:
            self.buckets[client_id] = (tokens, now)
            return max(1, math.ceil((1 - tokens) / self.rate))
        self.buckets[client_id] = (tokens - 1, now)
        return None


def rate_limit_from_env(env: dict[str, str] | None = None) -> RateLimit:
    value = (env if env is not None else os.environ).get("PANTAU_API_RATE_PER_MINUTE", "120")
    try:
        return RateLimit(max(1, int(value)))
    except ValueError:
        raise SystemExit(f"PANTAU_API_RATE_PER_MINUTE={value!r}: tulis jumlah permintaan per menit, mis. 120.") from None


@dataclass
class Caller:
    """A call that passed the key, state, limit and scope checks."""
    client: ClientView
    request: Request
    pipeline: Any
    rows: int = 0                                    # rows answered (for the audit)
    filters: dict[str, str] = field(default_factory=dict)

    def may(self, scope: str) -> bool:
        return scope in self.client.scopes

    @property
    def people(self) -> bool:
        return self.may("read:people")

    @property
    def areas(self) -> list[str]:
        return list(self.client.areas)

    @property
    def programs(self) -> list[int] | None:
        """The ids of the key's programs; None: every program."""
        return None if self.client.programs is None else list(self.client.programs)


Handler = Callable[[Caller], Awaitable[Response]]


class Api:
    """What every endpoint shares: the pipeline (database, forms, clock) and the rate limit."""

    def __init__(self, pipeline: Any, limit: RateLimit | None = None):
        self.pipeline, self.limit = pipeline, limit or rate_limit_from_env()

    def endpoint(self, name: str, scope: str | None, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            client: ClientView | None = None
            caller: Caller | None = None
            try:
                client = await self._client(request)
                wait = self.limit.take(client.id)
                if wait is not None:
                    return error_response(request, ApiError("rate_limited", {"Retry-After": str(wait)},
                                                            seconds=str(wait)))
                caller = Caller(client, request, self.pipeline, filters=dict(request.query_params))
                if scope and not caller.may(scope):
                    raise ApiError("forbidden_scope", scope=scope)
                response = await handler(caller)
            except ApiError as exc:
                response = error_response(request, exc)
            # polling clients revalidate (ETag) rather than reuse; no browser guesses a CSV is a page
            response.headers.setdefault("Cache-Control", "private, no-cache")
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            if client is not None:
                async with self.pipeline.db.session() as s:
                    await store.audit(s, client.id, name, dict(request.query_params), response.status_code,
                                      caller.rows if caller else 0, self.pipeline.now())
                    await s.commit()
            return response
        return run

    async def _client(self, request: Request) -> ClientView:
        key = key_from(request)
        if not key:
            raise ApiError("missing_key")
        async with self.pipeline.db.session() as s:
            client = await store.client_for_key(s, key)
        if client is None:
            raise ApiError("bad_key")
        state = client.state(self.pipeline.now())
        if state != "active":
            raise ApiError("revoked_key" if state == "revoked" else "expired_key")
        return client

"""Bounded request bodies for the webhooks: read before anything is parsed, never past a size limit or
a deadline, and never spooled to disk (Starlette's ``request.form()`` writes multipart parts to temp
files before a handler can check who sent them)."""
from __future__ import annotations

import asyncio
from urllib.parse import parse_qsl

from starlette.requests import Request


class BodyTooLarge(Exception):
    pass


class BodyTooSlow(Exception):
    pass


class WrongContentType(Exception):
    pass


async def read_body(request: Request, limit: int, deadline: float = 10.0) -> bytes:
    """The whole body, or ``BodyTooLarge`` as soon as it (or its Content-Length) passes ``limit`` bytes,
    or ``BodyTooSlow`` when it has not arrived within ``deadline`` seconds (a client dripping bytes)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(int(declared))
    chunks, size = [], 0
    try:
        async with asyncio.timeout(deadline):       # one deadline for the whole body (no task per chunk)
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise BodyTooLarge(size)
                chunks.append(chunk)
    except TimeoutError:
        raise BodyTooSlow() from None
    return b"".join(chunks)


async def read_urlencoded(request: Request, limit: int, deadline: float = 10.0) -> list[tuple[str, str]]:
    """An ``application/x-www-form-urlencoded`` body as (name, value) pairs; any other content type
    (multipart above all) is refused unread with ``WrongContentType``."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/x-www-form-urlencoded":
        raise WrongContentType(ctype)
    body = await read_body(request, limit, deadline)
    try:
        return parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=1000)
    except (UnicodeDecodeError, ValueError) as exc:
        raise WrongContentType(str(exc)[:80]) from None

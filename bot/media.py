"""Storing photos at full resolution under the data folder, named by their SHA-256."""
from __future__ import annotations

import contextlib
import hashlib
import mimetypes
import os
import re
import secrets
import time
from pathlib import Path

from storage.db import DEFAULT_PATH


def media_dir() -> Path:
    path = Path(os.environ.get("PANTAU_MEDIA_DIR", DEFAULT_PATH / "media"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_bytes(data: bytes, suffix: str = ".jpg") -> tuple[str, Path]:
    digest = hashlib.sha256(data).hexdigest()
    target = media_dir() / f"{digest}{suffix}"
    if not target.exists():
        tmp = target.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(target)
    return digest, target


def store_file(path: str) -> tuple[str, Path, str, int]:
    """Copy a local file into the media store; returns (sha256, stored path, mime, size)."""
    data = Path(path).expanduser().read_bytes()
    suffix = Path(path).suffix.lower() or ".jpg"
    digest, target = store_bytes(data, suffix)
    return digest, target, mimetypes.guess_type(target.name)[0] or "application/octet-stream", len(data)


SHARED_TTL_SECONDS = 24 * 3600       # files made for coordinators live one day
_SHARED_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{20,150}")


def shared_dir() -> Path:
    folder = media_dir() / "shared"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def shared_path(stem: str, suffix: str) -> Path:
    """A new file under media/shared with an unguessable name: it may be fetched by URL (Twilio needs
    a public URL for the media it sends), so the name is the only key, and only for a day (files older
    than that are removed here, by ``sweep_forever`` and when asked for)."""
    sweep_shared()
    return shared_dir() / f"{stem}-{secrets.token_urlsafe(18)}{suffix}"


def sweep_shared(now: float | None = None) -> int:
    """Remove the shared files older than a day; returns how many."""
    now = time.time() if now is None else now
    removed = 0
    for path in shared_dir().iterdir():
        with contextlib.suppress(OSError):
            if path.is_file() and now - path.stat().st_mtime > SHARED_TTL_SECONDS:
                path.unlink()
                removed += 1
    return removed


def open_shared(name: str) -> Path | None:
    """The shared file a link names, if the name is one we make and the file is less than a day old;
    else None (an expired one is removed)."""
    if not _SHARED_NAME.fullmatch(name or "") or ".." in name:
        return None
    path = shared_dir() / name
    try:
        age = time.time() - path.stat().st_mtime
    except OSError:
        return None
    if not path.is_file():
        return None
    if age > SHARED_TTL_SECONDS:
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    return path


async def sweep_forever(every: float = 600) -> None:
    import asyncio
    while True:
        sweep_shared()
        await asyncio.sleep(every)

"""Storing photos at full resolution under the data folder, named by their SHA-256."""
from __future__ import annotations

import hashlib
import mimetypes
import os
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


def shared_path(stem: str, suffix: str) -> Path:
    """A new file under media/shared with an unguessable name: it may be fetched by URL (Twilio needs
    a public URL for the media it sends), so the name is the only key."""
    import secrets
    folder = media_dir() / "shared"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{stem}-{secrets.token_urlsafe(18)}{suffix}"

"""Photos at full resolution under the data folder, named by their SHA-256; WhatsApp and Telegram photos
fetched after the message is committed.

A photo is stored in the message's transaction as a *pending* media row (its id is the SHA-256 of where
it comes from, and the report refers to that id); the download happens afterwards, in the background
(a ``Fetcher`` per channel: ``TwilioMedia`` here, ``TelegramMedia`` in bot/telegram_media.py). WhatsApp:
``https`` on Twilio's media hosts only (``TWILIO_MEDIA_HOSTS``), the account's credentials sent to
Twilio's API host only (never to the CDN it redirects to), streamed to disk with a size cap
(``PANTAU_MEDIA_MAX_BYTES``, 16 MB like Twilio) and one deadline for the whole download
(``PANTAU_MEDIA_TIMEOUT``), and only an image content type is kept. A download that fails for a
passing reason is tried again (``run_media_fetcher``, also after a restart); one that can never
succeed marks the row failed and asks the sender, once, through the outbox, to send the photo again."""
from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import hashlib
import logging
import re
import secrets
import ssl
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urljoin, urlsplit

from flows.problem import N_

from . import catalog
from .clock import wall
from .config import TwilioConfig, settings
from .images import NOT_A_PHOTO, NotAnImage, sniff

if TYPE_CHECKING:
    from storage.db import Database

log = logging.getLogger("pantau.media")
MAX_ATTEMPTS = 6


def media_dir() -> Path:
    path = settings().media_dir
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
    """Copy a local image into the media store; returns (sha256, stored path, mime, size). ``NotAPhoto`` for a
    file that is not a raster image (by content, whatever its name says)."""
    data = Path(path).expanduser().read_bytes()
    mime, suffix = checked_image(data)
    digest, target = store_bytes(data, suffix)
    return digest, target, mime, len(data)


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
    while True:
        sweep_shared()
        await asyncio.sleep(every)


# ---------------------------------------------------------------- WhatsApp media, after the commit

def media_url_allowed(url: str, hosts: tuple[str, ...]) -> bool:
    """``https`` on one of ``hosts`` ("api.twilio.com", "*.twiliocdn.com"), or exactly an origin listed
    with its scheme ("http://127.0.0.1:8123", for tests). No credentials in the URL, no other port."""
    try:
        parts = urlsplit(url)
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:
        return False
    if not host or parts.username or parts.password:
        return False
    for allowed in hosts:
        if "://" in allowed:
            if f"{parts.scheme}://{parts.netloc}".lower() == allowed.lower():
                return True
            continue
        if parts.scheme != "https" or port not in (None, 443):
            continue
        allowed = allowed.lower()
        if host == allowed or (allowed.startswith("*.") and host.endswith(allowed[1:])):
            return True
    return False


@dataclass(frozen=True)
class PendingMedia:
    key: str          # the media row's id that the report refers to (SHA-256 of where the file comes from)
    url: str          # an https URL (Twilio) or "telegram:<file_id>"
    mime: str
    channel: str = "whatsapp"
    sender: str = ""  # who sent it: told if it can never be fetched

    @classmethod
    def for_url(cls, url: str, mime: str, sender: str = "") -> "PendingMedia":
        return cls(hashlib.sha256(("twilio-media:" + url).encode()).hexdigest(), url, mime, "whatsapp", sender)

    @classmethod
    def for_telegram(cls, file_id: str, chat: str, update_id: int) -> "PendingMedia":
        """One key per message (a forwarded photo sent twice is two rows, each told apart)."""
        key = hashlib.sha256(f"telegram-media:{chat}:{update_id}".encode()).hexdigest()
        return cls(key, TELEGRAM_PREFIX + file_id, "image/jpeg", "telegram", chat)

    def media_row(self) -> MediaRow:
        """What the pipeline records in the message's transaction: a media row with no file yet."""
        return (self.key, "", self.mime, 0, self.url, self.channel, self.sender or None)


TELEGRAM_PREFIX = "telegram:"

# what the pipeline records with a message (storage Tx.add_media): a file already stored (sha256, path, content
# type, size), or one still to fetch, with its URL, channel and sender
MediaRow = tuple[str, str, str, int] | tuple[str, str, str, int, str, str, str | None]


class Refused(Exception):
    """The media can never be fetched as it is (host, type, size): not tried again."""


class NotAPhoto(Refused):
    """The file is not a raster image (an SVG, a page, a document): the sender is told so, never shown it."""


class Transient(Exception):
    """The media could not be fetched now but may be later (network, the platform's 5xx)."""


class Fetcher(Protocol):
    """Downloads one pending file into the media store: (sha256, path, content type, size). Raises
    ``Refused`` for what can never succeed, ``Transient`` (or a network error) for what may."""
    prefix: str       # the URLs it fetches start with this

    async def __call__(self, url: str) -> tuple[str, Path, str, int]: ...


class TwilioMedia:
    """WhatsApp media from Twilio's hosts (``download``)."""
    prefix = "http"

    def __init__(self, cfg: TwilioConfig):
        self.cfg = cfg

    async def __call__(self, url: str) -> tuple[str, Path, str, int]:
        s = settings()
        return await download(self.cfg, url, s.media_max_bytes, s.media_timeout)


@functools.cache
def _tls() -> ssl.SSLContext:
    """One verified TLS context per process: httpx builds one per client otherwise, loading the CA bundle
    again (~18 ms of CPU for every photo fetched)."""
    import httpx
    return httpx.create_ssl_context()


async def download(cfg: TwilioConfig, url: str, max_bytes: int, timeout: float) -> tuple[str, Path, str, int]:
    """Stream ``url`` into the media store; (sha256, path, content type, size). ``Refused`` for what can
    never succeed; ``httpx.HTTPError`` / ``TimeoutError`` for what may succeed later."""
    import httpx            # here, not at the top: a `pantau` command that fetches no photo never loads it (~80 ms)
    first = urlsplit(url)
    folder = media_dir()
    tmp = folder / f"download-{secrets.token_hex(8)}.part"
    try:
        async with asyncio.timeout(timeout), httpx.AsyncClient(timeout=httpx.Timeout(10.0), verify=_tls()) as client:
            for _hop in range(4):
                if not media_url_allowed(url, cfg.media_hosts):
                    raise Refused("not a Twilio media host")
                same_origin = urlsplit(url)[:2] == first[:2]
                request = client.build_request("GET", url)
                if same_origin:     # the account's credentials go to Twilio's API only, never to a redirect
                    token = base64.b64encode(f"{cfg.account_sid}:{cfg.auth_token}".encode()).decode()
                    request.headers["Authorization"] = f"Basic {token}"
                resp = await client.send(request, stream=True)
                try:
                    if resp.is_redirect and "location" in resp.headers:
                        url = urljoin(url, resp.headers["location"])
                        continue
                    if 400 <= resp.status_code < 500 and resp.status_code not in (408, 429):
                        raise Refused(f"HTTP {resp.status_code}")
                    resp.raise_for_status()
                    ctype = resp.headers.get("content-type", "").split(";")[0].strip().lower()
                    if not ctype.startswith("image/"):
                        raise Refused(f"content type {ctype[:40]!r} is not an image")
                    declared = resp.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > max_bytes:
                        raise Refused(f"{declared} bytes, over {max_bytes}")
                    digest, size = hashlib.sha256(), 0
                    with open(tmp, "wb") as fh:
                        async for chunk in resp.aiter_bytes():
                            size += len(chunk)
                            if size > max_bytes:
                                raise Refused(f"over {max_bytes} bytes")
                            digest.update(chunk)
                            fh.write(chunk)
                finally:
                    await resp.aclose()
                ctype, suffix = checked_image(tmp)          # by content: the declared type is the sender's word
                target = folder / f"{digest.hexdigest()}{suffix}"
                tmp.replace(target)
                return digest.hexdigest(), target, ctype, size
            raise Refused("too many redirects")
    finally:
        tmp.unlink(missing_ok=True)


def checked_image(source: bytes | str | Path) -> tuple[str, str]:
    """(content type, suffix) of a raster image by its content (bot/images.py); ``NotAPhoto`` otherwise."""
    try:
        return sniff(source)
    except NotAnImage as exc:
        raise NotAPhoto(f"not a raster image ({exc})") from None


NOT_RECEIVED = N_("Maaf, foto Anda belum dapat kami terima. Mohon kirim ulang fotonya.")


async def fetch_pending(db: Database, fetch: Fetcher, key: str, url: str, attempts: int) -> bool:
    """One try at a pending media row; the outcome written down. True when the file is stored. A file that
    can never be fetched (refused, or still failing after ``MAX_ATTEMPTS``) is marked failed and its
    sender asked, once, to send it again."""
    import httpx
    from storage.media import media_retry_later, media_stored
    try:
        digest, path, ctype, size = await fetch(url)
    except Refused as exc:
        log.warning("media not fetched for good: %s", str(exc)[:120])
        await _failed(db, key, str(exc), NOT_A_PHOTO if isinstance(exc, NotAPhoto) else NOT_RECEIVED)
        return False
    except (Transient, httpx.HTTPError, OSError, TimeoutError) as exc:
        attempts += 1
        log.warning("media fetch failed (%s), attempt %d", type(exc).__name__, attempts)
        if attempts >= MAX_ATTEMPTS:
            await _failed(db, key, f"gave up after {attempts} attempts: {type(exc).__name__}")
            return False
        async with db.session() as session, session.begin():
            await media_retry_later(session, key, attempts, wall() + timedelta(seconds=min(5 * 2 ** attempts, 600)))
        return False
    async with db.session() as session, session.begin():
        await media_stored(session, key, str(path), ctype, size, digest)
    return True


async def _failed(db: Database, key: str, error: str, told: str = NOT_RECEIVED) -> None:
    """Failed for good, and its sender told (in the same transaction, so once): the report keeps the
    reference, shown as a photo that was not received (storage.media.failed_media)."""
    from storage.media import media_failed
    from storage.repo import Tx

    from .clock import clock
    async with db.session() as session, session.begin():
        owner = await media_failed(session, key, error)
        if owner is None:
            return
        tx = Tx(session)
        contact = (await tx.contacts_for_many([owner])).get(owner)
        t = catalog.gettext_for(contact.lang if contact else "id")
        await tx.enqueue(owner[0], owner[1], {"text": t(told)}, clock())


_tasks: set[asyncio.Task[bool]] = set()


def start_fetch(db: Database, fetch: Fetcher | TwilioConfig, pending: PendingMedia) -> None:
    """Fetch right away in the background (the update or webhook has already been answered: the message is
    stored)."""
    fetcher = TwilioMedia(fetch) if isinstance(fetch, TwilioConfig) else fetch
    task = asyncio.get_running_loop().create_task(fetch_pending(db, fetcher, pending.key, pending.url, 0))
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


async def run_media_fetcher(db: Database, fetch: Fetcher | TwilioConfig, every: float = 5.0) -> None:
    """Pending media whose first try did not finish (a restart, a passing error): tried again, with backoff.
    One loop per fetcher (WhatsApp, Telegram), each taking only its own rows."""
    from storage.media import due_media
    fetcher = TwilioMedia(fetch) if isinstance(fetch, TwilioConfig) else fetch
    while True:
        try:
            async with db.session() as session:
                rows = await due_media(session, wall(), settings().media_timeout + 5, fetcher.prefix)
            for key, url, attempts in rows:
                await fetch_pending(db, fetcher, key, url, attempts)
        except Exception:     # noqa: BLE001 - the loop must survive; rows stay pending
            log.exception("media fetch round failed")
        await asyncio.sleep(every)

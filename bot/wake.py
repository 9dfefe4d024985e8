"""The senders are woken by the commit that queued their rows, not by their next poll.

A reply is queued by the web process and sent by the senders process (bot/background.py); without a
signal between them a reply waited for the sender's next look at the outbox (every 0.2–0.5 s), most of
the time a kader waited for an answer (BENCHMARKS.md, first reply). Now every process that commits
outbox rows rings a doorbell: one datagram on a local socket named after the database, which the process
running the outbox loops listens on. The bell carries nothing and may be lost (another machine, a full
buffer, no listener yet): the loops still poll, so a lost ring only costs the old wait.

Linux: an abstract socket (no file left behind); elsewhere a socket file in the temporary directory.
"""
from __future__ import annotations

import asyncio
import atexit
import hashlib
import logging
import os
import socket
import sys
import tempfile

log = logging.getLogger("pantau.wake")
_AF_UNIX = getattr(socket, "AF_UNIX", None)
_ringer: socket.socket | None = None
_addresses: dict[str, str] = {}
_listeners: dict[str, tuple[socket.socket, set[asyncio.Event], asyncio.AbstractEventLoop]] = {}


def address(db_url: str) -> str:
    """The doorbell of one database: every process using the same database on this machine shares it."""
    found = _addresses.get(db_url)
    if found is None:
        tag = hashlib.sha256(db_url.encode()).hexdigest()[:16]
        if sys.platform.startswith("linux"):
            found = f"\0pantau-wake-{tag}"
        else:
            found = os.path.join(tempfile.gettempdir(), f"pantau-wake-{os.getuid()}-{tag}.sock")
        _addresses[db_url] = found
    return found


def ring(db_url: str) -> None:
    """Tell the listener (if any) that rows were committed. Never raises, never blocks."""
    global _ringer
    if _AF_UNIX is None:
        return
    try:
        if _ringer is None:
            _ringer = socket.socket(_AF_UNIX, socket.SOCK_DGRAM)
            _ringer.setblocking(False)
        _ringer.sendto(b"!", address(db_url))
    except OSError:       # nobody listens (yet), or the listener's buffer is full: it is awake anyway
        pass


def listen(db_url: str) -> asyncio.Event | None:
    """An event set whenever the bell rings (until ``stop_listening``); None where this process cannot
    listen (no Unix sockets, or another process on this machine already does): the caller polls."""
    if _AF_UNIX is None:
        return None
    event = asyncio.Event()
    loop = asyncio.get_running_loop()
    held = _listeners.get(db_url)
    if held is not None and held[2] is not loop:     # left by an event loop that has ended (tests)
        held[0].close()
        del _listeners[db_url]
        held = None
    if held is None:
        sock = socket.socket(_AF_UNIX, socket.SOCK_DGRAM)
        sock.setblocking(False)
        path = address(db_url)
        try:
            if not path.startswith("\0") and os.path.exists(path):
                os.unlink(path)            # left by a process that died (only one leader sends)
            sock.bind(path)
        except OSError as exc:
            sock.close()
            log.info("outbox doorbell not available (%s); polling only", type(exc).__name__)
            return None
        held = (sock, set(), loop)
        _listeners[db_url] = held
        loop.add_reader(sock.fileno(), _drain, sock, held[1])
    held[1].add(event)
    return event


def stop_listening(db_url: str, event: asyncio.Event) -> None:
    held = _listeners.get(db_url)
    if held is None:
        return
    held[1].discard(event)
    if not held[1]:
        sock = held[0]
        del _listeners[db_url]
        try:
            asyncio.get_running_loop().remove_reader(sock.fileno())
        except RuntimeError:              # the loop is closing
            pass
        path = address(db_url)
        sock.close()
        if not path.startswith("\0"):
            try:
                os.unlink(path)
            except OSError:
                pass


@atexit.register
def _close_all() -> None:
    """The bell and any listener left by an event loop that ended without stop_listening (tests)."""
    global _ringer
    if _ringer is not None:
        _ringer.close()
        _ringer = None
    for sock, _, _ in _listeners.values():
        sock.close()
    _listeners.clear()


def _drain(sock: socket.socket, events: set[asyncio.Event]) -> None:
    while True:
        try:
            sock.recv(64)
        except (BlockingIOError, InterruptedError):
            break
        except OSError:
            break
    for event in events:
        event.set()

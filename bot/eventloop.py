"""The event loop of Pantau's server processes: uvloop where it is installed (Linux, macOS), else asyncio's.

uvloop runs the same asyncio programs with its event loop written in C (libuv): on the webhook path
the loop's own work — polling sockets, running callbacks, the transports — costs a fraction of the
pure-Python loop's, which on a 2-core server is the headroom the p99 needs (BENCHMARKS.md). Commands
a person runs at a terminal (`pantau chat`, exports) keep asyncio's loop; nothing depends on which."""
from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's ``new_event_loop`` if installed, else None (asyncio's default)."""
    try:
        import uvloop
    except ImportError:         # e.g. Windows: uvloop does not build there
        return None
    return uvloop.new_event_loop


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on the server's event loop."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)

"""The channels Pantau knows, as one table: what the server, the background senders, the CLI, reminders and
the dashboard iterate instead of naming channels.

A channel describes itself with a ``ChannelSpec``: its name (the ``Inbound.channel`` and outbox value), how
the dashboard names it, its identity rule (may its sender ids be phone numbers, one person across such
channels?), its capabilities (buttons, templates, a free-form reply window). A new channel is one module that
calls ``register`` plus its tests. Storage learns the identity rules from here (``storage.keys.install``).

How it runs is its ``Runtime``: plain functions (settings from the environment, inbound routes, start and stop,
the background senders), found through ``ChannelSpec.runtime``. The web server (bot/server.py), the background
processes (bot/background.py) and the settings (bot/config.py) iterate the configured channels; none of them
names one. A built-in channel names the module holding its ``RUNTIME`` (imported only when one of its
``variables`` is set, so an unconfigured channel costs no import); a channel of a test passes its ``Runtime``."""
from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from storage.keys import Routing, install

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from storage.db import Database

Pipeline = Any      # bot.pipeline.Pipeline: not imported here, even for its type (the registry sits below it)

Job = Callable[[], Awaitable[None]]          # one loop a channel runs in the background (a sender, a media fetcher)


async def _nothing(_opened: Any) -> None:
    return None


def _itself(config: Any, _pipeline: Pipeline) -> Any:
    return config


def _no_routes(_opened: Any, _pipeline: Pipeline) -> Sequence[BaseRoute]:
    return []


@dataclass(frozen=True)
class Runtime:
    """How a channel runs. Every field is a plain function; a heavy import (a platform's library) goes inside
    them, so a channel that is not configured costs nothing.

    - ``settings(env, webhook)``: its configuration from the settings' snapshot of the environment, None when it
      is not configured; wrong values raise ``bot.config.ConfigError`` (secrets only from there, never logged).
      ``webhook``: the web server will take its inbound (values it needs only for that are then required).
    - ``open(config, pipeline)``: in a web process, what serves its inbound (default: the config itself);
      ``routes``, ``start`` and ``stop`` get this.
    - ``routes(opened, pipeline)``: its Starlette routes (webhooks).
    - ``start(opened)`` / ``stop(opened)``: with the web app (connect, set the webhook; close).
      ``warms_up``: its ``start`` warms the pipeline itself (bot/warmup.py), so the server does not again.
    - ``senders(db, config, opened)``: an async context giving its background loops (the outbox sender, a media
      fetcher); ``opened`` is None in the background process, where the context connects and closes itself."""
    settings: Callable[[Mapping[str, str], bool], Any]
    open: Callable[[Any, Pipeline], Any] = _itself
    routes: Callable[[Any, Pipeline], Sequence[BaseRoute]] = _no_routes
    start: Callable[[Any], Awaitable[None]] = _nothing
    stop: Callable[[Any], Awaitable[None]] = _nothing
    warms_up: bool = False
    senders: Callable[[Database, Any, Any], AbstractAsyncContextManager[list[Job]]] | None = None


@dataclass(frozen=True)
class ChannelSpec:
    name: str
    label: str                                   # how the dashboard names it (a gettext msgid)
    phone_ids: bool = False                      # sender ids may be phone numbers (+62…): one identity across them
    reaches_phones: bool = False                 # reaches a phone number nobody has written from yet
    buttons: bool = False                        # can show choices as buttons
    templates: bool = False                      # needs an approved template outside its reply window
    reply_window: timedelta | None = None        # free-form replies only this long after the person last wrote
    runtime: Runtime | str | None = None         # how it runs (a module holding RUNTIME for a built-in); None: chat only
    variables: tuple[str, ...] = field(default=())   # the environment variables it reads (the settings keep them)


_CHANNELS: dict[str, ChannelSpec] = {}


def N_(message: str) -> str:
    """Marks a label for the catalogs (bot.i18n extracts N_); it is translated where it is shown."""
    return message


def register(spec: ChannelSpec) -> None:
    """Add (or replace) a channel; storage's identity rules follow at once."""
    _CHANNELS[spec.name] = spec
    reaching = [c.name for c in _CHANNELS.values() if c.reaches_phones]
    install(Routing(frozenset(c.name for c in _CHANNELS.values() if c.phone_ids), reaching[0] if reaching else None))


def unregister(name: str) -> None:
    """Remove a channel (tests that add one of their own)."""
    _CHANNELS.pop(name, None)
    for spec in list(_CHANNELS.values()):
        register(spec)


def channels() -> list[ChannelSpec]:
    return list(_CHANNELS.values())


def get(name: str) -> ChannelSpec | None:
    return _CHANNELS.get(name)


def labels() -> dict[str, str]:
    return {c.name: c.label for c in _CHANNELS.values()}


def runtime(name: str) -> Runtime | None:
    """The channel's ``Runtime`` (its module imported on first use), None for a channel without one."""
    spec = _CHANNELS.get(name)
    if spec is None or spec.runtime is None:
        return None
    if isinstance(spec.runtime, str):
        found = importlib.import_module(spec.runtime).RUNTIME
        assert isinstance(found, Runtime), spec.runtime
        return found
    return spec.runtime


def variables() -> set[str]:
    """Every channel's environment variables (bot/config.py keeps them in its snapshot)."""
    return {v for c in _CHANNELS.values() for v in c.variables}


def configured(env: Mapping[str, str], webhook: bool = True) -> dict[str, Any]:
    """Channel name → configuration, for each channel configured in ``env``; wrong values stop the start
    (ConfigError). A built-in channel none of whose variables is set is not configured (and not imported)."""
    out: dict[str, Any] = {}
    for spec in channels():
        if spec.runtime is None or (isinstance(spec.runtime, str) and not any(env.get(v) for v in spec.variables)):
            continue
        run = runtime(spec.name)
        config = run.settings(env, webhook) if run is not None else None
        if config is not None:
            out[spec.name] = config
    return out


@dataclass(frozen=True)
class Live:
    """A configured channel in a web process: its configuration and what ``Runtime.open`` made of it (None:
    not opened yet, ``opened`` does it)."""
    name: str
    config: Any
    opened: Any = None

    @property
    def runtime(self) -> Runtime:
        found = runtime(self.name)
        if found is None:
            raise KeyError("channel %r has no runtime (registry.register it with one)" % self.name)
        return found


def opened(channels: Mapping[str, Any] | Iterable[Live], pipeline: Pipeline) -> list[Live]:
    """Channels for a web process, each opened (``Runtime.open``) unless it already is: name → configuration
    (``Settings.channels()``), or ``Live`` items (a test's channel built beforehand)."""
    items = [Live(name, config) for name, config in channels.items()] if isinstance(channels, Mapping) \
        else list(channels)
    return [c if c.opened is not None else Live(c.name, c.config, c.runtime.open(c.config, pipeline)) for c in items]


# the built-in channels
register(ChannelSpec("terminal", N_("Terminal"), phone_ids=True))
register(ChannelSpec("telegram", "Telegram", buttons=True, runtime="bot.channels.telegram",
                     variables=("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL", "TELEGRAM_WEBHOOK_SECRET")))
register(ChannelSpec("whatsapp", "WhatsApp", phone_ids=True, reaches_phones=True, templates=True,
                     reply_window=timedelta(hours=24), runtime="bot.channels.whatsapp",
                     variables=("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_WHATSAPP_FROM",
                                "TWILIO_MESSAGING_SERVICE_SID", "TWILIO_TEMPLATE_REMINDER_BEFORE",
                                "TWILIO_TEMPLATE_REMINDER_DUE", "TWILIO_TEMPLATE_REMINDER_AFTER",
                                "TWILIO_TEMPLATE_REMINDER_ESCALATE", "TWILIO_TEMPLATE_FOLLOWUP_UPDATE",
                                "TWILIO_TEMPLATE_NOTICE", "TWILIO_RATE_PER_SECOND", "TWILIO_API_BASE_URL",
                                "TWILIO_MEDIA_HOSTS")))

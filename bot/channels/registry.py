"""The channels Pantau knows, as one table: what the server, the background senders, the CLI, reminders and
the dashboard iterate instead of naming channels.

A channel describes itself with a ``ChannelSpec``: its name (the ``Inbound.channel`` and outbox value), how
the dashboard names it, its identity rule (may its sender ids be phone numbers, one person across such
channels?), its capabilities (buttons, templates, a free-form reply window). A new channel is one module that
calls ``register`` plus its tests. Storage learns the identity rules from here (``storage.keys.install``)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from storage.keys import Routing, install


@dataclass(frozen=True)
class ChannelSpec:
    name: str
    label: str                                   # how the dashboard names it (a gettext msgid)
    phone_ids: bool = False                      # sender ids may be phone numbers (+62…): one identity across them
    reaches_phones: bool = False                 # reaches a phone number nobody has written from yet
    buttons: bool = False                        # can show choices as buttons
    templates: bool = False                      # needs an approved template outside its reply window
    reply_window: timedelta | None = None        # free-form replies only this long after the person last wrote


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


# the built-in channels
register(ChannelSpec("terminal", N_("Terminal"), phone_ids=True))
register(ChannelSpec("telegram", "Telegram", buttons=True))
register(ChannelSpec("whatsapp", "WhatsApp", phone_ids=True, reaches_phones=True, templates=True,
                     reply_window=timedelta(hours=24)))

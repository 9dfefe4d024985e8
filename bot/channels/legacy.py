"""The older shapes of the server's channel arguments, for callers not yet moved to the registry
(bot/channels/registry.py): ``build_app(pipeline, whatsapp_config, telegram=opened_channel)`` and
``configured_channels()`` as a (WhatsApp, Telegram) pair, which ``pantau serve`` (bot/cli/main.py) unpacks.
New code passes ``Settings.channels()`` (name → configuration) and never names a channel; when the CLI does,
this module goes."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .registry import Live, opened

if TYPE_CHECKING:
    from ..pipeline import Pipeline

PAIR = ("whatsapp", "telegram")


def live(channels: Any, legacy: Mapping[str, Any], pipeline: Pipeline) -> list[Live]:
    """``build_app``'s channels as ``Live``: name → configuration or ``Live`` items, or the older call's."""
    unknown = set(legacy) - {"telegram"}
    if unknown:
        raise TypeError(f"build_app() got unexpected keyword arguments {sorted(unknown)}")
    out: list[Live] = []
    if channels is None:
        pass
    elif isinstance(channels, Mapping) or (isinstance(channels, Iterable) and not isinstance(channels, (str, bytes))):
        out += opened(channels, pipeline)
    else:                                    # the older call: a WhatsApp configuration in this place
        out += opened({"whatsapp": channels}, pipeline)
    telegram = legacy.get("telegram")
    if telegram is not None:                 # the older call: an opened TelegramChannel
        out.append(Live("telegram", telegram.cfg, telegram))
    return out


def as_pair(configs: Mapping[str, Any]) -> tuple[Any, Any]:
    """(WhatsApp configuration or None, Telegram configuration or None)."""
    return configs.get(PAIR[0]), configs.get(PAIR[1])

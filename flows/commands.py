"""The command table: words that mean a command at every step, and what a command does.

Adding a command is one ``register(Command(...))``: its words, whether it stays a command while a
question is open, and (for a command that does not depend on where the person is) its handler.
The built-in commands whose meaning depends on the step (batal, kembali, ulang, bantuan) have no
handler here: the engine answers them where the person is.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import answers as A
from .lexicon import BASE

if TYPE_CHECKING:
    from .problem import Gettext
    from .state import State
    from .types import Context, Inbound, Step

Handler = Callable[["State", "Inbound", "Context", "Gettext", str], "Step[State]"]


@dataclass(frozen=True)
class Command:
    name: str
    words: tuple[str, ...]
    #: still a command while a question is open or a yes/no is asked ("belum" is an answer there)
    while_answering: bool = True
    #: for commands that mean the same at every step: (state, inbound, ctx, t, lang) → Step
    handler: Handler | None = None


TABLE: dict[str, Command] = {}
#: word → command name (kept in step with TABLE by ``register``)
WORDS: dict[str, str] = {}


def register(command: Command) -> None:
    TABLE[command.name] = command
    for word in command.words:
        WORDS[word] = command.name


def command_of(text: str, answering: bool = False) -> str | None:
    """The command a message is, if any; ``answering``: a question or yes/no is open."""
    s = A.normalize(text).lstrip("/").split("@")[0]
    name = WORDS.get(s) or _with_tail(s)
    if name is None or (answering and not TABLE[name].while_answering):
        return None
    return name


#: commands that may be said with polite words after them ("menu dulu", "bantuan dong"); not the coordinators'
#: requests ("belum pak" answers a question, it does not ask who has not reported)
_TAILED = frozenset({"cancel", "back", "restart", "help", "menu", "start", "edit"})


def _with_tail(s: str) -> str | None:
    first, _, rest = s.partition(" ")
    name = WORDS.get(first)
    if name not in _TAILED or not rest or not all(w in BASE.command_tail for w in rest.split()):
        return None
    return name


_BUILT_IN: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("cancel", ("batal", "cancel")), ("back", ("kembali", "back", "balik")),
    ("restart", ("ulang", "ulangi", "restart")), ("help", ("bantuan", "help", "tolong", "?")),
    ("menu", ("menu", "lapor")), ("start", ("start", "mulai")), ("edit", ("ubah", "koreksi", "perbaiki", "edit")),
    ("language", ("bahasa", "language")),
)
_REQUESTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("missing", ("belum", "belum lapor", "belum melapor", "yang belum lapor", "yang belum melapor", "siapa belum lapor",
                 "siapa yang belum lapor", "desa belum lapor")),
    ("summary", ("ringkasan", "summary")), ("export", ("unduh", "download", "excel")))
for _name, _words in _BUILT_IN:
    register(Command(_name, _words))
for _name, _words in _REQUESTS:
    register(Command(_name, _words, while_answering=False))

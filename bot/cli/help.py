"""The language of `pantau --help` and of argparse's own words: Indonesian, English when LANG/LC_ALL say en."""
from __future__ import annotations

import argparse
import difflib
import gettext
import os
from collections.abc import Mapping
from typing import Any, NoReturn

from flows.problem import Gettext

from .. import catalog

# argparse's own texts (Python has no Indonesian catalog for them)
ARGPARSE_ID = {
    "usage: ": "cara pakai: ",
    "positional arguments": "argumen",
    "options": "pilihan",
    "optional arguments": "pilihan",
    "show this help message and exit": "tampilkan bantuan ini lalu keluar",
    "the following arguments are required: %s": "argumen berikut wajib diisi: %s",
    "unrecognized arguments: %s": "argumen tidak dikenal: %s",
    "%(prog)s: error: %(message)s\n": "%(prog)s: salah: %(message)s\n",
    "invalid choice: %(value)r (choose from %(choices)s)": "pilihan %(value)r tidak ada (pilih salah satu: %(choices)s)",
    "expected one argument": "perlu satu nilai",
    "invalid %(type)s value: %(value)r": "nilai %(value)r bukan angka yang sah",
    "argument %(argument_name)s: %(message)s": "argumen %(argument_name)s: %(message)s",
    "expected at least one argument": "perlu sedikitnya satu nilai",
    "expected at most one argument": "paling banyak satu nilai",
    "ignored explicit argument %r": "nilai %r tidak dipakai",
    "one of the arguments %s is required": "salah satu argumen ini wajib diisi: %s",
    "ambiguous option: %(option)s could match %(matches)s": "pilihan %(option)s bisa berarti %(matches)s",
    "not allowed with argument %s": "tidak boleh bersama %s",
}


_HINT = {"id": "Lihat `%(prog)s --help`.", "en": "See `%(prog)s --help`."}
_MEANT = {"id": "Maksud Anda %(word)r?", "en": "Did you mean %(word)r?"}
_AT_LEAST_ONE = {"id": "nilai %(value)r harus angka 1 atau lebih", "en": "value %(value)r must be 1 or more"}
_COMMANDS = {"id": "perintahnya: %(names)s", "en": "its commands: %(names)s"}
_lang = "id"


class Parser(argparse.ArgumentParser):
    """`pantau`'s parser (its subcommands inherit it): a mistake is one line in the person's language, with the
    closest valid word for a typo ("--role kadr": maksud Anda 'kader'?) and where the help is; exit code 2."""

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        try:
            super()._check_value(action, value)
        except argparse.ArgumentError as exc:
            close = difflib.get_close_matches(str(value), [str(c) for c in action.choices or ()], n=1, cutoff=0.6)
            if close:
                exc.message = f"{exc.message}. {_MEANT[_lang] % {'word': close[0]}}"
            raise

    def error(self, message: str) -> NoReturn:
        commands = [a for a in self._actions if isinstance(a, argparse._SubParsersAction)]
        if commands and str(commands[0].metavar) in message and "(" not in message:   # `pantau roster` alone
            message += f" ({_COMMANDS[_lang] % {'names': ', '.join(commands[0].choices)}})"
        line = argparse._("%(prog)s: error: %(message)s\n") % {  # type: ignore[attr-defined]
            "prog": self.prog, "message": message}
        line = line.rstrip() if line.rstrip().endswith("?") else line.rstrip() + "."
        self.exit(2, f"{line} {_HINT[_lang] % {'prog': self.prog}}\n")


def language(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = (env.get(name) or "").lower()
        if value:
            return "en" if value.startswith("en") else "id"
    return "id"


def install(lang: str) -> Gettext:
    """The gettext of ``lang`` for help texts; argparse's own words follow it."""
    global _lang
    _lang = lang
    argparse._ = (lambda s: ARGPARSE_ID.get(s, s)) if lang == "id" else gettext.gettext  # type: ignore
    return catalog.gettext_for(lang)


def positive_int(text: str) -> int:
    """An argparse type for counts and limits: a whole number of at least 1 (``--limit -1`` is a mistake, not
    "everything"); a word that is no number gets argparse's own "not a valid number" line."""
    value = int(text)                                    # ValueError: argparse says "bukan angka yang sah"
    if value < 1:
        raise argparse.ArgumentTypeError(_AT_LEAST_ONE[_lang] % {"value": text})
    return value

"""The language of `pantau --help` and of argparse's own words: Indonesian, English when LANG/LC_ALL say en."""
from __future__ import annotations

import argparse
import gettext
import os
from collections.abc import Mapping

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
    "invalid %(type)s value: %(value)r": "nilai %(value)r bukan %(type)s yang sah",
    "ambiguous option: %(option)s could match %(matches)s": "pilihan %(option)s bisa berarti %(matches)s",
    "not allowed with argument %s": "tidak boleh bersama %s",
}


def language(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = (env.get(name) or "").lower()
        if value:
            return "en" if value.startswith("en") else "id"
    return "id"


def install(lang: str) -> Gettext:
    """The gettext of ``lang`` for help texts; argparse's own words follow it."""
    argparse._ = (lambda s: ARGPARSE_ID.get(s, s)) if lang == "id" else gettext.gettext  # type: ignore
    return catalog.gettext_for(lang)

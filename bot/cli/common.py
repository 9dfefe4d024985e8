"""What every `pantau` command group shares: opening the database, and reading an area from the command line."""
from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, TypeAlias

from .. import catalog

if TYPE_CHECKING:
    from storage.db import Database

    from ..pipeline import Pipeline

# what a command group's register() receives: the `pantau` parser's subcommands
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def _db() -> Database:
    from ..config import database
    return database()


@contextlib.asynccontextmanager
async def opened() -> AsyncIterator[Pipeline]:
    """A migrated database with the area tree and forms loaded, closed afterwards."""
    from ..pipeline import Pipeline
    db = _db()
    try:
        yield await Pipeline.open(db)
    finally:
        await db.close()


def area_or_complain(text: str) -> str | None:
    """The one area a name or code means, or None after one Indonesian line on stderr (candidates with codes)."""
    from flows.areas import describe_choices, resolve
    index = catalog.area_index()
    found = resolve(index, text)
    if found.code:
        return found.code
    if found.ambiguous:
        print(f"Wilayah '{text}' ada {len(found.candidates)}: {describe_choices(index, found.candidates)}. "
              f"Pilih dengan kode (mis. --area {found.candidates[0]}) atau tambahkan nama di atasnya, "
              f"mis. \"{text}, {index.name(index.lineage(found.candidates[0])[-2:][0])}\".", file=sys.stderr)
    elif found.candidates:
        print(f"Wilayah '{text}' tidak ditemukan. Mungkin maksud Anda: {describe_choices(index, found.candidates)}. "
              "Pakai kode Kemendagri atau nama lengkapnya.", file=sys.stderr)
    else:
        print(f"Wilayah '{text}' tidak ditemukan. Pakai kode Kemendagri, mis. 81.05, atau nama seperti "
              "\"Kab. Seram Bagian Timur\".", file=sys.stderr)
    return None


def resolve_area(text: str) -> str | None:
    """The one area a name or code means (see flows.areas.resolve), else None."""
    from flows.areas import resolve
    return resolve(catalog.area_index(), text).code

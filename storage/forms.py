"""The form versions ever loaded (``form_versions``): registered at each start, compared by digest.

A start compares every form file with the version the database keeps. Loading and comparing whole
definitions costs time in proportion to the forms (a form at the import caps is 2.6 MB), so each row keeps
the digest of its definition: a start reads only (form_id, version, digest) and loads a definition only
when the digests differ or one is missing; the comparison that follows is the same as before.
"""
from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from .models import FormVersion


def form_digest(definition: dict[str, Any]) -> str | None:
    """SHA-256 of the definition as sorted JSON; None for a value JSON would not keep exactly (a date, a
    number as key): such a definition is always compared whole."""
    try:
        content = orjson.dumps(definition, option=orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
                               | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS)
    except (TypeError, orjson.JSONEncodeError):
        return None
    return hashlib.sha256(content).hexdigest()


async def sync_forms(s: AsyncSession, forms_raw: dict[tuple[str, int], dict[str, Any]],
                     now: datetime) -> dict[tuple[str, int], dict[str, Any]]:
    """Store each form version seen; return every stored version (old ones keep running sessions alive).
    A stored version whose digest matches its file is not loaded; a stored version without a file is."""
    digests = {(form_id, version): digest for form_id, version, digest in
               await s.execute(select(FormVersion.form_id, FormVersion.version, FormVersion.digest))}
    to_compare = []
    for key, definition in forms_raw.items():
        if key not in digests:
            s.add(FormVersion(form_id=key[0], version=key[1], definition=definition,
                              digest=form_digest(definition), loaded_at=now))
        elif digests[key] is None or digests[key] != form_digest(definition):
            to_compare.append(key)
    without_file = [key for key in digests if key not in forms_raw]
    wanted = to_compare + without_file
    loaded = {(r.form_id, r.version): r for r in await s.scalars(select(FormVersion).where(
        tuple_(FormVersion.form_id, FormVersion.version).in_(wanted)))} if wanted else {}
    for key in to_compare:
        row, definition = loaded[key], forms_raw[key]
        if {**row.definition, "summary": None} == {**definition, "summary": None}:
            row.definition = definition   # the summary section changes no conversation: no new version
            row.digest = form_digest(definition)
        elif row.definition != definition:
            raise ValueError(f"form {key[0]!r} changed but its version is still {key[1]}: raise the version")
    await s.commit()
    stored = {key: forms_raw[key] if key in forms_raw else loaded[key].definition for key in digests}
    return {**stored, **forms_raw}                # in the order of before: the stored rows', then the new ones


async def stored_form_definition(s: AsyncSession, form_id: str, version: int) -> dict[str, Any] | None:
    """The definition a form version was first loaded with (a version, once used, never changes)."""
    row = await s.scalar(select(FormVersion).where(FormVersion.form_id == form_id, FormVersion.version == version))
    return row.definition if row else None

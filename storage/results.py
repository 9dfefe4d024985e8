"""Typed access to what a write statement reports back."""
from __future__ import annotations

from typing import cast

from sqlalchemy.engine import CursorResult, Result
from sqlalchemy.util.typing import TupleAny, Unpack


def affected(result: Result[Unpack[TupleAny]]) -> int:
    """Rows an UPDATE or DELETE changed. ``Session.execute`` returns a ``CursorResult`` for these at run
    time but is typed as returning ``Result`` (SQLAlchemy 2.0.44+, issue 12913: cast as its docs advise)."""
    return cast("CursorResult[Unpack[TupleAny]]", result).rowcount

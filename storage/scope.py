"""Which rows an area covers: the area itself and everything below it (Kemendagri codes nest by prefix)."""
from __future__ import annotations

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, true


def under(column: SQLColumnExpression[str] | SQLColumnExpression[str | None], code: str) -> ColumnElement[bool]:
    """The area itself and everything below it (Kemendagri codes nest by prefix); "" is the whole country."""
    if not code:
        return true()
    # a range, not LIKE 'code.%': both databases answer it from the index. '/' follows '.' in ASCII,
    # so [code, code + "/") holds the code itself and every code under it.
    return and_(column >= code, column < code + "/")

"""The declarative base every table derives from, and the program every deployment has."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy.orm import DeclarativeBase

from ..types import UtcDateTime


class Base(DeclarativeBase):
    # every DateTime column stores UTC and reads back aware UTC, on SQLite too (storage/types.py)
    type_annotation_map = {dict[str, Any]: JSON, datetime: UtcDateTime()}


DEFAULT_PROGRAM_ID = 1   # the program migration 0017 made of a deployment's data ("utama"); always there


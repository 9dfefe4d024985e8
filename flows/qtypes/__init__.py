"""The question types, one module each, as one table: ``TABLE[q.type]`` is the type's ``QType``
(flows/qtypes/base.py). Forms accept exactly these types; filling, display, validate, help, the XLSForm import
and export, and bot/'s Excel, API tables and data package read a type's behaviour from here.

A men and women pair is not a type (two integer questions, one naming the other in ``pair:``; read by
flows/qtypes/integer.py), nor is a calculation (a form's or a repeat's ``calculate:``, never asked).
"""
from __future__ import annotations

from . import date, decimal, integer, location, note, photo, repeat, select_multiple, select_one, text
from .base import QType as QType, Typed as Typed

TABLE: dict[str, QType] = {m.TYPE.name: m.TYPE for m in (text, integer, decimal, date, select_one, select_multiple,
                                                          photo, location, note, repeat)}

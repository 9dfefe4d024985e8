"""Pantau's conversation: answer parsers, declarative forms and the pure ``advance`` engine.

Public parser API — each returns a value, or a ``Problem`` (a reason to ask again):

- ``parse_number(text, minimum=0, maximum=100_000)`` → int
- ``parse_date(text, now)`` → datetime.date (``now`` aware, in the area's zone)
- ``parse_choice(text, options)`` / ``parse_choices(text, options)`` → value / [values]
- ``parse_yes_no(text)`` → bool
- ``parse_men_women(text)`` → (men, women), or None if the text is not a compound answer

Each takes an optional ``lexicon`` (flows.lexicon.Lexicon: regional Malay, SMS shorthand, taught words,
read as textbook Indonesian first); without one, every lexicon applies where a word is unambiguous
(``flows.lexicon.NONE``: none beyond the base words). flows/ reads no file: bot/lexicon_files.py loads the
lexicon files and, when bot/ is imported, installs base.yaml's textbook words (yes/no, none, number, month
and day words: ``flows.lexicon.BASE``) and the default lexicons; the engine gets them as ``Context.lexicons``.

This package does no I/O and imports nothing from telegram, twilio or sqlalchemy.
"""
from .answers import parse_choice, parse_choices, parse_men_women, parse_yes_no
from .dates import parse_date, zone_for_area
from .numbers import parse_number, words_to_int
from .problem import Problem

__all__ = [
    "Problem", "parse_choice", "parse_choices", "parse_date", "parse_men_women", "parse_number",
    "parse_yes_no", "words_to_int", "zone_for_area",
]

"""``select_one``: one of the question's choices (an XLSForm ``acknowledge`` is one too, a single "OK")."""
from __future__ import annotations

from typing import Any

from .. import answers as A
from ..form_model import Question
from ..formats import choice_label
from ..problem import N_, Gettext, Problem
from ..results import Accepted, Answer, Confirm
from .base import QType, Typed, as_text


def read(a: Typed) -> Answer:
    """One choice: its number (a page's, in a long list), or words close to its label (asked back if fuzzy)."""
    q = a.q
    options = a.options()
    if not options:
        return Problem(N_("Belum ada pilihan yang tersedia. Mohon hubungi koordinator Anda."))
    chosen = a.page_pick(options)
    if chosen is None:
        picked = A.match_choice(a.text, options)
        if isinstance(picked, A.Guess):
            checked = a.check({q.name: picked.value})
            if isinstance(checked, Problem):
                return checked
            return Confirm("choice", checked, Problem(N_("Maksud Anda: %(label)s?"), {"label": picked.label}),
                           (N_("Ya"), N_("Pilih lagi")), Problem(N_("Baik, mohon pilih lagi.")))
        chosen = picked
    return chosen if isinstance(chosen, Problem) else Accepted({q.name: chosen})


def show(q: Question, value: Any, lang: str, t: Gettext) -> str:
    return choice_label(q, value, lang)


def _help(q: Question, t: Gettext) -> str:
    return t("Ketik nomor pilihan, misalnya 1.")


def check(q: Question, value: Any) -> Problem | bool | None:
    """A choice that is no longer among the question's choices is asked again."""
    return True if q.choices and value not in {c.value for c in q.choices} else None


def cell(q: Question, value: Any) -> Any:
    """The choice's Indonesian label."""
    return next((c.label["id"] for c in q.choices if c.value == value), str(value))


def computed(q: Question, value: Any) -> Any:
    """A computed default that is one of the choices' values."""
    text = as_text(value)
    return text if text is not None and text in {c.value for c in q.choices} else None


TYPE = QType("select_one", read, show, help=_help, check=check, cell=cell, computed=computed, kind="text", lexicon=True, choices=True,
             xls_in=("select one", "acknowledge", "select one external"), xls_out="select_one", width=22,
             package_type="string")

"""How long a message may be at the step a person is at, checked before anything reads it.

A name, a number, a date, a choice or an area fits in ``SHORT`` characters; only where a person
may write freely (a free-text question, a side conversation of the learning loop) is ``LONG``
allowed. A longer message is not read at all: the person is asked, politely, to send it shorter,
and the step and every answer given so far stay as they were. Every parser behind a step then
works on a bounded input, so one message can never cost other people their answers' time.
"""
from __future__ import annotations

from .positions import at, question_at
from .problem import N_, Problem
from .state import CONFIRM, State
from .types import Context

SHORT = 200      # a name, number, date, choice, yes/no, invite code, area ("Desa …, Kec. …, Kab. …")
LONG = 2000      # a free-text answer (what filling.py accepts) or a message in a side conversation
_FREE_TYPES = ("text",)


def limit(state: State, ctx: Context) -> int:
    """The most characters a message may have at ``state``'s current step."""
    if state.pending is not None or state.mode in (None, "register", "pick_report", "language"):
        return SHORT
    if state.side is not None:
        return LONG
    if state.mode == "form" and state.form is not None:
        draft = state.form
        if draft.pos is None or draft.pos == CONFIRM:
            return SHORT
        form = ctx.forms.get((draft.id, draft.version))
        if form is None:
            return LONG
        try:
            q = question_at(form, at(draft))
        except (KeyError, IndexError, ValueError):
            return LONG
        return LONG if q.type in _FREE_TYPES else SHORT
    return SHORT


def too_long(text: str, state: State, ctx: Context) -> Problem | None:
    """A Problem when ``text`` is longer than the step allows (nothing of it is read); else None."""
    most = limit(state, ctx)
    if len(text) <= most:
        return None
    return Problem(N_("Maaf, pesan Anda terlalu panjang (%(count)s huruf). Di langkah ini paling banyak "
                      "%(most)s huruf. Mohon kirim lebih singkat; jawaban sebelumnya tetap tersimpan."),
                   {"count": len(text), "most": most})

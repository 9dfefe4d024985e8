"""An open sub-question (a yes/no, a language, which answer to change) is answered before anything else;
it never traps: a command closes it and then does what it always does."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from . import answers as A
from . import filling as F
from . import registration
from . import results as R
from .answering import form_step
from .confirm import pick_question
from .lexicon import Lexicon, lexicon_of
from .menu import current_prompt, form_of, menu_reply, yes_no
from .numbers import none_said
from .problem import Gettext, Problem
from .state import Ask, ConfirmAnswer, OldDate, Pending, PickQuestion, Reg, State
from .types import Context, Inbound, Reply, Step
from .walk import start_form, take

#: commands that end an open yes/no sub-question and then do what they always do
GIVES_WAY = {"back", "cancel", "restart", "menu", "start", "edit", "language"}


def close(state: State, inbound: Inbound, cmd: str, ctx: Context, t: Gettext, lang: str) -> Step[State] | None:
    """A command at a sub-question: the sub-question is closed; then None (the command does what it does)."""
    pending = state.pending
    state.pending = None
    mode_before, state.mode_before = state.mode_before, None
    if pending is not None and pending.kind == "language" and mode_before:
        state.mode = mode_before
    if cmd == "back":
        return Step(state, [Reply(t("Baik.")), current_prompt(state, ctx, t, lang)])
    if cmd == "cancel" and pending is not None and pending.kind in ("cancel", "cancel_draft"):   # "batal" at "Batalkan?"
        state.pending = pending
        return answer(state, replace(inbound, text=t("Ya")), ctx, t, lang)
    return None


def answer(state: State, inbound: Inbound, ctx: Context, t: Gettext, lang: str) -> Step[State]:
    """The message answers the open sub-question."""
    pending = state.pending
    state.pending = None
    if isinstance(pending, ConfirmAnswer):
        return _confirm(state, pending, inbound, ctx, t, lang)
    if isinstance(pending, PickQuestion):
        return pick_question(state, pending, inbound, ctx, t, lang)
    if isinstance(pending, OldDate):
        return _yes_no(state, pending, inbound, ctx, t, lang, _old_date)
    if isinstance(pending, Ask) and pending.kind == "language":
        return _language(state, pending, inbound, ctx, t)
    if isinstance(pending, Ask) and pending.kind == "cancel_draft":
        return _cancel_draft(state, pending, inbound, ctx, t, lang)
    if isinstance(pending, Ask) and pending.kind in _ANSWERS:
        return _yes_no(state, pending, inbound, ctx, t, lang, _ANSWERS[pending.kind])
    raise ValueError(pending.kind if pending is not None else None)


def _language(state: State, pending: Ask, inbound: Inbound, ctx: Context, t: Gettext) -> Step[State]:
    pick = A.parse_choice(inbound.text, [("id", ["Bahasa Indonesia", "indonesia", "id"]),
                                         ("en", ["English", "inggris", "en"])])
    if isinstance(pick, Problem):
        state.pending = pending
        return Step(state, [Reply(pick.render(t), ("Bahasa Indonesia", "English"))])
    state.lang = pick
    t2 = ctx.gettext(pick)
    replies = [Reply(t2("Bahasa diganti ke Bahasa Indonesia.") if pick == "id" else t2("Language set to English."))]
    mode = state.mode_before if state.mode_before is not None else state.mode
    state.mode_before, state.mode = None, mode
    if mode == "form":
        replies.append(F.ask(form_of(state, ctx), state.the_form(), ctx, pick, t2))
    elif mode == "register":
        replies.append(registration.ask(state.reg or Reg(), ctx, t2))
    else:
        replies.append(menu_reply(state, ctx, t2, pick))
    return Step(state, replies, language=pick)


def _cancel_draft(state: State, pending: Ask, inbound: Inbound, ctx: Context, t: Gettext, lang: str) -> Step[State]:
    yes = A.parse_yes_no(inbound.text)
    if isinstance(yes, Problem):
        state.pending = pending
        return Step(state, [yes_no(yes.render(t), t)])
    if yes:
        state.draft = None
    return Step(state, [Reply(t("Draf dihapus.") if yes else t("Baik, draf tetap disimpan.")),
                        menu_reply(state, ctx, t, lang)])


def _confirm(state: State, pending: ConfirmAnswer, inbound: Inbound, ctx: Context, t: Gettext,
             lang: str) -> Step[State]:
    """An answer shown back: "ya" stores it, "tidak" asks again; anything else is a new answer."""
    form, draft = form_of(state, ctx), state.the_form()
    lexicon = _lexicon(state, ctx)
    if pending.what == "none" and none_said(A.normalize(lexicon.canonical(inbound.text)), after_yes=True):
        return take(state, form, R.Accepted(pending.updates), ctx, t, lang)   # "seng ada pak" to "none, so 0?": yes
    yes = A.parse_yes_no(inbound.text, lexicon)
    if yes is True:
        return take(state, form, R.Accepted(pending.updates), ctx, t, lang)
    if yes is False or A.normalize(inbound.text) in ("pilih lagi", t("Pilih lagi").lower()):
        msgid, params = pending.on_no
        return Step(state, [Reply(Problem(msgid, params).render(t)), F.ask(form, draft, ctx, lang, t)])
    if yes.msgid != "Mohon jawab ya atau tidak.":      # both at once: asked again
        state.pending = pending
        return Step(state, [Reply(yes.render(t)), current_prompt(state, ctx, t, lang)])
    # anything else is a new answer to the open question (a correction, the same text again)
    return form_step(state, inbound, None, ctx, t, lang, timedelta(0))


def _lexicon(state: State, ctx: Context) -> Lexicon:
    """The words of the person's region ("io", "seng"), from their draft's area or their own."""
    area = state.form.area if state.form is not None else None
    return lexicon_of(ctx.lexicons, area or (ctx.contact.area_code if ctx.contact else None))


_YesNo = Callable[[State, Pending, bool, Context, Gettext, str], Step[State]]


def _yes_no(state: State, pending: Pending, inbound: Inbound, ctx: Context, t: Gettext, lang: str,
            then: _YesNo) -> Step[State]:
    yes = A.parse_yes_no(inbound.text, _lexicon(state, ctx))
    if isinstance(yes, Problem):
        state.pending = pending
        return Step(state, [yes_no(t("Mohon jawab ya atau tidak."), t)])
    return then(state, pending, yes, ctx, t, lang)


def _go_on(state: State, t: Gettext, ctx: Context, lang: str) -> Step[State]:
    return Step(state, [Reply(t("Baik, kita lanjutkan.")), F.ask(form_of(state, ctx), state.the_form(), ctx, lang, t)])


def _cancel(state: State, pending: Pending, yes: bool, ctx: Context, t: Gettext, lang: str) -> Step[State]:
    if not yes:
        return _go_on(state, t, ctx, lang)
    state.form, state.mode = None, "menu"
    return Step(state, [Reply(t("Laporan dibatalkan.")), menu_reply(state, ctx, t, lang)])


def _restart(state: State, pending: Pending, yes: bool, ctx: Context, t: Gettext, lang: str) -> Step[State]:
    if not yes:
        return _go_on(state, t, ctx, lang)
    form, draft = form_of(state, ctx), state.the_form()
    step = start_form(state, form, ctx, t, lang, answers={}, edit_of=draft.edit_of, area=draft.area)
    if state.form is not None:
        state.form.suggest = draft.suggest or state.form.suggest
    return step


def _old_date(state: State, pending: Pending, yes: bool, ctx: Context, t: Gettext, lang: str) -> Step[State]:
    """Saved by an earlier version: "more than a year ago, benar?"."""
    form, draft = form_of(state, ctx), state.the_form()
    if yes and isinstance(pending, OldDate):
        return take(state, form, R.Accepted({F.question_at(form, F.at(draft)).name: pending.value}), ctx, t, lang)
    return Step(state, [Reply(t("Baik, mohon tulis tanggal yang benar.")), F.ask(form, draft, ctx, lang, t)])


_ANSWERS: dict[str, _YesNo] = {"cancel": _cancel, "restart": _restart}

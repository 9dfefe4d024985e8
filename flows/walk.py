"""Moving through a form in the conversation: starting a draft, taking an answer, walking on to the next
question (auto-answering what needs no typing) and the final check before the summary."""
from __future__ import annotations

from datetime import timezone
from typing import Any

from . import answer_types as X
from . import filling as F
from . import groups as G
from . import results as R
from . import validate as V
from .display import fmt_number, format_values
from .forms import Form
from .menu import menu_reply, render
from .positions import values_at
from .problem import Gettext
from .state import CONFIRM, ConfirmAnswer, Draft, Pos, State
from .types import Context, Reply, Step


def start_form(state: State, form: Form, ctx: Context, t: Gettext, lang: str, answers: dict[str, Any],
               edit_of: int | None, area: str | None = None) -> Step[State]:
    if form.uses_random and "$seed" not in answers:
        # random() fixed for this report (never stored), by the instant it began: the clock's zone changes nothing
        answers = {**answers, "$seed": ctx.now.astimezone(timezone.utc).isoformat()}
    state.form = Draft(id=form.id, version=form.version, area=area or (ctx.contact.area_code if ctx.contact else ""),
                       answers=answers, pos=None, history=[], edit_of=edit_of, started=ctx.now.isoformat(), auto=[],
                       suggest=F.previous_items(form, ctx))
    state.mode = "form"
    replies = [Reply(t("%(title)s. Ketik \"bantuan\" kapan saja jika bingung.") % {"title": form.title[lang]})]
    if edit_of:
        replies = [Reply(t("Memperbaiki laporan. Untuk setiap pertanyaan, ketik \"sama\" jika jawabannya tidak "
                           "berubah."))]
    return move(state, form, None, ctx, t, lang, replies)


def _auto_answer(state: State, form: Form, nxt: Pos, ctx: Context, t: Gettext, lang: str,
                 replies: list[Reply], shown: Pos | None) -> Step[State] | bool:
    """A question that needs no typing: a note (shown, under the groups the chat enters there, ``shown`` being
    what was shown before it), the only round open (taken). True: walk on past it; False: ask it; a step: the
    form cannot go on."""
    draft = state.the_form()
    q = F.question_at(form, nxt)
    if q.type == "note":
        values = values_at(form, draft, nxt)
        paging = {"pos": nxt.to_json(), "history": [shown.to_json()] if shown is not None else []}
        lines = G.group_lines(form, paging, q, lang, t, values)
        replies.append(Reply("\n".join([*lines, format_values(q.label[lang], values, lang)])))
        return True
    if q.choices_from != "rounds" or nxt.in_repeat:
        return False
    rounds = F.round_options(ctx)
    if not rounds:
        state.form, state.mode = None, "menu"
        return Step(state, replies + [Reply(t("Belum ada putaran pemantauan yang dibuka. Mohon hubungi koordinator "
                                              "Anda.")), menu_reply(state, ctx, t, lang)])
    if len(rounds) == 1 and not draft.edit_of:
        draft.answers[q.name] = rounds[0]
        replies.append(Reply(t("Putaran: %(round)s") % {"round": rounds[0]}))
        return True
    return False


def move(state: State, form: Form, pos: Pos | None, ctx: Context, t: Gettext, lang: str, replies: list[Reply],
         push: bool = True) -> Step[State]:
    """Go to the next question after ``pos``, auto-answering what needs no typing (notes, one round)."""
    draft = state.the_form()
    X.stamp_today(form, draft, ctx)       # today() known from the first question on
    note: Pos | None = None             # the last note shown on the way: the question is asked after it
    while True:
        nxt = F.next_pos(form, draft, pos)
        if nxt == CONFIRM:
            break
        auto = _auto_answer(state, form, nxt, ctx, t, lang, replies, note or draft.pos)
        if isinstance(auto, Step):
            return auto
        if not auto:
            break
        pos = note = nxt
    if nxt == CONFIRM:
        bad = V.first_invalid(form, draft.answers, lang, draft.today)
        if bad:        # an answer the final answers make wrong: asked again, with the reason
            nxt, why = bad
            if why:
                replies.append(Reply(render(why, t, lang)))
            draft.review, draft.auto = True, []
    if push and draft.pos is not None:
        draft.history.append(draft.pos)
    draft.pos = nxt
    if nxt == CONFIRM:
        draft.review = False
    replies.append(F.ask(form, draft, ctx, lang, t, note))
    return Step(state, replies)


def take(state: State, form: Form, result: R.Accepted, ctx: Context, t: Gettext, lang: str) -> Step[State]:
    """Write an accepted answer at the draft's position and walk on."""
    draft = state.the_form()
    pos = F.at(draft)
    if result.done_repeat:
        items = F.items_of(draft.answers, pos)
        F.set_items(draft.answers, pos, items[: max(pos.item, len(items) if draft.edit_of else pos.item)])
        after = Pos(pos.name) if pos.parent is None else Pos(pos.parent[0], pos.parent[1], pos.name)
        return move(state, form, after, ctx, t, lang, [])
    draft.answers = F.apply_updates(draft.answers, pos, result.updates)
    draft.auto = list(result.auto)
    if draft.early and pos.name in draft.early and pos.index is None:     # its early photo answered for now
        draft.early = [n for n in draft.early if n != pos.name] or None
    replies = []
    if result.auto and all(v is None for v in result.updates.values()):
        replies.append(Reply(t("Pertanyaan laki-laki dan perempuan dilewati.")))
    elif result.auto:
        replies.append(Reply(t("Dicatat: %(men)s laki-laki dan %(women)s perempuan.")
                             % _men_women(form, draft, pos, lang)))
    return move(state, form, pos, ctx, t, lang, replies)


def _men_women(form: Form, draft: Draft, pos: Pos, lang: str) -> dict[str, str]:
    q = F.question_at(form, pos)
    siblings = form.question(pos.name).questions if pos.in_repeat else form.questions
    owner = q if q.pair else next(o for o in siblings if o.pair == q.name)
    values = values_at(form, draft, pos)
    return {"men": fmt_number(values[owner.name], lang), "women": fmt_number(values[owner.pair or ""], lang)}


def ask_confirm(state: State, confirm: R.Confirm, t: Gettext) -> Step[State]:
    """An answer read with an assumption: shown back, stored once the person says yes."""
    text = confirm.question.render(t)
    state.pending = ConfirmAnswer(confirm.what, confirm.updates, text, list(confirm.choices),
                                  [confirm.on_no.msgid, confirm.on_no.params])
    return Step(state, [Reply(text, tuple(t(c) for c in confirm.choices), yes_no=True)])

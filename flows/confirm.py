"""The summary screen: send, change an answer (picked from a numbered list of the report's answers), cancel."""
from __future__ import annotations

from . import answers as A
from . import filling as F
from . import validate as V
from .display import show
from .forms import Form
from .lexicon import lexicon_of
from .menu import ask_cancel, menu_reply
from .positions import values_at
from .problem import Gettext, Problem
from .state import CONFIRM, Draft, PickQuestion, Pos, State
from .types import Context, Inbound, NewReport, Reply, Step
from .walk import move

_SUMMARY_WORDS = (("send", ["kirim", "send", "ya", "iya", "ok", "simpan"]), ("change", ["ubah", "ganti"]),
                  ("cancel", ["batal"]))


def answer_summary(state: State, form: Form, inbound: Inbound, ctx: Context, t: Gettext, lang: str) -> Step[State]:
    """An answer at the summary: 1 Kirim, 2 Ubah jawaban, 3 Batal."""
    draft = state.the_form()
    labels = {"send": t("Kirim"), "change": t("Ubah jawaban"), "cancel": t("Batal")}
    options = [(value, [labels[value], *words]) for value, words in _SUMMARY_WORDS]
    pick = A.parse_choice(inbound.text, options, guess=False)
    words = lexicon_of(ctx.lexicons, draft.area or (ctx.contact.area_code if ctx.contact else None))
    if pick == "send" or A.parse_yes_no(inbound.text, words) is True:      # also "io" in Maluku and NTT
        return _send(state, form, draft, ctx, t, lang)
    if pick == "cancel":
        return ask_cancel(state, form, t, lang)
    if pick == "change":
        return ask_which(state, form, draft, t, lang)
    return Step(state, [Reply(t("Mohon pilih 1 untuk kirim, 2 untuk ubah jawaban, atau 3 untuk batal.")),
                        F.ask(form, draft, ctx, lang, t)])


def _send(state: State, form: Form, draft: Draft, ctx: Context, t: Gettext, lang: str) -> Step[State]:
    if V.first_invalid(form, draft.answers, lang, draft.today):
        # the summary was shown before a rule changed it: never send a wrong report
        return move(state, form, CONFIRM, ctx, t, lang, [])
    report = NewReport(form_id=form.id, form_version=form.version, area_code=draft.area,
                       key=F.report_key(form, draft), answers=F.clean_answers(form, draft.answers, draft.today),
                       report_id=draft.edit_of)
    state.form, state.mode = None, "menu"
    thanks = Reply(t("Terima kasih! %(title)s sudah tersimpan.") % {"title": form.title[lang]})
    return Step(state, [thanks, menu_reply(state, ctx, t, lang)], report=report)


def changeable(form: Form, draft: Draft) -> list[str]:
    """Every question of the report that can be changed now (answered or not, photos too)."""
    out = []
    values = values_at(form, draft, Pos("$"))      # the same at every top-level question
    for q in form.questions:
        if q.type != "note" and F.relevant(q, values) and (q.name in draft.answers or not q.required):
            out.append(q.name)
    return out


def answer_label(form: Form, draft: Draft, name: str, lang: str, t: Gettext) -> str:
    q = form.question(name)
    value = draft.answers.get(name)
    if q.type == "repeat":
        shown = (t("%(count)s kegiatan") if F.says_kegiatan(q) else t("%(count)s tercatat")) % {"count": len(value or [])}
    else:
        shown = show(q, value, lang, t)
    return f"{F.short_label(q, lang)}: {shown}"


def ask_which(state: State, form: Form, draft: Draft, t: Gettext, lang: str,
              head: list[Reply] | None = None) -> Step[State]:
    names = changeable(form, draft)
    state.pending = PickQuestion(names)
    labels = tuple(answer_label(form, draft, n, lang, t) for n in names)
    return Step(state, (head or []) + [Reply(t("Jawaban mana yang ingin diubah? Ketik nomornya."), labels)])


def pick_question(state: State, pending: PickQuestion, inbound: Inbound, ctx: Context, t: Gettext,
                  lang: str) -> Step[State]:
    """The answer to "Jawaban mana yang ingin diubah?": that question is asked, then the summary again."""
    form = ctx.forms[(state.the_form().id, state.the_form().version)]
    draft = state.the_form()
    names = pending.names
    labels = [answer_label(form, draft, n, lang, t) for n in names]
    pick = A.parse_choice(inbound.text, [(n, [F.short_label(form.question(n), lang), lb])
                                         for n, lb in zip(names, labels)], guess=False)
    if isinstance(pick, Problem):
        state.pending = pending
        return Step(state, [Reply(pick.render(t), tuple(labels))])
    q = form.question(pick)
    draft.review = q.type != "repeat"
    if draft.pos is not None:
        draft.history.append(draft.pos)
    draft.pos = Pos(pick, 0, q.questions[0].name) if q.type == "repeat" else Pos(pick)
    return Step(state, [F.ask(form, draft, ctx, lang, t)])

"""A message while a form is being filled: a command about the form (bantuan, batal, ulang, kembali), an
answer at the summary, or an answer to the open question (a greeting is never one)."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from . import answers as A
from . import filling as F
from . import results as R
from .confirm import answer_summary
from .forms import Form
from .help import help_reply
from .menu import ask_cancel, form_of, name, render, yes_no
from .problem import N_, Gettext, Problem
from .state import CONFIRM, Ask, State
from .types import Context, Inbound, Reply, Step
from .walk import ask_confirm, take

WELCOME_BACK_AFTER = timedelta(hours=2)
#: the reasons that mean "not understood" (not "understood and wrong"): such answers are counted for `pantau kata`
UNREAD = {"Mohon tulis jumlahnya dengan angka, misalnya 79.", "Mohon tulis angkanya, misalnya 2,5.",
          "Tanggal belum bisa dibaca. Contoh: 6 Agustus, 10/8/2024, kemarin, atau Kamis lalu.",
          "Pilihan itu belum dikenali. Mohon ketik nomornya, misalnya 1.", "Mohon jawab ya atau tidak.",
          "Pilihan \"%(part)s\" belum dikenali. Boleh pilih lebih dari satu, misalnya: 1, 3."}
_LONG_DIGITS = re.compile(r"\+?\d[\d\s.-]{5,}\d")


def unread_text(text: str) -> str:
    """An unread answer as it is counted: lowercase, spaces collapsed, a phone number or any long run of
    digits masked, at most 80 characters."""
    return _LONG_DIGITS.sub("#", " ".join((text or "").lower().split()))[:80]

_FormCommand = Callable[[State, Form, Context, Gettext, str], Step[State]]


def _help(state: State, form: Form, ctx: Context, t: Gettext, lang: str) -> Step[State]:
    draft = state.the_form()
    return Step(state, [help_reply(form, draft, ctx, lang, t), F.ask(form, draft, ctx, lang, t)])


def _cancel(state: State, form: Form, ctx: Context, t: Gettext, lang: str) -> Step[State]:
    return ask_cancel(state, form, t, lang)


def _restart(state: State, form: Form, ctx: Context, t: Gettext, lang: str) -> Step[State]:
    state.pending = Ask("restart")
    return Step(state, [yes_no(t("Mulai lagi dari pertanyaan pertama? Jawaban yang sudah diisi akan dihapus."), t)])


def _back(state: State, form: Form, ctx: Context, t: Gettext, lang: str) -> Step[State]:
    draft = state.the_form()
    if not draft.history:
        return Step(state, [Reply(t("Ini pertanyaan pertama.")), F.ask(form, draft, ctx, lang, t)])
    draft.pos = draft.history.pop()
    draft.auto = []
    return Step(state, [F.ask(form, draft, ctx, lang, t)])


_COMMANDS: dict[str, _FormCommand] = {"help": _help, "cancel": _cancel, "restart": _restart, "back": _back}


def form_step(state: State, inbound: Inbound, cmd: str | None, ctx: Context, t: Gettext, lang: str,
              gap: timedelta) -> Step[State]:
    form = form_of(state, ctx)
    command = _COMMANDS.get(cmd or "")
    if command is not None:
        return command(state, form, ctx, t, lang)
    if state.the_form().pos == CONFIRM:
        return answer_summary(state, form, inbound, ctx, t, lang)
    return answer(state, form, inbound, ctx, t, lang, gap)


def answer(state: State, form: Form, inbound: Inbound, ctx: Context, t: Gettext, lang: str,
           gap: timedelta) -> Step[State]:
    """An answer to the open question: taken, shown back to be confirmed, or asked again with the reason."""
    draft = state.the_form()
    title = form.title[lang].lower()
    welcome = Reply(t("Selamat datang kembali. Kita sedang mengisi %(title)s. Pertanyaan terakhir:") % {"title": title})
    keyword = _keyword_answer(state, form, inbound, ctx, lang, gap)
    if keyword is not None:
        return ask_confirm(state, keyword, t)
    if A.is_greeting(inbound.text) and not inbound.photo:     # a greeting is never an answer
        head = welcome if gap > WELCOME_BACK_AFTER else Reply(
            t("Halo, %(name)s. Kita sedang mengisi %(title)s.") % {"name": name(ctx), "title": title})
        return Step(state, [head, F.ask(form, draft, ctx, lang, t)])
    kept_for = F.keep_early_photo(form, draft, inbound, lang)   # kept for the photo question to come, not dropped
    if kept_for is not None and not inbound.text.strip():
        kept = Problem(N_("Terima kasih, fotonya sudah disimpan untuk \"%(question)s\". Pertanyaan ini mohon "
                          "dijawab dengan tulisan."), {"question": kept_for})
        return Step(state, [Reply(render(kept, t, lang)), *([welcome] if gap > WELCOME_BACK_AFTER else []),
                            F.ask(form, draft, ctx, lang, t)])
    step = _take_text(state, form, inbound, ctx, t, lang, gap, welcome)
    if kept_for is not None:       # a photo with a caption: the caption answers, the photo waits for its question
        note = Reply(t("Fotonya sudah disimpan untuk \"%(question)s\".") % {"question": kept_for})
        step = replace(step, replies=[note, *step.replies])
    return step          # a photo nothing kept is said by flows/engine.py (``_photo_said``), whatever answered


def _take_text(state: State, form: Form, inbound: Inbound, ctx: Context, t: Gettext, lang: str, gap: timedelta,
               welcome: Reply) -> Step[State]:
    draft = state.the_form()
    result = F.accept(form, draft, inbound.text, inbound, ctx, lang)
    if isinstance(result, Problem):
        replies = [welcome] if gap > WELCOME_BACK_AFTER else [Reply(render(result, t, lang))]
        unread = None
        if result.msgid in UNREAD and draft.area and gap <= WELCOME_BACK_AFTER:
            unread = (f"{form.id}.{F.question_at(form, F.at(draft)).name}", draft.area, unread_text(inbound.text))
        return Step(state, replies + [F.ask(form, draft, ctx, lang, t)], unread=unread)
    if gap > WELCOME_BACK_AFTER:
        result = _after_pause(state, form, result, inbound, ctx, t, lang)
    if isinstance(result, R.Confirm):
        return ask_confirm(state, result, t)
    return take(state, form, result, ctx, t, lang)


def _keyword_answer(state: State, form: Form, inbound: Inbound, ctx: Context, lang: str,
                    gap: timedelta) -> R.Confirm | None:
    """A greeting, keyword or filler ("halo", "tes", "ok", "sebentar ya", "terima kasih") typed alone at a
    free-text question: it may be the answer (a place called Halo) or not (a cadre saying "wait"), so it is
    shown back and kept only on a yes. None: not such an answer, or after a long pause (greeted there)."""
    if inbound.photo or gap > WELCOME_BACK_AFTER or not A.is_keyword(inbound.text):
        return None
    draft = state.the_form()
    question = F.question_at(form, F.at(draft))
    if question is None or question.type != "text":       # a choice named "ya" is a choice, not free text
        return None
    result = F.accept(form, draft, inbound.text, inbound, ctx, lang)
    if not isinstance(result, R.Accepted) or result.done_repeat or not result.updates:
        return None
    typed = inbound.text.strip()
    if not any(isinstance(v, str) and v.strip() == typed for v in result.updates.values()):
        return None                       # read as something else (a skip word, a number): not free text
    return R.Confirm("keyword", result.updates,
                     Problem(N_("Apakah \"%(text)s\" jawaban Anda untuk pertanyaan ini?"), {"text": typed[:80]}),
                     on_no=Problem(N_("Baik, jawaban itu tidak disimpan.")))


def _after_pause(state: State, form: Form, result: R.Accepted | R.Confirm, inbound: Inbound, ctx: Context,
                 t: Gettext, lang: str) -> R.Accepted | R.Confirm:
    """Free text after a long pause may be meant for something else: taken once confirmed or repeated."""
    draft = state.the_form()
    typed = A.normalize(inbound.text)
    q = F.question_at(form, F.at(draft))
    if (q.type != "text" or not isinstance(result, R.Accepted) or result.done_repeat
            or typed in F.KEEP_WORDS or typed in F.DONE_WORDS):
        return result
    question = F.ask(form, draft, ctx, lang, t).text
    return R.Confirm("pause", result.updates, Problem(
        N_("Selamat datang kembali. Kita sedang mengisi %(title)s.\nPertanyaan terakhir: %(question)s\n"
           "Anda menulis: \"%(text)s\". Apakah ini jawabannya?"),
        {"title": form.title[lang].lower(), "question": question, "text": inbound.text.strip()[:200]}),
        on_no=Problem(N_("Baik, jawaban itu tidak disimpan.")))

"""``advance``: one message in, the next session and replies out. Pure: no I/O, no clock.

Modes of a session: ``register`` → ``menu`` ⇄ ``form`` (a draft being filled), ``pick_report``
(choosing a report to correct), ``language``. Commands work at every step: batal, kembali, ulang,
bantuan, menu, ubah, bahasa. A ``pending`` yes/no question (cancel? restart? an old date?) is
answered before anything else.

The session JSON is read into a ``flows.state.State`` once, here, and written back once, here; the
modules that do the work (menu, walk, answering, confirm, pending) work on the typed state.
"""
from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import orjson

from . import access
from . import answers as A
from . import commands as C
from . import filling as F
from . import pending as P
from . import bounds, join, permissions, programs, registration, side
from .answering import WELCOME_BACK_AFTER, form_step
from .confirm import answer_summary, ask_which
from .display import report_title
from .forms import Form
from .needs import needs, round_forms, round_questions
from .menu import (current_prompt, draft_title, form_of, list_reports, menu_options, menu_reply, name, not_enabled,
                   render, yes_no)
from .problem import Gettext, Problem
from .state import CONFIRM, Ask, Draft, Reg, State
from .types import ContactView, Context, Inbound, ReportView, Reply, Request, Step, with_session
from .walk import start_form

__all__ = ["COMMANDS", "DRAFT_TTL", "REQUESTS", "WELCOME_BACK_AFTER", "advance", "command_of", "menu_reply", "needs",
           "round_forms", "round_questions"]

DRAFT_TTL = timedelta(hours=72)
#: word → command (the table is flows.commands: one ``register`` call adds a command)
COMMANDS = C.WORDS
for _side_name in dict.fromkeys(side.COMMANDS.values()):      # the learning loop's side conversations
    C.register(C.Command(_side_name, tuple(w for w, n in side.COMMANDS.items() if n == _side_name)))
C.register(C.Command("dashboard", ("dasbor", "dashboard")))    # bot/web: a link, even while a question is open
C.register(C.Command("logout", ("keluar", "logout")))
REQUESTS = tuple(r.value for r in Request)


def command_of(text: str) -> str | None:
    return C.command_of(text)


# ---------------------------------------------------------------- one message

@dataclass(frozen=True)
class _Msg:
    """One message as the stages of ``advance`` see it."""

    inbound: Inbound
    ctx: Context
    t: Gettext
    lang: str
    cmd: str | None
    last: str | None            # ISO time of the previous message
    gap: timedelta              # since the previous message


def _copy(session: dict[str, Any]) -> dict[str, Any]:
    """A copy as the database would return it (storage/ writes JSON columns with orjson): a NaN comes back as
    null there too. What orjson cannot write (an integer past 64 bits) is copied with ``json`` as before."""
    try:
        copied: dict[str, Any] = orjson.loads(orjson.dumps(session, option=orjson.OPT_NON_STR_KEYS))
    except TypeError:
        copied = json.loads(json.dumps(session))
    return copied


def advance(session: dict[str, Any] | None, inbound: Inbound, ctx: Context) -> Step[dict[str, Any]]:
    # a copy as the database would return it, read as the current schema (flows.state)
    state = State.from_json(_copy(session) if session else None)
    filling = state.mode == "form"
    step = _advance(state, inbound, ctx)
    out = step.session.to_json()
    if filling and inbound.photo and inbound.text.strip():
        step = _photo_said(step, out, inbound, ctx)
    return with_session(step, out)


def _photo_said(step: Step[State], out: dict[str, Any], inbound: Inbound, ctx: Context) -> Step[State]:
    """A photo sent with words while a report is filled that nothing kept (no answer, kept draft or sent report holds
    it: the words answered a question for words, a yes/no, the summary) and no reply speaks of: said, never dropped
    without a word."""
    photo = inbound.photo or ""
    if photo in str(out) or (step.report is not None and photo in str(step.report.answers)):
        return step
    t = ctx.gettext(str(out.get("lang") or "id"))
    return replace(step, replies=[Reply(t("Foto tersebut tidak dilampirkan pada laporan.")), *step.replies])


def _advance(state: State, inbound: Inbound, ctx: Context) -> Step[State]:
    lang = state.lang or (ctx.contact.lang if ctx.contact else "id")
    state.lang = lang
    t = ctx.gettext(lang)
    last, state.updated = state.updated, ctx.now.isoformat()
    if ctx.contact is None and state.mode != "register":
        return registration.start(state, ctx, t)
    if ctx.contact is not None and state.mode in (None, "register"):
        state.mode = "menu"
    gap = ctx.now - datetime.fromisoformat(last) if last else timedelta(0)
    if gap > DRAFT_TTL and state.any_draft:
        return _expired(state, ctx, t, lang)
    long = bounds.too_long(inbound.text, state, ctx)       # before anything reads the text
    if long is not None:
        return Step(state, [Reply(render(long, t, lang)), current_prompt(state, ctx, t, lang)])
    # "belum", "ringkasan" are answers while a question is open
    cmd = C.command_of(inbound.text, answering=bool(state.pending or state.mode == "form"))
    msg = _Msg(inbound, ctx, t, lang, cmd, last, gap)
    for stage in _STAGES:
        step = stage(state, msg)
        if step is not None:
            return step
    raise AssertionError("the last stage always answers")


def _access(state: State, m: _Msg) -> Step[State] | None:
    """Who may do what (flows/access.py): a disabled account, a coordinator's decision."""
    if m.ctx.contact is None or state.mode == "register":
        return None
    if not m.ctx.contact.active:
        return _wrap(state, access.disabled_step(state.extra, m.t))
    decided = access.intercept(state.extra, m.inbound, m.ctx, m.t,
                               lambda: current_prompt(state, m.ctx, m.t, m.lang), m.last)
    return _wrap(state, decided) if decided is not None else None


def _wrap(state: State, step: Step[dict[str, Any]]) -> Step[State]:
    """A step of flows/access.py, which keeps its keys in ``state.extra``."""
    return with_session(step, state)


def _unreadable(state: State, m: _Msg) -> Step[State] | None:
    if m.inbound.kind in ("voice", "sticker", "other") and not m.inbound.text.strip():
        why = (m.t("Maaf, berkas ini bukan foto dan belum bisa dibaca. Jika diminta foto, mohon kirim fotonya (JPG "
                   "atau PNG) lewat tombol kamera; selain itu, mohon ketik jawabannya.") if m.inbound.kind == "other"
               else m.t("Maaf, pesan suara dan stiker belum bisa dibaca. Mohon ketik jawabannya."))
        return Step(state, [Reply(why), current_prompt(state, m.ctx, m.t, m.lang)])
    return None


def _pending(state: State, m: _Msg) -> Step[State] | None:
    """An open sub-question: a command closes it (and goes on), anything else but "bantuan" answers it."""
    if state.pending and m.cmd in P.GIVES_WAY:
        step = P.close(state, m.inbound, m.cmd or "", m.ctx, m.t, m.lang)
        if step is not None:
            return step
    if state.pending and m.cmd != "help":
        return P.answer(state, m.inbound, m.ctx, m.t, m.lang)
    return None


def _side(state: State, m: _Msg) -> Step[State] | None:
    if m.ctx.contact is None or state.mode == "register":
        return None
    return side.advance(state, m.inbound.text, m.cmd, m.ctx, m.t, menu_reply, m.lang)


def _language_or_register(state: State, m: _Msg) -> Step[State] | None:
    if m.cmd == "language":
        state.mode_before = state.mode
        state.pending = Ask("language")
        return Step(state, [Reply(m.t("Pilih bahasa:"), ("Bahasa Indonesia", "English"))])
    if state.mode == "register":
        return _register(state, m.inbound, m.cmd, m.ctx, m.t, m.lang)
    return None


def _command(state: State, m: _Msg) -> Step[State] | None:
    """A command that means the same at every step (flows.commands)."""
    spec = C.TABLE.get(m.cmd) if m.cmd else None
    if spec is None or spec.handler is None:
        return None
    had_form = state.form is not None
    step = spec.handler(state, m.inbound, m.ctx, m.t, m.lang)
    if m.cmd in ("menu", "start") and had_form and m.gap > WELCOME_BACK_AFTER:
        step = replace(step, replies=[Reply(m.t("Selamat datang kembali.")), *step.replies])
    return step


def _join(state: State, m: _Msg) -> Step[State] | None:
    """An invite code typed by a registered person: one more membership (flows/join.py)."""
    if m.cmd is not None:
        state.extra.pop(join.KEY, None)
        return None
    return join.stage(state, m.inbound, m.ctx, m.t, m.lang)


def _program(state: State, m: _Msg) -> Step[State] | None:
    """Which program a report is for, when the person has several (flows/programs.py)."""
    if m.cmd is not None:
        state.extra.pop(programs.KEY, None)
        return None
    return programs.stage(state, m.inbound, m.ctx, m.t, m.lang, _menu)


def _by_mode(state: State, m: _Msg) -> Step[State] | None:
    if state.mode == "form":
        return form_step(state, m.inbound, m.cmd, m.ctx, m.t, m.lang, m.gap)
    if m.cmd in ("cancel", "back", "restart", "help"):
        return _menu_command(state, m.cmd or "", m.ctx, m.t, m.lang)
    if state.mode == "pick_report":
        return _pick_report(state, m.inbound, m.ctx, m.t, m.lang)
    return _menu(state, m.inbound, m.ctx, m.t, m.lang)


#: the stages a message passes, in order: the first that answers decides
_STAGES: tuple[Callable[[State, _Msg], Step[State] | None], ...] = (
    _access, _unreadable, _pending, _side, _language_or_register, _join, _program, _command, _by_mode)


def _expired(state: State, ctx: Context, t: Gettext, lang: str) -> Step[State]:
    """A draft silent for longer than ``DRAFT_TTL`` is dropped, and the person told."""
    title = draft_title(state, ctx, lang)
    state.form = state.draft = state.pending = None
    state.mode = "menu"
    return Step(state, [Reply(t("Laporan %(title)s yang belum selesai sudah dihapus karena tidak dilanjutkan "
                                "selama 3 hari. Silakan mulai lagi.") % {"title": title}),
                        menu_reply(state, ctx, t, lang)])


def _register(state: State, inbound: Inbound, cmd: str | None, ctx: Context, t: Gettext,
              lang: str) -> Step[State]:
    if cmd == "back":
        return registration.back(state, ctx, t)
    if cmd == "help":
        return Step(state, [Reply(t("Pantau mencatat laporan pertemuan dan pemantauan desa. Jawab "
                                    "pertanyaannya satu per satu; ketik \"kembali\" untuk mengubah "
                                    "jawaban sebelumnya.")), registration.ask(state.reg or Reg(), ctx, t)])
    step = registration.advance(state, inbound.text, ctx, t)
    if step.contact:   # registered: show what they can do next
        view = ContactView(0, step.contact.name, step.contact.role, step.contact.area_code, lang)
        step.replies.append(menu_reply(state, replace(ctx, contact=view), t, lang))
    return step


# ---------------------------------------------------------------- at the menu

def _aside(state: State) -> None:
    """The draft being filled is kept aside (the menu offers to continue it)."""
    if state.form is not None:
        state.draft, state.form = state.form, None


def _edit(state: State, inbound: Inbound, ctx: Context, t: Gettext, lang: str) -> Step[State]:
    """"ubah": at the summary, "Ubah jawaban" (the option it shows); elsewhere, the reports sent."""
    if state.mode == "form" and state.form is not None and state.form.pos == CONFIRM:
        return answer_summary(state, form_of(state, ctx), replace(inbound, text=t("Ubah jawaban")), ctx, t, lang)
    _aside(state)
    return list_reports(state, ctx, t, lang)


def _menu_command(state: State, cmd: str, ctx: Context, t: Gettext, lang: str) -> Step[State]:
    """batal, kembali, ulang, bantuan at the menu: about the draft if there is one."""
    if cmd == "help":
        return Step(state, [Reply(t("Pilih nomor laporan yang ingin dikirim. Ketik \"ubah\" untuk memperbaiki "
                                    "laporan, \"bahasa\" untuk ganti bahasa.")), menu_reply(state, ctx, t, lang)])
    if cmd == "cancel" and state.draft:
        state.pending = Ask("cancel_draft")
        return Step(state, [yes_no(t("Hapus draf %(title)s? Jawaban yang sudah diisi akan dihapus.")
                                   % {"title": draft_title(state, ctx, lang)}, t)])
    head = (t("Tidak ada laporan yang sedang diisi.") if not state.draft else
            t("Draf %(title)s masih tersimpan. Pilih \"Lanjutkan\" untuk mengisinya.")
            % {"title": draft_title(state, ctx, lang)})
    return Step(state, [Reply(head), menu_reply(state, ctx, t, lang)])


def _to_menu(state: State, inbound: Inbound, ctx: Context, t: Gettext, lang: str) -> Step[State]:
    prefix = []
    if state.form is not None:
        _aside(state)
        prefix.append(Reply(t("Laporan yang sedang diisi disimpan sebagai draf.")))
    state.mode = "menu"
    return Step(state, prefix + [menu_reply(state, ctx, t, lang)])


def _menu(state: State, inbound: Inbound, ctx: Context, t: Gettext, lang: str) -> Step[State]:
    options = menu_options(state, ctx, t, lang)
    choice = A.parse_choice(inbound.text, [(v, [label]) for v, label in options])
    if inbound.photo:                   # the attendance sheet before its report: kept for the report's photo question
        state.photo = inbound.photo
        if isinstance(choice, Problem):
            return Step(state, [Reply(t("Terima kasih, fotonya sudah disimpan. Laporan apa yang ingin Anda kirim "
                                        "bersama foto ini?")), menu_reply(state, ctx, t, lang)])
    if isinstance(choice, Problem):
        greeting = A.normalize(inbound.text) in registration._GREETINGS
        head = (t("Halo, %(name)s.") % {"name": name(ctx)}) if greeting else (
            not_enabled(inbound.text, ctx, t, lang) or choice.render(t))
        return Step(state, [Reply(head), menu_reply(state, ctx, t, lang)])
    if choice == "resume":
        state.form, state.draft, state.mode = state.draft, None, "form"
        kept = _menu_photo(state, form_of(state, ctx), t, lang)
        return Step(state, [*kept, F.ask(form_of(state, ctx), state.the_form(), ctx, lang, t)])
    if choice == "edit":
        return list_reports(state, ctx, t, lang)
    if choice.startswith("req:"):
        return _request(state, choice[4:], ctx, t, lang)
    if choice.startswith("side:"):      # a side conversation's start always answers
        started = side.advance(state, "", choice[5:], ctx, t, menu_reply, lang)
        return started if started is not None else Step(state, [menu_reply(state, ctx, t, lang)])
    state.draft = None
    form = ctx.latest(choice.split(":", 1)[1])
    step = start_form(state, form, ctx, t, lang, answers={}, edit_of=None)
    kept = _menu_photo(state, form, t, lang) if state.form is not None else []
    return replace(step, replies=[*step.replies[:1], *kept, *step.replies[1:]]) if kept else step


def _menu_photo(state: State, form: Form, t: Gettext, lang: str) -> list[Reply]:
    """The photo sent at the menu, kept for this report's photo question; a report without one says it is not
    used (it is not kept for a later report: an old photo must not slip into one)."""
    if state.photo is None:
        return []
    kept_for = F.keep_photo(form, state.the_form(), state.photo, lang)
    state.photo = None
    if kept_for is None:
        return [Reply(t("Laporan ini tidak meminta foto, jadi foto yang Anda kirim tadi tidak dipakai."))]
    return [Reply(t("Foto yang Anda kirim tadi disimpan untuk \"%(question)s\".") % {"question": kept_for})]


def _request(state: State, what: str, ctx: Context, t: Gettext, lang: str) -> Step[State]:
    """Coordinator data (summary, missing desa, Excel): the pipeline fills it in, for the contact's area only."""
    if ctx.contact is None or not permissions.may_request(ctx.contact.role, what):
        refused = t("Perintah ini untuk fasilitator dan koordinator.")
        if ctx.contact is not None and permissions.agency_only(ctx.contact.role):    # an OPD: what it has instead
            refused += " " + t("Usulan yang ditujukan ke dinas Anda ada di \"tindak lanjut\".")
        return Step(state, [Reply(refused), menu_reply(state, ctx, t, lang)])
    _aside(state)
    state.mode = "menu"
    return Step(state, [], request=Request(what))


def _started_of(form: Form, report: ReportView) -> str | None:
    """A correction keeps the moment the report was started when its key holds it (a story of change): the
    key, and so the round the story counts in, stay the same."""
    if "$started" not in form.key or not report.key:
        return None
    parts = report.key.split("|")
    return parts[form.key.index("$started")] if len(parts) == len(form.key) else None


def _pick_report(state: State, inbound: Inbound, ctx: Context, t: Gettext, lang: str) -> Step[State]:
    listed = state.reports or []
    ctx.need("recent")
    by_id = {r.id: r for r in ctx.recent_reports}
    pick = A.parse_choice(inbound.text, [(str(i), [label]) for i, label in listed])
    if isinstance(pick, Problem) or int(pick) not in by_id:
        return Step(state, [Reply(t("Mohon pilih nomor laporan, atau ketik \"menu\"."))]
                    + list_reports(state, ctx, t, lang).replies)
    report = by_id[int(pick)]
    state.reports = None
    form = ctx.forms[(report.form_id, report.form_version)]
    draft = Draft(id=form.id, version=form.version, area=report.area_code, answers=copy.deepcopy(report.answers),
                  pos=CONFIRM, history=[], edit_of=report.id, started=_started_of(form, report) or ctx.now.isoformat(),
                  auto=[],
                  suggest=F.previous_items(form, ctx))
    state.form, state.mode = draft, "form"
    head = Reply(t("Memperbaiki %(title)s.") % {"title": report_title(form, report.answers, lang, t)})
    if report.returned:               # which story a panel returned, and why
        from .selection import level_label
        head = Reply(head.text + "\n" + t("Panel %(level)s mengembalikan cerita ini untuk diperiksa: %(question)s")
                     % {"level": level_label(report.returned[0], t), "question": report.returned[1]})
    return ask_which(state, form, draft, t, lang, [head])


def _requesting(what: str) -> C.Handler:
    def handler(state: State, inbound: Inbound, ctx: Context, t: Gettext, lang: str) -> Step[State]:
        return _request(state, what, ctx, t, lang)
    return handler


for _request_name in REQUESTS:
    C.register(replace(C.TABLE[_request_name], handler=_requesting(_request_name)))
C.register(replace(C.TABLE["menu"], handler=_to_menu))
C.register(replace(C.TABLE["edit"], handler=_edit))
C.register(replace(C.TABLE["start"], handler=_to_menu))

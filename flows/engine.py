"""``advance``: one message in, the next session and replies out. Pure: no I/O, no clock.

Modes of a session: ``register`` → ``menu`` ⇄ ``form`` (a draft being filled), ``pick_report``
(choosing a report to correct), ``language``. Commands work at every step: batal, kembali, ulang,
bantuan, menu, ubah, bahasa. A ``pending`` yes/no question (cancel? restart? an old date?) is
answered before anything else.
"""
from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from . import access
from . import answer_types as X
from . import answers as A
from . import commands as C
from . import filling as F
from . import registration, side
from . import results as R
from . import validate as V
from .display import fmt_date, fmt_number, format_values, report_title, show
from .forms import Form
from .problem import N_, Gettext, Problem
from .state import SCHEMA
from .state import normalize as normalize_state
from .types import ContactView, Context, Inbound, NewReport, Reply, Step

DRAFT_TTL = timedelta(hours=72)
WELCOME_BACK_AFTER = timedelta(hours=2)
#: word → command (the table is flows.commands: one ``register`` call adds a command)
COMMANDS = C.WORDS
for _side_name in dict.fromkeys(side.COMMANDS.values()):      # the learning loop's side conversations
    C.register(C.Command(_side_name, tuple(w for w, n in side.COMMANDS.items() if n == _side_name)))
C.register(C.Command("dashboard", ("dasbor", "dashboard")))    # bot/web: a link, even while a question is open
C.register(C.Command("logout", ("keluar", "logout")))
REQUESTS = ("missing", "summary", "export", "dashboard", "logout")
#: commands that end an open yes/no sub-question and then do what they always do
_PENDING_GIVES_WAY = {"back", "cancel", "restart", "menu", "start", "edit", "language"}


def command_of(text: str) -> str | None:
    return C.command_of(text)


def round_forms(forms: dict[tuple[str, int], Form]) -> frozenset[str]:
    """The forms with a question answered from the monitoring rounds (``needs`` reads rounds for them)."""
    return frozenset(f.id for f in forms.values() if any(q.choices_from == "rounds" for q in f.all_questions()))


def needs(session: dict[str, Any] | None, inbound: Inbound, registered: bool = False, round_forms: frozenset[str] | None = None) -> set[str]:
    """Which context the pipeline must load for this message (so it loads no more than that).
    ``round_forms``: the forms with a question answered from the monitoring rounds (None: any may)."""
    state = session or {}
    mode = state.get("mode", "menu" if registered else "register")
    cmd = command_of(inbound.text)
    out = set()
    if not registered and mode == "register":
        out |= {"areas", "invites"}
    if cmd == "edit" or mode in ("pick_report", "menu"):   # the menu offers "Ubah laporan yang sudah dikirim"
        out.add("recent")
    if mode == "menu" or cmd in ("menu", "start"):
        out.add("previous")
    if registered and (cmd in side.STARTS or state.get("side") or mode == "menu"):
        out.add("loop")           # the pipeline reads it for coordinators and OPD only
    if registered:
        draft = state.get("form") or state.get("draft")
        form_id = draft.get("id") if isinstance(draft, dict) else None
        if (cmd is not None or mode in ("menu", "pick_report") or form_id is None or round_forms is None
                or form_id in round_forms):
            out.add("rounds")
    return out


def advance(session: dict[str, Any] | None, inbound: Inbound, ctx: Context) -> Step:
    # a copy as the database would return it, migrated to the current schema (flows.state)
    session = normalize_state(json.loads(json.dumps(session))) if session else {"schema": SCHEMA}
    lang = session.get("lang") or (ctx.contact.lang if ctx.contact else "id")
    session["lang"] = lang
    t = ctx.gettext(lang)
    last = session.get("updated")
    session["updated"] = ctx.now.isoformat()
    if ctx.contact is None and session.get("mode") != "register":
        return registration.start(session, ctx, t)
    if ctx.contact is not None and session.get("mode") in (None, "register"):
        session["mode"] = "menu"
    gap = ctx.now - datetime.fromisoformat(last) if last else timedelta(0)
    if gap > DRAFT_TTL and (session.get("form") or session.get("draft")):
        return _expired(session, ctx, t, lang)
    # "belum", "ringkasan" are answers while a question is open
    cmd = C.command_of(inbound.text, answering=bool(session.get("pending") or session.get("mode") == "form"))
    if ctx.contact is not None and session["mode"] != "register":   # who may do what (flows/access.py)
        if not ctx.contact.active:
            return access.disabled_step(session, t)
        decided = access.intercept(session, inbound, ctx, t, lambda: _current_prompt(session, ctx, t, lang), last)
        if decided is not None:
            return decided
    if inbound.kind in ("voice", "sticker", "other") and not inbound.text.strip():
        return Step(session, [Reply(t("Maaf, pesan suara dan stiker belum bisa dibaca. Mohon ketik jawabannya.")),
                              _current_prompt(session, ctx, t, lang)])
    if session.get("pending") and cmd in _PENDING_GIVES_WAY:
        step = _close_pending(session, inbound, cmd, ctx, t, lang)
        if step is not None:
            return step
    if session.get("pending") and cmd != "help":
        return _pending(session, inbound, ctx, t, lang)
    if ctx.contact is not None and session["mode"] != "register":
        step = side.advance(session, inbound.text, cmd, ctx, t, menu_reply, lang)
        if step is not None:
            return step
    if cmd == "language":
        return _language(session, inbound, ctx, t, lang)
    if session["mode"] == "register":
        return _register(session, inbound, cmd, ctx, t, lang)
    spec = C.TABLE.get(cmd) if cmd else None
    if spec is not None and spec.handler is not None:
        had_form = bool(session.get("form"))
        step = spec.handler(session, inbound, ctx, t, lang)
        if cmd in ("menu", "start") and had_form and gap > WELCOME_BACK_AFTER:
            step = replace(step, replies=[Reply(t("Selamat datang kembali.")), *step.replies])
        return step
    if session["mode"] == "form":
        return _form(session, inbound, cmd, ctx, t, lang, gap)
    if cmd in ("cancel", "back", "restart", "help"):
        return _menu_command(session, cmd, ctx, t, lang)
    if session["mode"] == "pick_report":
        return _pick_report(session, inbound, ctx, t, lang)
    return _menu(session, inbound, ctx, t, lang)


def _expired(session: dict[str, Any], ctx: Context, t: Gettext, lang: str) -> Step:
    """A draft silent for longer than ``DRAFT_TTL`` is dropped, and the person told."""
    title = _draft_title(session, ctx, lang)
    session.pop("form", None), session.pop("draft", None), session.pop("pending", None)
    session["mode"] = "menu"
    return Step(session, [Reply(t("Laporan %(title)s yang belum selesai sudah dihapus karena tidak dilanjutkan "
                                  "selama 3 hari. Silakan mulai lagi.") % {"title": title}),
                          menu_reply(session, ctx, t, lang)])


def _close_pending(session: dict[str, Any], inbound: Inbound, cmd: str, ctx: Context, t: Gettext,
                   lang: str) -> Step | None:
    """A yes/no sub-question never traps: a command closes it and then does what it always does (None)."""
    pending = session.pop("pending")
    mode_before = session.pop("mode_before", None)
    if pending["kind"] == "language" and mode_before:
        session["mode"] = mode_before
    if cmd == "back":
        return Step(session, [Reply(t("Baik.")), _current_prompt(session, ctx, t, lang)])
    if cmd == "cancel" and pending["kind"] in ("cancel", "cancel_draft"):    # "batal" at "Batalkan?": yes
        session["pending"] = pending
        return _pending(session, replace(inbound, text=t("Ya")), ctx, t, lang)
    return None


def _register(session: dict[str, Any], inbound: Inbound, cmd: str | None, ctx: Context, t: Gettext,
              lang: str) -> Step:
    if cmd == "back":
        return registration.back(session, ctx, t)
    if cmd == "help":
        return Step(session, [Reply(t("Pantau mencatat laporan pertemuan dan pemantauan desa. Jawab "
                                      "pertanyaannya satu per satu; ketik \"kembali\" untuk mengubah "
                                      "jawaban sebelumnya.")), registration.ask(session["reg"], ctx, t)])
    step = registration.advance(session, inbound.text, ctx, t)
    if step.contact:   # registered: show what they can do next
        view = ContactView(0, step.contact.name, step.contact.role, step.contact.area_code, lang)
        step.replies.append(menu_reply(session, replace(ctx, contact=view), t, lang))
    return step


def _edit(session: dict[str, Any], inbound: Inbound, ctx: Context, t: Gettext, lang: str) -> Step:
    """"ubah": at the summary, "Ubah jawaban" (the option it shows); elsewhere, the reports sent."""
    if session.get("mode") == "form" and session["form"].get("pos") == F.CONFIRM:
        return _confirm(session, _form_of(session, ctx), replace(inbound, text=t("Ubah jawaban")), ctx, t, lang)
    if session.get("form"):
        session["draft"] = session.pop("form")
    return _list_reports(session, ctx, t, lang)


def _menu_command(session: dict[str, Any], cmd: str, ctx: Context, t: Gettext, lang: str) -> Step:
    """batal, kembali, ulang, bantuan at the menu: about the draft if there is one."""
    if cmd == "help":
        return Step(session, [Reply(t("Pilih nomor laporan yang ingin dikirim. Ketik \"ubah\" untuk memperbaiki "
                                      "laporan, \"bahasa\" untuk ganti bahasa.")), menu_reply(session, ctx, t, lang)])
    if cmd == "cancel" and session.get("draft"):
        session["pending"] = {"kind": "cancel_draft"}
        return Step(session, [Reply(t("Hapus draf %(title)s? Jawaban yang sudah diisi akan dihapus.")
                                    % {"title": _draft_title(session, ctx, lang)}, (t("Ya"), t("Tidak")),
                                    yes_no=True)])
    head = (t("Tidak ada laporan yang sedang diisi.") if not session.get("draft") else
            t("Draf %(title)s masih tersimpan. Pilih \"Lanjutkan\" untuk mengisinya.")
            % {"title": _draft_title(session, ctx, lang)})
    return Step(session, [Reply(head), menu_reply(session, ctx, t, lang)])


def _language(session: dict[str, Any], inbound: Inbound, ctx: Context, t: Gettext, lang: str) -> Step:
    session["mode_before"] = session.get("mode")
    session["pending"] = {"kind": "language"}
    return Step(session, [Reply(t("Pilih bahasa:"), ("Bahasa Indonesia", "English"))])


def _to_menu(session: dict[str, Any], inbound: Inbound, ctx: Context, t: Gettext, lang: str) -> Step:
    prefix = []
    if session.get("form"):
        session["draft"] = session.pop("form")
        prefix.append(Reply(t("Laporan yang sedang diisi disimpan sebagai draf.")))
    session["mode"] = "menu"
    return Step(session, prefix + [menu_reply(session, ctx, t, lang)])


def _render(problem: Problem, t: Gettext, lang: str) -> str:
    """A problem in the person's language, its numbers grouped as they read them ("20.000", "20,000")."""
    params = {k: fmt_number(v, lang) if isinstance(v, int) and not isinstance(v, bool) and abs(v) >= 1000 else v
              for k, v in problem.params.items()}
    return Problem(problem.msgid, params).render(t)


def _name(ctx: Context) -> str:
    return ctx.contact.name if ctx.contact else ""


def _current_prompt(session: dict[str, Any], ctx: Context, t: Gettext, lang: str) -> Reply:
    """The question the person is at, to ask again."""
    if session.get("mode") == "register":
        return registration.ask(session["reg"], ctx, t)
    pending = session.get("pending")
    if pending and pending.get("kind") == "confirm":
        return Reply(pending["text"], tuple(t(c) for c in pending["choices"]), yes_no=True)
    if session.get("mode") == "form" and not pending:
        return F.ask(_form_of(session, ctx), session["form"], ctx, lang, t)
    if pending:
        return Reply(t("Mohon jawab ya atau tidak."), (t("Ya"), t("Tidak")), yes_no=True)
    return menu_reply(session, ctx, t, lang)


# ---------------------------------------------------------------- menu

def _forms_for(ctx: Context) -> list[str]:
    role = ctx.contact.role if ctx.contact else "kader"
    ids = [fid for fid in ctx.form_ids() if role in ctx.latest(fid).roles]
    return sorted(ids, key=lambda fid: (ctx.latest(fid).order, fid))


def _menu_options(session: dict[str, Any], ctx: Context, t: Gettext, lang: str) -> list[tuple[str, str]]:
    options = []
    if session.get("draft"):
        options.append(("resume", t("Lanjutkan: %(title)s (draf)") % {"title": _draft_title(session, ctx, lang)}))
    options += [("form:" + fid, ctx.latest(fid).title[lang]) for fid in _forms_for(ctx)]
    options.append(("edit", t("Ubah laporan yang sudah dikirim")))
    if ctx.contact and ctx.contact.role == "opd":
        return options + side.menu_options(ctx, t)
    if ctx.contact and ctx.contact.role != "kader":
        options += [("req:summary", t("Ringkasan wilayah saya")), ("req:missing", t("Desa yang belum melapor")),
                    ("req:export", t("Unduh Excel")), ("req:dashboard", t("Buka dasbor"))]
    return options + side.menu_options(ctx, t)


def menu_reply(session: dict[str, Any], ctx: Context, t: Gettext, lang: str) -> Reply:
    return Reply(t("Apa yang ingin Anda laporkan?"), tuple(label for _, label in _menu_options(session, ctx, t, lang)))


def _menu(session: dict[str, Any], inbound: Inbound, ctx: Context, t: Gettext, lang: str) -> Step:
    options = _menu_options(session, ctx, t, lang)
    choice = A.parse_choice(inbound.text, [(v, [label]) for v, label in options])
    if isinstance(choice, Problem):
        greeting = A.normalize(inbound.text) in registration._GREETINGS
        head = (t("Halo, %(name)s.") % {"name": _name(ctx)}) if greeting else choice.render(t)
        return Step(session, [Reply(head), menu_reply(session, ctx, t, lang)])
    if choice == "resume":
        session["form"], session["mode"] = session.pop("draft"), "form"
        form = _form_of(session, ctx)
        return Step(session, [F.ask(form, session["form"], ctx, lang, t)])
    if choice == "edit":
        return _list_reports(session, ctx, t, lang)
    if choice.startswith("req:"):
        return _request(session, choice[4:], ctx, t, lang)
    if choice.startswith("side:"):      # a side conversation's start always answers
        started = side.advance(session, "", choice[5:], ctx, t, menu_reply, lang)
        return started if started is not None else Step(session, [menu_reply(session, ctx, t, lang)])
    form = ctx.latest(choice.split(":", 1)[1])
    if session.get("draft"):
        session.pop("draft")
    return _start_form(session, form, ctx, t, lang, answers={}, edit_of=None)


def _request(session: dict[str, Any], what: str, ctx: Context, t: Gettext, lang: str) -> Step:
    """Coordinator data (summary, missing desa, Excel): the pipeline fills it in, for the contact's area only."""
    if ctx.contact is None or ctx.contact.role == "kader":
        return Step(session, [Reply(t("Perintah ini untuk fasilitator dan koordinator.")),
                              menu_reply(session, ctx, t, lang)])
    if session.get("form"):
        session["draft"] = session.pop("form")
    session["mode"] = "menu"
    return Step(session, [], request=what)


def _start_form(session: dict[str, Any], form: Form, ctx: Context, t: Gettext, lang: str, answers: dict[str, Any], edit_of: int | None, area: str | None = None) -> Step:
    draft: dict[str, Any] = {"id": form.id, "version": form.version,
                             "area": area or (ctx.contact.area_code if ctx.contact else ""), "answers": answers,
             "pos": None, "history": [], "edit_of": edit_of, "started": ctx.now.isoformat(), "auto": [],
             "suggest": F.previous_items(form, ctx)}
    session["form"], session["mode"] = draft, "form"
    replies = [Reply(t("%(title)s. Ketik \"bantuan\" kapan saja jika bingung.") % {"title": form.title[lang]})]
    if edit_of:
        replies = [Reply(t("Memperbaiki laporan. Untuk setiap pertanyaan, ketik \"sama\" jika jawabannya tidak "
                           "berubah."))]
    return _move(session, form, None, ctx, t, lang, replies)


def _draft_title(session: dict[str, Any], ctx: Context, lang: str) -> str:
    draft = session.get("form") or session.get("draft")
    form = ctx.forms.get((draft["id"], draft["version"])) if draft else None
    return form.title[lang].lower() if form else "?"


def _form_of(session: dict[str, Any], ctx: Context) -> Form:
    d = session["form"]
    return ctx.forms[(d["id"], d["version"])]


# ---------------------------------------------------------------- filling a form

def _move(session: dict[str, Any], form: Form, pos: list[Any] | None, ctx: Context, t: Gettext, lang: str, replies: list[Reply], push: bool = True) -> Step:
    """Go to the next question after ``pos``, auto-answering what needs no typing (notes, one round)."""
    draft = session["form"]
    X.stamp_today(form, draft, ctx)       # today() known from the first question on
    while True:
        nxt = F.next_pos(form, draft, pos)
        if nxt != F.CONFIRM:
            q = F.question_at(form, nxt)
            if q.type == "note":
                values = F.item_values(form, draft["answers"], nxt)
                replies.append(Reply(format_values(q.label[lang], values, lang)))
                pos = nxt
                continue
            if q.choices_from == "rounds" and len(nxt) == 1:
                rounds = F.round_options(ctx)
                if not rounds:
                    session.pop("form"), session.update(mode="menu")
                    return Step(session, replies + [Reply(t("Belum ada putaran pemantauan yang dibuka. Mohon "
                                                            "hubungi koordinator Anda.")),
                                                    menu_reply(session, ctx, t, lang)])
                if len(rounds) == 1 and not draft.get("edit_of"):
                    draft["answers"][q.name] = rounds[0]
                    replies.append(Reply(t("Putaran: %(round)s") % {"round": rounds[0]}))
                    pos = nxt
                    continue
        if nxt == F.CONFIRM:
            bad = V.first_invalid(form, draft["answers"], lang)
            if bad:        # an answer the final answers make wrong: asked again, with the reason
                nxt, why = bad
                if why:
                    replies.append(Reply(_render(why, t, lang)))
                draft["review"], draft["auto"] = True, []
        if push and draft.get("pos") is not None:
            draft["history"].append(draft["pos"])
        draft["pos"] = nxt
        if nxt == F.CONFIRM:
            draft["review"] = False
        replies.append(F.ask(form, draft, ctx, lang, t))
        return Step(session, replies)


def _form(session: dict[str, Any], inbound: Inbound, cmd: str | None, ctx: Context, t: Gettext, lang: str, gap: timedelta) -> Step:
    form = _form_of(session, ctx)
    draft = session["form"]
    if cmd == "help":
        return Step(session, [F.help_reply(form, draft, ctx, lang, t), F.ask(form, draft, ctx, lang, t)])
    if cmd == "cancel":
        session["pending"] = {"kind": "cancel"}
        return Step(session, [Reply(t("Batalkan %(title)s? Jawaban yang sudah diisi akan dihapus.")
                                    % {"title": form.title[lang].lower()}, (t("Ya"), t("Tidak")), yes_no=True)])
    if cmd == "restart":
        session["pending"] = {"kind": "restart"}
        return Step(session, [Reply(t("Mulai lagi dari pertanyaan pertama? Jawaban yang sudah diisi akan dihapus."),
                                    (t("Ya"), t("Tidak")), yes_no=True)])
    if cmd == "back":
        if not draft["history"]:
            return Step(session, [Reply(t("Ini pertanyaan pertama.")), F.ask(form, draft, ctx, lang, t)])
        draft["pos"] = draft["history"].pop()
        draft["auto"] = []
        return Step(session, [F.ask(form, draft, ctx, lang, t)])
    if draft["pos"] == F.CONFIRM:
        return _confirm(session, form, inbound, ctx, t, lang)
    title = form.title[lang].lower()
    welcome = Reply(t("Selamat datang kembali. Kita sedang mengisi %(title)s. Pertanyaan terakhir:") % {"title": title})
    if A.is_greeting(inbound.text) and not inbound.photo:     # a greeting is never an answer
        head = welcome if gap > WELCOME_BACK_AFTER else Reply(
            t("Halo, %(name)s. Kita sedang mengisi %(title)s.") % {"name": _name(ctx), "title": title})
        return Step(session, [head, F.ask(form, draft, ctx, lang, t)])
    result = F.accept(form, draft, inbound.text, inbound, ctx, lang)
    if isinstance(result, Problem):
        replies = [Reply(_render(result, t, lang))]
        if gap > WELCOME_BACK_AFTER:
            replies = [welcome]
        return Step(session, replies + [F.ask(form, draft, ctx, lang, t)])
    q = F.question_at(form, draft["pos"])
    typed = A.normalize(inbound.text)
    if (gap > WELCOME_BACK_AFTER and q.type == "text" and isinstance(result, R.Accepted) and not result.done_repeat
            and typed not in F.KEEP_WORDS and typed not in F.DONE_WORDS):
        # free text after a long pause may be meant for something else: taken once confirmed or repeated
        question = F.ask(form, draft, ctx, lang, t).text
        result = R.Confirm("pause", result.updates, Problem(
            N_("Selamat datang kembali. Kita sedang mengisi %(title)s.\nPertanyaan terakhir: %(question)s\n"
               "Anda menulis: \"%(text)s\". Apakah ini jawabannya?"),
            {"title": title, "question": question, "text": inbound.text.strip()[:200]}),
            on_no=Problem(N_("Baik, jawaban itu tidak disimpan.")))
    if isinstance(result, R.Confirm):
        return _ask_confirm(session, result, t)
    return _take(session, form, result, ctx, t, lang)


def _ask_confirm(session: dict[str, Any], confirm: R.Confirm, t: Gettext) -> Step:
    text = confirm.question.render(t)
    session["pending"] = {"kind": "confirm", "what": confirm.what, "updates": confirm.updates, "text": text,
                          "choices": list(confirm.choices), "on_no": [confirm.on_no.msgid, confirm.on_no.params]}
    return Step(session, [Reply(text, tuple(t(c) for c in confirm.choices), yes_no=True)])


def _take(session: dict[str, Any], form: Form, result: R.Accepted, ctx: Context, t: Gettext, lang: str) -> Step:
    draft = session["form"]
    pos = draft["pos"]
    if result.done_repeat:
        items = draft["answers"].get(pos[0]) or []
        draft["answers"][pos[0]] = items[: max(pos[1], len(items) if draft.get("edit_of") else pos[1])]
        return _move(session, form, [pos[0]], ctx, t, lang, [])
    draft["answers"] = F.apply_updates(draft["answers"], pos, result.updates)
    draft["auto"] = list(result.auto)
    replies = []
    if result.auto:
        replies.append(Reply(t("Dicatat: %(men)s laki-laki dan %(women)s perempuan.")
                             % _mw(form, draft, pos, lang)))
    return _move(session, form, pos, ctx, t, lang, replies)


def _mw(form: Form, draft: dict[str, Any], pos: list[Any], lang: str) -> dict[str, str]:
    q = F.question_at(form, pos)
    siblings = form.question(pos[0]).questions if len(pos) == 3 else form.questions
    owner = q if q.pair else next(o for o in siblings if o.pair == q.name)
    values = F.item_values(form, draft["answers"], pos)
    return {"men": fmt_number(values[owner.name], lang), "women": fmt_number(values[owner.pair or ""], lang)}


def _confirm(session: dict[str, Any], form: Form, inbound: Inbound, ctx: Context, t: Gettext, lang: str) -> Step:
    draft = session["form"]
    options = [("send", [t("Kirim"), "kirim", "send", "ya", "iya", "ok", "simpan"]),
               ("change", [t("Ubah jawaban"), "ubah", "ganti"]), ("cancel", [t("Batal"), "batal"])]
    pick = A.parse_choice(inbound.text, options, guess=False)
    if pick == "send" or A.parse_yes_no(inbound.text) is True:
        bad = V.first_invalid(form, draft["answers"], lang)
        if bad:      # the summary was shown before a rule changed it: never send a wrong report
            return _move(session, form, F.CONFIRM, ctx, t, lang, [])
        report = NewReport(form_id=form.id, form_version=form.version, area_code=draft["area"],
                           key=F.report_key(form, draft), answers=F.clean_answers(form, draft["answers"]),
                           report_id=draft.get("edit_of"))
        session.pop("form")
        session["mode"] = "menu"
        thanks = Reply(t("Terima kasih! %(title)s sudah tersimpan.") % {"title": form.title[lang]})
        return Step(session, [thanks, menu_reply(session, ctx, t, lang)], report=report)
    if pick == "cancel":
        session["pending"] = {"kind": "cancel"}
        return Step(session, [Reply(t("Batalkan %(title)s? Jawaban yang sudah diisi akan dihapus.")
                                    % {"title": form.title[lang].lower()}, (t("Ya"), t("Tidak")), yes_no=True)])
    if pick == "change":
        return _ask_which(session, form, draft, t, lang)
    return Step(session, [Reply(t("Mohon pilih 1 untuk kirim, 2 untuk ubah jawaban, atau 3 untuk batal.")),
                          F.ask(form, draft, ctx, lang, t)])


def _changeable(form: Form, draft: dict[str, Any]) -> list[str]:
    """Every question of the report that can be changed now (answered or not, photos too)."""
    out = []
    for q in form.questions:
        values = F.item_values(form, draft["answers"], [q.name])
        if q.type != "note" and F.relevant(q, values) and (q.name in draft["answers"] or not q.required):
            out.append(q.name)
    return out


def _answer_label(form: Form, draft: dict[str, Any], name: str, lang: str, t: Gettext) -> str:
    q = form.question(name)
    value = draft["answers"].get(name)
    shown = t("%(count)s kegiatan") % {"count": len(value or [])} if q.type == "repeat" else show(q, value, lang, t)
    return f"{F._short_label(q, lang)}: {shown}"


def _ask_which(session: dict[str, Any], form: Form, draft: dict[str, Any], t: Gettext, lang: str, head: list[Reply] | None = None) -> Step:
    names = _changeable(form, draft)
    session["pending"] = {"kind": "pick_question", "names": names}
    labels = tuple(_answer_label(form, draft, n, lang, t) for n in names)
    return Step(session, (head or []) + [Reply(t("Jawaban mana yang ingin diubah? Ketik nomornya."), labels)])


# ---------------------------------------------------------------- pending yes/no and picks

def _pending(session: dict[str, Any], inbound: Inbound, ctx: Context, t: Gettext, lang: str) -> Step:
    pending = session.pop("pending")
    kind = pending["kind"]
    if kind == "language":
        pick = A.parse_choice(inbound.text, [("id", ["Bahasa Indonesia", "indonesia", "id"]),
                                             ("en", ["English", "inggris", "en"])])
        if isinstance(pick, Problem):
            session["pending"] = pending
            return Step(session, [Reply(pick.render(t), ("Bahasa Indonesia", "English"))])
        session["lang"] = pick
        t2 = ctx.gettext(pick)
        step_replies = [Reply(t2("Bahasa diganti ke Bahasa Indonesia.") if pick == "id" else t2("Language set to English."))]
        mode = session.pop("mode_before", session.get("mode"))
        session["mode"] = mode
        if mode == "form":
            step_replies.append(F.ask(_form_of(session, ctx), session["form"], ctx, pick, t2))
        elif mode == "register":
            step_replies.append(registration.ask(session["reg"], ctx, t2))
        else:
            step_replies.append(menu_reply(session, ctx, t2, pick))
        return Step(session, step_replies, language=pick)
    if kind == "cancel_draft":
        yes = A.parse_yes_no(inbound.text)
        if isinstance(yes, Problem):
            session["pending"] = pending
            return Step(session, [Reply(yes.render(t), (t("Ya"), t("Tidak")), yes_no=True)])
        if yes:
            session.pop("draft", None)
        return Step(session, [Reply(t("Draf dihapus.") if yes else t("Baik, draf tetap disimpan.")),
                              menu_reply(session, ctx, t, lang)])
    form = _form_of(session, ctx)
    draft = session["form"]
    if kind == "confirm":
        yes = A.parse_yes_no(inbound.text)
        if yes is True:
            return _take(session, form, R.Accepted(pending["updates"]), ctx, t, lang)
        if yes is False or A.normalize(inbound.text) in ("pilih lagi", t("Pilih lagi").lower()):
            msgid, params = pending["on_no"]
            return Step(session, [Reply(Problem(msgid, params).render(t)), F.ask(form, draft, ctx, lang, t)])
        if yes.msgid != "Mohon jawab ya atau tidak.":      # both at once: asked again
            session["pending"] = pending
            return Step(session, [Reply(yes.render(t)), _current_prompt(session, ctx, t, lang)])
        # anything else is a new answer to the open question (a correction, the same text again)
        return _form(session, inbound, None, ctx, t, lang, timedelta(0))
    if kind == "pick_question":
        names = pending["names"]
        labels = [_answer_label(form, draft, n, lang, t) for n in names]
        pick = A.parse_choice(inbound.text, [(n, [F._short_label(form.question(n), lang), lb])
                                             for n, lb in zip(names, labels)], guess=False)
        if isinstance(pick, Problem):
            session["pending"] = pending
            return Step(session, [Reply(pick.render(t), tuple(labels))])
        q = form.question(pick)
        draft["review"] = q.type != "repeat"
        draft["history"].append(draft["pos"])
        draft["pos"] = [pick, 0, q.questions[0].name] if q.type == "repeat" else [pick]
        return Step(session, [F.ask(form, draft, ctx, lang, t)])
    yes = A.parse_yes_no(inbound.text)
    if isinstance(yes, Problem):
        session["pending"] = pending
        return Step(session, [Reply(t("Mohon jawab ya atau tidak."), (t("Ya"), t("Tidak")), yes_no=True)])
    if kind == "cancel":
        if yes:
            session.pop("form")
            session["mode"] = "menu"
            return Step(session, [Reply(t("Laporan dibatalkan.")), menu_reply(session, ctx, t, lang)])
        return Step(session, [Reply(t("Baik, kita lanjutkan.")), F.ask(form, draft, ctx, lang, t)])
    if kind == "restart":
        if yes:
            step = _start_form(session, form, ctx, t, lang, answers={}, edit_of=draft.get("edit_of"),
                               area=draft["area"])
            session["form"]["suggest"] = draft.get("suggest") or session["form"]["suggest"]
            return step
        return Step(session, [Reply(t("Baik, kita lanjutkan.")), F.ask(form, draft, ctx, lang, t)])
    if kind == "old_date":          # saved by an earlier version
        if yes:
            return _take(session, form, R.Accepted({F.question_at(form, draft["pos"]).name: pending["value"]}), ctx, t,
                         lang)
        return Step(session, [Reply(t("Baik, mohon tulis tanggal yang benar.")), F.ask(form, draft, ctx, lang, t)])
    raise ValueError(kind)


# ---------------------------------------------------------------- correcting a report (ubah)

def _list_reports(session: dict[str, Any], ctx: Context, t: Gettext, lang: str) -> Step:
    reports = [r for r in ctx.recent_reports if (r.form_id, r.form_version) in ctx.forms][:9]
    if not reports:
        session["mode"] = "menu"
        return Step(session, [Reply(t("Anda belum mengirim laporan.")), menu_reply(session, ctx, t, lang)])
    session["mode"] = "pick_report"
    sent = t("dikirim")
    labels = [f"{report_title(ctx.forms[(r.form_id, r.form_version)], r.answers, lang, t)} "
              f"({sent} {fmt_date(r.updated.date(), lang)})" for r in reports]
    session["reports"] = [[r.id, label] for r, label in zip(reports, labels)]
    return Step(session, [Reply(t("Laporan mana yang ingin diperbaiki?"), tuple(labels))])


def _pick_report(session: dict[str, Any], inbound: Inbound, ctx: Context, t: Gettext, lang: str) -> Step:
    listed = session.get("reports", [])
    by_id = {r.id: r for r in ctx.recent_reports}
    pick = A.parse_choice(inbound.text, [(str(i), [label]) for i, label in listed])
    if isinstance(pick, Problem) or int(pick) not in by_id:
        return Step(session, [Reply(t("Mohon pilih nomor laporan, atau ketik \"menu\"."))]
                    + _list_reports(session, ctx, t, lang).replies)
    report = by_id[int(pick)]
    session.pop("reports", None)
    form = ctx.forms[(report.form_id, report.form_version)]
    draft = {"id": form.id, "version": form.version, "area": report.area_code,
             "answers": copy.deepcopy(report.answers), "pos": list(F.CONFIRM), "history": [], "edit_of": report.id,
             "started": ctx.now.isoformat(), "auto": [], "suggest": F.previous_items(form, ctx)}
    session["form"], session["mode"] = draft, "form"
    head = Reply(t("Memperbaiki %(title)s.") % {"title": report_title(form, report.answers, lang, t)})
    return _ask_which(session, form, draft, t, lang, [head])


def _requesting(what: str) -> C.Handler:
    def handler(session: dict[str, Any], inbound: Inbound, ctx: Context, t: Gettext, lang: str) -> Step:
        return _request(session, what, ctx, t, lang)
    return handler


for _request_name in REQUESTS:
    C.register(replace(C.TABLE[_request_name], handler=_requesting(_request_name)))
C.register(replace(C.TABLE["menu"], handler=_to_menu))
C.register(replace(C.TABLE["edit"], handler=_edit))
C.register(replace(C.TABLE["start"], handler=_to_menu))

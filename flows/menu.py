"""What the menu offers, and the small pieces every step of the conversation shares: the draft's form and
title, the question the person is at, a problem in their language."""
from __future__ import annotations

from . import answers as A
from . import filling as F
from . import registration, side
from .display import fmt_date, fmt_number, report_title
from .localtime import local_date
from .forms import Form
from .problem import Gettext, Problem
from .state import Ask, ConfirmAnswer, Reg, State
from .types import Context, Reply, Step


def enabled(ctx: Context, role: str) -> frozenset[str] | None:
    """The forms the person's program enabled for their role (``program_forms``); None: every form (a program
    that lists none, as one program always did, or a member of every program). A program that lists its forms
    lists them for each role it uses: a role it gave none has none."""
    program = ctx.contact.program_id if ctx.contact else None
    if program is None or program not in ctx.program_forms:
        return None
    return ctx.program_forms[program].get(role, frozenset())


def forms_for(ctx: Context) -> list[str]:
    role = ctx.contact.role if ctx.contact else "kader"
    allowed = enabled(ctx, role)
    ids = [fid for fid in ctx.form_ids() if role in ctx.latest(fid).roles and (allowed is None or fid in allowed)]
    return sorted(ids, key=lambda fid: (ctx.latest(fid).order, fid))


def not_enabled(text: str, ctx: Context, t: Gettext, lang: str) -> str | None:
    """A form of the person's role typed by its name that their program did not enable: the polite word why
    it is not in the menu (None: not such a form)."""
    role = ctx.contact.role if ctx.contact else "kader"
    allowed = enabled(ctx, role)
    if allowed is None:
        return None
    said = A.normalize(text).strip()
    for fid in ctx.form_ids():
        form = ctx.latest(fid)
        title = A.normalize(form.title[lang]).strip()
        if fid not in allowed and role in form.roles and said and (said in (fid, title) or title.endswith(" " + said)):
            return t("Formulir %(title)s tidak dipakai dalam program Anda. Silakan pilih dari menu.") % {
                "title": form.title[lang].lower()}
    return None


def menu_options(state: State, ctx: Context, t: Gettext, lang: str) -> list[tuple[str, str]]:
    options = []
    if state.draft:
        options.append(("resume", t("Lanjutkan: %(title)s (draf)") % {"title": draft_title(state, ctx, lang)}))
    options += [("form:" + fid, ctx.latest(fid).title[lang]) for fid in forms_for(ctx)]
    if ctx.contact and ctx.contact.role == "opd":       # an agency reports nothing, so it has nothing to correct
        return options + side.menu_options(ctx, t)
    options.append(("edit", t("Ubah laporan yang sudah dikirim")))
    if ctx.contact and ctx.contact.role != "kader":
        options += [("req:summary", t("Ringkasan wilayah saya")), ("req:missing", t("Desa yang belum melapor")),
                    ("req:export", t("Unduh Excel")), ("req:dashboard", t("Buka dasbor"))]
    return options + side.menu_options(ctx, t)


def menu_reply(state: State, ctx: Context, t: Gettext, lang: str) -> Reply:
    """The menu. An OPD (an agency) reports nothing: it answers the recommendations given to it."""
    head = (t("Apa yang ingin Anda lakukan?") if ctx.contact and ctx.contact.role == "opd"
            else t("Apa yang ingin Anda laporkan?"))
    return Reply(head, tuple(label for _, label in menu_options(state, ctx, t, lang)))


def draft_title(state: State, ctx: Context, lang: str) -> str:
    draft = state.any_draft
    form = ctx.forms.get((draft.id, draft.version)) if draft else None
    return form.title[lang].lower() if form else "?"


def form_of(state: State, ctx: Context) -> Form:
    d = state.the_form()
    return ctx.forms[(d.id, d.version)]


def render(problem: Problem, t: Gettext, lang: str) -> str:
    """A problem in the person's language, its numbers grouped as they read them ("20.000", "20,000")."""
    params = {k: fmt_number(v, lang) if isinstance(v, int) and not isinstance(v, bool) and abs(v) >= 1000 else v
              for k, v in problem.params.items()}
    return Problem(problem.msgid, params).render(t)


def name(ctx: Context) -> str:
    return ctx.contact.name if ctx.contact else ""


def yes_no(text: str, t: Gettext) -> Reply:
    return Reply(text, (t("Ya"), t("Tidak")), yes_no=True)


def current_prompt(state: State, ctx: Context, t: Gettext, lang: str) -> Reply:
    """The question the person is at, to ask again."""
    if state.mode == "register":
        return registration.ask(state.reg or Reg(), ctx, t)
    pending = state.pending
    if isinstance(pending, ConfirmAnswer):
        return Reply(pending.text, tuple(t(c) for c in pending.choices), yes_no=True)
    if state.mode == "form" and not pending:
        return F.ask(form_of(state, ctx), state.the_form(), ctx, lang, t)
    if pending:
        return yes_no(t("Mohon jawab ya atau tidak."), t)
    return menu_reply(state, ctx, t, lang)


def ask_cancel(state: State, form: Form, t: Gettext, lang: str) -> Step[State]:
    """"batal" while a report is being filled: asked before anything is dropped."""
    state.pending = Ask("cancel")
    return Step(state, [yes_no(t("Batalkan %(title)s? Jawaban yang sudah diisi akan dihapus.")
                               % {"title": form.title[lang].lower()}, t)])


def _returned(returned: tuple[str, str] | None, t: Gettext) -> str:
    """" — dikembalikan panel kecamatan: <its question>": a story a panel asked to check."""
    if returned is None:
        return ""
    from .selection import level_label
    return " — " + t("dikembalikan panel %(level)s: %(question)s") % {"level": level_label(returned[0], t),
                                                                     "question": returned[1]}


def list_reports(state: State, ctx: Context, t: Gettext, lang: str) -> Step[State]:
    """"ubah": the reports sent recently, to pick the one to correct."""
    ctx.need("recent")
    reports = [r for r in ctx.recent_reports if (r.form_id, r.form_version) in ctx.forms][:9]
    if not reports:
        state.mode = "menu"
        return Step(state, [Reply(t("Anda belum mengirim laporan.")), menu_reply(state, ctx, t, lang)])
    state.mode = "pick_report"
    sent = t("dikirim")
    labels = [f"{report_title(ctx.forms[(r.form_id, r.form_version)], r.answers, lang, t)} "
              f"({sent} {fmt_date(local_date(r.updated, r.area_code), lang)})" + _returned(r.returned, t)
              for r in reports]
    state.reports = [[r.id, label] for r, label in zip(reports, labels)]
    return Step(state, [Reply(t("Laporan mana yang ingin diperbaiki?"), tuple(labels))])

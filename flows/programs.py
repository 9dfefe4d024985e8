"""Which program a report is for (issue 25): a person with more than one membership is asked once per report,
at its start (the one in use first: a plain "ya" keeps it), and may switch any time with ``program``. Roles and
areas are per program: the chosen membership's role and area are the person's from then on (the pipeline
stores the choice, ``Step.membership``)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any
from dataclasses import replace

from . import answers as A
from .menu import menu_options, menu_reply
from .problem import Gettext, Problem
from .state import State
from .types import Context, Inbound, MembershipChoice, Reply, Step

WORDS = frozenset({"program", "ganti program", "/program"})
KEY = "program_ask"          # in state.extra: the question is open ({"then": the menu choice it interrupted})
Menu = Callable[[State, Inbound, Context, Gettext, str], Step[State]]


def _label(m: MembershipChoice, t: Gettext) -> str:
    return t("%(program)s (%(role)s)") % {"program": m.program_name, "role": m.role}


def _ordered(ctx: Context) -> list[MembershipChoice]:
    """The membership in use first (the default), then the others as stored."""
    return sorted(ctx.memberships, key=lambda m: not m.in_use)


def question(ctx: Context, t: Gettext) -> Reply:
    return Reply(t("Laporan ini untuk program apa?"), tuple(_label(m, t) for m in _ordered(ctx)))


def stage(state: State, inbound: Inbound, ctx: Context, t: Gettext, lang: str, menu: Menu) -> Step[State] | None:
    """Ask, or take the answer; None: nothing about programs (one membership, or not at the menu)."""
    if len(ctx.memberships) < 2 or ctx.contact is None or state.mode != "menu":
        state.extra.pop(KEY, None)
        return None
    asked = state.extra.get(KEY)
    text = A.normalize(inbound.text).strip()
    if isinstance(asked, dict):
        return _answer(state, inbound, asked, text, ctx, t, lang, menu)
    if text in WORDS:
        state.extra[KEY] = {}
        return Step(state, [question(ctx, t)])
    choice = A.parse_choice(inbound.text, [(v, [label]) for v, label in menu_options(state, ctx, t, lang)])
    if isinstance(choice, str) and choice.startswith("form:"):
        state.extra[KEY] = {"then": inbound.text}
        return Step(state, [question(ctx, t)])
    return None


def _answer(state: State, inbound: Inbound, asked: dict[str, Any], text: str, ctx: Context, t: Gettext, lang: str,
            menu: Menu) -> Step[State]:
    options = _ordered(ctx)
    if A.parse_yes_no(text) is True:
        picked: str | Problem = str(options[0].id)
    else:
        picked = A.parse_choice(inbound.text, [(str(m.id), [_label(m, t), m.program_code, m.program_name])
                                               for m in options], guess=False)
    if isinstance(picked, Problem):
        return Step(state, [Reply(picked.render(t)), question(ctx, t)])
    state.extra.pop(KEY, None)
    chosen = next(m for m in options if str(m.id) == picked)
    assert ctx.contact is not None
    now_as = replace(ctx, contact=replace(ctx.contact, role=chosen.role, area_code=chosen.area_code,
                                          program_id=chosen.program_id),
                     memberships=tuple(replace(m, in_use=m.id == chosen.id) for m in ctx.memberships))
    then = asked.get("then")
    if then:
        step = menu(state, replace(inbound, text=str(then)), now_as, t, lang)
    else:
        step = Step(state, [Reply(t("Baik, kini Anda memakai program %(program)s.") % {"program": chosen.program_name}),
                            menu_reply(state, now_as, t, lang)])
    return replace(step, membership=chosen.id)

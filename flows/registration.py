"""Registering an unknown person: name, role, (invite code), area from the official tree."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from . import access
from . import answers as A
from .problem import N_, Gettext, Problem
from .state import Reg, State
from .types import Context, NewContact, Reply, Step

ROLE_OPTIONS = ("kader", "fasilitator", "koordinator")
_GREETINGS = {"halo", "hallo", "hai", "hi", "hello", "p", "ping", "assalamualaikum", "assalamu'alaikum",
              "selamat pagi", "selamat siang", "selamat sore", "selamat malam", "pagi", "siang", "sore",
              "malam", "mulai", "start", "daftar", "test", "tes"}


def role_labels(t: Gettext) -> list[str]:
    return [t("Kader desa"), t("Fasilitator kecamatan"), t("Koordinator program")]


def start(state: State, ctx: Context, t: Gettext) -> Step[State]:
    state.mode = "register"
    state.reg = Reg()
    return Step(state, [Reply(t("Selamat datang di Pantau. Saya membantu Bapak/Ibu melaporkan pertemuan "
                                  "dan pemantauan desa lewat pesan singkat.")),
                          Reply(t("Siapa nama Bapak/Ibu?"))])


def ask(reg: Reg, ctx: Context, t: Gettext) -> Reply:
    step = reg.step
    if step == "name":
        return Reply(t("Siapa nama Bapak/Ibu?"))
    if step == "role":
        return Reply(t("Terima kasih, %(name)s. Apa peran Anda?") % {"name": reg.name} + "\n"
                     + t("Jika Bapak/Ibu menerima kode undangan (misalnya sebagai OPD/dinas), ketik kode itu di "
                         "sini."), tuple(role_labels(t)))
    if step == "invite":
        return access.invite_prompt(reg.role, t)
    if step == "area":
        scope = reg.scope
        if scope:
            return Reply(t("Ketik nama desa/kelurahan di %(area)s.") % {"area": ctx.areas.label(scope)}
                         if reg.role == "kader" else
                         t("Ketik nama kecamatan di %(area)s.") % {"area": ctx.areas.label(scope)})
        if reg.role == "kader":
            return Reply(t("Di desa/kelurahan mana Anda bertugas? Ketik namanya, boleh ditambah kecamatan, "
                           "misalnya: Sukamaju, Cibungbulang"))
        return Reply(t("Di kecamatan mana Anda bertugas? Ketik namanya, boleh ditambah kabupaten, "
                       "misalnya: Teluk Waru, Seram Bagian Timur"))
    if step == "area_pick":
        labels = [ctx.areas.label(c) for c in reg.candidates or []]
        return Reply(t("Pilih wilayah Anda:"), tuple(labels + [t("Tidak ada di daftar, cari lagi")]))
    if step == "area_confirm":
        return Reply(t("Apakah ini wilayah Anda?\n%(area)s") % {"area": ctx.areas.label(reg.area)},
                     (t("Ya"), t("Tidak")), yes_no=True)
    raise ValueError(step)


_PREVIOUS = {"role": "name", "invite": "role", "area": "role", "area_pick": "area", "area_confirm": "area"}


def back(state: State, ctx: Context, t: Gettext) -> Step[State]:
    reg = state.reg or Reg()
    reg.step, reg.scope = _PREVIOUS.get(reg.step, "name"), None
    state.reg = reg
    return Step(state, [ask(reg, ctx, t)])


def advance(state: State, text: str, ctx: Context, t: Gettext) -> Step[State]:
    reg = state.reg
    if reg is None:
        reg = state.reg = Reg()
    step = reg.step
    s = A.normalize(text)
    if step == "role":
        ctx.need("invites")
    # a code typed at once (an OPD): right or wrong, it counts towards the same limit as at the invite step
    typed_code = step == "role" and (access.normal_code(text) in ctx.invites
                                     or (access.looks_like_code(text) and _not_a_role(text)))
    # flows/access.py counts wrong codes in its own keys of the session (kept in ``state.extra``)
    result = _take_invite(state, reg, text, ctx) if step == "invite" or typed_code else _take(reg, step, text, s, ctx)
    if isinstance(result, Problem):
        return Step(state, [Reply(result.render(t)), ask(reg, ctx, t)])
    if result == "done":
        contact = NewContact(name=reg.name, role=reg.role, area_code=reg.area, lang=state.lang or "id",
                             invite_code=reg.invite, verified=bool(reg.invite) or reg.role != "kader")
        state.mode, state.reg = "menu", None
        role = (role_labels(t)[ROLE_OPTIONS.index(contact.role)] if contact.role in ROLE_OPTIONS
                else t("OPD (dinas kabupaten)") if contact.role == "opd" else contact.role)
        done = Reply(t("Terima kasih, %(name)s. Anda terdaftar sebagai %(role)s di %(area)s.")
                     % {"name": contact.name, "role": role, "area": ctx.areas.label(contact.area_code)})
        if not contact.verified:
            done = Reply(done.text + "\n" + t("Laporan Anda ditandai \"belum diverifikasi\" sampai fasilitator "
                                              "kecamatan menyetujui pendaftaran Anda."))
        return Step(state, [done], contact=contact)
    return Step(state, [ask(reg, ctx, t)])


def _take_invite(state: State, reg: Reg, text: str, ctx: Context) -> Problem | str:
    """flows/access.py checks the code: it counts wrong codes in its own key of the session (``state.extra``)
    and, for a good code, gives the role, the area and the code."""
    granted: dict[str, Any] = {}
    result = access.take_invite(state.extra, granted, text, ctx)
    if result == "done":
        reg.role, reg.area, reg.invite = granted["role"], granted["area"], granted["invite"]
    return result


def _take(reg: Reg, step: str, text: str, s: str, ctx: Context) -> Problem | str | None:
    """The answer at a registration step: a Problem, "done", or None (``reg`` moved on)."""
    if step == "area_pick" and not re.fullmatch(r"\d+", s):
        step = "area"  # they typed a name: search again
    take = _STEPS.get(step)
    return take(reg, text, s, ctx) if take is not None else None


def _take_name(reg: Reg, text: str, s: str, ctx: Context) -> Problem | str | None:
    name = re.sub(r"\s+", " ", text or "").strip()
    if s in _GREETINGS or s.startswith("/"):
        return Problem(N_("Mohon ketik nama Bapak/Ibu, misalnya: Siti Aminah."))
    if not (2 <= len(name) <= 80) or not any(ch.isalpha() for ch in name):
        return Problem(N_("Mohon ketik nama Bapak/Ibu, misalnya: Siti Aminah."))
    reg.name, reg.step = name.title() if name.islower() else name, "role"
    return None


_ROLE_CHOICES = [("kader", ["Kader desa", "kader", "kader desa", "village cadre"]),
                 ("fasilitator", ["Fasilitator kecamatan", "fasilitator", "facilitator"]),
                 ("koordinator", ["Koordinator program", "koordinator", "coordinator"])]


def _not_a_role(text: str) -> bool:
    return isinstance(A.parse_choice(text, _ROLE_CHOICES), Problem)


def _take_role(reg: Reg, text: str, s: str, ctx: Context) -> Problem | str | None:
    role = A.parse_choice(text, _ROLE_CHOICES)
    if isinstance(role, Problem):
        return Problem(N_("Mohon pilih 1, 2 atau 3, atau ketik kode undangan Anda (8 huruf dan angka)."))
    reg.role = role
    reg.step = "invite" if role in access.INVITE_ROLES else "area"   # granted, never claimed
    return None


def _take_area_confirm(reg: Reg, text: str, s: str, ctx: Context) -> Problem | str | None:
    yes = A.parse_yes_no(text)
    if isinstance(yes, Problem):
        return yes
    if yes:
        return "done"
    reg.step, reg.scope = "area", None
    return None


def _take_area_pick(reg: Reg, text: str, s: str, ctx: Context) -> Problem | str | None:
    """A number from the list of areas found (the last one: "not in the list, search again")."""
    i = int(s) if len(s) <= 6 else 0      # never int() a 10,000-digit string
    candidates = reg.candidates or []
    if 1 <= i <= len(candidates):
        reg.area, reg.step = candidates[i - 1], "area_confirm"
        return None
    if i == len(candidates) + 1:
        reg.step, reg.scope = "area", None
        return None
    return Problem(N_("Nomor %(number)s tidak ada. Mohon pilih nomor 1 sampai %(count)s."),
                   {"number": i, "count": len(candidates) + 1})


def _take_area(reg: Reg, text: str, s: str, ctx: Context) -> Problem | str | None:
    return _search(reg, text, ctx)


_STEPS: dict[str, Callable[[Reg, str, str, Context], Problem | str | None]] = {
    "name": _take_name, "role": _take_role, "area_confirm": _take_area_confirm, "area_pick": _take_area_pick,
    "area": _take_area}


def _search(reg: Reg, text: str, ctx: Context) -> Problem | None:
    level = 4 if reg.role == "kader" else 3
    if len(A.normalize(text)) < 3:
        return Problem(N_("Mohon ketik minimal 3 huruf nama wilayahnya."))
    found = ctx.areas.search(text, level, reg.scope or "")
    if found.narrowed_to:
        reg.scope = found.narrowed_to
        children = ctx.areas.children(found.narrowed_to) if len(found.narrowed_to.split(".")) == level - 1 else []
        if 0 < len(children) <= 12:
            reg.candidates, reg.step = children, "area_pick"
        else:
            reg.step = "area"
        return None
    if not found.codes:
        return Problem(N_("Nama wilayah \"%(text)s\" belum ditemukan. Coba tulis nama desanya saja, atau tambahkan "
                          "nama kecamatannya, misalnya: Sukamaju, Cibungbulang"), {"text": text.strip()[:60]})
    if found.exact:
        reg.area, reg.step = found.codes[0], "area_confirm"
    else:
        reg.candidates, reg.step = list(found.codes), "area_pick"
    return None

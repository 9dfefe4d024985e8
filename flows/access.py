"""Who may do what, as a conversation: invite codes at registration (with an attempt limit), and the
decisions a coordinator is asked for — approving a kader who registered themselves ("Siti Aminah
mendaftar sebagai kader Desa Kilmury. Setujui?") and choosing between two reports sent under one key.

Pure like the engine. The pipeline loads what waits for this coordinator (``ctx.waiting``) and pushes
each new item's question to them when it appears; their next message answers the oldest item they
have not dealt with yet. What they have dealt with is kept in the session key ``decide`` (the rest of
the session is the engine's), so a decision never disturbs a report being filled in.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, assert_never

from . import answers as A, commands as C
from .problem import N_, Gettext, Problem
from .types import Context, Inbound, Reply, Step, Waiting, WaitingView

MAX_INVITE_TRIES = 5                 # wrong codes in a row before a pause
INVITE_COOL_DOWN = timedelta(minutes=15)
INVITE_ROLES = ("fasilitator", "koordinator", "opd")   # roles that are granted by an invite, never claimed
WAITING_WORDS = {"menunggu", "persetujuan", "setujui", "verifikasi", "approve", "pending"}
LATER_WORDS = {"lanjut", "lanjutkan", "nanti", "nanti saja", "bukan, lanjutkan yang tadi", "lanjutkan yang tadi"}
_UNUSABLE = {
    "used": N_("Kode undangan ini sudah dipakai. Mohon minta kode baru kepada koordinator Anda, atau ketik "
               "\"kembali\" untuk memilih peran lain."),
    "expired": N_("Kode undangan ini sudah kedaluwarsa. Mohon minta kode baru kepada koordinator Anda, atau ketik "
                  "\"kembali\" untuk memilih peran lain."),
    "revoked": N_("Kode undangan ini sudah dibatalkan. Mohon minta kode baru kepada koordinator Anda, atau ketik "
                  "\"kembali\" untuk memilih peran lain."),
}


def normal_code(text: str) -> str:
    return A.normalize(text).upper().replace(" ", "").replace("-", "")


def looks_like_code(text: str) -> bool:
    """Text that can only be meant as an invite code (codes are 8 letters and digits): 6 to 16 letters and
    digits with a digit among them, or exactly 8. A role typed in words ("kader desa") is not one."""
    code = normal_code(text)
    return (6 <= len(code) <= 16 and code.isascii() and code.isalnum()
            and (len(code) == 8 or any(ch.isdigit() for ch in code)))


# ---------------------------------------------------------------- invites at registration

def take_invite(session: dict[str, Any], reg: dict[str, Any], text: str, ctx: Context) -> Problem | str:
    """The code typed at the invite step: "done" (``reg`` takes the invite's role and area) or a Problem.
    Wrong codes are counted per identity (the session): after ``MAX_INVITE_TRIES`` a pause."""
    tries = session.get("invite_tries") or {}
    until = tries.get("until")
    if until and ctx.now < datetime.fromisoformat(until):
        minutes = max(1, math.ceil((datetime.fromisoformat(until) - ctx.now).total_seconds() / 60))
        return Problem(N_("Terlalu banyak kode yang salah. Mohon tunggu %(minutes)s menit, lalu coba lagi."),
                       {"minutes": minutes})
    code = normal_code(text)
    ctx.need("invites")
    invite = ctx.invites.get(code)
    state = (invite[2] if len(invite) > 2 else "open") if invite else None
    if invite and state == "open":
        session.pop("invite_tries", None)
        reg["role"], reg["area"], reg["invite"] = invite[0], invite[1], code
        return "done"
    count = int(tries.get("count", 0)) + 1
    if count >= MAX_INVITE_TRIES:
        session["invite_tries"] = {"count": 0, "until": (ctx.now + INVITE_COOL_DOWN).isoformat()}
    else:
        session["invite_tries"] = {"count": count}
    if state in _UNUSABLE:
        return Problem(_UNUSABLE[state])
    return Problem(N_("Kode undangan tidak dikenal. Mohon periksa lagi, atau ketik \"kembali\" untuk memilih peran "
                      "lain."))


def invite_prompt(role: str, t: Gettext) -> Reply:
    if role in INVITE_ROLES:
        return Reply(t("Peran ini diberikan lewat undangan. Mohon ketik kode undangan dari koordinator Anda, atau "
                       "ketik \"kembali\" untuk memilih peran lain."))
    return Reply(t("Mohon ketik kode undangan dari admin program."))


# ---------------------------------------------------------------- a coordinator's decisions

def _key(w: WaitingView) -> list[Any]:
    return [w.kind, w.ref]


def _area(w: WaitingView, ctx: Context) -> str:
    if w.area_name:
        return w.area_name
    return ctx.areas.short(w.area_code) if getattr(ctx, "areas", None) is not None else w.area_code


def question(w: WaitingView, ctx: Context, t: Gettext) -> Reply:
    """The question for one waiting item (also what the pipeline pushes when it appears)."""
    area = _area(w, ctx)
    kind = w.what
    match kind:
        case Waiting.APPROVE:
            return Reply(t("%(name)s mendaftar sebagai kader %(area)s. Setujui?") % {"name": w.name, "area": area},
                         (t("Ya"), t("Tidak")), yes_no=True)
        case Waiting.MATCH:
            return Reply(t("Laporan %(title)s di %(area)s dari %(first)s dan dari %(second)s tampaknya kegiatan "
                           "yang sama. Apakah ini satu kegiatan?") % {"title": w.title, "area": area,
                                                                      "first": w.other_name, "second": w.name},
                         match_choices(t))
        case Waiting.CONFLICT:
            return Reply(t("Ada dua laporan %(title)s untuk %(area)s: dari %(first)s dan dari %(second)s. Mana yang "
                           "dipakai?") % {"title": w.title, "area": area, "first": w.other_name, "second": w.name},
                         conflict_choices(w, t))
        case _:
            assert_never(kind)


def conflict_choices(w: WaitingView, t: Gettext) -> tuple[str, ...]:
    return (t("Laporan %(name)s") % {"name": w.other_name}, t("Laporan %(name)s") % {"name": w.name},
            t("Simpan keduanya (pertemuan berbeda)"))


def match_choices(t: Gettext) -> tuple[str, ...]:
    return (t("Ya, satu kegiatan"), t("Bukan, kegiatan berbeda"))


def waiting_list(ctx: Context, t: Gettext) -> Reply:
    approvals = [w for w in ctx.waiting if w.kind == "approve"]
    conflicts = [w for w in ctx.waiting if w.kind == "conflict"]
    matches = [w for w in ctx.waiting if w.kind == "match"]
    if not approvals and not conflicts and not matches:
        return Reply(t("Tidak ada yang menunggu persetujuan Anda."))
    lines = []
    if approvals:
        lines.append(t("Menunggu persetujuan:"))
        lines += [f"- {w.name} ({_area(w, ctx)})" for w in approvals]
    if conflicts:
        lines.append(t("Laporan yang perlu dipilih:"))
        lines += [f"- {w.title}: {w.other_name} / {w.name}" for w in conflicts]
    if matches:
        lines.append(t("Kegiatan yang mungkin sama di dua program:"))
        lines += [f"- {w.title}: {w.other_name} / {w.name}" for w in matches]
    return Reply("\n".join(lines))


def intercept(session: dict[str, Any], inbound: Inbound, ctx: Context, t: Gettext, current: Callable[[], Reply],
              last: str | None = None) -> Step[dict[str, Any]] | None:
    """A coordinator's message that answers a waiting question, or asks what waits; None: not for us.
    ``current()`` is the question the person was at, asked again after a decision; ``last`` the time of
    their previous message: only a question pushed after it is the last thing they read, so only such
    a question is answered by this message (an older one waits for "menunggu").

    A bare answer ("1", "ya", "tidak") is never used for a decision it may not mean: when several questions
    arrived since the last message, they are asked one by one first; when the question arrived together with
    the reply to the last message (the terminal prints it then; a reply and a notice cross on a phone), the
    answer is shown back once with the question, and "lanjut" returns to the question the person was at."""
    state = session.get("decide") or {}
    if not ctx.waiting and not state and A.normalize(inbound.text).lstrip("/") not in WAITING_WORDS:
        return None                     # nothing waits and nothing was asked (every kader's message): not for us
    live = {tuple(_key(w)) for w in ctx.waiting}
    seen = [k for k in state.get("seen", []) if tuple(k) in live]      # forget what was decided elsewhere
    asked = [k for k in state.get("asked", []) if tuple(k) in live]    # asked again by "menunggu"
    shown = [k for k in state.get("shown", []) if tuple(k) in live]    # arrived with the last reply
    confirm = state.get("confirm")
    confirm = confirm if confirm and tuple(confirm) in live else None
    before = datetime.fromisoformat(last) if last else None
    fresh = [w for w in ctx.waiting if _key(w) not in seen]
    if before is not None:
        stale = [w for w in fresh if w.since is not None and w.since < before and _key(w) not in asked]
        seen += [_key(w) for w in stale]
        fresh = [w for w in fresh if w not in stale]
    words = A.normalize(inbound.text).lstrip("/")
    if words in WAITING_WORDS:
        _store(session, [], [_key(w) for w in ctx.waiting])      # ask again, one by one
        replies = [waiting_list(ctx, t)]
        if ctx.waiting:
            replies.append(question(ctx.waiting[0], ctx, t))
        return Step(session, replies)
    if confirm is not None:                        # "is your answer for this question?" was asked
        item = next(w for w in ctx.waiting if _key(w) == confirm)
        if words in LATER_WORDS or words == str(len(_choices(item, t)) + 1):
            _store(session, seen + [confirm], [k for k in asked if k != confirm])
            return Step(session, [Reply(t("Baik. Pertanyaan itu tetap menunggu; ketik \"menunggu\" untuk "
                                          "menjawabnya nanti.")), current()])
        fresh = [item] + [w for w in fresh if _key(w) != confirm]
    if not fresh:
        came = next((w for w in ctx.waiting if _key(w) in shown), None)
        if came is not None and _answer(came, inbound.text, t) is not None:
            _store(session, seen, asked, confirm=_key(came))
            return Step(session, [Reply(t("Jawaban \"%(text)s\" untuk pertanyaan ini?") % {"text": inbound.text[:40]}),
                                  _ask_or_later(came, ctx, t)])
        _store(session, seen, asked)
        return None
    item = fresh[0]
    decision = _answer(item, inbound.text, t)
    if decision is None:             # not an answer: the questions wait ("menunggu" shows them again)
        _store(session, seen + [_key(w) for w in fresh], [], shown=[_key(w) for w in fresh if _key(w) != confirm])
        return None
    if len(fresh) > 1 and confirm is None and _key(item) not in asked:   # which one "ya" means: ask in turn
        _store(session, seen, [_key(w) for w in fresh])
        return Step(session, [Reply(t("Ada %(count)s pertanyaan yang menunggu jawaban Anda. Mohon dijawab satu per "
                                      "satu.") % {"count": len(fresh)}), question(item, ctx, t)])
    _store(session, seen + [_key(item)], asked)
    done = _done_text(item, decision, t)
    rest = fresh[1:]
    replies = [Reply(done)]
    replies.append(question(rest[0], ctx, t) if rest else current())
    return Step(session, replies, decisions=((item.kind, item.ref, decision),))


def _choices(item: WaitingView, t: Gettext) -> tuple[str, ...]:
    kind = item.what
    match kind:
        case Waiting.APPROVE:
            return (t("Ya"), t("Tidak"))
        case Waiting.MATCH:
            return match_choices(t)
        case Waiting.CONFLICT:
            return conflict_choices(item, t)
        case _:
            assert_never(kind)


def _ask_or_later(item: WaitingView, ctx: Context, t: Gettext) -> Reply:
    """The item's question with one more choice: back to the question the person was at."""
    asked = question(item, ctx, t)
    return Reply(asked.text, (*_choices(item, t), t("Bukan, lanjutkan yang tadi")))


def _store(session: dict[str, Any], seen: list[Any], asked: list[Any], shown: list[Any] | None = None,
           confirm: list[Any] | None = None) -> None:
    state: dict[str, Any] = {"seen": seen, "asked": asked}
    if shown:
        state["shown"] = shown
    if confirm:
        state["confirm"] = confirm
    if seen or asked or shown or confirm:
        session["decide"] = state
    else:
        session.pop("decide", None)


def _answer(item: WaitingView, text: str, t: Gettext) -> bool | str | None:
    if C.command_of(text) is not None:    # "belum" asks who has not reported: it never refuses a kader
        return None
    kind = item.what
    match kind:
        case Waiting.APPROVE:
            yes = A.parse_yes_no(text)
            return None if isinstance(yes, Problem) else yes
        case Waiting.MATCH:
            same, apart = match_choices(t)
            pick = A.parse_choice(text, [("same", [same, "ya", "sama"]),
                                         ("apart", [apart, "bukan", "berbeda", "beda"])])
        case Waiting.CONFLICT:
            labels = conflict_choices(item, t)
            pick = A.parse_choice(text, [("first", [labels[0]]), ("second", [labels[1]]),
                                         ("both", [labels[2], "keduanya"])])
        case _:
            assert_never(kind)
    return None if isinstance(pick, Problem) else pick


def _done_text(item: WaitingView, decision: bool | str, t: Gettext) -> str:
    kind = item.what
    match kind:
        case Waiting.APPROVE:
            return (t("Terima kasih. %(name)s sudah disetujui sebagai kader; laporannya kini terverifikasi.")
                    if decision else t("Baik. Pendaftaran %(name)s tidak disetujui.")) % {"name": item.name}
        case Waiting.MATCH:
            return (t("Baik. Dicatat sebagai satu kegiatan: forum menghitungnya sekali, setiap program tetap "
                      "mencatatnya.") if decision == "same" else t("Baik. Dicatat sebagai dua kegiatan berbeda."))
        case Waiting.CONFLICT:
            if decision == "both":
                return t("Baik. Kedua laporan disimpan sebagai pertemuan berbeda.")
            chosen = item.other_name if decision == "first" else item.name
            return t("Baik. Laporan %(name)s yang dipakai; laporan lainnya tetap tersimpan di riwayat.") % {
                "name": chosen}
        case _:
            assert_never(kind)


def disabled_step(session: dict[str, Any], t: Gettext) -> Step[dict[str, Any]]:
    return Step(session, [Reply(t("Akun Anda sudah tidak aktif di Pantau. Mohon hubungi fasilitator kecamatan atau "
                                  "koordinator Anda."))])

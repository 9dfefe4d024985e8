"""Pilih cerita: most-significant-change selection by a panel, for a period, domain by domain. Pure.

Three panels, level by level (``panel_level``): the kecamatan panel (fasilitator) reads the stories of its
kecamatan; the kabupaten panel (a koordinator of a kabupaten) reads those the kecamatan panels selected; the
program panel (a koordinator of the province the program works in) reads those the kabupaten panels
selected. The panel first chooses the period: a monitoring round (the current one first) — a story counts
by the day it was told, as in summaries — or every story waiting. Per domain it selects one story, writing
why it chose it and who sat on the panel, or returns a story to its teller with a question (verification).
The pipeline loads the waiting stories into ``ctx.loop.stories`` and stores the actions; storytellers are
told (``selected_text``, ``question_text``).
"""
from __future__ import annotations

from datetime import date

from . import answers as A
from . import loop_steps as L
from .areas import level_of
from .display import fmt_date
from .localtime import person_today
from .loop_steps import Outcome
from .loop_values import LoopData, StoryView
from .problem import N_, Gettext, Problem
from .sides import SideBox, Stories
from .types import Context, Reply, RoundView, Step

PANEL_LEVEL = {"fasilitator": "kecamatan", "koordinator": "kabupaten"}   # the roles that sit on a panel
LEVELS = ("kecamatan", "kabupaten", "program")
BELOW = {"kabupaten": "kecamatan", "program": "kabupaten"}


def panel_level(role: str, area_code: str) -> str | None:
    """The panel a person sits on: a fasilitator the kecamatan's, a koordinator of a kabupaten the kabupaten's,
    a koordinator of a province the program's (the level above the kabupaten)."""
    if role == "fasilitator":
        return "kecamatan"
    if role == "koordinator":
        return "program" if level_of(area_code) == 1 else "kabupaten"
    return None


def level_label(level: str, t: Gettext) -> str:
    labels = {"kecamatan": t("kecamatan"), "kabupaten": t("kabupaten"), "program": t("program")}
    return labels.get(level, level)


def selected_text(title: str, domain: str, level: str, area: str, reason: str, t: Gettext) -> str:
    return t("Kabar baik: cerita perubahan Anda \"%(title)s\" dipilih oleh panel %(level)s %(area)s sebagai "
             "perubahan paling penting untuk domain %(domain)s. Alasan panel: %(reason)s") % {
        "title": title, "level": level_label(level, t), "area": area, "domain": domain, "reason": reason}


def question_text(title: str, area: str, question: str, t: Gettext) -> str:
    return t("Panel %(area)s ingin memastikan cerita perubahan Anda \"%(title)s\". Pertanyaannya: %(question)s\n"
             "Mohon jawab dengan memperbaiki cerita itu: ketik \"ubah\" lalu pilih ceritanya.") % {
        "title": title, "area": area, "question": question}


def story_title(text: str) -> str:
    words = text.split()
    return " ".join(words[:8]).rstrip(".,;:!?") + ("…" if len(words) > 8 else "")


# ---------------------------------------------------------------- periods

def in_round(story: StoryView, rnd: RoundView) -> bool:
    return bool(story.day) and rnd.start <= story.day <= rnd.due


def current_round(rounds: tuple[RoundView, ...], today: date) -> RoundView | None:
    """The newest round that has started (as summaries and the dashboard)."""
    started = [r for r in rounds if r.start <= today.isoformat()]
    return max(started, key=lambda r: r.start) if started else None


def period_choices(data: LoopData, today: date) -> list[RoundView]:
    """The rounds with stories waiting, the current one first, then newest first."""
    now = current_round(data.rounds, today)
    rounds = sorted(data.rounds, key=lambda r: r.start, reverse=True)
    if now is not None:
        rounds = [now] + [r for r in rounds if r != now]
    return [r for r in rounds if any(in_round(s, r) for s in data.stories)]


def period_label(rnd: RoundView | None, t: Gettext, lang: str) -> str:
    if rnd is None:
        return t("semua periode")
    return t("putaran %(name)s (%(start)s – %(due)s)") % {"name": rnd.name, "start": fmt_date(rnd.start, lang),
                                                        "due": fmt_date(rnd.due, lang)}


def _period(side: Stories) -> RoundView | None:
    p = side.period
    return RoundView(p["name"], p["start"], p["due"]) if p else None


def _stories(side: Stories, data: LoopData) -> list[StoryView]:
    rnd = _period(side)
    return [s for s in data.stories if rnd is None or in_round(s, rnd)]


# ---------------------------------------------------------------- the conversation

def _data(ctx: Context) -> LoopData:
    data: LoopData = ctx.loop or LoopData()
    return data


def _lang(ctx: Context) -> str:
    return ctx.contact.lang if ctx.contact else "id"


def _domains(stories: list[StoryView], data: LoopData) -> list[str]:
    waiting = {s.domain for s in stories}
    return [value for value, _ in data.domains if value in waiting] + sorted(
        waiting - {value for value, _ in data.domains})


def start(session: SideBox, ctx: Context, t: Gettext, role: str) -> Step[SideBox]:
    data = _data(ctx)
    level = panel_level(role, ctx.contact.area_code if ctx.contact else "")
    if not data.stories or level is None:
        return Step(session, [Reply(t("Belum ada cerita perubahan yang menunggu dipilih oleh panel Anda."))])
    side = session.side = Stories(level=level, step="period")
    choices = period_choices(data, person_today(ctx))
    outside = [s for s in data.stories if not any(in_round(s, r) for r in choices)]
    if len(choices) == 1 and not outside:            # one period only: nothing to choose
        return Step(session, _begin(side, choices[0], data, t, _lang(ctx)))
    if not choices:
        return Step(session, _begin(side, None, data, t, _lang(ctx)))
    side.choices = [[r.name, r.start, r.due] for r in choices]
    side.current = choices[0] == current_round(data.rounds, person_today(ctx))
    return Step(session, [_ask(side, ctx, t)])


def _begin(side: Stories, rnd: RoundView | None, data: LoopData, t: Gettext, lang: str) -> list[Reply]:
    """The period is chosen: the panel's work for it, domain by domain."""
    side.period = {"name": rnd.name, "start": rnd.start, "due": rnd.due} if rnd else None
    stories = _stories(side, data)
    side.domains = _domains(stories, data)
    side.queue = _queue(side, data, side.domains[0])
    side.step = "story"
    side.choices = None
    head = Reply(t("Pemilihan cerita perubahan oleh panel %(level)s, %(period)s: %(count)s cerita dalam "
                   "%(domains)s domain. Untuk setiap domain, pilih satu cerita yang paling penting. Ketik \"menu\" "
                   "untuk berhenti.") % {"level": level_label(side.level, t), "period": period_label(rnd, t, lang),
                                         "count": len(stories), "domains": len(side.domains)})
    return [head, _story_reply(side, data, t)]


def _queue(side: Stories, data: LoopData, domain: str) -> list[int]:
    return [s.id for s in _stories(side, data) if s.domain == domain]


def _story(side: Stories, data: LoopData) -> StoryView | None:
    by_id = {s.id: s for s in _stories(side, data)}
    side.queue = [i for i in side.queue if i in by_id]
    return by_id[side.queue[0]] if side.queue else None


def _domain_label(data: LoopData, value: str) -> str:
    return dict(data.domains).get(value, value)


def _options(t: Gettext) -> list[tuple[str, list[str]]]:
    return [("pick", [t("Pilih cerita ini"), "pilih"]), ("next", [t("Cerita berikutnya"), "berikutnya", "lanjut"]),
            ("verify", [t("Kembalikan untuk verifikasi"), "verifikasi", "kembalikan"]),
            ("skip", [t("Lewati domain ini"), "lewati"]), ("stop", [t("Kembali ke menu"), "berhenti"])]


def _period_options(side: Stories, data: LoopData, t: Gettext, lang: str) -> list[tuple[str, list[str]]]:
    out = []
    for i, (name, start_, due) in enumerate(side.choices or []):
        rnd = RoundView(name, start_, due)
        count = sum(1 for s in data.stories if in_round(s, rnd))
        label = t("%(period)s: %(count)s cerita") % {"period": period_label(rnd, t, lang), "count": count}
        out.append((str(i), [label + (" " + t("(sekarang)") if i == 0 and side.current else ""), name]))
    out.append(("all", [t("Semua cerita yang menunggu: %(count)s cerita") % {"count": len(data.stories)},
                        "semua"]))
    return out


def _story_reply(side: Stories, data: LoopData, t: Gettext) -> Reply:
    story = _story(side, data)
    assert story is not None
    lines = [t("Domain %(domain)s (%(count)s cerita menunggu):") % {
        "domain": _domain_label(data, story.domain), "count": len(side.queue)},
        f"{data.names.get(story.desa, story.desa)}: {story.text}",
        t("Pencerita: %(name)s") % {"name": story.teller or t("tanpa nama (anonim)")},
        t("Siapa yang berubah: %(who)s") % {"who": story.who or "-"},
        t("Mengapa penting bagi pencerita: %(why)s") % {"why": story.why or "-"}]
    lines += [t("Alasan panel sebelumnya: %(reason)s") % {"reason": r} for r in story.reasons]
    return Reply("\n".join(lines), tuple(labels[0] for _, labels in _options(t)))


def _ask(side: Stories, ctx: Context, t: Gettext) -> Reply:
    data = _data(ctx)
    step = side.step
    if step == "period":
        return Reply(t("Cerita dari periode mana yang dibahas panel sekarang?"),
                     tuple(labels[0] for _, labels in _period_options(side, data, t, _lang(ctx))))
    if step == "story":
        return _story_reply(side, data, t)
    if step == "reason":
        return Reply(t("Mengapa panel memilih cerita ini? Alasannya akan disampaikan kepada pencerita dan semua "
                       "orang di wilayah ini."))
    if step == "panel":
        if side.panel:
            return Reply(t("Siapa saja anggota panel? Tadi: %(panel)s. Ketik \"sama\" jika sama.")
                         % {"panel": side.panel})
        return Reply(t("Siapa saja anggota panel? Tulis namanya, pisahkan dengan koma."))
    if step == "question":
        return Reply(t("Apa yang perlu ditanyakan kepada pencerita untuk memastikan ceritanya?"))
    if step == "confirm":
        story = _story(side, data)
        assert story is not None
        w = side.work
        return L.confirm_reply([t("Mohon periksa:"), t("- Cerita: %(title)s") % {"title": story_title(story.text)},
                                t("- Alasan panel: %(reason)s") % {"reason": w["reason"]},
                                t("- Panel: %(panel)s") % {"panel": w["panel"]}], t("Simpan pilihan ini?"), t)
    raise ValueError(step)


def _next_domain(side: Stories, data: LoopData) -> bool:
    """Move to the next domain with stories; False when none is left."""
    side.domains.pop(0)
    while side.domains:
        side.queue = _queue(side, data, side.domains[0])
        if side.queue:
            return True
        side.domains.pop(0)
    return False


def help_text(side: Stories, t: Gettext) -> str:
    return t("Baca cerita satu per satu. Pilih satu cerita per domain dan tulis alasan panel; cerita yang perlu "
             "dipastikan bisa dikembalikan kepada pencerita dengan pertanyaan. Ketik \"menu\" untuk berhenti.")


def _current(side: Stories, ctx: Context) -> StoryView | str | None:
    """The story the panel is at (the next domain's when one is done); "period" while the period is asked."""
    if side.step == "period":
        return "period"
    data = _data(ctx)
    story = _story(side, data)
    if story is None and side.step == "story" and side.domains and _next_domain(side, data):
        story = _story(side, data)
    return story


def advance(session: SideBox, side: Stories, text: str, cmd: str | None, ctx: Context,
            t: Gettext) -> tuple[Step[SideBox], bool]:
    if side.step == "period" and cmd == "back":
        return Step(session, [_ask(side, ctx, t)]), False
    return L.advance(CONVERSATION, session, side, text, cmd, ctx, t)


def _take(side: Stories, story: StoryView | str, text: str, ctx: Context, t: Gettext) -> Outcome | Problem:
    data = _data(ctx)
    if side.step == "period":
        return _take_period(side, text, ctx, t, data)
    assert isinstance(story, StoryView)
    take = _TAKE.get(side.step)
    if take is None:
        raise ValueError(side.step)
    return take(side, story, text, t, data)


def _take_period(side: Stories, text: str, ctx: Context, t: Gettext, data: LoopData) -> Outcome | Problem:
    pick = A.parse_choice(text, _period_options(side, data, t, _lang(ctx)))
    if isinstance(pick, Problem):
        return pick
    rnd = None if pick == "all" else RoundView(*(side.choices or [])[int(pick)])
    if not any(rnd is None or in_round(s, rnd) for s in data.stories):     # decided meanwhile by another
        return [Reply(t("Belum ada cerita perubahan yang menunggu dipilih oleh panel Anda."))], [], True
    replies = _begin(side, rnd, data, t, _lang(ctx))
    return replies[:-1], [], False               # the story itself is asked after this


def _take_story(side: Stories, story: StoryView, text: str, t: Gettext, data: LoopData) -> Outcome | Problem:
    choice = A.parse_choice(text, _options(t))
    if isinstance(choice, Problem):
        return choice
    if choice == "stop":
        return [Reply(t("Baik, pemilihan bisa dilanjutkan nanti dengan \"pilih cerita\"."))], [], True
    if choice == "next":
        if len(side.queue) == 1:
            return [Reply(t("Ini satu-satunya cerita yang tersisa di domain ini."))], [], False
        side.queue.append(side.queue.pop(0))
        return [], [], False
    if choice == "skip":
        side.queue = []
        return [Reply(t("Domain %(domain)s dilewati.") % {"domain": _domain_label(data, story.domain)})], [], False
    side.step = "reason" if choice == "pick" else "question"
    return [], [], False


def _take_sentence(side: Stories, story: StoryView, text: str, t: Gettext, data: LoopData) -> Outcome | Problem:
    """Why the panel picks the story (``reason``), or what it asks the storyteller (``question``)."""
    value = L.sentence(text)
    if value is None:
        return Problem(N_("Mohon tulis dalam satu atau dua kalimat."))
    if side.step == "question":
        side.queue.pop(0)
        side.step, side.work = "story", {}
        return [Reply(t("Cerita dikembalikan kepada pencerita dengan pertanyaan Anda."))], [
            ("verify", {"report": story.id, "level": side.level, "question": value[:500]})], False
    side.work["reason"], side.step = value[:1000], "panel"
    return [], [], False


def _take_panel(side: Stories, story: StoryView, text: str, t: Gettext, data: LoopData) -> Outcome | Problem:
    value = " ".join(text.split())
    if A.normalize(value) == "sama" and side.panel:
        value = side.panel
    if L.sentence(value, 3) is None:
        return Problem(N_("Mohon tulis nama anggota panel, misalnya: Ibu Rina, Bapak Yoseph, Ibu Ani."))
    side.work["panel"], side.step = value[:500], "confirm"
    return [], [], False


def _take_confirm(side: Stories, story: StoryView, text: str, t: Gettext, data: LoopData) -> Outcome | Problem:
    yes = L.take_confirm(side, text, t, "story", N_("Tidak disimpan."))
    if yes is not True:
        return yes
    work = side.work
    side.panel = work["panel"]
    action = ("select", {"report": story.id, "level": side.level, "reason": work["reason"],
                         "panel": work["panel"]})
    side.step, side.work, side.queue = "story", {}, []
    return [Reply(t("Tersimpan: cerita ini dipilih untuk domain %(domain)s. Pencerita akan diberi tahu.")
                  % {"domain": _domain_label(data, story.domain)})], [action], False


# what the panel's answer is, at each step after the period
_TAKE = {"story": _take_story, "reason": _take_sentence, "question": _take_sentence, "panel": _take_panel,
         "confirm": _take_confirm}


CONVERSATION: L.Conversation[Stories] = L.Conversation(
    ask=_ask, current=_current, take=_take, help=help_text, first_step="story",
    done_text=N_("Semua domain sudah dibahas. Terima kasih."))

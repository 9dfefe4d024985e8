"""Pilih cerita: most-significant-change selection by a panel, domain by domain. Pure.

The kecamatan panel (fasilitator) reads the stories of its kecamatan; the kabupaten panel
(koordinator) reads those the kecamatan panels selected. Per domain the panel selects one story,
writing why it chose it and who sat on the panel, or returns a story to its teller with a question
(verification). The pipeline loads the waiting stories into ``ctx.loop.stories`` and stores the
actions; storytellers are told (``selected_text``, ``question_text``).
"""
from __future__ import annotations

from . import answers as A
from .loop_values import LoopData, StoryView
from .problem import N_, Problem
from .types import Reply, Step

PANEL_LEVEL = {"fasilitator": "kecamatan", "koordinator": "kabupaten"}


def level_label(level: str, t) -> str:
    return {"kecamatan": t("kecamatan"), "kabupaten": t("kabupaten")}.get(level, level)


def selected_text(title: str, domain: str, level: str, area: str, reason: str, t) -> str:
    return t("Kabar baik: cerita perubahan Anda \"%(title)s\" dipilih oleh panel %(level)s %(area)s sebagai "
             "perubahan paling penting untuk domain %(domain)s. Alasan panel: %(reason)s") % {
        "title": title, "level": level_label(level, t), "area": area, "domain": domain, "reason": reason}


def question_text(title: str, area: str, question: str, t) -> str:
    return t("Panel %(area)s ingin memastikan cerita perubahan Anda \"%(title)s\". Pertanyaannya: %(question)s\n"
             "Mohon jawab dengan memperbaiki cerita itu: ketik \"ubah\" lalu pilih ceritanya.") % {
        "title": title, "area": area, "question": question}


def story_title(text: str) -> str:
    words = text.split()
    return " ".join(words[:8]).rstrip(".,;:!?") + ("…" if len(words) > 8 else "")


def _domains(data: LoopData) -> list[str]:
    waiting = {s.domain for s in data.stories}
    return [value for value, _ in data.domains if value in waiting] + sorted(
        waiting - {value for value, _ in data.domains})


def start(session: dict, ctx, t, role: str) -> Step:
    data: LoopData = ctx.loop or LoopData()
    domains = _domains(data)
    if not domains:
        return Step(session, [Reply(t("Belum ada cerita perubahan yang menunggu dipilih oleh panel Anda."))])
    level = PANEL_LEVEL[role]
    session["side"] = {"kind": "stories", "level": level, "domains": domains, "step": "story", "work": {},
                       "queue": _queue(data, domains[0]), "panel": None}
    head = Reply(t("Pemilihan cerita perubahan oleh panel %(level)s: %(count)s cerita dalam %(domains)s domain. "
                   "Untuk setiap domain, pilih satu cerita yang paling penting. Ketik \"menu\" untuk berhenti.")
                 % {"level": level_label(level, t), "count": len(data.stories), "domains": len(domains)})
    return Step(session, [head, _ask(session["side"], data, t)])


def _queue(data: LoopData, domain: str) -> list[int]:
    return [s.id for s in data.stories if s.domain == domain]


def _story(side: dict, data: LoopData) -> StoryView | None:
    by_id = {s.id: s for s in data.stories}
    side["queue"] = [i for i in side["queue"] if i in by_id]
    return by_id[side["queue"][0]] if side["queue"] else None


def _domain_label(data: LoopData, value: str) -> str:
    return dict(data.domains).get(value, value)


def _options(t):
    return [("pick", [t("Pilih cerita ini"), "pilih"]), ("next", [t("Cerita berikutnya"), "berikutnya", "lanjut"]),
            ("verify", [t("Kembalikan untuk verifikasi"), "verifikasi", "kembalikan"]),
            ("skip", [t("Lewati domain ini"), "lewati"]), ("stop", [t("Kembali ke menu"), "berhenti"])]


def _ask(side: dict, data: LoopData, t) -> Reply:
    story = _story(side, data)
    step = side["step"]
    if step == "story":
        n = len(side["queue"])
        lines = [t("Domain %(domain)s (%(count)s cerita menunggu):") % {
            "domain": _domain_label(data, story.domain), "count": n},
            f"{data.names.get(story.desa, story.desa)}: {story.text}",
            t("Siapa yang berubah: %(who)s") % {"who": story.who or "-"},
            t("Mengapa penting bagi pencerita: %(why)s") % {"why": story.why or "-"}]
        lines += [t("Alasan panel sebelumnya: %(reason)s") % {"reason": r} for r in story.reasons]
        return Reply("\n".join(lines), tuple(labels[0] for _, labels in _options(t)))
    if step == "reason":
        return Reply(t("Mengapa panel memilih cerita ini? Alasannya akan disampaikan kepada pencerita dan semua "
                       "orang di wilayah ini."))
    if step == "panel":
        if side.get("panel"):
            return Reply(t("Siapa saja anggota panel? Tadi: %(panel)s. Ketik \"sama\" jika sama.")
                         % {"panel": side["panel"]})
        return Reply(t("Siapa saja anggota panel? Tulis namanya, pisahkan dengan koma."))
    if step == "question":
        return Reply(t("Apa yang perlu ditanyakan kepada pencerita untuk memastikan ceritanya?"))
    if step == "confirm":
        w = side["work"]
        text = "\n".join([t("Mohon periksa:"), t("- Cerita: %(title)s") % {"title": story_title(story.text)},
                          t("- Alasan panel: %(reason)s") % {"reason": w["reason"]},
                          t("- Panel: %(panel)s") % {"panel": w["panel"]}, t("Simpan pilihan ini?")])
        return Reply(text, (t("Ya"), t("Tidak")), yes_no=True)
    raise ValueError(step)


def _next_domain(side: dict, data: LoopData) -> bool:
    """Move to the next domain with stories; False when none is left."""
    side["domains"].pop(0)
    while side["domains"]:
        side["queue"] = _queue(data, side["domains"][0])
        if side["queue"]:
            return True
        side["domains"].pop(0)
    return False


def help_text(t) -> str:
    return t("Baca cerita satu per satu. Pilih satu cerita per domain dan tulis alasan panel; cerita yang perlu "
             "dipastikan bisa dikembalikan kepada pencerita dengan pertanyaan. Ketik \"menu\" untuk berhenti.")


def advance(session: dict, text: str, cmd: str | None, ctx, t) -> tuple[Step, bool]:
    side = session["side"]
    data: LoopData = ctx.loop or LoopData()
    if cmd == "help":
        return Step(session, [Reply(help_text(t)), _ask(side, data, t)]), False
    story = _story(side, data)
    if story is None and not _next_domain(side, data):
        session.pop("side")
        return Step(session, [Reply(t("Semua domain sudah dibahas. Terima kasih."))]), True
    story = _story(side, data)
    if cmd == "back":
        side["step"], side["work"] = "story", {}
        return Step(session, [_ask(side, data, t)]), False
    result = _take(side, story, text, data, t)
    if isinstance(result, Problem):
        return Step(session, [Reply(result.render(t)), _ask(side, data, t)]), False
    replies, actions, stop = result
    if stop:
        session.pop("side")
        return Step(session, replies, actions=tuple(actions)), True
    if side["step"] == "story" and _story(side, data) is None and not _next_domain(side, data):
        session.pop("side")
        return Step(session, replies + [Reply(t("Semua domain sudah dibahas. Terima kasih."))],
                    actions=tuple(actions)), True
    return Step(session, replies + [_ask(side, data, t)], actions=tuple(actions)), False


def _take(side: dict, story: StoryView, text: str, data: LoopData, t):
    step, work = side["step"], side["work"]
    if step == "story":
        pick = A.parse_choice(text, _options(t))
        if isinstance(pick, Problem):
            return pick
        if pick == "stop":
            return [Reply(t("Baik, pemilihan bisa dilanjutkan nanti dengan \"pilih cerita\"."))], [], True
        if pick == "next":
            if len(side["queue"]) == 1:
                return [Reply(t("Ini satu-satunya cerita yang tersisa di domain ini."))], [], False
            side["queue"].append(side["queue"].pop(0))
            return [], [], False
        if pick == "skip":
            side["queue"] = []
            return [Reply(t("Domain %(domain)s dilewati.") % {"domain": _domain_label(data, story.domain)})], [], False
        side["step"] = "reason" if pick == "pick" else "question"
        return [], [], False
    value = " ".join(text.split())
    if step in ("reason", "question"):
        if len(value) < 5 or not any(ch.isalpha() for ch in value):
            return Problem(N_("Mohon tulis dalam satu atau dua kalimat."))
        if step == "question":
            side["queue"].pop(0)
            side["step"], side["work"] = "story", {}
            return [Reply(t("Cerita dikembalikan kepada pencerita dengan pertanyaan Anda."))], [
                ("verify", {"report": story.id, "level": side["level"], "question": value[:500]})], False
        work["reason"], side["step"] = value[:1000], "panel"
        return [], [], False
    if step == "panel":
        if A.normalize(value) == "sama" and side.get("panel"):
            value = side["panel"]
        if len(value) < 3 or not any(ch.isalpha() for ch in value):
            return Problem(N_("Mohon tulis nama anggota panel, misalnya: Ibu Rina, Bapak Yoseph, Ibu Ani."))
        work["panel"], side["step"] = value[:500], "confirm"
        return [], [], False
    if step == "confirm":
        yes = A.parse_yes_no(text)
        if isinstance(yes, Problem):
            return yes
        if not yes:
            side["step"], side["work"] = "story", {}
            return [Reply(t("Tidak disimpan."))], [], False
        side["panel"] = work["panel"]
        action = ("select", {"report": story.id, "level": side["level"], "reason": work["reason"],
                             "panel": work["panel"]})
        side["step"], side["work"], side["queue"] = "story", {}, []
        return [Reply(t("Tersimpan: cerita ini dipilih untuk domain %(domain)s. Pencerita akan diberi tahu.")
                      % {"domain": _domain_label(data, story.domain)})], [action], False
    raise ValueError(step)

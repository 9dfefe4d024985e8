"""The kabupaten forum in the chat: the koordinator goes through the recommendations the kecamatan meetings
carried to the kabupaten, one at a time — accepts one (only then do its agencies see it), changes its
agencies or target first, merges it into the same recommendation of another kecamatan, or returns it to the
kecamatan with a reason. Pure; the pipeline loads ``ctx.loop.forum`` (``LoopData``) for the koordinator's
kabupaten and stores the ``("forum", …)`` actions (storage/forum.py, scope checked again)."""
from __future__ import annotations


from . import answers as A
from . import loop_steps as L
from .localtime import person_today
from .loop_steps import Outcome
from .loop_values import LoopData, RecView, fmt_target, parse_agencies, parse_target
from .problem import N_, Gettext, Problem
from .sides import Forum, SideBox
from .types import Context, Reply, Step

Options = list[tuple[str, list[str]]]


def _data(ctx: Context) -> LoopData:
    data: LoopData = ctx.loop or LoopData()
    return data


def start(session: SideBox, ctx: Context, t: Gettext) -> Step[SideBox]:
    data = _data(ctx)
    queue = [r.id for r in data.forum]
    side = session.side = Forum(queue=queue, step="rec")
    head = Reply(t("Forum kabupaten: %(count)s rekomendasi dari kecamatan menunggu keputusan. OPD baru melihatnya "
                   "setelah diterima di sini. Ketik \"menu\" untuk berhenti kapan saja.") % {"count": len(queue)})
    return Step(session, [head, _ask(side, ctx, t)])


def _rec(side: Forum, data: LoopData) -> RecView | None:
    by_id = {r.id: r for r in data.forum}
    while side.queue and side.queue[0] not in by_id:
        side.queue.pop(0)                  # decided meanwhile (on the dashboard, by another koordinator)
    return by_id[side.queue[0]] if side.queue else None


def _options(t: Gettext) -> Options:
    return [("accept", [t("Terima, teruskan ke OPD"), "terima", "setuju"]),
            ("agency", [t("Ubah OPD"), "opd"]), ("target", [t("Ubah target"), "target"]),
            ("merge", [t("Gabungkan dengan rekomendasi lain"), "gabung", "gabungkan"]),
            ("return", [t("Kembalikan ke kecamatan"), "kembalikan", "tolak"]),
            ("skip", [t("Lewati dulu"), "lewati", "nanti"]), ("stop", [t("Kembali ke menu"), "berhenti"])]


def _short(rec: RecView, data: LoopData) -> str:
    return f"{data.names.get(rec.kec, rec.kec)}: {rec.text}"[:80]


def _ask(side: Forum, ctx: Context, t: Gettext) -> Reply:
    data = _data(ctx)
    rec = _rec(side, data)
    assert rec is not None
    lang = ctx.contact.lang if ctx.contact else "id"
    step = side.step
    if step == "rec":
        agencies = _agencies(side, rec) or "-"
        target = side.work.get("target", rec.target)
        lines = [t("Rekomendasi %(n)s dari %(total)s, dari %(kec)s:") % {**L.position(side),
                                                                         "kec": data.names.get(rec.kec, rec.kec)},
                 rec.text, t("Usulan dari: %(list)s") % {"list": ", ".join(data.names.get(d, d) for d in rec.desa)}]
        if rec.topic:
            lines.append(t("Yang diminta desa: %(text)s") % {"text": rec.topic})
        lines.append(t("OPD: %(agency)s; target %(target)s") % {"agency": agencies,
                                                                 "target": fmt_target(target, lang)})
        return Reply("\n".join(lines), tuple(labels[0] for _, labels in _options(t)))
    if step == "agency":
        return Reply(t("OPD mana yang bertanggung jawab? Pilih nomornya atau ketik nama atau singkatannya. "
                       "Jika beberapa OPD, pisahkan dengan koma; yang pertama penanggung jawab utama, "
                       "misalnya: 1, 3."), tuple(a.name for a in data.agencies))
    if step == "target":
        return Reply(t("Kapan targetnya? Tulis bulannya, misalnya: Oktober 2024."))
    if step == "merge":
        return Reply(t("Digabungkan ke rekomendasi mana? Desa-desanya ikut ke sana."),
                     tuple(_short(r, data) for r in data.forum if r.id != rec.id))
    if step == "reason":
        return Reply(t("Mohon tulis alasannya singkat, supaya kecamatan dan desa memahami."))
    raise ValueError(step)


def _agencies(side: Forum, rec: RecView) -> str:
    """The agencies as the koordinator last set them (this conversation), else as carried."""
    names = side.work.get("agencies") or [a for a in (rec.agency, *rec.co_agencies) if a]
    return ", ".join(names)


def help_text(side: Forum, t: Gettext) -> str:
    return t("Untuk setiap rekomendasi dari kecamatan: terima (OPD-nya lalu diberi tahu), ubah dulu OPD atau "
             "targetnya, gabungkan dengan rekomendasi yang sama, atau kembalikan ke kecamatan dengan alasan. "
             "Ketik \"menu\" untuk berhenti.")


def _current(side: Forum, ctx: Context) -> RecView | None:
    return _rec(side, _data(ctx))


def _decide(side: Forum, rec: RecView, text: str, data: LoopData, t: Gettext) -> Outcome | Problem:
    """The answer to the forum's question about one recommendation."""
    pick = A.parse_choice(text, _options(t))
    if isinstance(pick, Problem):
        return pick
    if pick == "stop":
        return [Reply(t("Baik, sisanya bisa dilanjutkan nanti dengan \"tindak lanjut\"."))], [], True
    if pick == "skip":
        L.skip(side)
        return [], [], False
    if pick == "accept":
        agencies = _agencies(side, rec)
        if not agencies:
            side.step = "agency"
            return [Reply(t("Pilih dulu OPD-nya."))], [], False
        _next(side, rec.id)
        return [Reply(t("Diterima dan diteruskan ke %(agency)s. Desa yang mengusulkan akan diberi tahu.")
                      % {"agency": agencies})], [("forum", {"rec": rec.id, "do": "accept"})], False
    if pick == "merge" and len(data.forum) < 2:
        return [Reply(t("Tidak ada rekomendasi lain untuk digabungkan."))], [], False
    side.step = "reason" if pick == "return" else pick
    return [], [], False


def _take(side: Forum, rec: RecView, text: str, ctx: Context, t: Gettext) -> Outcome | Problem:
    data = _data(ctx)
    step = side.step
    if step == "rec":
        return _decide(side, rec, text, data, t)
    if step == "agency":
        chosen = parse_agencies(text, data.agencies)
        if isinstance(chosen, Problem):
            return chosen
        side.step, side.work["agencies"] = "rec", [a.name for a in chosen]
        return [Reply(t("OPD diubah: %(list)s.") % {"list": ", ".join(a.name for a in chosen)})], \
            [("forum", {"rec": rec.id, "do": "reassign", "agencies": [a.id for a in chosen]})], False
    if step == "target":
        target = parse_target(text, person_today(ctx))
        if isinstance(target, Problem):
            return target
        side.step, side.work["target"] = "rec", target
        return [Reply(t("Target diubah: %(target)s.") % {"target": fmt_target(target, ctx.contact.lang
                                                                              if ctx.contact else "id")})], \
            [("forum", {"rec": rec.id, "do": "reassign", "target": target})], False
    if step == "merge":
        others = [r for r in data.forum if r.id != rec.id]
        pick = A.parse_choice(text, [(str(r.id), [_short(r, data)]) for r in others])
        if isinstance(pick, Problem):
            return pick
        _next(side, rec.id)
        return [Reply(t("Digabungkan. Desa yang mengusulkan akan diberi tahu."))], \
            [("forum", {"rec": rec.id, "do": "merge", "into": int(pick)})], False
    if step == "reason":
        value = L.sentence(text, 3)
        if value is None or A.normalize(value) == "lewati":
            return Problem(N_("Alasannya perlu ditulis, supaya kecamatan dan desa memahami. Misalnya: sudah "
                              "ditangani dana desa."))
        _next(side, rec.id)
        return [Reply(t("Dikembalikan ke kecamatan. Fasilitator dan desa akan diberi tahu."))], \
            [("forum", {"rec": rec.id, "do": "return", "reason": value[:500]})], False
    raise ValueError(step)


def _next(side: Forum, rec_id: int) -> None:
    side.queue = [i for i in side.queue if i != rec_id]
    side.step, side.work = "rec", {}


CONVERSATION: L.Conversation[Forum] = L.Conversation(
    _ask, _current, _take, help_text, "rec", N_("Semua rekomendasi sudah diputuskan. Terima kasih."))


def advance(session: SideBox, side: Forum, text: str, cmd: str | None, ctx: Context,
            t: Gettext) -> tuple[Step[SideBox], bool]:
    return L.advance(CONVERSATION, session, side, text, cmd, ctx, t)

"""Tindak lanjut: the recommendation follow-up as a side conversation, one item at a time. Pure.

- A **fasilitator** works through the open issue items of their kecamatan: writes the agreed
  recommendation (merging the same problem from other desa into it), and decides where it is handled:
  desa, kecamatan, or carried to the kabupaten with the responsible OPD and a target month.
- An **OPD** (or the koordinator, for any OPD) answers each recommendation carried to it:
  diterima / dalam proses / selesai / tidak bisa (+ reason), and a short note.

The pipeline loads what is in the person's scope into ``ctx.loop`` (a ``LoopData``) and stores the
``Step.actions`` this returns; it also tells the kader of each desa concerned (``update_text``).
"""
from __future__ import annotations

from typing import Any

from . import answers as A
from . import loop_steps as L
from .localtime import person_today
from .loop_steps import Outcome
from .loop_values import ItemView, LoopData, RecView, fmt_target, parse_target, parse_where, status_label
from .problem import N_, Gettext, Problem
from .sides import Followup, SideBox
from .types import Context, Reply, Step

Options = list[tuple[str, list[str]]]


# ---------------------------------------------------------------- the conversation

def _item_text(item: ItemView, data: LoopData, t: Gettext) -> str:
    lines = [f"{data.names.get(item.desa, item.desa)}: {item.activity}"]
    if item.problem:
        lines.append(t("Kendala: %(text)s") % {"text": item.problem})
    if item.support:
        lines.append(t("Dukungan yang diminta: %(text)s") % {"text": item.support})
    return "\n".join(lines)


def _short(item: ItemView, data: LoopData) -> str:
    what = item.support or item.problem or item.activity
    return f"{data.names.get(item.desa, item.desa)}: {what}"[:80]


def _data(ctx: Context) -> LoopData:
    data: LoopData = ctx.loop or LoopData()
    return data


def start(session: SideBox, ctx: Context, t: Gettext, role: str) -> Step[SideBox]:
    data = _data(ctx)
    if role == "fasilitator" and not data.items and data.recs:     # nothing new: close what the meeting kept
        queue = [r.id for r in data.recs]
        side = session.side = Followup(role="local", queue=queue, step="rec")
        head = Reply(t("Tidak ada usulan baru. %(count)s rekomendasi yang ditangani di desa atau kecamatan masih "
                       "terbuka; perbarui statusnya satu per satu. Ketik \"menu\" untuk berhenti kapan saja.")
                     % {"count": len(queue)})
        return Step(session, [head, _ask(side, ctx, t)])
    if role == "fasilitator":
        queue = [i.id for i in data.items]
        if not queue:
            return Step(session, [Reply(t("Tidak ada usulan desa yang menunggu tindak lanjut di wilayah Anda."))])
        side = session.side = Followup(role="fasilitator", queue=queue, step="item")
        head = Reply(t("Ada %(count)s usulan dari desa yang menunggu tindak lanjut. Kita bahas satu per satu; "
                       "ketik \"menu\" untuk berhenti kapan saja.") % {"count": len(queue)})
        return Step(session, [head, _ask(side, ctx, t)])
    queue = [r.id for r in data.recs]
    if not queue:
        return Step(session, [Reply(t("Tidak ada rekomendasi yang menunggu jawaban Anda."))])
    side = session.side = Followup(role="opd", queue=queue, step="rec")
    head = Reply(t("Ada %(count)s rekomendasi dari kecamatan yang menunggu jawaban. Kita bahas satu per satu; "
                   "ketik \"menu\" untuk berhenti kapan saja.") % {"count": len(queue)})
    return Step(session, [head, _ask(side, ctx, t)])


def _item(side: Followup, data: LoopData) -> ItemView | None:
    by_id = {i.id: i for i in data.items}
    while side.queue and side.queue[0] not in by_id:
        side.queue.pop(0)                      # handled meanwhile (by someone else): skip it
    return by_id[side.queue[0]] if side.queue else None


def _rec(side: Followup, data: LoopData) -> RecView | None:
    by_id = {r.id: r for r in data.recs}
    while side.queue and side.queue[0] not in by_id:
        side.queue.pop(0)
    return by_id[side.queue[0]] if side.queue else None


def _item_options(t: Gettext) -> Options:
    return [("write", [t("Tulis rekomendasi"), "tulis", "rekomendasi"]),
            ("merge", [t("Gabungkan dengan usulan yang sama dari desa lain"), "gabung", "gabungkan"]),
            ("skip", [t("Lewati dulu"), "lewati", "nanti"]), ("stop", [t("Kembali ke menu"), "berhenti"])]


def _level_options(t: Gettext) -> Options:
    return [("desa", [t("Ditangani di desa"), "desa"]), ("kecamatan", [t("Ditangani di kecamatan"), "kecamatan"]),
            ("kabupaten", [t("Dibawa ke forum kabupaten"), "kabupaten", "kab"])]


def _status_options(t: Gettext) -> Options:
    return [("diterima", [t("Diterima"), "terima"]), ("dalam_proses", [t("Dalam proses"), "proses", "diproses"]),
            ("selesai", [t("Selesai"), "sudah selesai"]), ("tidak_bisa", [t("Tidak bisa"), "tidak bisa", "tdk bisa"]),
            ("skip", [t("Lewati dulu"), "lewati", "nanti"])]


def _labels(options: Options) -> tuple[str, ...]:
    return tuple(labels[0] for _, labels in options)


def _ask(side: Followup, ctx: Context, t: Gettext) -> Reply:
    data = _data(ctx)
    step, work = side.step, side.work
    lang = ctx.contact.lang if ctx.contact else "id"
    if side.role == "fasilitator":
        item = _item(side, data)
        assert item is not None
        if step == "item":
            return Reply(t("Usulan %(n)s dari %(total)s:") % L.position(side) + "\n" + _item_text(item, data, t)
                         + "\n" + t("Tulis rekomendasi yang disepakati, atau pilih:"), _labels(_item_options(t)))
        if step == "merge":
            others = [i for i in data.items if i.id not in work.get("items", [item.id])]
            return Reply(t("Usulan mana yang sama dengan ini? Boleh pilih lebih dari satu, misalnya: 1, 3."),
                         tuple(_short(i, data) for i in others))
        if step == "text":
            return Reply(t("Tulis rekomendasi yang disepakati untuk usulan ini, dalam satu atau dua kalimat."))
        if step == "level":
            return Reply(t("Di mana rekomendasi ini ditangani?"), _labels(_level_options(t)))
        if step == "where":
            return Reply(t("OPD dan target yang diusulkan ke forum kabupaten? Misalnya: BPMD, Oktober 2024. Beberapa "
                           "OPD dipisah koma; yang pertama penanggung jawab utama. OPD yang terdaftar:"),
                         tuple(a.name for a in data.agencies))
        if step == "target":
            return Reply(t("Kapan targetnya? Tulis bulannya, misalnya: Oktober 2024."))
        raise ValueError(step)
    rec = _rec(side, data)
    assert rec is not None
    if step == "rec":
        lines = [t("Rekomendasi %(n)s dari %(total)s, dari %(kec)s:") % {**L.position(side),
                                                                         "kec": data.names.get(rec.kec, rec.kec)},
                 rec.text,
                 t("Usulan dari: %(list)s") % {"list": ", ".join(data.names.get(d, d) for d in rec.desa)}]
        if rec.level == "kabupaten":
            lines.append(t("OPD: %(agency)s; target %(target)s; status: %(status)s") % {
                "agency": ", ".join(a for a in (rec.agency, *rec.co_agencies) if a),
                "target": fmt_target(rec.target, lang), "status": status_label(rec.status, t)})
        else:
            lines.append(t("Target %(target)s; status: %(status)s") % {"target": fmt_target(rec.target, lang),
                                                                        "status": status_label(rec.status, t)})
        return Reply("\n".join(lines) + "\n" + t("Bagaimana statusnya sekarang?"), _labels(_status_options(t)))
    if step == "reason":
        return Reply(t("Mohon tulis alasannya singkat, supaya desa memahami."))
    if step == "note":
        return Reply(t("Ada catatan singkat untuk desa? Ketik \"lewati\" jika tidak ada."))
    raise ValueError(step)


def _agency_line(names: list[str], t: Gettext) -> str:
    """"BPMD (utama), Dinas Perikanan": the lead first."""
    if len(names) < 2:
        return ", ".join(names)
    return ", ".join([t("%(name)s (utama)") % {"name": names[0]}, *names[1:]])


def help_text(side: Followup, t: Gettext) -> str:
    if side.role == "fasilitator":
        return t("Untuk setiap usulan desa: tulis rekomendasi yang disepakati di rapat kecamatan, gabungkan "
                 "usulan yang sama dari beberapa desa, lalu pilih di mana ditangani. Yang dibawa ke kabupaten "
                 "dikirim ke OPD-nya, dan kader desa diberi tahu. Ketik \"menu\" untuk berhenti.")
    return t("Untuk setiap rekomendasi: pilih statusnya (diterima, dalam proses, selesai, atau tidak bisa) dan "
             "tambahkan catatan singkat. Kader desa yang mengusulkan akan diberi tahu. Ketik \"menu\" untuk "
             "berhenti.")


def _current(side: Followup, ctx: Context) -> ItemView | RecView | None:
    return _item(side, _data(ctx)) if side.role == "fasilitator" else _rec(side, _data(ctx))


def _take(side: Followup, current: Any, text: str, ctx: Context, t: Gettext) -> Outcome | Problem:
    if side.role == "fasilitator":
        return _fasilitator(side, current, text, ctx, _data(ctx), t)
    return _opd(side, current, text, _data(ctx), t)


def _conversation(role: str) -> L.Conversation[Followup]:
    return L.Conversation(_ask, _current, _take, help_text, "item" if role == "fasilitator" else "rec",
                          N_("Semua sudah dibahas. Terima kasih."), N_("Baik, kita ulangi dari awal untuk usulan ini."))


def advance(session: SideBox, side: Followup, text: str, cmd: str | None, ctx: Context,
            t: Gettext) -> tuple[Step[SideBox], bool]:
    """One message inside the side conversation; (step, finished: the engine shows the menu after it)."""
    return L.advance(_conversation(side.role), session, side, text, cmd, ctx, t)


def _next(side: Followup, done: list[int]) -> None:
    side.queue = [i for i in side.queue if i not in done]
    side.step, side.work = ("item" if side.role == "fasilitator" else "rec"), {}


def _fasilitator_item(side: Followup, item: ItemView, text: str, data: LoopData, t: Gettext) -> Outcome | Problem:
    """The answer at an item: a choice (write, merge, skip, stop) or the recommendation itself, typed at once."""
    work = side.work
    pick = A.parse_choice(text, _item_options(t))
    if isinstance(pick, Problem):
        value = L.sentence(text, 10)
        if value is None:
            return pick
        work["items"], work["text"], side.step = [item.id], value[:1000], "level"   # written at once
        return [], [], False
    if pick == "stop":
        return [Reply(t("Baik, sisanya bisa dilanjutkan nanti dengan \"tindak lanjut\"."))], [], True
    if pick == "skip":
        L.skip(side)
        return [], [], False
    work["items"] = [item.id]
    others = [i for i in data.items if i.id != item.id]
    if pick == "merge" and not others:
        side.step = "text"
        return [Reply(t("Tidak ada usulan lain yang bisa digabungkan."))], [], False
    side.step = "merge" if pick == "merge" else "text"
    return [], [], False


def _fasilitator(side: Followup, item: ItemView, text: str, ctx: Context, data: LoopData, t: Gettext) -> Outcome | Problem:
    """Three messages for one recommendation carried to the forum: its text (typed at the item), where it is
    handled, the agencies and target proposed. The forum checks it; desa and kecamatan ones are closed later."""
    step, work = side.step, side.work
    if step == "item":
        return _fasilitator_item(side, item, text, data, t)
    if step == "merge":
        others = [i for i in data.items if i.id not in work["items"]]
        picks = A.parse_choices(text, [(str(i.id), [_short(i, data)]) for i in others])
        if isinstance(picks, Problem):
            return picks
        work["items"] += [int(p) for p in picks]
        side.step = "text"
        return [Reply(t("Digabungkan: %(count)s usulan dibahas sebagai satu.") % {"count": len(work["items"])})], [], False
    if step == "text":
        value = L.sentence(text)
        if value is None:
            return Problem(N_("Mohon tulis rekomendasinya dalam kalimat, misalnya: Bantuan modal usaha untuk "
                              "kelompok tenun."))
        work["text"], side.step = value[:1000], "level"
        return [], [], False
    if step == "level":
        pick = A.parse_choice(text, _level_options(t))
        if isinstance(pick, Problem):
            return pick
        work["level"] = pick
        side.step = "where" if pick == "kabupaten" else "target"
        return [], [], False
    if step == "where":
        if not data.agencies:
            return Problem(N_("Belum ada OPD yang terdaftar di kabupaten ini. Minta koordinator kabupaten "
                              "menambahkannya, atau pilih \"kembali\" dan tangani di desa atau kecamatan."))
        where = parse_where(text, data.agencies, person_today(ctx))
        if isinstance(where, Problem):
            return where
        work["agencies"], work["agency"] = [a.id for a in where[0]], [a.name for a in where[0]]
        work["target"] = where[1]
        return _save(side, data, ctx, t)
    if step == "target":
        target = parse_target(text, person_today(ctx))
        if isinstance(target, Problem):
            return target
        work["target"] = target
        return _save(side, data, ctx, t)
    raise ValueError(step)


def _save(side: Followup, data: LoopData, ctx: Context, t: Gettext) -> Outcome:
    """Store the recommendation and say what was stored (the forum, or the fasilitator later, may change it)."""
    work = side.work
    lang = ctx.contact.lang if ctx.contact else "id"
    action = ("recommend", {"items": list(work["items"]), "text": work["text"], "level": work["level"],
                            "agencies": work.get("agencies") or [], "target": work.get("target")})
    desa = sorted({data.names.get(i.desa, i.desa) for i in data.items if i.id in work["items"]})
    lines = [t("- Desa: %(list)s") % {"list": ", ".join(desa)}]
    if work["level"] == "kabupaten":
        head = t("Tersimpan dan dibawa ke forum kabupaten: %(text)s") % {"text": work["text"]}
        lines.append(t("- OPD: %(agency)s") % {"agency": _agency_line(work["agency"], t)})
        tail = t("Forum kabupaten memutuskan dan bisa mengubahnya. Kader desa yang mengusulkan diberi tahu.")
    else:
        head = t("Tersimpan: %(text)s") % {"text": work["text"]}
        lines.append(t("- Ditangani: %(level)s") % {"level": dict(_level_options(t))[work["level"]][0]})
        tail = t("Kader desa yang mengusulkan diberi tahu. Statusnya bisa Anda perbarui nanti.")
    lines.append(t("- Target: %(target)s") % {"target": fmt_target(work["target"], lang)})
    _next(side, list(work["items"]))
    return [Reply("\n".join([head, *lines, tail]))], [action], False


def _opd(side: Followup, rec: RecView, text: str, data: LoopData, t: Gettext) -> Outcome | Problem:
    step, work = side.step, side.work
    if step == "rec":
        pick = A.parse_choice(text, _status_options(t))
        if isinstance(pick, Problem):
            return pick
        if pick == "skip":
            L.skip(side)
            return [], [], False
        work["status"] = pick
        side.step = "reason" if pick == "tidak_bisa" else "note"
        return [], [], False
    if step == "reason":
        value = " ".join(text.split())
        if len(value) < 3 or A.normalize(value) == "lewati":
            return Problem(N_("Alasannya perlu ditulis, supaya desa memahami. Misalnya: anggaran tahun ini "
                              "sudah habis."))
        work["reason"], side.step = value[:500], "note"
        return [], [], False
    if step == "note":
        value = " ".join(text.split())
        note = None if A.normalize(value) in ("lewati", "tidak ada", "tidak", "-") else value[:500]
        action = ("status", {"rec": rec.id, "status": work["status"], "note": note, "reason": work.get("reason")})
        label = status_label(work["status"], t)
        _next(side, [rec.id])
        return [Reply(t("Tersimpan: %(status)s. Desa yang mengusulkan akan diberi tahu.") % {"status": label})], \
            [action], False
    raise ValueError(step)

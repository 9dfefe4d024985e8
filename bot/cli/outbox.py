"""`pantau outbox`: what was queued, sent or failed, and for whom; and how `pantau remind --dry-run` reads."""
from __future__ import annotations

import argparse
from typing import TYPE_CHECKING
import sys

from flows.dates import zone_for_area

if TYPE_CHECKING:
    from collections.abc import Sequence

    from storage.db import Session
    from storage.reminders import Planned

    from .common import Subparsers

STATUSES = {"queued": ("pending", "sending"), "sent": ("sent", "delivered", "read"),
            "failed": ("failed", "undelivered", "dead")}
WORDS = {"pending": "antre", "sending": "sedang dikirim", "sent": "terkirim", "delivered": "diterima",
         "read": "dibaca", "failed": "gagal", "undelivered": "tidak sampai",
         "dead": "gagal (berhenti dicoba)"}


def masked(external_id: str) -> str:
    """A phone number shortened (+62812…90); other ids as they are."""
    if external_id.startswith("+") and len(external_id) > 8:
        return external_id[:6] + "…" + external_id[-2:]
    return external_id


def short(text: str, n: int = 60) -> str:
    one = " ".join((text or "").split())
    return one if len(one) <= n else one[:n - 1] + "…"


def register(sub: Subparsers) -> None:
    from .help import install, language, positive_int
    t = install(language())
    p = sub.add_parser("outbox", help=t("pesan yang diantrekan, terkirim atau gagal"),
                       description=t("Daftar pesan keluar, terbaru dulu."))
    p.add_argument("--status", choices=sorted(STATUSES), help=t("hanya yang antre (queued), terkirim (sent) "
                                                                "atau gagal (failed)"))
    p.add_argument("--to", help=t("hanya untuk satu penerima: id kontak, nomor HP atau id Telegram"))
    p.add_argument("--limit", type=positive_int, default=50, help=t("paling banyak sekian baris (bawaan 50)"))
    p.set_defaults(handler=_outbox)


async def _outbox(args: argparse.Namespace) -> int:
    from storage.outbox_view import outbox_lines
    from storage.webhook_queue import count_waiting

    from .common import opened
    from ..phones import normalize_sender
    async with opened() as pipeline, pipeline.db.session() as s:
        rows = await outbox_lines(s, STATUSES[args.status] if args.status else None, args.to, args.limit,
                                  normalize_sender(args.to) if args.to else None)
        # webhook events wait as their own rows until the sender moves them into the outbox, in commit order
        staged = await count_waiting(s) if args.status in (None, "queued") and not args.to else 0
    if staged:
        print(f"{staged} peristiwa webhook menunggu masuk antrean (dipindahkan oleh pengirim `pantau serve`, "
              "urut sesuai waktu simpannya).")
    if not rows and staged:
        return 0
    if not rows:
        print("Tidak ada pesan keluar" + (f" berstatus {args.status}" if args.status else "") + ".")
        return 0
    for r in rows:
        zone = zone_for_area(r.area_code)
        when = r.created_at.astimezone(zone)
        label = {7: "WIB", 8: "WITA", 9: "WIT"}.get(int(zone.utcoffset(None).total_seconds() // 3600), "")
        who = f"{r.contact_name} (#{r.contact_id})" if r.contact_id else "-"
        text = short(r.payload.get("text") or r.payload.get("type", "")) + (" [gambar]" if r.payload.get("image") else "") + (
            " [berkas]" if r.payload.get("document") else "")
        error = f" — {short(r.error, 80)}" if r.error and r.status in STATUSES["failed"] else ""
        print(f"#{r.id} {when:%d/%m/%Y %H:%M} {label} {WORDS.get(r.status, r.status)} {r.channel} "
              f"{masked(r.external_id)} {who}: {text}{error}")
    return 0


async def describe_plan(s: Session, plan: Sequence[Planned]) -> list[str]:
    """One line per planned reminder: to whom, on which channel, why; or that nothing can be sent."""
    from storage.outbox_view import contact_names
    names = await contact_names(s, {p.contact_id for p in plan})
    lines = []
    for p in plan:
        name, role = names.get(p.contact_id, ("?", "?"))
        who = f"{name} (#{p.contact_id}, {role})"
        text = short(p.payloads[0].get("text", "")) if p.payloads else ""
        if p.target is None:
            lines.append(f"- {who}: TIDAK dikirim — belum pernah menulis lewat kanal mana pun ({p.why})")
        else:
            lines.append(f"- {who}: {p.target[0]} {masked(p.target[1])} — {p.why}: {text}")
    return lines


def print_unreachable(lines: list[str]) -> None:
    bad = [x for x in lines if "TIDAK dikirim" in x]
    if bad:
        print(f"{len(bad)} kontak tidak bisa dihubungi (belum pernah menulis lewat kanal mana pun):", file=sys.stderr)
        for x in bad:
            print(x, file=sys.stderr)

"""A fixed dashboard scenario: Kab. Seram Bagian Timur (81.05), three kecamatan, round "Juli 2024".

Kecamatan 81.05.01 (first 4 desa): 3 on time, 1 late. 81.05.02 (first 3 desa): 1 on time, 1 still
filling in, 1 missing (its kader on WhatsApp, last message 3 days ago). 81.05.03: 2 desa missing.
Meetings: 8 (one per reporting desa... see MEETINGS), one report corrected by the fasilitator, with
an attendance photo. A second kabupaten (81.01) has its own koordinator and data.
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

from bot import catalog, media
from bot.pipeline import Pipeline
from bot.channels.terminal import take_terminal_replies
from flows.dates import WIT
from flows.types import Inbound, NewContact, NewReport
from storage.repo import Tx, upsert_round

from .conftest import NOW, open_pipeline

KAB, OTHER_KAB = "81.05", "81.01"
ROUND = ("Juli 2024", "2024-07-01", "2024-07-31")
UTC = timezone.utc


def wit(m, d, h=10):
    return datetime(2024, m, d, h, tzinfo=WIT).astimezone(UTC)


def png_bytes(color=(200, 30, 30)) -> bytes:
    import io

    from PIL import Image
    buf = io.BytesIO()
    Image.new("RGB", (640, 480), color).save(buf, "PNG")
    return buf.getvalue()


class Scenario:
    def __init__(self, url: str, now: datetime = NOW):
        self.url, self.now = url, now
        areas = catalog.area_index()
        self.kec = ["81.05.01", "81.05.02", "81.05.03"]
        k1, k2, k3 = (areas.children(k) for k in self.kec)
        self.on_time = k1[:3] + k2[:1]
        self.late = k1[3:4]
        self.drafting = k2[1:2]
        self.missing = k2[2:3] + k3[:2]
        self.whatsapp_kader = k2[2]
        self.men = {d: 10 + i for i, d in enumerate(self.on_time + self.late)}
        self.women = {d: 6 + i for i, d in enumerate(self.on_time + self.late)}
        self.kader: dict[str, object] = {}

    async def build(self) -> Pipeline:
        clock = {"now": self.now}
        self.clock = clock
        p = await open_pipeline(self.url, now=lambda: clock["now"])
        self.p = p
        async with p.db.session() as s:
            await upsert_round(s, *ROUND)
        async with p.db.session() as s, s.begin():
            tx = Tx(s)
            created = wit(6, 20)
            for i, d in enumerate(self.on_time + self.late + self.drafting + self.missing):
                channel, ext = ("whatsapp", "+6281200000001") if d == self.whatsapp_kader else ("terminal", f"kader-{d}")
                self.kader[d] = await tx.create_contact(channel, ext, NewContact(f"Kader {i + 1}", "kader", d, "id"),
                                                        created)
            self.fasil = await tx.create_contact("terminal", "fasil-01", NewContact("Fasil Satu", "fasilitator",
                                                                                   "81.05.01", "id"), created)
            self.koord = await tx.create_contact("terminal", "koord", NewContact("Koordinator SBT", "koordinator", KAB,
                                                                                "id"), created)
            self.other = await tx.create_contact("terminal", "koord-other", NewContact("Koordinator Malteng",
                                                                                      "koordinator", OTHER_KAB, "id"),
                                                 created)
            other_kader = await tx.create_contact("terminal", "kader-other",
                                                  NewContact("Kader Malteng", "kader", "81.01.01.2001", "id"), created)
            await tx.save_report(NewReport("pertemuan", 1, "81.01.01.2001", "musdes|2024-07-02|",
                                           {"kind": "musdes", "date": "2024-07-02", "place": "Balai", "men": 500,
                                            "women": 500, "youth": 1, "disabled": 1, "total": 1000}),
                                 other_kader.id, created)
            digest, path = media.store_bytes(png_bytes(), ".png")
            await tx.add_media(digest, str(path), "image/png", path.stat().st_size, created)
            self.photo = digest
            for n, d in enumerate(self.on_time + self.late):
                at = wit(7, 10 + n) if d in self.on_time else wit(8, 2)
                acts = [{"activity": f"Kebun {n}", "sector": "pertanian", "status": ("berjalan", "sebagian", "belum")[n % 3],
                         "obstacles": None if n % 3 == 0 else "modal kurang",
                         "support_from": ["tidak_perlu"] if n % 3 == 0 else ["desa"],
                         "support_what": None if n % 3 == 0 else "pelatihan"}]
                await tx.save_report(NewReport("pemantauan", 1, d, ROUND[0], {"round": ROUND[0], "activities": acts}),
                                     self.kader[d].id, at)
                held = at if d in self.on_time else wit(7, 30)   # the late desa met in the round, reported after it
                meeting = {"kind": "musdes", "date": held.astimezone(WIT).date().isoformat(), "place": "Balai desa",
                           "men": self.men[d], "women": self.women[d], "youth": 2, "disabled": 1,
                           "total": self.men[d] + self.women[d]}
                if n == 0:
                    meeting["photo"] = digest
                key = f"musdes|{meeting['date']}|"
                await tx.save_report(NewReport("pertemuan", 1, d, key, meeting), self.kader[d].id, at)
            # the fasilitator corrects the first desa's meeting: 2 more women
            d0 = self.on_time[0]
            self.corrected = d0
            fixed = {"kind": "musdes", "date": wit(7, 10).astimezone(WIT).date().isoformat(), "place": "Balai desa",
                     "men": self.men[d0], "women": self.women[d0] + 2, "youth": 2, "disabled": 1, "photo": digest,
                     "total": self.men[d0] + self.women[d0] + 2}
            self.women[d0] += 2
            await tx.save_report(NewReport("pertemuan", 1, d0, f"musdes|{fixed['date']}|", fixed), self.fasil.id,
                                 wit(7, 12))
            await tx.save_report(NewReport("cerita", 1, d0, "c1", {"level": "komunitas", "story": "Ibu-ibu mulai menabung.",
                                                                    "who": "Kelompok wanita"}), self.kader[d0].id, wit(7, 20))
            await tx.record_inbound("whatsapp", "wamid-1", "+6281200000001", {"text": "halo"}, self.now - timedelta(days=3))
        # the drafting desa's kader has started the monitoring form
        await self.say(f"kader-{self.drafting[0]}", "2")
        return p

    async def say(self, sender: str, text: str, channel: str = "terminal") -> list[dict]:
        await self.p.handle(Inbound(channel, sender, str(uuid.uuid4()), text=text))
        return await take_terminal_replies(self.p.db, sender)

    async def login_link(self, sender: str = "koord") -> str:
        """The link the bot sends in a real chat (terminal channel, through the pipeline)."""
        replies = await self.say(sender, "dasbor")
        text = replies[0]["text"]
        return next(w for w in text.split() if "/dasbor/masuk/" in w)

    @property
    def totals(self) -> dict:
        men, women = sum(self.men.values()), sum(self.women.values())
        return {"meetings": len(self.men), "men": men, "women": women, "participants": men + women}


def dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)

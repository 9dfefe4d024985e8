"""The chat of a person in several programs (issue 25): asked once per report which program it is for (the one
in use first), may switch with "program"; roles and areas are per program. One program: never asked."""
from __future__ import annotations

from itertools import count

from sqlalchemy import select

from flows.types import Inbound
from storage import programs
from storage.models import Contact, Report

from .programs_world import KLATEN, NOW, SENGON, in_klaten

_ids = count()


async def say(w, sender, text):
    replies = await w.p.handle(Inbound("terminal", sender, f"p{next(_ids)}", text=text))
    return "\n".join(r.text + "".join(f"\n{i}. {c}" for i, c in enumerate(r.choices, 1)) for r in replies)


def test_a_kader_of_two_programs_is_asked_which_program_the_report_is_for(db_url):
    async def scenario(w):
        async with w.p.db.session() as s, s.begin():
            assert await programs.join(s, w.sri.id, w.kotaku, "kader", SENGON, NOW)
        menu = await say(w, "kader-pkh", "halo")
        assert "Laporan ini untuk program apa?" not in menu
        asked = await say(w, "kader-pkh", "1")
        assert "Laporan ini untuk program apa?\n1. Program Keluarga Harapan (kader)\n2. Kotaku (kader)" in asked
        started = await say(w, "kader-pkh", "2")
        assert "Laporan ini untuk program apa?" not in started and "?" in started      # the form's first question
        async with w.p.db.session() as s:
            assert await s.scalar(select(Contact.program_id).where(Contact.id == w.sri.id)) == w.kotaku
        # back at the menu, the next report asks again: the one in use (Kotaku) is offered first, "ya" keeps it
        await say(w, "kader-pkh", "batal")
        await say(w, "kader-pkh", "ya")
        again = await say(w, "kader-pkh", "1")
        assert "1. Kotaku (kader)\n2. Program Keluarga Harapan (kader)" in again
        # "program" switches without starting a report
        await say(w, "kader-pkh", "menu")
        assert "Laporan ini untuk program apa?" in await say(w, "kader-pkh", "program")
        assert "kini Anda memakai program Program Keluarga Harapan" in await say(w, "kader-pkh", "pkh")
        async with w.p.db.session() as s:
            assert await s.scalar(select(Contact.program_id).where(Contact.id == w.sri.id)) == w.pkh
    in_klaten(db_url, scenario, reports=False)


def test_roles_are_per_program(db_url):
    async def scenario(w):
        # the PKH fasilitator is a Kotaku kader too: as a kader, no coordinator's menu
        async with w.p.db.session() as s, s.begin():
            await programs.join(s, w.fasil_pkh.id, w.kotaku, "kader", SENGON, NOW)
        menu = await say(w, "fasil-pkh", "halo")
        assert "Ringkasan wilayah saya" in menu
        await say(w, "fasil-pkh", "program")
        as_kader = await say(w, "fasil-pkh", "kotaku")
        assert "Ringkasan wilayah saya" not in as_kader
        async with w.p.db.session() as s:
            row = await s.get(Contact, w.fasil_pkh.id)
            assert (row.role, row.area_code, row.program_id) == ("kader", SENGON, w.kotaku)
            assert await s.scalar(select(Report.id)) is None
    in_klaten(db_url, scenario, reports=False)


def test_one_membership_is_never_asked(db_url):
    async def scenario(w):
        await say(w, "koord-pkh", "halo")
        reply = await say(w, "koord-pkh", "program")
        assert "Laporan ini untuk program apa?" not in reply
        assert KLATEN
    in_klaten(db_url, scenario, reports=False)


def test_the_fasilitator_is_asked_when_a_second_program_reports_the_same_meeting(db_url):
    from bot.channels.terminal import take_terminal_replies
    from storage.models import ReportMatch

    from .test_programs_golden import MEETING

    async def scenario(w):
        for sender in ("kader-pkh", "kader-kotaku"):
            for text in ["halo", *(m.format(men=20) for m in MEETING)]:
                await say(w, sender, text)
        pushed = [r["text"] for r in await take_terminal_replies(w.p.db, "fasil-pkh")]
        assert any("dari Sri PKH (pkh) dan dari Wati Kotaku (kotaku) tampaknya kegiatan yang sama" in x
                   for x in pushed), pushed
        assert "Dicatat sebagai satu kegiatan" in await say(w, "fasil-pkh", "1")
        async with w.p.db.session() as s:
            decided = (await s.execute(select(ReportMatch.decision))).scalars().all()
            same = await s.scalar(select(Report.same_as).where(Report.program_id == w.kotaku))
        assert decided == ["same"] and same is not None
    in_klaten(db_url, scenario, reports=False)


def test_an_invite_code_typed_by_a_registered_person_adds_a_membership_once_confirmed(db_url):
    from storage.access import create_invite
    from storage.models import Invite

    async def scenario(w):
        async with w.p.db.session() as s:
            code = await create_invite(s, "kader", SENGON, NOW, program_id=w.pkh)
            other = await create_invite(s, "kader", SENGON, NOW, program_id=w.pkh)
        await say(w, "kader-kotaku", "halo")
        shown = await say(w, "kader-kotaku", code.lower())
        assert "Kode undangan ini menambahkan keanggotaan: kader di Desa Sengon" in shown
        assert "program Program Keluarga Harapan. Tambahkan?" in shown
        assert "Baik, keanggotaan Anda tidak diubah." in await say(w, "kader-kotaku", "tidak")
        async with w.p.db.session() as s:
            assert len(await programs.memberships(s, w.wati.id)) == 1
            assert await s.scalar(select(Invite.used_at).where(Invite.code == code)) is None
        await say(w, "kader-kotaku", code)
        added = await say(w, "kader-kotaku", "ya")
        assert "Keanggotaan ditambahkan: kader di Desa Sengon, program Program Keluarga Harapan." in added
        async with w.p.db.session() as s:
            mine = await programs.memberships(s, w.wati.id)
            assert [(m.program_code, m.role, m.area_code) for m in mine] == [("kotaku", "kader", SENGON),
                                                                            ("pkh", "kader", SENGON)]
            assert await s.scalar(select(Invite.used_by).where(Invite.code == code)) == w.wati.id
        # the next report asks which program it is for
        assert "Laporan ini untuk program apa?" in await say(w, "kader-kotaku", "1")
        await say(w, "kader-kotaku", "menu")
        # the same code again: used; a second code for what she already is: said, and left unused
        assert "sudah dipakai" in await say(w, "kader-kotaku", code)
        await say(w, "kader-kotaku", other)
        assert "Anda sudah menjadi anggota: kader di Desa Sengon" in await say(w, "kader-kotaku", "ya")
        async with w.p.db.session() as s:
            assert await s.scalar(select(Invite.used_at).where(Invite.code == other)) is None
    in_klaten(db_url, scenario, reports=False)


def test_a_report_started_again_offers_back_only_its_own_programs_activities(db_url):
    """Sri (PKH) starts a monitoring report before anything was reported in Sengon; meanwhile Wati (Kotaku)
    reports hers. Sri starts hers again ("ulang", "ya"): she is offered PKH's last activities, none of Kotaku's."""
    async def scenario(w):
        await say(w, "kader-pkh", "halo")
        assert "Kegiatan Sri" not in await say(w, "kader-pkh", "2")  # the monitoring report, nothing to offer yet
        await w.report(w.sri, 7)
        await w.report(w.wati, 9)                                      # the newest in the desa: Kotaku's
        await say(w, "kader-pkh", "ulang")
        again = await say(w, "kader-pkh", "ya")
        assert "Kegiatan Wati Kotaku" not in again
        assert "Kegiatan Sri PKH" in again
    in_klaten(db_url, scenario, reports=False)

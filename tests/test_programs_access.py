"""Access is program × area (issue 25): for every rule (chat, CLI's storage, exports, reminders, deciding) a PKH
koordinator sees nothing of Kotaku, and a forum koordinator (invited with --program '*') sees both."""
from __future__ import annotations

from openpyxl import load_workbook
from sqlalchemy import select

from bot import catalog
from bot.reminders import run_once
from bot.reports.coordinator import missing_text
from bot.reports.export import Progress, write_xlsx
from storage import access, matches as forum
from storage.completeness import get_round
from storage.models import Report
from storage.summary import Filters, summarize

from .programs_world import KLATEN, KOTAKU_ONLY, NOW, PKH_ONLY, ROUND, SENGON, in_klaten


def _meetings(data) -> int:
    return data["meetings"]["total"]["meetings"]


def test_a_membership_follows_its_invite_program(db_url):
    async def scenario(w):
        assert (w.sri.program_id, w.wati.program_id, w.forum.program_id) == (w.pkh, w.kotaku, None)
        async with w.p.db.session() as s:
            rows = (await s.execute(select(Report.program_id, Report.conflict).order_by(Report.id))).all()
        # the same musdes and the same round by two programs: four reports, no conflict
        assert rows == [(w.pkh, None), (w.pkh, None), (w.kotaku, None), (w.kotaku, None)]
    in_klaten(db_url, scenario)


def test_summary_of_one_program_and_of_the_forum(db_url):
    async def scenario(w):
        async with w.p.db.session() as s:
            pkh = await summarize(s, Filters(KLATEN, round=ROUND[0], program=w.pkh), w.p.forms)
            kotaku = await summarize(s, Filters(KLATEN, round=ROUND[0], program=w.kotaku), w.p.forms)
            every = await summarize(s, Filters(KLATEN, round=ROUND[0]), w.p.forms)
        assert (_meetings(pkh), _meetings(kotaku), _meetings(every)) == (1, 1, 2)
        # a program's expected desa are its own, with explicit zeros
        assert pkh["monitoring"]["desa_expected"] == 2 and pkh["monitoring"]["desa_missing"] == [PKH_ONLY]
        assert kotaku["monitoring"]["desa_missing"] == [KOTAKU_ONLY]
    in_klaten(db_url, scenario)


def test_chat_belum_melapor_lists_only_the_programs_desa(db_url):
    async def scenario(w):
        t = catalog.gettext_for("id")
        async with w.p.db.session() as s:
            pkh = (await missing_text(s, w.koord_pkh, NOW, t, "id"))[0].text
            kotaku = (await missing_text(s, w.koord_kotaku, NOW, t, "id"))[0].text
            both = (await missing_text(s, w.forum, NOW, t, "id"))[0].text
        assert "1 dari 2 desa" in pkh and "Sri PKH" not in pkh
        areas = catalog.area_index()
        assert areas.short(PKH_ONLY) in pkh and areas.short(KOTAKU_ONLY) not in pkh
        assert areas.short(KOTAKU_ONLY) in kotaku and areas.short(PKH_ONLY) not in kotaku
        assert areas.short(PKH_ONLY) in both and areas.short(KOTAKU_ONLY) in both
    in_klaten(db_url, scenario)


def test_export_of_a_program_holds_only_its_reports(db_url, tmp_path):
    async def scenario(w):
        async with w.p.db.session() as s:
            rnd = await get_round(s, ROUND[0])
            for who, name in ((w.koord_pkh, "pkh"), (w.forum, "forum")):
                await write_xlsx(s, tmp_path / f"{name}.xlsx", KLATEN, rnd, w.p.forms, catalog.area_index(),
                                 Progress(False), who.program_id)
        def reporters(name):
            sheet = load_workbook(tmp_path / f"{name}.xlsx")["Pertemuan"]
            header = [c.value for c in sheet[1]]
            labels = [c.value for c in sheet[2]]        # variable names, then labels (issue 27's export)
            column = labels.index("Pelapor") if "Pelapor" in labels else header.index("Pelapor")
            return sorted(row[column] for row in sheet.iter_rows(min_row=3, values_only=True))
        assert reporters("pkh") == ["Sri PKH"]
        assert reporters("forum") == ["Sri PKH", "Wati Kotaku"]
    in_klaten(db_url, scenario)


def test_reminders_of_one_program_reach_only_its_kader(db_url):
    async def scenario(w):
        await w.report(w.wati, 0)          # only Kotaku's kader has reported for Sengon
        due_day = NOW.replace(day=31, hour=2)
        plans = {}
        for program in (w.pkh, w.kotaku):
            plan: list = []
            await run_once(w.p.db, w.p.forms, due_day, plan=plan, dry_run=True, program=program)
            plans[program] = {p.contact_id for p in plan}
        assert w.sri.id in plans[w.pkh]            # Kotaku's report does not count for PKH
        assert w.wati.id not in plans[w.pkh] | plans[w.kotaku]
        assert w.sri.id not in plans[w.kotaku]
    in_klaten(db_url, scenario, reports=False)


def test_a_coordinator_changes_and_decides_only_in_their_program(db_url):
    async def scenario(w):
        async with w.p.db.session() as s:
            kotaku_report = await s.scalar(select(Report).where(Report.program_id == w.kotaku))
        assert not access.may_change(w.koord_pkh, kotaku_report.contact_id, SENGON, w.kotaku)
        assert access.may_change(w.koord_kotaku, kotaku_report.contact_id, SENGON, w.kotaku)
        assert access.may_change(w.forum, kotaku_report.contact_id, SENGON, w.kotaku)
    in_klaten(db_url, scenario)


def test_the_same_musdes_is_proposed_once_matched_counted_once_by_the_forum_and_undone(db_url):
    async def scenario(w):
        async with w.p.db.session() as s, s.begin():
            waiting = await access.waiting_for(s, w.fasil_pkh)
            [match] = [x for x in waiting if x.kind == "match"]
            assert "Wati Kotaku (kotaku)" == match.name and "Sri PKH (pkh)" == match.other_name
            # the Kotaku koordinator is proposed it too; a koordinator elsewhere is not
            assert [x.kind for x in await access.waiting_for(s, w.koord_kotaku)] == ["match"]
            await access.decide(s, w.fasil_pkh, "match", match.ref, "same", NOW)
            assert [x for x in await access.waiting_for(s, w.fasil_pkh) if x.kind == "match"] == []
            table = await forum.across_programs(s, Filters(KLATEN, round=ROUND[0]), w.p.forms)
            assert table["programs"] == ["utama", "pkh", "kotaku"]
            assert table["sections"]["meetings"]["meetings"] == {"utama": 0, "pkh": 1, "kotaku": 1, "total": 1}
            assert table["sections"]["meetings"]["participants"]["total"] == 35
            # each program still credits its own report
            pkh = await summarize(s, Filters(KLATEN, round=ROUND[0], program=w.pkh), w.p.forms)
            assert _meetings(pkh) == 1
            assert await forum.undo_match(s, match.ref, NOW)
            table = await forum.across_programs(s, Filters(KLATEN, round=ROUND[0]), w.p.forms)
            assert table["sections"]["meetings"]["meetings"]["total"] == 2
            assert [x.kind for x in await access.waiting_for(s, w.fasil_pkh)] == ["match"]     # proposed again
            await access.decide(s, w.fasil_pkh, "match", match.ref, "apart", NOW)
            assert [x for x in await access.waiting_for(s, w.forum) if x.kind == "match"] == []
            table = await forum.across_programs(s, Filters(KLATEN, round=ROUND[0]), w.p.forms)
            assert table["sections"]["meetings"]["meetings"]["total"] == 2
    in_klaten(db_url, scenario)


def test_reminders_without_a_program_remind_each_program_of_its_own_rounds(db_url):
    async def scenario(w):
        from storage.repo import upsert_round
        await w.report(w.wati, 0)          # only Kotaku's kader has reported for Sengon
        async with w.p.db.session() as s:   # Kotaku's own round of the same name is due later
            await upsert_round(s, ROUND[0], "2024-08-01", "2024-09-30", program_id=w.kotaku)
        due_day = NOW.replace(day=31, hour=2)
        plan: list = []
        await run_once(w.p.db, w.p.forms, due_day, plan=plan, dry_run=True)
        reminded = {(p.contact_id, p.key.rsplit("@", 1)[-1]) for p in plan}
        # Sri (PKH) is reminded of PKH's round, whose due day it is: Wati's Kotaku report does not spare her
        assert (w.sri.id, f"p{w.pkh}") in reminded
        assert all(cid != w.wati.id for cid, _ in reminded)      # reported, and Kotaku's round is not due
        due_text = next(p.payloads[0]["text"] for p in plan if p.contact_id == w.sri.id)
        assert "hari ini batas laporan pemantauan putaran Agustus 2024" in due_text
    in_klaten(db_url, scenario, reports=False)


def test_national_rollups_count_a_matched_meeting_once_and_credit_each_program(db_url):
    async def scenario(w):
        from storage.rollup import national_meetings, national_monitoring
        async with w.p.db.session() as s, s.begin():
            before = await national_meetings(s, "2024-08-01", "2024-08-31")
            assert before[KLATEN]["meetings"] == 2                  # not matched yet: two meetings
            [match] = [x for x in await access.waiting_for(s, w.fasil_pkh) if x.kind == "match"]
            await access.decide(s, w.fasil_pkh, "match", match.ref, "same", NOW)
        async with w.p.db.session() as s:
            after = await national_meetings(s, "2024-08-01", "2024-08-31", by_program=True)
            assert (after[KLATEN]["meetings"], after[KLATEN]["men"], after[KLATEN]["women"]) == (1, 20, 15)
            assert after[KLATEN]["programs"][w.pkh]["meetings"] == 1
            assert after[KLATEN]["programs"][w.kotaku]["meetings"] == 1
            # one desa reporting its monitoring for two programs is one desa, credited to each
            assert await national_monitoring(s, ROUND[0]) == {KLATEN: 1}
            assert (await national_monitoring(s, ROUND[0], by_program=True))[KLATEN] == {
                "desa": 1, "programs": {w.pkh: 1, w.kotaku: 1}}
    in_klaten(db_url, scenario)

"""The path of a message through a real database (SQLite, or PostgreSQL with PANTAU_TEST_DB=postgres)."""
import itertools

from sqlalchemy import func, select

from bot.pipeline import Pipeline
from flows.types import Inbound
from storage.db import Database
from storage.models import InboundMessage, Outbox, Report, ReportRevision, Session
from storage.repo import upsert_round

from .conftest import open_pipeline

_ids = itertools.count(1)


async def send(p: Pipeline, text: str, sender="+6281234567890", message_id=None, **kw):
    return await p.handle(Inbound("terminal", sender, message_id or f"m{next(_ids)}", text=text, **kw))


async def register_kader(p: Pipeline, sender="+6281234567890"):
    for text in ("halo", "Siti Aminah", "1", "Kilmury, Kilmury", "ya"):
        await send(p, text, sender)


MEETING = ("1", "1", "kemarin", "Balai desa", "L 79 P 38", "20", "2", "lewati", "lewati", "kirim")


async def count(p: Pipeline, model) -> int:
    async with p.db.session() as s:
        return await s.scalar(select(func.count()).select_from(model))


async def test_a_duplicate_message_is_processed_once_and_answered_once(db_url):
    p = await open_pipeline(db_url)
    first = await send(p, "halo", message_id="dup-1")
    again = await send(p, "halo", message_id="dup-1")
    assert first and again is None
    assert await count(p, InboundMessage) == 1
    assert await count(p, Outbox) == len(first)
    await p.db.close()


async def test_meeting_report_is_stored_and_sending_it_again_makes_a_revision(db_url):
    p = await open_pipeline(db_url)
    await register_kader(p)
    for text in MEETING:
        replies = await send(p, text)
    assert "tersimpan" in replies[0].text
    for text in MEETING:
        replies = await send(p, text)
    assert "perbaikan ke-1" in replies[1].text
    async with p.db.session() as s:
        [report] = (await s.scalars(select(Report))).all()
        assert report.revision == 2 and report.answers["total"] == 117
        assert await s.scalar(select(func.count()).select_from(ReportRevision)) == 2
    await p.db.close()


async def test_a_draft_survives_a_restart(db_url):
    p = await open_pipeline(db_url)
    await register_kader(p)
    for text in MEETING[:5]:
        await send(p, text)
    await p.db.close()
    p2 = await open_pipeline(db_url)        # the program restarted
    replies = await send(p2, "20")
    assert "penyandang disabilitas" in replies[-1].text
    async with p2.db.session() as s:
        state = (await s.scalars(select(Session))).one().state
        assert state["form"]["answers"]["men"] == 79
    await p2.db.close()


async def test_ubah_revises_the_same_report_and_keeps_history(db_url):
    p = await open_pipeline(db_url)
    await register_kader(p)
    for text in MEETING:
        await send(p, text)
    replies = await send(p, "ubah")
    assert "Laporan pertemuan — Musyawarah desa, 14 Agustus 2024" in replies[0].choices[0]
    replies = await send(p, "1")                # the report's answers, to pick the one to change
    assert "Laki-laki: 79" in replies[-1].choices
    await send(p, "laki-laki")
    replies = await send(p, "L 80 P 40")
    assert "Mohon periksa" in replies[-1].text and "Laki-laki: 80" in replies[-1].text
    await send(p, "kirim")
    async with p.db.session() as s:
        [report] = (await s.scalars(select(Report))).all()
        assert report.revision == 2 and report.answers["men"] == 80 and report.answers["total"] == 120
        old = await s.scalar(select(ReportRevision).where(ReportRevision.revision == 1))
        assert old.answers["men"] == 79
    await p.db.close()


async def test_previous_round_activities_are_offered_back(db_url):
    p = await open_pipeline(db_url)
    async with p.db.session() as s:
        await upsert_round(s, "Juli 2024", "2024-07-01", "2024-08-31")
    await register_kader(p)
    for text in ("2", "Kebun sayur", "1", "1", "5", "lewati", "lewati", "selesai", "kirim"):
        await send(p, text)
    async with p.db.session() as s:
        await upsert_round(s, "Oktober 2024", "2024-08-01", "2024-10-31")
    replies = await send(p, "2")
    assert replies[-1].choices == ("Juli 2024", "Oktober 2024")   # two open rounds: asked which
    replies = await send(p, "oktober")
    assert replies[-1].choices[0] == "Kebun sayur"
    await p.db.close()


async def test_reports_finished_in_one_batch_are_each_stored_and_seen_by_what_follows(db_url):
    """A batch writes its reports together: the same meeting sent by two kader of one desa in one batch
    is a report and its revision (the second hears so), and a kader who opens the monitoring form in
    that batch is offered the activities another kader of the desa has just sent."""
    p = await open_pipeline(db_url)
    async with p.db.session() as s:
        await upsert_round(s, "Juli 2024", "2024-07-01", "2024-08-31")
    a, b, c = "+6281200000001", "+6281200000002", "+6281200000003"
    for who in (a, b, c):
        await register_kader(p, who)
    for text in MEETING[:-1]:
        await send(p, text, a)
        await send(p, text, b)
    for text in ("2", "Kebun sayur", "1", "1", "5", "lewati", "lewati", "selesai"):
        await send(p, text, c)

    def msg(sender, text):
        return Inbound("terminal", sender, f"m{next(_ids)}", text=text), None
    first, second, third, opened = await p.handle_batch([msg(a, "kirim"), msg(b, "kirim"), msg(c, "kirim"),
                                                          msg(a, "2")])
    assert "tersimpan" in first[0].text and "perbaikan" not in " ".join(r.text for r in first)
    # b sent the same meeting as a: kept apart, a's report is not overwritten (issue 12)
    assert "sudah dikirim oleh Siti Aminah" in " ".join(r.text for r in second)
    assert "tersimpan" in third[0].text
    assert opened[-1].choices[0] == "Kebun sayur"
    async with p.db.session() as s:
        reports = list(await s.scalars(select(Report).order_by(Report.id)))
        meetings = [r for r in reports if r.form_id == "pertemuan"]
        assert [(r.revision, r.conflict) for r in meetings] == [(1, None), (1, "pending")]
        assert meetings[1].competes_with == meetings[0].id
        assert await s.scalar(select(func.count()).select_from(ReportRevision)) == 3
        queued = [o.payload["text"] for o in await s.scalars(select(Outbox).where(Outbox.external_id == b)
                                                               .order_by(Outbox.id.desc()).limit(len(second)))]
        assert any("sudah dikirim oleh" in text for text in queued)   # what was said is what is sent
    await p.db.close()


async def test_a_form_defined_only_in_a_test_folder_runs_end_to_end(db_url, tmp_path):
    (tmp_path / "posyandu.yaml").write_text("""
id: posyandu
version: 1
order: 9
title: {id: Laporan posyandu, en: Health post report}
key: [date]
questions:
  - name: date
    type: date
    not_future: true
    label: {id: "Tanggal posyandu?", en: "Date of the health post?"}
  - name: toddlers
    type: integer
    max: 500
    label: {id: "Berapa balita ditimbang?", en: "How many toddlers were weighed?"}
""", encoding="utf-8")
    p = await open_pipeline(db_url, form_dirs=[__import__("bot.catalog").catalog.FORMS_DIR, tmp_path])
    await register_kader(p)
    replies = await send(p, "menu")
    assert "Laporan posyandu" in replies[-1].choices
    await send(p, "posyandu")
    await send(p, "kemarin")
    replies = await send(p, "dua puluh tiga")
    assert "Berapa balita ditimbang: 23" in replies[-1].text
    await send(p, "kirim")
    async with p.db.session() as s:
        report = await s.scalar(select(Report).where(Report.form_id == "posyandu"))
        assert report.answers == {"date": "2024-08-14", "toddlers": 23}
    await p.db.close()


async def test_a_running_session_stays_on_its_form_version(db_url, tmp_path):
    v1 = """
id: survei
version: {v}
title: {{id: Survei, en: Survey}}
questions:
  - name: a
    type: text
    label: {{id: "Pertanyaan A versi {v}?", en: "Question A v{v}?"}}
  - name: b
    type: text
    label: {{id: "Pertanyaan B versi {v}?", en: "Question B v{v}?"}}
"""
    from bot import catalog
    folder = tmp_path / "forms"
    folder.mkdir()
    (folder / "survei.yaml").write_text(v1.format(v=1), encoding="utf-8")
    p = await open_pipeline(db_url, form_dirs=[catalog.FORMS_DIR, folder])
    await register_kader(p)
    await send(p, "survei")
    await p.db.close()
    (folder / "survei.yaml").write_text(v1.format(v=2), encoding="utf-8")   # a new version is deployed
    p2 = await open_pipeline(db_url, form_dirs=[catalog.FORMS_DIR, folder])
    replies = await send(p2, "jawaban a")
    assert "Pertanyaan B versi 1?" in replies[-1].text
    await send(p2, "jawaban b"), await send(p2, "kirim")
    replies = await send(p2, "survei")
    assert "Pertanyaan A versi 2?" in replies[-1].text
    await p2.db.close()


async def test_migrations_match_the_models(db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from storage.models import Base
    db = Database(db_url)
    await db.migrate()
    async with db.engine.connect() as conn:
        diff = await conn.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata))
    await db.close()
    assert diff == []


async def test_senders_with_awkward_ids_in_one_batch_each_keep_their_own_conversation(db_url):
    """The batch's senders are read by one JSON parameter on SQLite (storage/batch_sql.py ``_pairs``): ids with
    quotes, backslashes, non-Latin letters or JSON's own characters must each find their own session and contact."""
    p = await open_pipeline(db_url)
    odd = ['+6281234567890', 'a"b', 'back\\slash', '[["x","y"]]', 'Ambon ✓ ñ', "it's", '$[0]', ' space ']
    for who in odd:
        await register_kader(p, who)
    first = await p.handle_batch([(Inbound("terminal", who, f"{who}-menu", text="menu"), None) for who in odd])
    # each is known (a contact not found would be asked to register)
    assert [[r.text for r in rs] for rs in first] == [["Apa yang ingin Anda laporkan?"]] * len(odd)
    steps = await p.handle_batch([(Inbound("terminal", who, f"{who}-1", text="1"), None) for who in odd])
    again = await p.handle_batch([(Inbound("terminal", who, f"{who}-2", text="1"), None) for who in odd])
    assert [[r.text for r in rs] for rs in steps] == [[r.text for r in steps[0]]] * len(odd)
    assert [[r.text for r in rs] for rs in again] == [[r.text for r in again[0]]] * len(odd)   # each one step on
    assert again[0] != steps[0]
    async with p.db.session() as s:
        seqs = dict((await s.execute(select(Session.external_id, Session.seq))).all())
    assert {who: seqs[who] for who in odd} == {who: seqs[odd[0]] for who in odd}
    await p.db.close()


async def test_a_batch_of_inbound_messages_is_stored_as_sent_and_each_copy_is_seen(db_url):
    """The batch's inbound rows go in one statement: each payload comes back as it was sent, the time as given, and a
    copy of a message — in the same batch or from an earlier one — is not new."""
    from datetime import datetime, timezone

    from storage.repo import Tx
    db = Database(db_url)
    now = datetime(2024, 8, 15, 3, 4, 5, 678901, tzinfo=timezone.utc)
    odd = {"text": 'Kata "seng" \\ ✓ 🙏 ñ', "photo": None, "n": [1, 2.5, -3], "nested": {"a": {"b": [True, False]}},
           "empty": "", "long": "x" * 5000}
    rows = [{"channel": "whatsapp", "message_id": f"SM{i}", "external_id": "+6281234567890", "payload": {**odd, "i": i}}
            for i in range(3)]
    async with db.session() as s, s.begin():
        assert await Tx(s).record_inbound_many(rows[:1], now) == {("whatsapp", "SM0")}
    async with db.session() as s, s.begin():
        new = await Tx(s).record_inbound_many([rows[1], rows[0], rows[2], rows[1]], now)
    assert new == {("whatsapp", "SM1"), ("whatsapp", "SM2")}
    async with db.session() as s:
        stored = (await s.execute(select(InboundMessage.message_id, InboundMessage.payload, InboundMessage.received_at)
                                  .order_by(InboundMessage.message_id))).all()
    assert [(m, p, at) for m, p, at in stored] == [(f"SM{i}", {**odd, "i": i}, now) for i in range(3)]
    await db.close()

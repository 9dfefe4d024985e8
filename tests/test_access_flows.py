"""The pure parts of issue 12, table-driven: text hygiene at the door, the invite step, and a
coordinator's decisions as a side conversation."""
from datetime import timedelta

import pytest

from bot import catalog
from flows import access
from flows.engine import advance
from flows.text import clean_text
from flows.types import ContactView, Context, Inbound, InviteView, WaitingView

from .conftest import NOW


@pytest.mark.parametrize("raw,clean", [
    ("Siti\x00 Aminah", "Siti Aminah"),
    ("bel\x07l \x1b[31mred", "bell [31mred"),
    ("baris satu\r\nbaris dua\rtiga", "baris satu\nbaris dua\ntiga"),
    ("kolom\tdua", "kolom\tdua"),
    ("Cafe\u0301", "Café"),                       # NFC
    ("\ufeffhalo\u200b", "halo"),
    ("abc\u202edcba", "abcdcba"),                 # a direction override that disguises text
    ("surrogate \ud800 gone", "surrogate  gone"),
    ("x" * 5000, "x" * 4096),
    (None, ""),
])
def test_text_is_cleaned_at_the_door(raw, clean):
    assert clean_text(raw) == clean


def ctx(**kw):
    base = dict(now=NOW, forms={}, gettext=catalog.gettext_for, areas=catalog.area_index())
    return Context(**{**base, **kw})


@pytest.mark.parametrize("state,answer", [
    ("open", "done"), ("used", "sudah dipakai"), ("expired", "sudah kedaluwarsa"), ("revoked", "sudah dibatalkan"),
    (None, "tidak dikenal"),
])
def test_the_invite_step_says_what_is_wrong_with_a_code(state, answer):
    invites = {"ABCD2345": InviteView("fasilitator", "81.05.08", state)} if state else {}
    session, reg = {}, {"step": "invite", "name": "Budi", "role": "fasilitator"}
    result = access.take_invite(session, reg, "abcd 2345", ctx(invites=invites))
    if answer == "done":
        assert result == "done" and (reg["role"], reg["area"], reg["invite"]) == ("fasilitator", "81.05.08", "ABCD2345")
    else:
        assert answer in result.render(catalog.gettext_for("id")) and session["invite_tries"]["count"] == 1


def test_five_wrong_codes_pause_the_identity_for_15_minutes():
    session, reg, c = {}, {"step": "invite", "role": "koordinator"}, ctx()
    for _ in range(5):
        access.take_invite(session, reg, "ZZZZ9999", c)
    good = ctx(invites={"GOOD2345": InviteView("koordinator", "81.05")})
    assert "15 menit" in access.take_invite(session, reg, "GOOD2345", good).render(catalog.gettext_for("id"))
    assert "1 menit" in access.take_invite(session, reg, "GOOD2345", ctx(
        invites=good.invites, now=NOW + timedelta(minutes=14, seconds=30))).render(catalog.gettext_for("id"))
    assert access.take_invite(session, reg, "GOOD2345", ctx(invites=good.invites, now=NOW + timedelta(minutes=15))) == "done"


FASIL = ContactView(9, "Pak Fasil", "fasilitator", "81.05.08", "id")
SITI = WaitingView("approve", 1, "Siti Aminah", "81.05.08.2010", since=NOW, area_name="Desa Kilmury")
BUDI = WaitingView("approve", 2, "Budi", "81.05.08.2010", since=NOW, area_name="Desa Kilmury")
CLASH = WaitingView("conflict", 7, "Budi", "81.05.08.2010", "Siti Aminah", "Musyawarah desa, 14 Agustus 2024",
                    since=NOW, area_name="Desa Kilmury")


def turn(session, text, waiting, contact=FASIL, now=NOW):
    return advance(session, Inbound("terminal", "f", "m", text=text),
                   ctx(contact=contact, waiting=tuple(waiting), now=now, forms=catalog.load_forms()))


@pytest.mark.parametrize("waiting,text,decisions,says", [
    ([SITI], "1", (("approve", 1, True),), "Siti Aminah sudah disetujui"),
    ([SITI], "tidak", (("approve", 1, False),), "Pendaftaran Siti Aminah tidak disetujui"),
    # two questions arrived together: a bare "ya" decides nothing until they are asked one by one
    ([SITI, BUDI], "ya", (), "Ada 2 pertanyaan yang menunggu jawaban Anda. Mohon dijawab satu per satu.\n"
                             "Siti Aminah mendaftar sebagai kader Desa Kilmury. Setujui?"),
    ([CLASH], "2", (("conflict", 7, "second"),), "Laporan Budi yang dipakai"),
    ([CLASH], "keduanya", (("conflict", 7, "both"),), "Kedua laporan disimpan"),
    ([SITI], "ringkasan", (), ""),                 # not an answer: the coordinator's request goes on
    ([SITI], "belum", (), ""),                     # "belum" asks who has not reported: nobody is refused
    ([], "1", (), "Laporan pertemuan"),            # nothing waits: the menu as always
])
def test_a_coordinator_answers_the_newest_question(waiting, text, decisions, says):
    step = turn({"mode": "menu"}, text, waiting)
    assert step.decisions == decisions
    if text == "belum":
        assert step.request == "missing" and turn(step.session, "belum", waiting).request == "missing"
    assert says in "\n".join(r.text for r in step.replies)


def test_an_answer_typed_before_the_question_arrived_is_not_a_decision():
    earlier = (NOW - timedelta(minutes=5)).isoformat()
    session = {"mode": "menu", "updated": earlier}
    old = WaitingView("approve", 1, "Siti Aminah", "81.05.08.2010", since=NOW - timedelta(minutes=10))
    step = turn(session, "1", [old])
    assert step.decisions == () and "Laporan pertemuan" in step.replies[0].text     # the menu's 1
    again = turn(step.session, "menunggu", [old])
    assert "Menunggu persetujuan:\n- Siti Aminah" in again.replies[0].text
    assert turn(again.session, "ya", [old]).decisions == (("approve", 1, True),)


def test_a_dismissed_question_is_not_asked_by_the_next_message():
    step = turn({"mode": "menu"}, "ringkasan", [SITI])
    assert step.request == "summary"
    assert turn(step.session, "1", [SITI]).decisions == ()
    again = turn(step.session, "ringkasan", [SITI])        # a message that is no answer: not asked about it
    assert again.request == "summary" and "Siti" not in texts(again)
    assert "Laporan pertemuan" in texts(turn(again.session, "1", [SITI]))


def texts(step) -> str:
    return "\n".join(r.text for r in step.replies)


def test_a_bare_answer_after_a_question_that_came_with_the_last_reply_is_shown_back():
    """The terminal prints a notice with the reply to the next line typed ("halo"); on a phone a reply and a
    notice cross. The "1" typed after it may mean the approval or the menu: asked, never taken silently."""
    later = NOW + timedelta(hours=1)
    step = turn({"mode": "menu"}, "halo", [SITI], now=later)
    assert step.decisions == () and "Apa yang ingin Anda laporkan?" in texts(step)
    ask = turn(step.session, "1", [SITI], now=later + timedelta(minutes=1))
    assert ask.decisions == () and ask.report is None and "Pertemuan apa?" not in texts(ask)
    assert texts(ask) == ("Jawaban \"1\" untuk pertanyaan ini?\n"
                          "Siti Aminah mendaftar sebagai kader Desa Kilmury. Setujui?")
    assert ask.replies[-1].choices == ("Ya", "Tidak", "Bukan, lanjutkan yang tadi")
    yes = turn(ask.session, "1", [SITI], now=later + timedelta(minutes=2))
    assert yes.decisions == (("approve", 1, True),) and "Apa yang ingin Anda laporkan?" in texts(yes)
    back = turn(ask.session, "3", [SITI], now=later + timedelta(minutes=2))
    assert back.decisions == () and "tetap menunggu" in texts(back) and "Apa yang ingin Anda laporkan?" in texts(back)
    menu = turn(back.session, "1", [SITI], now=later + timedelta(minutes=3))
    assert menu.decisions == () and "Pertemuan apa?" in texts(menu)          # asked once, then the menu's 1
    no = turn(ask.session, "tidak", [SITI], now=later + timedelta(minutes=2))
    assert no.decisions == (("approve", 1, False),)


def test_two_questions_at_once_are_answered_one_by_one():
    first = turn({"mode": "menu"}, "tidak", [SITI, BUDI])
    assert first.decisions == ()                           # "tidak" could have meant Budi: nobody is refused
    siti = turn(first.session, "ya", [SITI, BUDI], now=NOW + timedelta(minutes=1))
    assert siti.decisions == (("approve", 1, True),) and "Budi mendaftar" in texts(siti)
    budi = turn(siti.session, "tidak", [BUDI], now=NOW + timedelta(minutes=2))
    assert budi.decisions == (("approve", 2, False),)


def test_a_removed_contact_is_told_and_nothing_else_happens():
    gone = ContactView(3, "Orang", "kader", "81.05.08.2010", "id", verified=False, active=False)
    step = turn({"mode": "menu"}, "1", [], contact=gone)
    assert "sudah tidak aktif" in step.replies[0].text and step.report is None and step.request is None


def test_every_kind_of_waiting_question_is_asked_and_answered_and_an_unknown_kind_is_refused():
    """Before the kinds were an enum, any kind but "approve" and "match" was asked and stored as a conflict of
    reports: an unknown kind (a typo, a newer module's) decided a report with that id."""
    import asyncio

    from flows.types import Waiting
    from storage.access import decide
    t = catalog.gettext_for("id")
    match = WaitingView("match", 5, "Budi (Program B)", "81.05.08.2010", "Siti (Program A)", "pertemuan 2024-08",
                        since=NOW, area_name="Desa Kilmury")
    for item in (SITI, CLASH, match):
        assert item.what in Waiting
        choices = access.question(item, Context(NOW, {}, catalog.gettext_for), t).choices
        assert choices and access._answer(item, "1", t) is not None
    assert {w.value for w in Waiting} == {"approve", "conflict", "match"}
    with pytest.raises(ValueError):
        WaitingView("quiz", 1, "Siti Aminah", "81.05.08.2010")
    with pytest.raises(ValueError):     # refused before the database is touched
        asyncio.run(decide(None, FASIL, "quiz", 1, True, NOW))

"""Whatever a person types, at whatever step: the engine answers, never crashes, never loses a draft."""
import json
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.engine import advance, needs, round_forms, round_questions
from flows.types import Inbound, NotLoaded, ReportView, RoundView

from .conftest import NOW, Chat

WORDS = ["4", "Ubah laporan yang sudah dikirim", "tempat", "batal", "kembali", "ulang", "bantuan", "menu", "ubah", "bahasa", "ya", "tidak", "1", "2", "3", "9", "0",
         "kirim", "lewati", "sama", "selesai", "kemarin", "31/2/2025", "-5", "1e9", "L 79 P 38", "L 1,5 P 2",
         "99999999999999999999", "", "   ", "\x00\x07", "'; DROP TABLE reports;--", "%s %n {0}", "مرحبا 🌾🙏",
         "a" * 10_000, "Kilmury, Kilmury", "musyawarah", "/start", "tujuh puluh", "Kamis lalu", "minggu lalu",
         # the confirmations of issue 11: dates without a year, bare days, fuzzy options, contradictions
         "20 agustus", "tanggal 5 kemarin", "minggu kemarin", "jalan", "berhenit", "ya tidak", "pilih lagi", "halo",
         "tidak ada", "nihil", "2", "sama", "L 99999 P 5", "p " * 2048]
messages = st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=40)), min_size=1, max_size=25)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=messages)
def test_any_message_at_any_step_is_answered(kader, script):
    kader.session, kader.reports = None, []
    for text in script:
        before = json.dumps((kader.session or {}).get("form", {}).get("answers", {}), sort_keys=True)
        step = kader.step(text)
        assert step.replies and all(r.text.strip() for r in step.replies)
        json.dumps(step.session)                                  # storable as JSON
        after = (step.session.get("form") or step.session.get("draft") or {}).get("answers")
        if before != "{}" and after is not None and text.strip() not in ("ya", "batal", "ulang"):
            # answers given so far are only replaced, never silently dropped
            assert set(json.loads(before)) <= set(after) | {"batch", "photo", "note"}


@settings(max_examples=60, deadline=None)
@given(script=messages)
def test_registration_never_crashes(forms, script):
    chat = Chat(forms)
    for text in script:
        assert chat.step(text).replies


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=messages, two_rounds=st.booleans())
def test_context_that_needs_leaves_out_changes_no_answer(kader, script, two_rounds):
    """The pipeline reads the rounds, last reports and invites only for the messages ``needs`` names, and
    what a message reaches anyway (``NotLoaded``) is loaded and the message taken again: every reply and
    every session is the same as with everything loaded."""
    kader.session, kader.reports = None, []
    kader.rounds += (RoundView("Agustus 2024", "2024-08-01", "2024-09-30"),) if two_rounds else ()
    kader.previous = {"pemantauan": {"activities": [{"activity": "Kebun sayur"}, {"activity": "Tenun ikat"}]}}
    kader.recent = (ReportView(7, "pertemuan", 1, "81.05.08.2010", {"kind": "musdes", "date": "2024-08-14",
                                                                    "place": "Balai", "men": 3, "women": 4}, NOW),)
    forms = kader.forms
    loaded = {"rounds": 0, "previous": 0, "recent": 0}
    for text in ["menu", *script]:
        inbound = Inbound("test", "u", "m", text=text)
        want = needs(kader.session, inbound, True, round_forms(forms), round_questions(forms))
        full = kader.ctx()
        lean = replace(full, rounds=full.rounds if "rounds" in want else (),
                       previous=full.previous if "previous" in want else {},
                       recent_reports=full.recent_reports if "recent" in want else (),
                       missing=frozenset(loaded) - want)
        while True:                      # as bot/pipeline.py does
            try:
                got = advance(kader.session, inbound, lean)
                break
            except NotLoaded as more:
                lean = replace(lean, **{"rounds": {"rounds": full.rounds}, "previous": {"previous": full.previous},
                                        "recent": {"recent_reports": full.recent_reports}}[more.what],
                               missing=lean.missing - {more.what})
                want.add(more.what)
        for what in loaded:
            loaded[what] += what in want
        assert got == advance(kader.session, inbound, full), text
        kader.step(text)


def test_what_only_a_rare_message_needs_is_not_read_for_every_message(kader):
    """A monitoring report's answers after the round need no rounds; a meeting started from the menu
    needs no previous report; the menu needs no recent reports until "Ubah laporan" is chosen."""
    forms = kader.forms

    def want(text):
        return needs(kader.session, Inbound("test", "u", "m", text=text), True, round_forms(forms),
                     round_questions(forms))
    kader.step("menu")
    assert "recent" not in want("1") and "rounds" in want("2")
    kader.step("2")                       # monitoring, one round open: taken, the first activity asked
    assert "rounds" not in want("Kebun sayur") and "previous" not in want("Kebun sayur")
    assert "rounds" in want("kembali")    # a command may go back to the round question

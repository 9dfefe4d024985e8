"""The learning loop's side conversations as typed state (flows/sides.py): sessions stored before they were
typed still load and resume, the JSON written is the same as before, and a side this code cannot run ends
instead of being handed to the wrong conversation."""
import pytest

from flows import side as side_module
from flows.loop_values import LoopData
from flows.sides import Followup, Forum, RawSide, Stories
from flows.state import SCHEMA, State

from .test_loop_flows import ITEMS, NAMES, person

# side conversations exactly as the code before flows/sides.py wrote them (dicts built in followup.py, forum.py,
# selection.py, with "total", "skipped", "choices", "current" added as the conversation went on)
STORED = [
    (Followup, {"kind": "followup", "role": "fasilitator", "queue": [2, 3], "step": "level",
                "work": {"items": [2], "text": "Bantuan modal usaha tenun"}, "total": 3, "skipped": [1]}),
    (Followup, {"kind": "followup", "role": "local", "queue": [7], "step": "rec", "work": {}}),
    (Followup, {"kind": "followup", "role": "opd", "queue": [4, 9], "step": "reason", "work": {"status": "tidak_bisa"},
                "total": 2}),
    (Forum, {"kind": "forum", "role": "forum", "queue": [4], "step": "agency", "work": {"target": "2024-10"},
             "total": 1}),
    (Stories, {"kind": "stories", "level": "kecamatan", "period": None, "domains": [], "step": "period", "work": {},
               "queue": [], "panel": None, "choices": [["Juli 2024", "2024-07-01", "2024-07-31"]], "current": True}),
    (Stories, {"kind": "stories", "level": "kabupaten", "period": {"name": "Juli 2024", "start": "2024-07-01",
                                                                    "due": "2024-07-31"},
               "domains": ["ekonomi", "sosial"], "step": "reason", "work": {}, "queue": [5, 6], "panel": "Bu Ani",
               "current": False, "total": 2}),
]


@pytest.mark.parametrize("cls,side", STORED, ids=[f"{c.__name__}-{s['step']}" for c, s in STORED])
def test_a_side_conversation_stored_before_it_was_typed_loads_typed_and_round_trips(cls, side):
    stored = {"schema": SCHEMA, "mode": "menu", "lang": "id", "updated": "2024-08-15T02:00:00+00:00", "side": side}
    state = State.from_json(stored)
    assert type(state.side) is cls
    assert state.side.step == side["step"] and state.side.queue == side["queue"]
    assert state.to_json() == stored
    assert State.from_json(state.to_json()).to_json() == stored


@pytest.mark.parametrize("side", [
    {"kind": "quiz", "step": "q1"},                                          # a newer module's kind
    {"followup": {"asked": 1}},                                              # no kind at all
    {"kind": "followup", "queue": [1], "step": "item", "work": {}},          # no role
    {"kind": "followup", "role": "opd", "queue": [1], "step": "rec", "work": {}, "total": None},
    {"kind": "stories", "level": "kecamatan", "queue": "3", "step": "story"},
    {},
])
def test_a_side_this_code_cannot_read_typed_is_kept_exactly(side):
    state = State.from_json({"mode": "menu", "side": side})
    assert state.side == RawSide(side)
    assert state.to_json()["side"] == side


def test_the_json_written_is_what_was_written_before_and_an_old_session_resumes(forms):
    f = person(forms, "fasilitator", "81.05.08", LoopData(items=ITEMS, names=NAMES))
    f.say("tindak lanjut")
    assert f.session["side"] == {"kind": "followup", "role": "fasilitator", "queue": [1, 2, 3], "step": "item",
                                 "work": {}, "total": 3}
    f.session = {**f.session, "side": {"kind": "followup", "role": "fasilitator", "queue": [2, 3], "step": "text",
                                       "work": {"items": [2]}, "total": 3, "skipped": [1]}}
    assert "Di mana rekomendasi ini ditangani?" in f.say("Pelatihan pewarnaan benang")
    out = f.say("desa")
    assert "Kapan targetnya?" in out
    out = f.say("Desember 2024")
    assert "Tersimpan: Pelatihan pewarnaan benang" in out and "Usulan 3 dari 3" in out
    assert f.actions == [("recommend", {"items": [2], "text": "Pelatihan pewarnaan benang", "level": "desa",
                                        "agencies": [], "target": "2024-12"})]
    assert f.session["side"]["skipped"] == [1] and f.session["side"]["queue"] == [3]


def test_a_side_of_a_kind_this_code_does_not_run_ends_and_the_message_is_read_as_usual(forms):
    f = person(forms, "fasilitator", "81.05.08", LoopData(items=ITEMS, names=NAMES))
    f.say("menu")
    f.session = {**f.session, "side": {"kind": "quiz", "step": "q1", "queue": [1]}}
    out = f.say("tindak lanjut")                      # a start command always answers
    assert "Ada 3 usulan dari desa" in out and f.session["side"]["kind"] == "followup"
    f.session = {**f.session, "side": {"kind": "quiz", "step": "q1", "queue": [1]}}
    out = f.say("bantuan")                            # before: handed to the story selection, which failed
    assert "side" not in f.session and out


def test_every_start_command_and_menu_entry_opens_a_known_side_conversation(forms):
    starts = set(side_module.COMMANDS.values())
    assert starts == set(side_module.STARTS) == {s.value for s in side_module.Start}
    with pytest.raises(ValueError):
        side_module.Start("quiz")

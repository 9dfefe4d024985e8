"""Every typed state value survives JSON and back, the stored format stays readable, and schema-2 sessions
(the day for today() inside the answers) are migrated on load and go on where they were."""
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.positions import item_values
from flows.sides import side_from_json
from flows.state import (CONFIRM, SCHEMA, Ask, ConfirmAnswer, Draft, OldDate, PickQuestion, Pos, RawPending, Reg, State,
                         migrate, pending_from_json, pending_to_json)

from .test_state import OLD_MID_FORM

NAMES = st.text(min_size=1, max_size=8)
SCALARS = st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=8)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(NAMES, inner, max_size=3),
                    max_leaves=8)
POSITIONS = st.one_of(st.builds(Pos, NAMES), st.builds(Pos, NAMES, st.integers(0, 40), NAMES), st.just(CONFIRM))
PENDINGS = st.one_of(
    st.builds(Ask, st.sampled_from(["cancel", "cancel_draft", "restart", "language"])),
    st.builds(ConfirmAnswer, st.sampled_from(["date", "choice", "pause"]), st.dictionaries(NAMES, JSON, max_size=3),
              st.text(max_size=30), st.lists(st.text(max_size=8), max_size=2),
              st.tuples(st.text(max_size=20), st.dictionaries(NAMES, SCALARS, max_size=2)).map(list)),
    st.builds(PickQuestion, st.lists(NAMES, max_size=5)),
    st.builds(OldDate, st.dates().map(lambda d: d.isoformat())),
    st.builds(RawPending, st.fixed_dictionaries({"kind": st.sampled_from(["approval", "newer"])},
                                                optional={"step": JSON})))
DRAFTS = st.builds(
    Draft, id=NAMES, version=st.integers(1, 9), area=st.text(max_size=13),
    answers=st.dictionaries(NAMES.filter(lambda n: n != "$today"), JSON, max_size=4), pos=st.none() | POSITIONS,
    history=st.lists(POSITIONS, max_size=4), edit_of=st.none() | st.integers(1, 10**6), started=st.text(max_size=25),
    auto=st.lists(NAMES, max_size=2), suggest=st.dictionaries(NAMES, st.lists(st.text(max_size=8), max_size=2)),
    review=st.none() | st.booleans(),
    page=st.none() | st.fixed_dictionaries({"pos": POSITIONS.map(Pos.to_json), "n": st.integers(0, 5)}),
    today=st.none() | st.dates().map(lambda d: d.isoformat()),
    extra=st.dictionaries(st.sampled_from(["newer_field", "x"]), JSON, max_size=2))
REGS = st.builds(
    Reg, step=st.sampled_from(["name", "role", "invite", "area", "area_pick", "area_confirm"]), name=st.text(max_size=8),
    role=st.sampled_from(["", "kader", "fasilitator"]), invite=st.none() | NAMES, scope=st.none() | NAMES,
    candidates=st.none() | st.lists(NAMES, max_size=3), area=st.text(max_size=13),
    extra=st.dictionaries(st.just("newer"), JSON, max_size=1))
STATES = st.builds(
    State, mode=st.none() | st.sampled_from(["register", "menu", "form", "pick_report"]),
    lang=st.none() | st.sampled_from(["id", "en"]), updated=st.none() | st.text(max_size=25),
    form=st.none() | DRAFTS, draft=st.none() | DRAFTS, pending=st.none() | PENDINGS,
    reg=st.none() | REGS,
    reports=st.none() | st.lists(st.tuples(st.integers(1, 99), st.text(max_size=10)).map(list), max_size=3),
    mode_before=st.none() | st.sampled_from(["menu", "form"]),
    # a side conversation as loaded: typed when its kind and shape are known, else kept raw (flows/sides.py)
    side=st.none() | st.dictionaries(st.sampled_from(["kind", "step", "queue"]), JSON, min_size=1).map(side_from_json),
    extra=st.dictionaries(st.sampled_from(["decide", "invite_tries", "approval"]), JSON, max_size=2))


@settings(max_examples=300, deadline=None)
@given(STATES)
def test_every_state_survives_json_and_back(state):
    stored = json.loads(json.dumps(state.to_json()))        # as the database gives it back
    assert stored["schema"] == SCHEMA
    assert State.from_json(stored) == state


@settings(max_examples=200, deadline=None)
@given(POSITIONS)
def test_a_position_is_stored_as_the_list_the_engine_always_wrote(pos):
    stored = json.loads(json.dumps(pos.to_json()))
    assert len(stored) == (3 if pos.in_repeat else 1) and stored[0] == pos.name
    assert Pos.from_json(stored) == pos


@settings(max_examples=200, deadline=None)
@given(PENDINGS)
def test_every_sub_question_survives_json_and_back(pending):
    stored = json.loads(json.dumps(pending_to_json(pending)))
    assert stored["kind"] == pending.kind
    assert pending_from_json(stored) == pending


@pytest.mark.parametrize("bad", [[], ["a", "b"], [1], ["a", "1", "b"], ["a", True, "b"], ["a", 0, "b", "c"]])
def test_a_position_that_is_not_one_is_refused_not_misread(bad):
    with pytest.raises(ValueError, match="position"):
        Pos.from_json(bad)


def test_the_stored_shape_of_a_session_in_a_repeat():
    state = State(mode="form", lang="id", form=Draft("pemantauan", 2, "81.05.08.2010", answers={"round": "Juli"},
                                                     pos=Pos("activities", 1, "status"),
                                                     history=[Pos("round"), Pos("activities", 0, "activity")]),
                  pending=ConfirmAnswer("choice", {"status": "sebagian"}, "Maksud Anda: Berjalan sebagian?",
                                        ["Ya", "Pilih lagi"], ["Baik, mohon pilih lagi.", {}]))
    data = state.to_json()
    assert data["form"]["pos"] == ["activities", 1, "status"]
    assert data["form"]["history"] == [["round"], ["activities", 0, "activity"]]
    assert "review" not in data["form"] and "today" not in data["form"] and "page" not in data["form"]
    assert data["pending"] == {"kind": "confirm", "what": "choice", "updates": {"status": "sebagian"},
                               "text": "Maksud Anda: Berjalan sebagian?", "choices": ["Ya", "Pilih lagi"],
                               "on_no": ["Baik, mohon pilih lagi.", {}]}


def test_registration_is_stored_as_the_steps_taken_so_far():
    assert State(mode="register", reg=Reg()).to_json()["reg"] == {"step": "name"}
    old = {"step": "area_pick", "name": "Siti", "role": "kader", "scope": "81.05", "candidates": ["81.05.08.2010"]}
    assert State.from_json({"mode": "register", "reg": old}).to_json()["reg"] == old


def test_a_sub_question_with_keys_this_code_does_not_know_is_kept_whole():
    data = {"kind": "cancel", "asked_at": "2024-08-15"}
    assert pending_from_json(data) == RawPending(data) and pending_to_json(pending_from_json(data)) == data


# ---------------------------------------------------------------- schema 2 → 3: the day for today()

V2_WITH_TODAY = {**OLD_MID_FORM, "schema": 2, "form": {**OLD_MID_FORM["form"], "answers": {
    **OLD_MID_FORM["form"]["answers"], "$today": "2024-08-15"}}}


def test_a_schema_2_session_keeps_the_day_beside_the_answers_not_inside():
    state = State.from_json(V2_WITH_TODAY)
    assert state.form is not None and state.form.today == "2024-08-15"
    assert "$today" not in state.form.answers and state.form.answers["place"] == "Balai desa"
    data = state.to_json()
    assert data["schema"] == SCHEMA == 3 and data["form"]["today"] == "2024-08-15"
    assert "$today" not in data["form"]["answers"]
    assert migrate(dict(V2_WITH_TODAY))["form"]["today"] == "2024-08-15"


def test_a_schema_2_draft_kept_aside_is_migrated_too():
    data = {"schema": 2, "mode": "menu", "draft": {**V2_WITH_TODAY["form"]}}
    state = State.from_json(data)
    assert state.draft is not None and state.draft.today == "2024-08-15" and "$today" not in state.draft.answers


def test_today_reaches_the_expressions_from_beside_the_answers(forms):
    form = forms[("pertemuan", max(v for f, v in forms if f == "pertemuan"))]
    assert item_values(form, {"place": "Balai"}, Pos("place"), "2024-08-15")["$today"] == "2024-08-15"
    assert "$today" not in item_values(form, {"place": "Balai"}, Pos("place"))


def test_a_schema_2_session_resumes_and_is_written_as_schema_3(kader):
    kader.session = json.loads(json.dumps(V2_WITH_TODAY))
    out = kader.say("L 79 P 38")
    assert "Dari 117 peserta" in out
    assert kader.session["schema"] == 3 and "$today" not in kader.session["form"]["answers"]
    assert kader.session["form"]["answers"]["men"] == 79


def test_a_form_with_today_keeps_the_day_beside_the_answers(tmp_path):
    from tests import xlsforms as X
    from tests.test_xlsform import _chat_with, _import

    chat = _chat_with(_import(tmp_path, X.HOUSEHOLD_SURVEY, X.HOUSEHOLD_CHOICES, X.HOUSEHOLD_SETTINGS).data)
    for text in ("4", "Budi Santoso", "4", "2,5"):
        chat.say(text)
    assert "tidak boleh setelah hari ini" in chat.say("16 Agustus 2024")      # today() still reaches the rule
    form = chat.session["form"]
    assert form["today"] == "2024-08-15" and not any(k.startswith("$") for k in form["answers"])

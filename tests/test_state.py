"""The typed session state: JSON round trip, schema version, and sessions saved before issue 11 still resume."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.sides import RawSide
from flows.state import SCHEMA, Draft, Pos, State, migrate

# as the code before issue 11 saved them (no "schema" key)
OLD_MID_FORM = {"lang": "id", "updated": "2024-08-15T02:00:00+00:00", "mode": "form", "form": {
    "id": "pertemuan", "version": 1, "area": "81.05.08.2010", "answers": {"kind": "musdes", "date": "2024-08-14",
                                                                          "place": "Balai desa"},
    "pos": ["men"], "history": [["kind"], ["date"], ["place"]], "edit_of": None,
    "started": "2024-08-15T02:00:00+00:00", "auto": [], "suggest": {}}}
OLD_OLD_DATE = {**OLD_MID_FORM, "form": {**OLD_MID_FORM["form"], "answers": {"kind": "musdes"}, "pos": ["date"],
                                         "history": [["kind"]]},
                "pending": {"kind": "old_date", "value": "2022-08-06"}}
OLD_PICK = {**OLD_MID_FORM, "form": {**OLD_MID_FORM["form"], "pos": ["$confirm"], "review": False},
            "pending": {"kind": "pick_question", "names": ["kind", "date", "place"]}}
OLD_MONITORING_V1 = {"lang": "id", "updated": "2024-08-15T02:00:00+00:00", "mode": "form", "form": {
    "id": "pemantauan", "version": 1, "area": "81.05.08.2010", "answers": {"round": "Juli 2024", "activities": [
        {"activity": "Kebun sayur", "sector": "pertanian"}]}, "pos": ["activities", 0, "status"],
    "history": [["activities", 0, "activity"], ["activities", 0, "sector"]], "edit_of": None,
    "started": "2024-08-15T02:00:00+00:00", "auto": [], "suggest": {"activities": []}}}


@pytest.mark.parametrize("old", [OLD_MID_FORM, OLD_OLD_DATE, OLD_PICK, OLD_MONITORING_V1, {}])
def test_round_trip_keeps_everything_and_stamps_the_schema(old):
    data = State.from_json(old).to_json()
    assert data == {**old, "schema": SCHEMA}
    assert State.from_json(data).to_json() == data


def test_unknown_keys_and_the_side_slot_survive():
    data = {**OLD_MID_FORM, "approval": {"step": 2}, "side": {"followup": {"asked": 1}},
            "form": {**OLD_MID_FORM["form"], "newer_field": [1]}}
    state = State.from_json(data)
    assert state.side == RawSide({"followup": {"asked": 1}}) and isinstance(state.form, Draft) and state.form.pos == Pos("men")
    assert state.to_json() == {**data, "schema": SCHEMA}


def test_a_newer_schema_is_refused_not_misread():
    with pytest.raises(ValueError, match="newer"):
        migrate({"schema": SCHEMA + 1})


def test_an_old_session_in_the_middle_of_a_form_resumes(kader):
    kader.session = dict(OLD_MID_FORM)
    out = kader.say("L 79 P 38")
    assert "Dari 117 peserta" in out and kader.session["schema"] == SCHEMA


def test_an_old_pending_old_date_resumes(kader):
    kader.session = dict(OLD_OLD_DATE)
    assert "Di mana" in kader.say("ya")
    assert kader.session["form"]["answers"]["date"] == "2022-08-06"


def test_an_old_pick_question_resumes(kader):
    kader.session = dict(OLD_PICK)
    assert "Di mana tempatnya?" in kader.say("3")


def test_an_old_draft_of_a_form_version_since_replaced_resumes_on_its_version(kader):
    kader.session = dict(OLD_MONITORING_V1)
    kader.say("belum berjalan")
    assert kader.session["form"]["version"] == 1
    assert kader.session["form"]["answers"]["activities"][0]["status"] == "belum"


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                    max_leaves=10)
DRAFTS = st.fixed_dictionaries({"id": st.sampled_from(["pertemuan", "cerita"]), "version": st.integers(1, 3),
                                "area": st.text(max_size=13)},
                               optional={"answers": st.dictionaries(st.text(max_size=6), JSON, max_size=4),
                                         "pos": st.none() | st.tuples(st.text(max_size=6)).map(list)
                                         | st.tuples(st.text(max_size=6), st.integers(0, 3), st.text(max_size=6)).map(list),
                                         "review": st.booleans(), "other": JSON})
STATES = st.fixed_dictionaries({}, optional={"mode": st.sampled_from(["menu", "form", "register"]),
                                             "lang": st.sampled_from(["id", "en"]), "form": DRAFTS,
                                             "draft": DRAFTS, "pending": st.dictionaries(st.text(max_size=6), JSON),
                                             "side": st.dictionaries(st.text(max_size=6), JSON),
                                             "someone_elses": JSON})


@settings(max_examples=300, deadline=None)
@given(STATES)
def test_any_stored_state_round_trips(data):
    once = State.from_json(data).to_json()
    assert State.from_json(once).to_json() == once                    # stable
    for key, value in data.items():                                   # nothing given is lost or changed
        if key in ("form", "draft"):
            assert {k: once[key][k] for k in value} == value
        elif value is not None or key not in {"mode", "lang", "pending", "side"}:
            assert once[key] == value

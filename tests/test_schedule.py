"""The pure reminder planner: which reminders are due at a given moment, per zone, never at night."""
from datetime import datetime

import pytest

from flows.dates import WIB, WIT, WITA
from flows.schedule import Person, due_reminders, due_summaries
from flows.types import RoundView

RND = RoundView("Juli 2024", "2024-07-01", "2024-07-31")
MALUKU, SULSEL, JABAR = "81.05.08.2010", "73.71.01.1001", "32.01.01.2001"
NAMES = {MALUKU: "Desa Kilmury", SULSEL: "Kel. X", JABAR: "Desa Y", "81.05.08": "Kilmury"}


def kinds(now, desa=MALUKU, schedule=None):
    missing = {desa: [Person(1, "Siti", desa)]}
    return [d.key.split("|")[1] for d in due_reminders(RND, now, missing, {"81.05.08": [Person(9, "Fasil", "81.05.08")]},
                                                       NAMES, schedule)]


@pytest.mark.parametrize("when,expected", [
    (datetime(2024, 7, 28, 8, 0, tzinfo=WIT), ["before3"]),
    (datetime(2024, 7, 28, 7, 59, tzinfo=WIT), []),            # before the send hour
    (datetime(2024, 7, 28, 19, 59, tzinfo=WIT), ["before3"]),  # still that day, before quiet hours
    (datetime(2024, 7, 28, 20, 0, tzinfo=WIT), []),            # quiet hours: not sent late at night
    (datetime(2024, 7, 31, 9, 0, tzinfo=WIT), ["due"]),
    (datetime(2024, 8, 1, 10, 0, tzinfo=WIT), ["after1"]),
    (datetime(2024, 8, 2, 8, 0, tzinfo=WIT), ["escalate"]),
    (datetime(2024, 7, 20, 8, 0, tzinfo=WIT), []),
])
def test_default_schedule(when, expected):
    assert kinds(when) == expected


def test_times_are_local_to_each_desa():
    at = datetime(2024, 7, 28, 8, 0, tzinfo=WIT)            # 08:00 in Maluku is 07:00 WITA and 06:00 WIB
    assert kinds(at, MALUKU) == ["before3"] and kinds(at, SULSEL) == [] and kinds(at, JABAR) == []
    assert kinds(datetime(2024, 7, 28, 8, 0, tzinfo=WITA), SULSEL) == ["before3"]
    assert kinds(datetime(2024, 7, 28, 8, 0, tzinfo=WIB), JABAR) == ["before3"]


def test_a_round_can_override_its_schedule():
    schedule = {"before_days": [5, 2], "on_due": False, "after_days": [], "hour": 9}
    assert kinds(datetime(2024, 7, 26, 9, 0, tzinfo=WIT), schedule=schedule) == ["before5"]
    assert kinds(datetime(2024, 7, 26, 8, 0, tzinfo=WIT), schedule=schedule) == []
    assert kinds(datetime(2024, 7, 31, 9, 0, tzinfo=WIT), schedule=schedule) == []


def test_escalation_lists_the_missing_desa_of_the_kecamatan():
    missing = {MALUKU: [Person(1, "Siti", MALUKU)], "81.05.08.2011": []}
    [esc] = due_reminders(RND, datetime(2024, 8, 2, 8, tzinfo=WIT), missing,
                          {"81.05.08": [Person(9, "Fasil", "81.05.08")]}, {**NAMES, "81.05.08.2011": "Desa Z"})
    assert esc.contact_id == 9 and esc.params["missing"] == ["Desa Kilmury", "Desa Z"]


def test_weekly_and_closing_summaries():
    koord = [Person(5, "Koord", "81.05")]
    assert [d.kind for d in due_summaries(RND, datetime(2024, 7, 29, 8, tzinfo=WIT), koord)] == ["weekly"]
    assert [d.kind for d in due_summaries(RND, datetime(2024, 7, 30, 8, tzinfo=WIT), koord)] == []
    assert [d.kind for d in due_summaries(RND, datetime(2024, 8, 1, 8, tzinfo=WIT), koord)] == ["closed"]

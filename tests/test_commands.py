"""The command table: a new command is one entry, and answers that look like commands stay answers."""
import pytest

from flows import commands as C
from flows.types import Reply, Step


@pytest.fixture
def peta():
    def handler(session, inbound, ctx, t, lang):
        return Step(session, [Reply("Peta: https://contoh")])
    C.register(C.Command("map", ("peta", "map"), handler=handler))
    yield
    del C.TABLE["map"]
    for word in ("peta", "map"):
        C.WORDS.pop(word)


def test_a_registered_command_works_at_the_menu_and_inside_a_form(kader, peta):
    assert "Peta" in kader.say("peta")
    kader.say("menu"), kader.say("1"), kader.say("1")
    assert "Peta" in kader.say("/peta")
    assert kader.session["form"]["pos"] == ["date"]        # the draft is where it was


def test_request_words_are_answers_while_a_question_is_open(kader):
    assert C.command_of("belum") == "missing"
    assert C.command_of("belum", answering=True) is None
    kader.say("menu"), kader.say("2"), kader.say("Kebun sayur"), kader.say("pertanian")
    kader.say("belum")
    assert kader.session["form"]["answers"]["activities"][0]["status"] == "belum"


@pytest.mark.parametrize("typed", ["belum lapor", "Belum melapor", "yang belum lapor", "siapa yang belum lapor?"])
def test_a_coordinator_asks_who_has_not_reported_in_their_own_words(typed):
    assert C.command_of(typed) == "missing"              # was "Pilihan itu belum dikenali"
    assert C.command_of(typed, answering=True) is None   # an answer while a question is open


@pytest.mark.parametrize("text, command", [
    ("menu dulu", "menu"), ("Menu dulu pak!", "menu"), ("bantuan dong", "help"), ("batal aja", "cancel"),
    ("kembali dulu", "back"), ("ubah dulu ya", "edit"), ("menu sa", "menu"),      # Ambonese "sa": saja
    ("menu makan", None), ("bantuan bibit belum datang", None), ("ubah, tadi salah tanggal", None),
    ("belum pak", None)])                       # an answer, never the coordinators' "who has not reported"
def test_a_command_with_polite_words_after_it_is_that_command(text, command):
    """A field trial's "menu dulu" at "Di mana tempatnya?" was kept as the meeting's place."""
    assert C.command_of(text, answering=True) == command

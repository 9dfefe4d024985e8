"""Issue 11: the parser classes of real chat Indonesian, table-driven, and every parser linear-time."""
import time
from datetime import date, datetime

import pytest

from flows import Problem, parse_choice, parse_choices, parse_date, parse_men_women, parse_number, parse_yes_no
from flows.answers import Guess, match_choice
from flows.dates import WIB, read_date
from flows.numbers import words_to_int

NOW = datetime(2024, 8, 15, 10, 0, tzinfo=WIB)  # a Thursday


# ---------------------------------------------------------------- counts

@pytest.mark.parametrize("text,expected", [
    # none-words are zero at a count question
    ("tidak ada", 0), ("tdk ada", 0), ("ga ada", 0), ("nihil", 0), ("belum ada", 0), ("kosong", 0), ("Nihil.", 0),
    # a count with its noun
    ("37 perempuan", 37), ("20 laki2", 20), ("38 ibu-ibu", 38), ("sdh 20 org", 20), ("12 pemuda", 12),
    ("ada 5 orang", 5), ("5 org hadir", 5),
    # number words written together, or with ribu
    ("duapuluh", 20), ("dua puluh lima", 25), ("tigapuluh lima", 35), ("seratusduapuluh", 120),
    ("2 ribu", 2000), ("2rb", 2000), ("1,5 ribu", 1500), ("dua ribu", 2000), ("sebelas ribu", 11000),
    # approximate forms: the number
    ("± 20", 20), ("sekitar 20", 20), ("kurang lebih 20", 20), ("kira2 20", 20), ("+- 20", 20), ("~20", 20),
])
def test_counts_of_real_chat(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", ["lima belas belas", "dua tiga", "duadua", "ribu", "banyak sekali", "1.5 orang",
                                  "-3 orang", "tigapuluhx"])
def test_counts_that_are_not_one_number_are_refused(text):
    assert isinstance(parse_number(text), Problem)


# ---------------------------------------------------------------- dates

@pytest.mark.parametrize("text,expected", [
    ("2024-08-10", date(2024, 8, 10)), ("12 8 2024", date(2024, 8, 12)), ("tadi pagi", date(2024, 8, 15)),
    ("tadi siang", date(2024, 8, 15)), ("kemarin sore", date(2024, 8, 14)), ("senen kemarin", date(2024, 8, 12)),
    ("enam agustus", date(2024, 8, 6)), ("tujuh belas juli", date(2024, 7, 17)),
    ("enam agustus dua ribu dua puluh empat", date(2024, 8, 6)), ("kemarin jam 9", date(2024, 8, 14)),
    ("10/8/2024 pukul 09.00", date(2024, 8, 10)), ("6 agustus jam 10 pagi", date(2024, 8, 6)),
    ("kemarim", date(2024, 8, 14)), ("kmren", date(2024, 8, 14)), ("kemrin", date(2024, 8, 14)),
    ("kemaren", date(2024, 8, 14)),
    # English mode: what the English help promises
    ("6 August", date(2024, 8, 6)), ("August 6", date(2024, 8, 6)), ("yesterday", date(2024, 8, 14)),
    ("last Thursday", date(2024, 8, 8)), ("today", date(2024, 8, 15)), ("10 August 2024", date(2024, 8, 10)),
])
def test_dates_of_real_chat(text, expected):
    read = read_date(text, NOW)
    assert not isinstance(read, Problem) and read.value == expected and read.guess is None


@pytest.mark.parametrize("text,expected,guess", [
    ("20 agustus", date(2023, 8, 20), "year_back"), ("tgl 20/8", date(2023, 8, 20), "year_back"),
    ("17 agustus", date(2023, 8, 17), "year_back"), ("20 August", date(2023, 8, 20), "year_back"),
    ("1", date(2024, 8, 1), "day_only"), ("tanggal 5 kemarin", date(2024, 8, 5), "day_only"),
    ("20", date(2024, 7, 20), "day_only"), ("minggu kemarin", date(2024, 8, 11), "weekday"),
])
def test_dates_read_with_an_assumption_say_so(text, expected, guess):
    read = read_date(text, NOW)
    assert read.value == expected and read.guess == guess
    assert parse_date(text, NOW) == expected


# ---------------------------------------------------------------- yes / no

@pytest.mark.parametrize("text,expected", [
    *[(w, True) for w in ["nggih", "inggih", "iyo", "ya, benar", "ya betul", "betul sekali", "Iya bu", "yoi",
                          "sudah benar", "1"]],
    *[(w, False) for w in ["salah", "tidak, salah", "bukan", "mboten", "ora", "tidak ada", "2", "belum",
                           "gak"]],
])
def test_yes_no_regional_and_polite(text, expected):
    assert parse_yes_no(text) is expected


@pytest.mark.parametrize("text", ["ya tidak", "iya enggak", "benar salah", "mungkin", "terserah"])
def test_yes_no_contradictory_or_unclear_is_asked_again(text):
    assert isinstance(parse_yes_no(text), Problem)


# ---------------------------------------------------------------- men / women

@pytest.mark.parametrize("text,expected", [
    ("79 L / 38 P", (79, 38)), ("laki-laki 79 orang perempuan 38 orang", (79, 38)),
    ("79 orang laki-laki dan 38 orang perempuan", (79, 38)), ("L tujuh puluh sembilan P tiga puluh delapan", (79, 38)),
    ("lakilaki 5 perempuan 6", (5, 6)), ("laki laki 5 perempuan 6", (5, 6)), ("bapak2 10 ibu2 12", (10, 12)),
    ("Pria: 3, Wanita: 4", (3, 4)), ("L=7 P=8", (7, 8)), ("perempuan 8 laki 7", (7, 8)),
])
def test_men_women_forms(text, expected):
    assert parse_men_women(text) == expected


def test_men_women_each_part_has_its_limits():
    result = parse_men_women("L 5 P 99999", ((0, 20000), (0, 20000)))
    assert isinstance(result, Problem) and "20000" in result.render(lambda s: s)
    assert isinstance(parse_men_women("L -5 P 3"), Problem)


# ---------------------------------------------------------------- choices

STATUS = [("berjalan", ["Berjalan", "Running"]), ("sebagian", ["Berjalan sebagian", "Partly running"]),
          ("belum", ["Belum berjalan", "Not started"]), ("berhenti", ["Berhenti", "Stopped"])]


@pytest.mark.parametrize("text,expected", [
    ("blm jalan", "belum"), ("belum jalan", "belum"), ("blm berjalan", "belum"), ("sebagian", "sebagian"),
    ("jalan sebagian", "sebagian"), ("sbgn", "sebagian"), ("berhenti", "berhenti"), ("henti", "berhenti"),
    ("3", "belum"), ("Running", "berjalan"), ("stopped", "berhenti"),
])
def test_choices_negated_and_abbreviated(text, expected):
    assert match_choice(text, STATUS) == expected


@pytest.mark.parametrize("text,guess", [("jalan", "berjalan"), ("berjalann", "berjalan"), ("berhentii", "berhenti")])
def test_choices_read_approximately_are_guesses(text, guess):
    picked = match_choice(text, STATUS)
    assert isinstance(picked, Guess) and picked.value == guess
    assert isinstance(parse_choice(text, STATUS, guess=False), Problem)


def test_a_word_fitting_several_options_lists_them():
    result = match_choice("ber", STATUS)
    assert isinstance(result, Problem) and "Berjalan" in result.params["names"]


# ---------------------------------------------------------------- linear time

def _alphabet_inputs():
    """4,096-character inputs built from each parser's own alphabet: the shapes that make regular
    expressions backtrack (a marker repeated, a number word repeated, separators without digits)."""
    units = ["p ", "laki ", "l", "L 1 ", "1", "1.", "1,", "9 ", "-", "dua ", "puluh", "duapuluh", "ribu ", "belas ",
             "agustus ", "20 ", "20/", "tgl ", "kemarin ", "kamis ", "lalu ", "ya ", "tidak ", "ya tidak ", "a",
             "jalan ", "blm ", "berjalan sebagian ", "orang ", "± ", "  ", "ibu-ibu ", "laki-laki ", "2", "x1"]
    return [(u * (4096 // len(u) + 1))[:4096] for u in units]


PARSERS = {
    "number": lambda s: parse_number(s),
    "words": lambda s: words_to_int(s),
    "men_women": lambda s: parse_men_women(s),
    "date": lambda s: read_date(s, NOW),
    "yes_no": lambda s: parse_yes_no(s),
    "choice": lambda s: match_choice(s, STATUS),
    "choices": lambda s: parse_choices(s, STATUS),
}


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_every_parser_is_linear_on_4096_adversarial_characters(name):
    parse = PARSERS[name]
    for text in _alphabet_inputs():
        start = time.perf_counter()
        parse(text)
        took = time.perf_counter() - start
        assert took < 0.1, f"{name} took {took * 1000:.0f} ms on {text[:12]!r}×"


@pytest.mark.parametrize("text", ["p " * 2048, "laki " * 2000, "L 1 " * 1024, "1," * 2048])
def test_the_men_question_answers_adversarial_input_at_once(kader, text):
    kader.say("menu"), kader.say("1"), kader.say("1"), kader.say("kemarin"), kader.say("Balai desa")
    start = time.perf_counter()
    out = kader.say(text)
    assert time.perf_counter() - start < 0.1 and "Berapa peserta laki-laki?" in out

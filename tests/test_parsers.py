"""Table-driven tests of the answer parsers: what a cadre types → what is stored or why not."""
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from num2words import num2words

from flows import Problem, parse_choice, parse_choices, parse_date, parse_men_women, parse_number, parse_yes_no
from flows.dates import WIB, WIT, WITA, check_meeting_date, zone_for_area
from flows.numbers import words_to_int

NOW = datetime(2024, 8, 15, 10, 0, tzinfo=WIB)  # a Thursday


@pytest.mark.parametrize("text,expected", [
    ("79", 79), ("79 orang", 79), ("79 org", 79), ("79org", 79), ("± 40", 40), ("+- 40", 40),
    ("sekitar 40", 40), ("40an", 40), ("1.250", 1250), ("0", 0), ("gak ada", 0),
    ("tujuh puluh sembilan", 79), ("sebelas", 11), ("seratus dua puluh enam", 126),
    ("seribu lima ratus", 1500), ("Tujuh Puluh Sembilan orang", 79), ("jumlahnya 12", 12),
])
def test_parse_number_accepts(text, expected):
    if expected is None:
        assert isinstance(parse_number(text), Problem)
    else:
        assert parse_number(text) == expected


@pytest.mark.parametrize("text,fragment", [
    ("-5", "kurang dari nol"), ("1,5", "bilangan bulat"), ("2.5", "bilangan bulat"),
    ("1e9", "angka biasa"), ("999999999", "terlalu besar"), ("abc", "dengan angka"), ("", "dengan angka"),
    ("dua tiga", "dengan angka"), ("setengah", "bilangan bulat"), ("9" * 40, "terlalu besar"),
])
def test_parse_number_refuses_with_reason(text, fragment):
    result = parse_number(text)
    assert isinstance(result, Problem)
    assert fragment in result.render(lambda s: s)


@settings(max_examples=3000, deadline=None)
@given(st.integers(min_value=0, max_value=1_000_000))
def test_number_words_round_trip_with_num2words(n):
    assert words_to_int(num2words(n, lang="id")) == n


@pytest.mark.parametrize("text", ["puluh", "ratus dua", "dua tiga", "sebelas dua", "seribu seribu", "lima belas belas"])
def test_malformed_number_words_are_refused(text):
    assert words_to_int(text) is None


@pytest.mark.parametrize("text,expected", [
    ("10/8/2024", date(2024, 8, 10)), ("10-08-24", date(2024, 8, 10)), ("6 Agustus", date(2024, 8, 6)),
    ("6 Agst 2024", date(2024, 8, 6)), ("6 agu 2024", date(2024, 8, 6)), ("kemarin", date(2024, 8, 14)),
    ("hari ini", date(2024, 8, 15)), ("3 hari lalu", date(2024, 8, 12)), ("Kamis lalu", date(2024, 8, 8)),
    ("hari Kamis", date(2024, 8, 15)), ("Senin", date(2024, 8, 12)), ("hari Minggu", date(2024, 8, 11)),
    ("12 Desember", date(2023, 12, 12)), ("tgl 5 juli", date(2024, 7, 5)), ("5 Juli 2023", date(2023, 7, 5)),
])
def test_parse_date(text, expected):
    assert parse_date(text, NOW) == expected


@pytest.mark.parametrize("text,fragment", [
    ("31/2/2025", "tidak ada di kalender"), ("minggu lalu", "Hari apa"), ("xyz", "belum bisa dibaca"),
    ("", "tulis tanggalnya"),
])
def test_parse_date_refuses(text, fragment):
    result = parse_date(text, NOW)
    assert isinstance(result, Problem) and fragment in result.msgid


def test_future_meeting_date_is_refused():
    assert check_meeting_date(date(2024, 8, 16), NOW) is not None
    assert check_meeting_date(date(2024, 8, 15), NOW) is None


def test_relative_dates_follow_the_area_zone():
    # 23:30 UTC on 14 Aug is already 15 Aug in Maluku (WIT) but still 15 Aug 06:30 WIB too;
    # at 16:30 UTC it is 14 Aug 23:30 WIB and 15 Aug 01:30 WIT.
    utc = datetime(2024, 8, 14, 16, 30, tzinfo=WIB).astimezone(WIB).replace(hour=23, minute=30)
    assert parse_date("hari ini", utc.astimezone(WIB)) == date(2024, 8, 14)
    assert parse_date("hari ini", utc.astimezone(WIT)) == date(2024, 8, 15)
    assert zone_for_area("81.01.01.2001") is WIT
    assert zone_for_area("73.71") is WITA
    assert zone_for_area("32.76") is WIB


MEETING_KINDS = [("musdes", ["Musyawarah desa"]), ("kelompok", ["Pertemuan kelompok / kelas belajar"]),
                 ("kecamatan", ["Koordinasi kecamatan"]), ("kabupaten", ["Rapat kabupaten"]),
                 ("pelatihan", ["Pelatihan"]), ("lainnya", ["Lainnya"])]


@pytest.mark.parametrize("text,expected", [
    ("1", "musdes"), ("musyawarah", "musdes"), ("MUSYAWARAH DESA", "musdes"), ("musyawarh desa", "musdes"),
    ("pelatih", "pelatihan"), ("Pelatihan", "pelatihan"), ("kelas", "kelompok"), ("6", "lainnya"),
    ("no 3", "kecamatan"),
])
def test_parse_choice(text, expected):
    assert parse_choice(text, MEETING_KINDS) == expected


@pytest.mark.parametrize("text", ["9", "0", "zzz", ""])
def test_parse_choice_refuses(text):
    assert isinstance(parse_choice(text, MEETING_KINDS), Problem)


def test_parse_choices_several():
    assert parse_choices("1, 3", MEETING_KINDS) == ["musdes", "kecamatan"]
    assert parse_choices("1 3", MEETING_KINDS) == ["musdes", "kecamatan"]
    assert isinstance(parse_choices("1, 9", MEETING_KINDS), Problem)


@pytest.mark.parametrize("text,expected", [
    *[(w, True) for w in ["ya", "iya", "y", "ok", "betul", "benar", "sudah", "sdh", "Ya.", "OK"]],
    *[(w, False) for w in ["tidak", "tdk", "gak", "nggak", "enggak", "ndak", "belum", "blm", "Tidak!"]],
])
def test_parse_yes_no(text, expected):
    assert parse_yes_no(text) is expected


def test_parse_yes_no_refuses_other_words():
    assert isinstance(parse_yes_no("mungkin"), Problem)


@pytest.mark.parametrize("text,expected", [
    ("L 79 P 38", (79, 38)), ("l79 p38", (79, 38)), ("laki2 79 perempuan 38", (79, 38)),
    ("79 laki-laki, 38 perempuan", (79, 38)), ("P 38 L 79", (79, 38)), ("pria 79 wanita 38", (79, 38)),
    ("79 L 38 P", (79, 38)), ("lk: 79, pr: 38", (79, 38)),
    ("tujuh puluh sembilan laki-laki dan tiga puluh delapan perempuan", (79, 38)),
    ("79", None), ("kemarin", None),
])
def test_parse_men_women(text, expected):
    assert parse_men_women(text) == expected


def test_parse_men_women_reports_a_bad_number():
    assert isinstance(parse_men_women("L 1,5 P 38"), Problem)


SUPPORT_FROM = [("desa", ["Pemerintah desa"]), ("kecamatan", ["Kecamatan"]), ("kabupaten", ["Kabupaten"]),
                ("mitra", ["Mitra program"]), ("tidak_perlu", ["Tidak perlu dukungan"])]


@pytest.mark.parametrize("typed", ["tidak ada", "nihil", "kosong", "tdk ada", "gak ada"])
def test_none_at_a_list_with_one_none_option_is_that_option(typed):
    """"Dukungan dibutuhkan dari siapa?" — "tidak ada" ("seng ada", "sonde ada" once read) was refused."""
    assert parse_choices(typed, SUPPORT_FROM) == ["tidak_perlu"]


def test_none_is_refused_where_no_option_or_several_mean_none():
    assert isinstance(parse_choices("tidak ada", SUPPORT_FROM[:4]), Problem)
    two = SUPPORT_FROM + [("tanpa", ["Tanpa bantuan"])]
    assert isinstance(parse_choices("tidak ada", two), Problem)
    assert isinstance(parse_choices("tidak ada", [("tahu", ["Tidak tahu"]), ("ya", ["Ya"])]), Problem)

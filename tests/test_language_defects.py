"""Issue 23: answers that were stored wrong without a word, now read right or asked about."""
from datetime import date, datetime

import pytest

from flows import Problem, parse_date, parse_number
from flows.answers import Guess, match_choice
from flows.dates import WIT, read_date

MORNING = datetime(2026, 12, 4, 9, 0, tzinfo=WIT)    # a Friday
EVENING = MORNING.replace(hour=20)


# ---------------------------------------------------------------- dates

@pytest.mark.parametrize("text,expected", [
    ("tgl 5 bln 9", date(2026, 9, 5)), ("tgl. 5 bln. 9", date(2026, 9, 5)), ("tanggal 5 bulan 9", date(2026, 9, 5)),
    ("tgl 5 bln 9 thn 2025", date(2025, 9, 5)), ("tanggal lima bulan agustus", date(2026, 8, 5)),
    ("5 bln 11", date(2026, 11, 5)),
])
def test_abbreviated_tanggal_and_bulan_are_day_and_month_not_an_offset(text, expected):
    assert parse_date(text, MORNING) == expected


def test_five_months_ago_is_still_refused_as_not_a_date():
    assert isinstance(parse_date("5 bln lalu", MORNING), Problem)


@pytest.mark.parametrize("text", ["semalam", "kemarin malam", "kmrn malam", "smlm", "malam kemarin"])
@pytest.mark.parametrize("now", [MORNING, EVENING])
def test_last_night_is_yesterday_whatever_the_hour(text, now):
    assert parse_date(text, now) == date(2026, 12, 3)


def test_tadi_malam_is_yesterday_in_the_morning_and_today_in_the_evening():
    assert parse_date("tadi malam", MORNING) == date(2026, 12, 3)
    assert parse_date("tadi malam", EVENING) == date(2026, 12, 4)
    assert read_date("tadi pagi", MORNING).value == date(2026, 12, 4)


# ---------------------------------------------------------------- counts

@pytest.mark.parametrize("text,fragment", [
    ("dua ratus lebih", "bukan jumlah yang pasti"), ("200 lebih", "bukan jumlah yang pasti"),
    ("lebih dari 200", "bukan jumlah yang pasti"), ("lbh dr 50", "bukan jumlah yang pasti"),
    ("hampir 40", "bukan jumlah yang pasti"), ("kurang dari 10", "bukan jumlah yang pasti"),
    ("50+", "bukan jumlah yang pasti"), ("di atas 30 orang", "bukan jumlah yang pasti"),
    ("30-40", "rentang"), ("30 sampai 40", "rentang"), ("30 s/d 40 org", "rentang"), ("antara 30 dan 40", "rentang"),
    ("30 atau 40", "rentang"), ("tiga puluh sampai empat puluh", "rentang"),
    ("sepuluh lima", "(10, 5)"), ("10 5", "(10, 5)"), ("dua tiga", "(2, 3)"), ("10 5 empat", "(10, 5, 4)"),
    ("2,5", "bilangan bulat"), ("setengah", "bilangan bulat"), ("-4", "kurang dari nol"),
])
def test_counts_that_are_not_one_exact_number_are_refused_saying_why(text, fragment):
    result = parse_number(text)
    assert isinstance(result, Problem), (text, result)
    assert fragment in result.render(lambda s: s)


@pytest.mark.parametrize("text,expected", [
    ("kurang lebih 40", 40), ("krg lbh 40", 40), ("sekitar 40", 40), ("1.250", 1250), ("sepuluh", 10),
    ("sepuluh ribu", 10000), ("dua puluh lima", 25), ("seratus sepuluh", 110),
])
def test_exact_and_about_counts_are_still_read(text, expected):
    assert parse_number(text) == expected


# ---------------------------------------------------------------- choices

CONSENT = [("nama", ["Ya, boleh disebut namanya", "nama"]), ("anonim", ["Tidak, tanpa nama (anonim)", "anonim"])]


@pytest.mark.parametrize("text", ["tdk usah sebut nama", "tidak boleh disebut namanya", "jgn disebut namanya",
                                  "jangan pakai nama", "ya tanpa nama"])
def test_a_negation_before_keywords_is_never_read_as_naming_the_storyteller(text):
    assert match_choice(text, CONSENT) == Guess("anonim", "Tidak, tanpa nama (anonim)")


@pytest.mark.parametrize("text,expected", [("tanpa nama", "anonim"), ("tidak", "anonim"), ("boleh disebut", "nama"),
                                           ("ya", "nama"), ("2", "anonim")])
def test_plain_consent_answers_are_still_taken(text, expected):
    assert match_choice(text, CONSENT) == expected


KINDS = [("musdes", ["Musyawarah desa"]), ("kelompok", ["Pertemuan kelompok / kelas belajar"]),
         ("koordinasi_kecamatan", ["Koordinasi kecamatan"]), ("rapat_kabupaten", ["Rapat kabupaten"]),
         ("pelatihan", ["Pelatihan"]), ("lainnya", ["Lainnya"])]


@pytest.mark.parametrize("text", ["rapat", "pertemuan", "Rapat."])
def test_a_word_for_any_meeting_is_shown_back_not_taken(text):
    assert isinstance(match_choice(text, KINDS), Guess)


@pytest.mark.parametrize("text,expected", [("rapat kabupaten", "rapat_kabupaten"), ("musdes", "musdes"),
                                           ("pertemuan kelompok", "kelompok")])
def test_a_meeting_named_fully_is_taken(text, expected):
    assert match_choice(text, KINDS) == expected


# ---------------------------------------------------------------- in a conversation

def _to_place(chat):
    chat.say("menu"), chat.say("1"), chat.say("1")
    return chat.say("kemarin")


def test_rapat_at_the_kind_question_is_asked_about(kader):
    kader.say("menu"), kader.say("1")
    out = kader.say("rapat")
    assert "Maksud Anda: Rapat kabupaten?" in out
    out = kader.say("tidak")
    assert "mohon pilih lagi" in out and "1. Musyawarah desa" in out


def test_sepuluh_lima_at_the_men_question_is_not_fifteen_men(kader):
    _to_place(kader)
    kader.say("Balai desa")
    out = kader.say("sepuluh lima")
    assert "laki-laki 10 dan perempuan 5" in out and "L 10 P 5" in out
    assert "Berapa peserta laki-laki?" in out


def test_sama_with_nothing_to_repeat_asks_for_the_answer(kader):
    assert "Di mana tempatnya?" in _to_place(kader)
    out = kader.say("sama")
    assert "Belum ada jawaban sebelumnya" in out and "Di mana tempatnya?" in out
    assert "Berapa peserta laki-laki?" in kader.say("Balai desa")


@pytest.mark.parametrize("word", ["Halo", "tes", "halo"])
def test_a_place_called_like_a_greeting_is_shown_back_and_kept_on_yes(kader, word):
    _to_place(kader)
    out = kader.say(word)
    assert f"Apakah \"{word}\" jawaban Anda untuk pertanyaan ini?" in out
    assert "Berapa peserta laki-laki?" in kader.say("ya")
    kader.say("L 79 P 38"), kader.say("20"), kader.say("2"), kader.say("lewati"), kader.say("lewati")
    kader.say("kirim")
    assert kader.reports[-1].answers["place"] == word


@pytest.mark.parametrize("filler", ["sebentar ya", "siap", "ok", "terima kasih"])
def test_a_filler_at_a_free_text_question_is_not_stored_silently(kader, filler):
    _to_place(kader)
    out = kader.say(filler)
    assert f"Apakah \"{filler}\" jawaban Anda untuk pertanyaan ini?" in out
    out = kader.say("tidak")
    assert "jawaban itu tidak disimpan" in out and "Di mana tempatnya?" in out
    assert "Berapa peserta laki-laki?" in kader.say("Balai desa")


def test_a_filler_at_the_optional_note_is_asked_about_too(kader):
    _to_place(kader)
    for text in ("Balai desa", "L 79 P 38", "20", "2", "lewati"):
        kader.say(text)
    out = kader.say("ok")
    assert "Apakah \"ok\" jawaban Anda" in out
    kader.say("tidak")
    kader.say("lewati")
    kader.say("kirim")
    assert "note" not in kader.reports[-1].answers or kader.reports[-1].answers["note"] is None


def test_lewati_at_the_two_part_beneficiaries_question_skips_men_and_women(kader):
    kader.say("menu"), kader.say("2")
    kader.say("Kebun sayur"), kader.say("pertanian"), kader.say("berjalan")
    out = kader.say("5")
    assert "Berapa penerima manfaat laki-laki" in out
    out = kader.say("lewati")
    assert "perempuan" not in out.split("\n")[-1] and "dilewati" in out
    assert "Sudah 1 kegiatan dicatat" in out
    kader.say("selesai"), kader.say("kirim")
    [act] = kader.reports[-1].answers["activities"]
    assert act.get("beneficiaries_men") is None and act.get("beneficiaries_women") is None


def test_story_consent_tdk_usah_sebut_nama_then_ya_keeps_the_name_out(kader):
    kader.say("menu"), kader.say("3"), kader.say("komunitas")
    kader.say("Ibu-ibu sekarang berani bicara."), kader.say("Kelompok tenun"), kader.say("Suara kami didengar.")
    kader.say("Juli 2024")
    out = kader.say("tdk usah sebut nama")
    assert "Maksud Anda: Tidak, tanpa nama (anonim)?" in out
    kader.say("ya")
    kader.say("lewati"), kader.say("kirim")
    assert kader.reports[-1].answers["consent"] == "anonim"


# ---------------------------------------------------------------- dictated answers and weekday + date

THURSDAY = datetime(2024, 8, 15, 10, 0, tzinfo=WIT)


@pytest.mark.parametrize("text,expected", [
    ("jumlahnya ada dua puluh lima orang yang datang tadi", 25), ("yang hadir tadi itu 25 orang pak", 25),
    ("ada 25 orang 👍", 25), ("25 org ya bu", 25), ("oke 25", 25), ("semua ada 30 orang", 30),
])
def test_a_dictated_count_or_one_with_an_emoji_is_read(text, expected):
    assert parse_number(text) == expected


def test_a_dictated_men_and_women_answer_is_read():
    from flows import parse_men_women
    assert parse_men_women("yang datang bapak-bapak 25 orang ibu-ibu 30 orang") == (25, 30)


@pytest.mark.parametrize("text,expected,guess", [
    ("Kamis 8 Agustus", date(2024, 8, 8), None), ("kamis, 8/8/2024", date(2024, 8, 8), None),
    ("hari kamis tanggal 8 agustus", date(2024, 8, 8), None), ("minggu 4 agustus", date(2024, 8, 4), None),
    ("sabtu tgl 3", date(2024, 8, 3), "day_only"), ("tanggal delapan bulan delapan", date(2024, 8, 8), None),
    ("tanggal dua belas bulan dua belas 2023", date(2023, 12, 12), None),
])
def test_weekday_with_date_and_dates_in_words_are_read(text, expected, guess):
    read = read_date(text, THURSDAY)
    assert not isinstance(read, Problem) and read.value == expected and read.guess == guess


@pytest.mark.parametrize("text,fragment", [("rabu 8 agustus 2024", "jatuh pada hari Kamis, bukan Rabu"),
                                           ("jumat tgl 3", "jatuh pada hari Sabtu, bukan Jumat")])
def test_a_weekday_that_does_not_fit_the_date_is_asked_about(text, fragment):
    read = read_date(text, THURSDAY)
    assert isinstance(read, Problem) and fragment in read.render(lambda s: s)


def test_a_long_non_date_is_refused_without_asking_dateparser():
    assert isinstance(read_date("tujuh puluh sembilan", THURSDAY), Problem)


@pytest.mark.parametrize("text,expected,guess", [
    ("kamis", date(2024, 8, 15), "weekday"), ("hari senin", date(2024, 8, 12), "weekday"),
    ("kamis lalu", date(2024, 8, 8), None), ("senin kemarin", date(2024, 8, 12), None),
])
def test_a_bare_weekday_is_shown_back_and_one_with_lalu_is_taken(text, expected, guess):
    read = read_date(text, THURSDAY)
    assert read.value == expected and read.guess == guess

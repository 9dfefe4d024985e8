"""Issue 23: `pantau kata` -- answers the bot could not read are counted (no sender, no phone number), listed
for an area and round, and a coordinator teaches the bot a word for a region."""
from datetime import datetime, timezone

from bot import lexicon_files
from flows import parse_number
from flows.answering import unread_text

from .test_cli_e2e import KADER, chat, run, text


def _to_men(kader):
    kader.say("menu"), kader.say("1"), kader.say("1"), kader.say("kemarin")
    return kader.say("Balai desa")


def test_an_answer_not_understood_is_handed_out_to_be_counted_without_its_phone_number(kader):
    assert "Berapa peserta laki-laki?" in _to_men(kader)
    step = kader.step("Banyak sekali, tanya pak 081234567890")
    assert step.unread == ("pertemuan.men", "81.05.08.2010", "banyak sekali, tanya pak #")


def test_an_answer_understood_but_refused_is_not_counted(kader):
    _to_men(kader)
    assert kader.step("dua ratus lebih").unread is None       # understood: not an exact count
    assert kader.step("L 79 P 38").unread is None


def test_unread_text_is_lowercase_short_and_masks_digit_runs():
    assert unread_text("  SONDE   Ada  ") == "sonde ada"
    assert unread_text("hubungi +62 812-3456-7890 ya") == "hubungi # ya"
    assert len(unread_text("x" * 500)) == 80


def test_a_taught_word_is_read_in_its_province_only(tmp_path):
    when = datetime(2024, 8, 15, tzinfo=timezone.utc)
    lexicon_files.teach("selusin", "dua belas", "81.05", "ani", when)
    lexicons = lexicon_files.lexicons()
    assert parse_number("selusin", lexicon=lexicons.for_area("81.05.08.2010")) == 12
    assert not isinstance(parse_number("selusin", lexicon=lexicons.for_area("53.18.01.2001")), int)
    [row] = lexicon_files.read_taught(lexicon_files.taught_path())
    assert row["who"] == "ani" and row["when"].startswith("2024-08-15") and row["area"] == "81.05"


def test_pantau_kata_lists_unread_answers_and_kata_ajar_teaches_the_next_one(cli_env):
    run(cli_env, "round", "add", "--name", "Juli 2024", "--start", "2024-07-01", "--due", "2024-08-31")
    r = chat(cli_env, KADER, "halo", "Siti Aminah", "1", "Kilmury, Kilmury", "ya", "1", "musyawarah desa",
             "kemarin", "Balai desa", "selusin", "Selusin", "dua ratus lebih")
    assert "Berapa peserta laki-laki?" in text(r[-1])
    out = run(cli_env, "kata", "--wilayah", "Seram Bagian Timur", "--putaran", "Juli 2024").stdout
    assert '2×  "selusin"  (pertemuan.men, provinsi 81)' in out and "lebih" not in out and "0812" not in out
    assert "Belum ada jawaban" in run(cli_env, "kata", "--wilayah", "53").stdout
    out = run(cli_env, "kata", "ajar", "selusin", "--arti", "dua belas", "--wilayah", "Maluku", "--oleh", "ani").stdout
    assert '"selusin" dibaca "dua belas"' in out and "provinsi 81" in out
    r = chat(cli_env, KADER, "selusin")
    assert "Berapa peserta perempuan?" in text(r[0])

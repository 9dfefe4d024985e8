"""Issue 11: nothing wrong is stored silently. One test (or table) per numbered item of the issue."""
from datetime import timedelta

import pytest

from .conftest import NOW, Chat


def to_youth(chat: Chat, pair: str = "L 30 P 30") -> None:
    chat.say("menu"), chat.say("1"), chat.say("1"), chat.say("kemarin"), chat.say("Balai desa")
    chat.say(pair)


def to_confirm(chat: Chat) -> str:
    to_youth(chat)
    chat.say("40"), chat.say("2"), chat.say("lewati")
    return chat.say("lewati")


def answers(chat: Chat) -> dict:
    return (chat.session.get("form") or chat.session.get("draft"))["answers"]


# ---------------------------------------------------------------- 1. constraints are rechecked

def test_changing_men_at_the_confirm_screen_asks_youth_again(kader):
    assert "Pemuda: 40" in to_confirm(kader)
    kader.say("2"), kader.say("laki-laki")
    out = kader.say("5")     # 5 + 30 = 35 participants, but 40 youth
    assert "Jumlah pemuda (40) tidak boleh lebih dari jumlah peserta (35)" in out
    assert "berapa yang pemuda" in out and "Mohon periksa" not in out
    out = kader.say("kirim")
    assert kader.reports == [] and "dengan angka" in out
    out = kader.say("10")
    assert "Mohon periksa" in out and "Pemuda: 10" in out
    kader.say("kirim")
    [report] = kader.reports
    assert report.answers["youth"] == 10 and report.answers["total"] == 35


def test_kembali_and_sama_cannot_keep_an_answer_that_became_invalid(kader):
    to_youth(kader)
    kader.say("40")                       # youth 40 of 60
    kader.say("kembali")                  # back to youth
    kader.say("kembali")                  # back to men (the pair answered both)
    out = kader.say("L 5 P 5")
    assert "berapa yang pemuda" in out
    out = kader.say("sama")               # keeps 40 of 10: refused
    assert "Jumlah pemuda (40) tidak boleh lebih dari jumlah peserta (10)" in out
    assert answers(kader)["youth"] == 40 or "youth" not in answers(kader)


def test_ubah_of_a_sent_report_rechecks_every_constraint(kader):
    to_confirm(kader)
    kader.say("kirim")
    sent = kader.reports[0]
    from flows.types import ReportView
    kader.recent = (ReportView(7, "pertemuan", 1, sent.area_code, sent.answers, NOW),)
    kader.say("ubah")
    kader.say("1")                              # the report
    kader.say("laki-laki")                      # the question
    out = kader.say("5")
    assert "tidak boleh lebih dari jumlah peserta (35)" in out
    kader.say("5")
    kader.say("kirim")
    assert kader.reports[-1].answers["youth"] == 5 and kader.reports[-1].report_id == 7


def test_an_answer_that_became_irrelevant_is_dropped(kader):
    kader.say("menu"), kader.say("1"), kader.say("2")     # kelompok: batch asked
    kader.say("kemarin")
    kader.say("2")                                        # batch 2
    kader.say("Balai"), kader.say("L 3 P 3"), kader.say("1"), kader.say("0"), kader.say("lewati")
    out = kader.say("lewati")
    assert "Pertemuan ke: 2" in out
    kader.say("2"), kader.say("jenis")
    out = kader.say("musyawarah desa")
    assert "Pertemuan ke" not in out
    kader.say("kirim")
    assert "batch" not in kader.reports[0].answers


# ---------------------------------------------------------------- 2. a greeting after a pause

def start_story(chat: Chat) -> None:
    chat.say("menu"), chat.say("3"), chat.say("komunitas")
    chat.say("Ibu-ibu sekarang berani bicara di musyawarah desa.")


def test_a_greeting_after_a_pause_is_not_stored(kader):
    start_story(kader)
    kader.now = NOW + timedelta(hours=3)
    out = kader.say("halo")
    assert "Selamat datang kembali" in out and "cerita perubahan" in out
    assert "Siapa yang mengalami perubahan itu?" in out
    assert "who" not in answers(kader)


def test_free_text_after_a_pause_is_taken_only_once_confirmed(kader):
    start_story(kader)
    kader.now = NOW + timedelta(hours=3)
    out = kader.say("ok nanti saya lanjut")
    assert "Selamat datang kembali" in out and "who" not in answers(kader)
    assert "ok nanti saya lanjut" in out
    kader.say("tidak")
    assert "who" not in answers(kader)
    kader.say("Kelompok tenun Dusun II")      # no pause now: taken at once
    assert answers(kader)["who"] == "Kelompok tenun Dusun II"


def test_free_text_after_a_pause_repeated_is_taken(kader):
    start_story(kader)
    kader.now = NOW + timedelta(hours=3)
    kader.say("Kelompok tenun")
    kader.say("ya")
    assert answers(kader)["who"] == "Kelompok tenun"


def test_a_greeting_without_a_pause_is_not_stored_as_text_either(kader):
    start_story(kader)
    out = kader.say("selamat pagi")             # issue 23: shown back, kept only on a yes
    assert 'Apakah "selamat pagi" jawaban Anda' in out and "who" not in answers(kader)
    out = kader.say("tidak")
    assert "tidak disimpan" in out and "Siapa yang mengalami" in out and "who" not in answers(kader)


# ---------------------------------------------------------------- 3. a date without a year still ahead

@pytest.mark.parametrize("typed,shown,meant", [
    ("20 agustus", "20 Agustus 2024", "2023-08-20"), ("tgl 20/8", "20 Agustus 2024", "2023-08-20"),
    ("17 agustus", "17 Agustus 2024", "2023-08-17"),
])
def test_a_date_without_a_year_still_ahead_is_asked(kader, typed, shown, meant):
    kader.say("menu"), kader.say("1"), kader.say("1")
    out = kader.say(typed)
    assert f"{shown} belum lewat" in out and "Maksud Anda" in out
    assert "date" not in answers(kader)
    assert "Di mana" in kader.say("ya")
    assert answers(kader)["date"] == meant


def test_a_date_asked_back_and_refused_asks_the_date_again(kader):
    kader.say("menu"), kader.say("1"), kader.say("1"), kader.say("20 agustus")
    out = kader.say("tidak")
    assert "Tanggal berapa" in out and "date" not in answers(kader)


@pytest.mark.parametrize("typed,shown", [("1", "1 Agustus 2024"), ("tanggal 5 kemarin", "5 Agustus 2024")])
def test_a_bare_day_is_shown_back_before_it_is_stored(kader, typed, shown):
    kader.say("menu"), kader.say("1"), kader.say("1")
    out = kader.say(typed)
    assert shown in out and "date" not in answers(kader)
    kader.say("ya")
    assert answers(kader)["date"] == "2024-08-" + shown.split()[0].zfill(2)


# ---------------------------------------------------------------- 4. fuzzy matches are shown and asked

def to_status(chat: Chat) -> None:
    chat.say("menu"), chat.say("2"), chat.say("Kebun sayur"), chat.say("pertanian")


def status(chat: Chat):
    return (answers(chat).get("activities") or [{}])[0].get("status")


def test_a_word_that_fits_several_options_is_asked(kader):
    to_status(kader)
    out = kader.say("jalan")
    assert "Maksud Anda: Berjalan?" in out and status(kader) is None
    kader.say("ya")
    assert status(kader) == "berjalan"


def test_pilih_lagi_asks_the_question_again(kader):
    to_status(kader)
    kader.say("jalan")
    out = kader.say("2")
    assert "Bagaimana keadaannya" in out and status(kader) is None
    kader.say("sebagian")
    assert status(kader) == "sebagian"


def test_a_typo_is_shown_before_it_is_taken(kader):
    to_status(kader)
    out = kader.say("berhenit")
    assert "Maksud Anda: Berhenti?" in out and status(kader) is None


@pytest.mark.parametrize("typed,value", [("1", "berjalan"), ("berjalan", "berjalan"), ("berh", "berhenti"),
                                         ("blm jalan", "belum"), ("belum", "belum")])
def test_exact_words_numbers_and_unique_prefixes_stay_one_step(kader, typed, value):
    to_status(kader)
    kader.say(typed)
    assert status(kader) == value


def test_contradictory_yes_no_is_asked_again(kader):
    kader.say("menu"), kader.say("1"), kader.say("1"), kader.say("6 Agustus 2022")
    out = kader.say("ya tidak")
    assert "ya atau tidak" in out and "date" not in answers(kader)


# ---------------------------------------------------------------- 5. skip words are not data

@pytest.mark.parametrize("word", ["lewati", "tidak ada", "gak ada", "sudah", "selesai", "cukup"])
def test_skip_words_end_the_activity_list(kader, word):
    kader.say("menu"), kader.say("2")
    out = kader.say(word)                       # at the first activity: not an activity name
    assert "activities" not in answers(kader) or not answers(kader)["activities"]
    assert "kegiatan" in out
    kader.say("Kebun sayur"), kader.say("1"), kader.say("1"), kader.say("5")
    out = kader.say("lewati")                   # issue 23: skips both parts of the men/women question
    assert "Sudah 1 kegiatan dicatat" in out
    out = kader.say(word)
    assert "Mohon periksa" in out
    assert [a["activity"] for a in answers(kader)["activities"]] == ["Kebun sayur"]


def test_lewati_at_a_required_text_question_is_not_stored(kader):
    start_story(kader)
    out = kader.say("lewati")
    assert "who" not in answers(kader) and "perlu dijawab" in out


# ---------------------------------------------------------------- 6. each part of a compound answer

@pytest.mark.parametrize("pair,fragment", [("L 99999 P 99999", "paling banyak 20.000"),
                                           ("L 5 P 99999", "paling banyak 20.000")])
def test_each_part_of_a_compound_answer_has_its_own_limits(kader, pair, fragment):
    kader.say("menu"), kader.say("1"), kader.say("1"), kader.say("kemarin"), kader.say("Balai desa")
    out = kader.say(pair)
    assert fragment in out and "men" not in answers(kader) and "women" not in answers(kader)


def test_each_part_of_a_compound_answer_in_a_repeat_has_its_limits(kader):
    kader.say("menu"), kader.say("2"), kader.say("Kebun"), kader.say("1"), kader.say("1"), kader.say("5")
    out = kader.say("L 5 P 999999")
    assert "paling banyak 100.000" in out
    assert "beneficiaries_women" not in answers(kader)["activities"][0]


# ---------------------------------------------------------------- 7. "ubah" means the offered option

def test_ubah_at_the_confirm_screen_means_ubah_jawaban(kader):
    to_confirm(kader)
    out = kader.say("ubah")
    assert "Jawaban mana yang ingin diubah?" in out and "belum mengirim" not in out


# ---------------------------------------------------------------- 8. yes/no sub-questions do not trap

def at_old_date(chat: Chat) -> str:
    chat.say("menu"), chat.say("1"), chat.say("1")
    return chat.say("6 Agustus 2022")


def test_kembali_at_a_confirmation_returns_to_the_question(kader):
    assert "lebih dari setahun" in at_old_date(kader)
    out = kader.say("kembali")
    assert "Tanggal berapa" in out and "ya atau tidak" not in out and "pending" not in kader.session


def test_batal_at_a_confirmation_asks_to_cancel_the_report(kader):
    at_old_date(kader)
    assert "Batalkan laporan pertemuan?" in kader.say("batal")
    assert "Laporan dibatalkan" in kader.say("ya")


def test_menu_and_bantuan_at_a_confirmation(kader):
    at_old_date(kader)
    out = kader.say("bantuan")
    assert "Tulis tanggalnya" in out
    out = kader.say("menu")
    assert "Apa yang ingin Anda laporkan?" in out and "Lanjutkan" in out


def test_a_corrected_answer_at_a_confirmation_is_taken(kader):
    at_old_date(kader)
    out = kader.say("6 Agustus 2024")
    assert "Di mana" in out and answers(kader)["date"] == "2024-08-06"


# ---------------------------------------------------------------- 9. the menu does not contradict itself

def test_batal_at_the_menu_with_a_draft_offers_to_delete_it(kader):
    kader.say("menu"), kader.say("1"), kader.say("1"), kader.say("menu")
    out = kader.say("batal")
    assert "Tidak ada laporan yang sedang diisi" not in out and "Hapus draf laporan pertemuan?" in out
    out = kader.say("ya")
    assert "Draf dihapus" in out and "Lanjutkan" not in out and "draft" not in kader.session


def test_kembali_at_the_menu_with_a_draft_names_it(kader):
    kader.say("menu"), kader.say("1"), kader.say("1"), kader.say("menu")
    out = kader.say("kembali")
    assert "Tidak ada laporan yang sedang diisi" not in out and "Draf laporan pertemuan masih tersimpan" in out


def test_a_number_at_the_first_activity_never_says_1_to_0(kader):
    kader.say("menu"), kader.say("2")
    out = kader.say("2")
    assert "sampai 0" not in out and "nama kegiatan" in out


# ---------------------------------------------------------------- 10. ubah picks one question

def sent_meeting(chat: Chat):
    to_confirm(chat)
    chat.say("kirim")
    from flows.types import ReportView
    sent = chat.reports[0]
    chat.recent = (ReportView(7, "pertemuan", 1, sent.area_code, sent.answers, NOW),)


def test_ubah_lists_the_answers_and_returns_to_the_summary(kader):
    sent_meeting(kader)
    kader.say("ubah")
    out = kader.say("1")
    assert "Tempat: Balai desa" in out and "Laki-laki: 30" in out and "Foto daftar hadir: (tidak ada)" in out
    assert "Pertemuan apa?" not in out
    out = kader.say("tempat")
    assert "Di mana tempatnya?" in out
    out = kader.say("Aula kantor desa")
    assert "Mohon periksa" in out and "Tempat: Aula kantor desa" in out
    kader.say("kirim")
    assert kader.reports[-1].answers["place"] == "Aula kantor desa" and kader.reports[-1].report_id == 7
    assert kader.reports[-1].answers["men"] == 30


def test_ubah_can_add_the_photo_and_sama_keeps_it(kader):
    sent_meeting(kader)
    kader.say("ubah"), kader.say("1")
    out = kader.say("foto daftar hadir")
    assert "foto" in out.lower()
    out = kader.say("", photo="abc", kind="photo")
    assert "Foto daftar hadir: foto terlampir" in out
    kader.say("2"), kader.say("foto daftar hadir")
    out = kader.say("sama")
    assert "Foto daftar hadir: foto terlampir" in out


@pytest.mark.parametrize("question,label", [("jenis pertemuan", "Jenis pertemuan"), ("tanggal", "Tanggal"),
                                            ("catatan", "Catatan"), ("foto daftar hadir", "Foto daftar hadir")])
def test_sama_works_at_every_kind_of_question(kader, question, label):
    to_confirm(kader)
    kader.say("2"), kader.say(question)
    out = kader.say("sama")
    assert "Mohon periksa" in out and f"{label}:" in out, out


# ---------------------------------------------------------------- 11. the summary shows short labels

def test_the_summary_shows_short_labels_and_labels_every_number(kader):
    kader.say("menu"), kader.say("2"), kader.say("Kebun sayur"), kader.say("1"), kader.say("3")
    kader.say("bibit terlambat"), kader.say("1"), kader.say("bibit"), kader.say("L 10 P 25")
    out = kader.say("selesai")
    assert "Mohon periksa" in out
    assert "Bagaimana keadaannya" not in out and "Bidang kegiatannya" not in out
    assert "Penerima manfaat laki-laki: 10" in out and "Penerima manfaat perempuan: 25" in out
    assert "Keadaan: Belum berjalan" in out


def test_every_shipped_question_has_a_short_label(forms):
    latest = {fid: max(v for f, v in forms if f == fid) for fid, _ in forms}
    for form in (forms[(fid, v)] for fid, v in latest.items()):
        for q in form.all_questions():
            if q.type not in ("note", "repeat"):        # a repeat's items are listed under their own names
                assert q.short, f"{form.source}: {q.name} has no short label"


def test_menu_after_a_pause_welcomes_back_and_keeps_the_draft(kader):
    start_story(kader)
    kader.now = NOW + timedelta(hours=3)
    out = kader.say("menu")
    assert out.startswith("Selamat datang kembali.") and "Lanjutkan: cerita perubahan (draf)" in out
    assert "who" not in answers(kader)


@pytest.mark.parametrize("typed,stored", [("last Thursday", "2024-08-08"), ("yesterday", "2024-08-14"),
                                          ("6 August", "2024-08-06")])
def test_english_mode_reads_the_dates_its_help_promises(kader, typed, stored):
    kader.say("menu"), kader.say("bahasa"), kader.say("English")
    kader.say("1"), kader.say("1")
    kader.say(typed)
    assert answers(kader)["date"] == stored


def test_english_mode_asks_about_a_date_still_ahead_in_english(kader):
    kader.say("menu"), kader.say("bahasa"), kader.say("English")
    kader.say("1"), kader.say("1")
    out = kader.say("20 August")
    assert "August 20, 2024 has not come yet. Do you mean August 20, 2023?" in out

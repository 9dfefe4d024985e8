"""Transcript tests of the pure engine: inputs in, replies and reports out, fixed clock."""
from datetime import timedelta

import pytest

from .conftest import NOW, Chat


def fill_meeting(chat: Chat) -> None:
    chat.say("halo")
    for text in ("1", "1", "kemarin", "Balai desa Kilmury", "L 79 P 38", "20", "2", "lewati", "lewati"):
        chat.say(text)


def test_registration_of_a_kader_confirms_the_full_area_path(forms):
    chat = Chat(forms)
    assert "Siapa nama Bapak/Ibu?" in chat.say("halo")
    assert "Mohon ketik nama" in chat.say("/start")
    assert "Apa peran Anda?" in chat.say("siti aminah")
    assert "desa/kelurahan" in chat.say("1")
    out = chat.say("Kilmury, Kilmury")
    assert "Desa Kilmury, Kec. Kilmury, Kab. Seram Bagian Timur, Maluku" in out
    out = chat.say("ya")
    assert "terdaftar sebagai Kader desa" in out and "1. Laporan pertemuan" in out
    assert chat.contact.area_code == "81.05.08.2010" and chat.contact.name == "Siti Aminah"


def test_registration_tolerates_typos_and_offers_numbered_matches(forms):
    chat = Chat(forms)
    chat.say("halo"), chat.say("Budi"), chat.say("1")
    out = chat.say("Kilmuri, Kilmury")
    assert "1. Desa Kilmury, Kec. Kilmury, Kab. Seram Bagian Timur, Maluku" in out
    chat.say("1"), chat.say("ya")
    assert chat.contact.role == "kader" and chat.contact.area_code == "81.05.08.2010"


def test_typing_a_kecamatan_narrows_the_desa_list(forms):
    chat = Chat(forms)
    chat.say("halo"), chat.say("Ani"), chat.say("kader")
    out = chat.say("Teluk Waru")   # a desa of that name exists in Kalimantan: offered with the others
    assert "Teluk Waru" in out
    chat.say("kembali")
    assert "Waru, Kec. Teluk Waru" in chat.say("Waru, Teluk Waru")


def test_koordinator_needs_a_valid_invite_code(forms):
    chat = Chat(forms, invites={"ABCD2345": ("koordinator", "81.05")})
    chat.say("halo"), chat.say("Pak Yusuf"), chat.say("3")
    assert "Kode undangan tidak dikenal" in chat.say("ZZZZ")
    assert chat.contact is None
    assert "Kab. Seram Bagian Timur" in chat.say("abcd2345")
    assert chat.contact.role == "koordinator" and chat.contact.area_code == "81.05"


def test_meeting_report_with_compound_answer_and_total(kader):
    kader.say("halo")
    assert "Pertemuan apa?" in kader.say("1")
    assert "Tanggal berapa" in kader.say("musyawarah")
    assert "Di mana" in kader.say("kemarin")
    kader.say("Balai desa")
    out = kader.say("L 79 P 38")
    assert "79 laki-laki dan 38 perempuan" in out and "Jumlah peserta: 117 orang" in out
    assert "Dari 117 peserta" in out
    kader.say("20"), kader.say("2"), kader.say("lewati")
    out = kader.say("lewati")
    assert "Mohon periksa laporan pertemuan" in out and "Tanggal: 14 Agustus 2024" in out
    assert kader.reports == []
    kader.say("1")
    [report] = kader.reports
    assert report.answers["men"] == 79 and report.answers["women"] == 38 and report.answers["total"] == 117
    assert report.key == "musdes|2024-08-14|" and report.area_code == "81.05.08.2010"


@pytest.mark.parametrize("answer,fragment", [
    ("200", "Jumlah pemuda (200) tidak boleh lebih dari jumlah peserta (117)"),
    ("-5", "kurang dari nol"), ("1,5", "bilangan bulat"), ("banyak", "dengan angka"),
])
def test_bad_youth_answer_is_explained_and_asked_again(kader, answer, fragment):
    kader.say("menu"), kader.say("1"), kader.say("1"), kader.say("kemarin"), kader.say("Balai"), kader.say("L 79 P 38")
    out = kader.say(answer)
    assert fragment in out and "berapa yang pemuda" in out
    assert kader.session["form"]["answers"]["men"] == 79   # nothing lost


def test_future_date_is_refused_and_old_date_needs_confirmation(kader):
    kader.say("menu"), kader.say("1"), kader.say("1")
    assert "belum lewat" in kader.say("besok")
    out = kader.say("6 Agustus 2022")
    assert "lebih dari setahun" in out
    assert "Di mana" in kader.say("ya")
    assert kader.session["form"]["answers"]["date"] == "2022-08-06"


def test_kembali_shows_old_answer_and_sama_keeps_it(kader):
    kader.say("menu"), kader.say("1"), kader.say("1"), kader.say("kemarin")
    out = kader.say("kembali")
    assert "Tanggal berapa" in out and "Jawaban sebelumnya: 14 Agustus 2024" in out
    assert "Di mana" in kader.say("sama")
    assert kader.session["form"]["answers"]["date"] == "2024-08-14"


def test_batal_asks_first_and_keeps_answers_on_tidak(kader):
    kader.say("menu"), kader.say("1"), kader.say("1")
    assert "Batalkan laporan pertemuan?" in kader.say("batal")
    assert "kita lanjutkan" in kader.say("tidak")
    assert kader.session["form"]["answers"]["kind"] == "musdes"
    kader.say("batal")
    assert "Laporan dibatalkan" in kader.say("ya")
    assert "form" not in kader.session


def test_ulang_restarts_after_confirmation(kader):
    kader.say("menu"), kader.say("1"), kader.say("1"), kader.say("kemarin")
    kader.say("ulang")
    assert "Pertemuan apa?" in kader.say("ya")
    assert kader.session["form"]["answers"] == {}


def test_bantuan_explains_with_an_example_and_repeats_the_question(kader):
    kader.say("menu"), kader.say("1"), kader.say("1"), kader.say("kemarin"), kader.say("Balai")
    out = kader.say("bantuan")
    assert "L 79 P 38" in out and "Berapa peserta laki-laki?" in out


def test_menu_keeps_the_draft_and_resumes_it(kader):
    kader.say("menu"), kader.say("1"), kader.say("1")
    out = kader.say("menu")
    assert "disimpan sebagai draf" in out and "Lanjutkan: laporan pertemuan (draf)" in out
    assert "Tanggal berapa" in kader.say("1")


def test_coming_back_after_hours_continues_with_a_welcome(kader):
    kader.say("menu"), kader.say("1"), kader.say("1")
    kader.now = NOW + timedelta(hours=5)
    out = kader.say("halo")
    assert "Selamat datang kembali" in out and "Tanggal berapa" in out


def test_a_draft_silent_for_72_hours_is_dropped_with_a_message(kader):
    kader.say("menu"), kader.say("1"), kader.say("1")
    kader.now = NOW + timedelta(hours=73)
    out = kader.say("kemarin")
    assert "sudah dihapus" in out and "Apa yang ingin Anda laporkan?" in out
    assert "form" not in kader.session


def test_monitoring_round_repeats_per_activity_and_offers_previous_ones(kader):
    kader.previous = {"pemantauan": {"activities": [{"activity": "Kebun sayur"}, {"activity": "Tenun ikat"}]}}
    kader.say("menu")
    out = kader.say("2")
    assert "Putaran: Juli 2024" in out and "1. Kebun sayur" in out and "2. Tenun ikat" in out
    kader.say("1")                       # Kebun sayur from the last round
    kader.say("pertanian"), kader.say("belum berjalan")
    kader.say("bibit terlambat"), kader.say("1, 4"), kader.say("bibit sayur")
    out = kader.say("L 10 P 25")
    assert "Sudah 1 kegiatan dicatat" in out
    assert "1. Tenun ikat" in out and "2. Selesai" in out and "Kebun sayur" not in out
    assert "nama kegiatan" in kader.say("x")
    kader.say("1")
    kader.say("4"), kader.say("1")   # kerajinan, berjalan: no obstacles asked
    out = kader.say("5")
    assert "Berapa penerima manfaat laki-laki" in out
    assert "dilewati" in kader.say("lewati")      # men and women both skipped
    kader.say("selesai")
    kader.say("kirim")
    [report] = kader.reports
    acts = report.answers["activities"]
    assert [a["activity"] for a in acts] == ["Kebun sayur", "Tenun ikat"]
    assert acts[0]["status"] == "belum" and acts[0]["support_from"] == ["desa", "mitra"]
    assert acts[0]["beneficiaries_men"] == 10 and acts[0]["beneficiaries_women"] == 25
    assert "obstacles" not in acts[1]
    assert report.key == "Juli 2024"


def test_monitoring_without_an_open_round_says_so(forms, kader):
    kader.rounds = ()
    kader.say("menu")
    assert "Belum ada putaran" in kader.say("2")


def test_story_of_change_asks_the_msc_questions(kader):
    kader.say("menu")
    assert "Perubahan itu termasuk domain apa?\n1. Kebijakan\n2. Kelembagaan desa\n3. Komunitas" in kader.say("3")
    kader.say("komunitas")
    kader.say("Ibu-ibu sekarang berani bicara di musyawarah desa.")
    assert kader.say("Kelompok tenun Dusun II").startswith("Mengapa perubahan ini penting bagi pencerita?")
    assert "Kapan perubahan itu terjadi?" in kader.say("Sekarang suara kami didengar.")
    assert "setuju namanya disebut" in kader.say("Januari sampai Juli 2024")
    assert "Ada foto pendukung?" in kader.say("anonim")        # an anonymous storyteller is not asked their name
    out = kader.say("", photo="abc123", kind="photo")
    assert "- Nama boleh disebut: Tidak, tanpa nama (anonim)" in out and "Pencerita:" not in out
    kader.say("kirim")
    [report] = kader.reports
    assert report.answers == {"level": "komunitas", "story": "Ibu-ibu sekarang berani bicara di musyawarah desa.",
                              "who": "Kelompok tenun Dusun II", "why": "Sekarang suara kami didengar.",
                              "period": "Januari sampai Juli 2024", "consent": "anonim", "photo": "abc123"}


def test_change_one_answer_from_the_summary(kader):
    fill_meeting(kader)
    out = kader.say("ubah jawaban")
    assert "Jawaban mana" in out
    kader.say("tempat")
    out = kader.say("Aula kantor desa")
    assert "Mohon periksa" in out and "Aula kantor desa" in out


def test_language_switch_to_english_and_back(kader):
    kader.say("menu")
    kader.say("bahasa")
    out = kader.say("2")
    assert "English" in out and "Meeting report" in out
    assert kader.contact.lang == "en"
    kader.say("language"), kader.say("1")
    assert kader.contact.lang == "id"


def test_voice_note_gets_a_polite_please_type(kader):
    kader.say("menu"), kader.say("1")
    assert "Mohon ketik" in kader.say("", kind="voice")



NOT_ATTACHED = "Foto tersebut tidak dilampirkan pada laporan."


def test_a_captioned_photo_where_no_photo_is_asked_any_more_is_said_not_attached(kader):
    """The attendance sheet already sent, a second photo with a caption at "Ada catatan tambahan?": the caption is the
    note, and the kader is told the photo is not in the report (it was dropped without a word)."""
    kader.say("halo")
    for text in ("1", "1", "kemarin", "Balai desa", "L 79 P 38", "20", "2"):
        kader.say(text)
    kader.say("", photo="sheet", kind="photo")
    out = kader.say("ini foto kegiatan posyandu", photo="second", kind="photo")
    assert out.startswith(NOT_ATTACHED) and "Mohon periksa laporan pertemuan" in out
    assert kader.session["form"]["answers"]["note"] == "ini foto kegiatan posyandu"
    out = kader.say("kirim", photo="third", kind="photo")          # at the summary: sent, and said
    assert out.startswith(NOT_ATTACHED) and "sudah tersimpan" in out
    [report] = kader.reports
    assert report.answers["photo"] == "sheet"


def test_a_captioned_photo_before_the_photo_question_is_kept_for_it_not_refused(kader):
    kader.say("halo")
    for text in ("1", "1", "kemarin"):
        kader.say(text)
    out = kader.say("Balai desa", photo="sheet", kind="photo")
    assert "Fotonya sudah disimpan untuk" in out and NOT_ATTACHED not in out


def test_a_photo_alone_at_the_summary_gets_the_summarys_question_not_the_note(kader):
    fill_meeting(kader)                                           # at the summary: nothing typed with it
    out = kader.say("", photo="late", kind="photo")
    assert NOT_ATTACHED not in out and "Mohon pilih 1 untuk kirim" in out


def test_a_captioned_photo_in_a_monitoring_activity_is_said_not_attached(kader):
    kader.say("menu"), kader.say("2")
    out = kader.say("Kebun sayur", photo="garden", kind="photo")     # the monitoring form asks for no photo
    assert out.startswith(NOT_ATTACHED)
    assert kader.session["form"]["answers"]["activities"][0]["activity"] == "Kebun sayur"


def test_a_captioned_photo_answering_a_yes_no_is_said_not_attached(kader):
    """At "Maksud Anda tidak ada, jadi jumlahnya 0?" a "ya" sent with a photo: the yes is taken, the photo said."""
    kader.say("halo")
    for text in ("1", "1", "kemarin", "Balai desa", "L 79 P 38", "20"):
        kader.say(text)
    assert "Maksud Anda tidak ada" in kader.say("gak")
    out = kader.say("ya", photo="sheet", kind="photo")
    assert out.startswith(NOT_ATTACHED) and "Silakan kirim foto daftar hadir" in out
    assert kader.session["form"]["answers"]["disabled"] == 0


def test_a_captioned_photo_at_the_photo_question_is_its_answer_with_no_note(kader):
    kader.say("halo")
    for text in ("1", "1", "kemarin", "Balai desa", "L 79 P 38", "20", "2"):
        kader.say(text)
    out = kader.say("daftar hadir", photo="sheet", kind="photo")
    assert NOT_ATTACHED not in out and kader.session["form"]["answers"]["photo"] == "sheet"

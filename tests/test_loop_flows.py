"""The learning loop's pure rules, table-driven: targets, quiet hours, overdue, what the village hears, and
the side conversations against the engine in memory (no database)."""
from dataclasses import replace
from datetime import date, datetime, timezone

import pytest

from bot import catalog
from flows.dates import WIB, WIT
from flows.loop_values import AgencyView, ItemView, LoopData, RecView, StoryView, overdue, parse_target, send_at, update_text
from flows.problem import Problem
from flows.types import ContactView, RoundView

from .conftest import Chat

TODAY = date(2024, 8, 15)
t = catalog.gettext_for("id")


@pytest.mark.parametrize("text,expected", [
    ("Oktober 2024", "2024-10"), ("okt 24", "2024-10"), ("bulan Desember", "2024-12"), ("10/2024", "2024-10"),
    ("Agustus 2024", "2024-08"), ("Maret", "2025-03"), ("15/10/2024", "2024-10-15"), ("31 Oktober 2024", "2024-10-31"),
    ("Juli 2024", None), ("1/8/2024", None), ("13/2024", None), ("secepatnya", None), ("", None),
])
def test_targets(text, expected):
    value = parse_target(text, TODAY)
    assert (None if isinstance(value, Problem) else value) == expected


@pytest.mark.parametrize("now,area,expected", [
    (datetime(2024, 8, 15, 10, 0, tzinfo=WIT), "81.05.08.2010", datetime(2024, 8, 15, 10, 0, tzinfo=WIT)),
    (datetime(2024, 8, 15, 19, 59, tzinfo=WIT), "81.05.08.2010", datetime(2024, 8, 15, 19, 59, tzinfo=WIT)),
    (datetime(2024, 8, 15, 20, 0, tzinfo=WIT), "81.05.08.2010", datetime(2024, 8, 16, 7, 0, tzinfo=WIT)),
    (datetime(2024, 8, 15, 5, 30, tzinfo=WIT), "81.05.08.2010", datetime(2024, 8, 15, 7, 0, tzinfo=WIT)),
    (datetime(2024, 8, 31, 23, 0, tzinfo=WIT), "81.05.08.2010", datetime(2024, 9, 1, 7, 0, tzinfo=WIT)),
    # 19:30 in Maluku is 17:30 in Jakarta: a kader in Bogor may still hear it
    (datetime(2024, 8, 15, 19, 30, tzinfo=WIT), "32.01.01.2001", datetime(2024, 8, 15, 17, 30, tzinfo=WIB)),
    (datetime(2024, 8, 15, 13, 0, tzinfo=timezone.utc), "32.01.01.2001", datetime(2024, 8, 16, 7, 0, tzinfo=WIB)),
])
def test_news_never_leaves_in_quiet_hours_of_the_desa(now, area, expected):
    at = send_at(now, area)
    assert at == expected and at.tzinfo == timezone.utc


REC = RecView(1, "81.05.08", "Bantuan modal usaha tenun", "kabupaten", "Dinas Koperasi", "2024-10", "dibawa",
              ("81.05.08.2010",), "modal usaha tenun")


@pytest.mark.parametrize("rec,today,late", [
    (REC, date(2024, 10, 31), False), (REC, date(2024, 11, 1), True),
    (replace(REC, status="dalam_proses"), date(2024, 11, 1), True),
    (replace(REC, status="selesai"), date(2025, 1, 1), False), (replace(REC, status="tidak_bisa"), date(2025, 1, 1), False),
    (replace(REC, target="2024-10-15"), date(2024, 10, 16), True), (replace(REC, target=None), date(2030, 1, 1), False),
])
def test_overdue(rec, today, late):
    assert overdue(rec, today) is late


@pytest.mark.parametrize("status,note,reason,expected", [
    ("dibawa", None, None, "Usulan Desa Kilmury tentang modal usaha tenun: dibawa ke forum kabupaten, diusulkan ditangani "
                           "Dinas Koperasi, target Oktober 2024.\nRekomendasi: Bantuan modal usaha tenun"),
    ("diterima", None, None, "Usulan Desa Kilmury tentang modal usaha tenun: Dinas Koperasi sudah menerima usulan ini, "
                             "target Oktober 2024.\nRekomendasi: Bantuan modal usaha tenun"),
    ("dalam_proses", "Survei lokasi minggu depan", None, "Usulan Desa Kilmury tentang modal usaha tenun: Dinas Koperasi "
     "sedang memproses, target Oktober 2024.\nRekomendasi: Bantuan modal usaha tenun\n"
     "Catatan: Survei lokasi minggu depan"),
    ("selesai", None, None, "Usulan Desa Kilmury tentang modal usaha tenun: Dinas Koperasi sudah menyelesaikannya."
                            "\nRekomendasi: Bantuan modal usaha tenun"),
    ("tidak_bisa", None, "anggaran habis", "Usulan Desa Kilmury tentang modal usaha tenun: Dinas Koperasi belum bisa "
                                           "menindaklanjuti. Alasannya: anggaran habis\n"
                                           "Rekomendasi: Bantuan modal usaha tenun"),
])
def test_what_the_village_hears(status, note, reason, expected):
    assert update_text(replace(REC, status=status), "Desa Kilmury", t, "id", note, reason) == expected


def test_an_answer_to_a_shared_item_names_the_agency_that_gave_it_the_forum_names_every_one():
    shared = replace(REC, agency="Dinas Pertanian", co_agencies=("Dinas Koperasi",))
    by_co = update_text(replace(shared, status="dalam_proses"), "Desa Kilmury", t, "id", actor="Dinas Koperasi")
    assert by_co.startswith("Usulan Desa Kilmury tentang modal usaha tenun: Dinas Koperasi sedang memproses")
    by_koordinator = update_text(replace(shared, status="selesai"), "Desa Kilmury", t, "id")   # no agency: the lead
    assert "Dinas Pertanian sudah menyelesaikannya" in by_koordinator and "Koperasi" not in by_koordinator
    forum = update_text(replace(shared, status="diteruskan"), "Desa Kilmury", t, "id")
    assert "ditangani Dinas Pertanian, Dinas Koperasi" in forum


def test_what_the_village_hears_in_english():
    en = catalog.gettext_for("en")
    assert update_text(replace(REC, status="dalam_proses"), "Desa Kilmury", en, "en") == (
        "The proposal of Desa Kilmury about modal usaha tenun: Dinas Koperasi is working on it, target October 2024.\n"
        "Recommendation: Bantuan modal usaha tenun")


# ---------------------------------------------------------------- the side conversations, in memory

ITEMS = (ItemView(1, "81.05.08.2002", "Tenun", "benang mahal", "modal usaha tenun"),
         ItemView(2, "81.05.08.2010", "Tenun ikat", "modal kurang", "modal usaha tenun"),
         ItemView(3, "81.05.08.2010", "Kebun sayur", "bibit terlambat", "bibit sayur"))
NAMES = {"81.05.08.2002": "Desa Nekan", "81.05.08.2010": "Desa Kilmury", "81.05.08": "Kec. Kilmury"}


def person(forms, role, area, loop):
    chat = Chat(forms, contact=ContactView(7, "Marthen", role, area, "id"))
    chat.loop = loop
    base = chat.ctx
    chat.ctx = lambda: replace(base(), loop=chat.loop)
    chat.actions = []
    step = chat.step

    def recording(text="", **kw):
        result = step(text, **kw)
        chat.actions += list(result.actions)
        return result
    chat.step = recording
    return chat


def test_a_bad_answer_is_explained_and_asked_again_and_nothing_is_stored(forms):
    f = person(forms, "fasilitator", "81.05.08", LoopData(items=ITEMS, agencies=(AgencyView(1, "Dinas Koperasi"),), names=NAMES))
    f.say("tindak lanjut")
    assert "Pilihan itu belum dikenali" in f.say("entahlah")
    f.say("1")
    out = f.say("ok")
    assert "Mohon tulis rekomendasinya dalam kalimat" in out and "Tulis rekomendasi yang disepakati" in out
    f.say("Bantuan modal usaha tenun")
    f.say("3")
    assert 'OPD "7" belum terdaftar' in f.say("7, Oktober 2024")
    assert 'OPD "Dinas Pariwisata" belum terdaftar' in f.say("Dinas Pariwisata, Oktober 2024")   # never free text
    assert "Target itu sudah lewat" in f.say("1, Juni 2024")
    assert "Mohon tulis juga targetnya, misalnya: Dinas Koperasi, Oktober 2024." in f.say("Dinas Koperasi")
    assert "Mohon tulis OPD-nya dan targetnya" in f.say("Oktober 2024")
    assert f.actions == []
    out = f.say("1, Oktober 2024")
    assert "Tersimpan dan dibawa ke forum kabupaten: Bantuan modal usaha tenun" in out and "Usulan 2 dari 3" in out
    assert f.actions == [("recommend", {"items": [1], "text": "Bantuan modal usaha tenun", "level": "kabupaten",
                                        "agencies": [1], "target": "2024-10"})]


def test_a_recommendation_carried_to_the_forum_costs_three_messages(forms):
    f = person(forms, "fasilitator", "81.05.08", LoopData(items=ITEMS, agencies=AGENCIES, names=NAMES))
    f.say("tindak lanjut")
    before = len(f.actions)
    f.say("Bantuan modal usaha untuk kelompok tenun")          # 1: written at the item
    f.say("3")                                                  # 2: carried to the kabupaten
    out = f.say("BPMD, Dinas Perikanan, Oktober 2024")          # 3: agencies and target proposed
    assert "Tersimpan dan dibawa ke forum kabupaten" in out
    assert "- OPD: Dinas Pemberdayaan Masyarakat dan Desa (BPMD) (utama), Dinas Perikanan" in out
    assert "- Target: Oktober 2024" in out and "Usulan 2 dari 3" in out
    assert len(f.actions) == before + 1 and f.actions[-1][1]["agencies"] == [1, 2]


def test_kembali_starts_the_item_again_and_menu_leaves_keeping_what_was_saved(forms):
    f = person(forms, "fasilitator", "81.05.08", LoopData(items=ITEMS, names=NAMES))
    f.say("tindak lanjut")
    f.say("1"), f.say("Pelatihan pewarnaan benang"), f.say("2")
    assert "Baik, kita ulangi dari awal" in f.say("kembali")
    f.say("1"), f.say("Pelatihan pewarnaan benang")
    assert "Kapan targetnya?" in f.say("kecamatan")
    assert "- Ditangani: Ditangani di kecamatan" in f.say("Desember 2024")
    assert f.actions == [("recommend", {"items": [1], "text": "Pelatihan pewarnaan benang", "level": "kecamatan",
                                        "agencies": [], "target": "2024-12"})]
    out = f.say("menu")
    assert "Apa yang ingin Anda laporkan?" in out and "side" not in f.session


AGENCIES = (AgencyView(1, "Dinas Pemberdayaan Masyarakat dan Desa (BPMD)", ("BPMD",)), AgencyView(2, "Dinas Perikanan"),
            AgencyView(3, "Dinas Perdagangan", ("Disperindag",)))


def test_several_agencies_by_alias_or_number_the_first_leads(forms):
    f = person(forms, "fasilitator", "81.05.08", LoopData(items=ITEMS, agencies=AGENCIES, names=NAMES))
    f.say("tindak lanjut"), f.say("1"), f.say("Harga ikan dijaga lewat pasar desa"), f.say("3")
    out = f.say("Dinas Perikanan, disperindag, Oktober 2024")
    assert "- OPD: Dinas Perikanan (utama), Dinas Perdagangan" in out
    assert f.actions[-1][1]["agencies"] == [2, 3]
    f.say("1"), f.say("Pendampingan BUMDes untuk usaha tenun"), f.say("3")
    f.say("bpmd, okt 2024")
    assert f.actions[-1][1]["agencies"] == [1]


def test_a_kader_is_told_the_follow_up_is_for_coordinators(forms, kader):
    kader.say("menu")
    out = kader.say("tindak lanjut")
    assert "Tindak lanjut usulan untuk fasilitator, koordinator dan OPD." in out and "Apa yang ingin" in out
    assert "Pemilihan cerita perubahan untuk fasilitator dan koordinator." in kader.say("pilih cerita")


def test_opd_menu_and_reason_is_required_for_tidak_bisa(forms):
    o = person(forms, "opd", "81.05", LoopData(recs=(REC,), agency="Dinas Koperasi", names=NAMES))
    menu = o.say("menu")
    assert menu.endswith("Apa yang ingin Anda lakukan?\n1. Tindak lanjut usulan desa")   # nothing to correct
    assert "laporkan" not in menu and "Ubah laporan" not in menu                 # an agency reports nothing
    o.say("1")
    o.say("tidak bisa")
    assert "Alasannya perlu ditulis" in o.say("lewati")
    o.say("Anggaran 2024 habis")
    out = o.say("lewati")
    assert "Tersimpan: Tidak bisa" in out and "Semua sudah dibahas" in out
    assert o.actions == [("status", {"rec": 1, "status": "tidak_bisa", "note": None, "reason": "Anggaran 2024 habis"})]


def test_panel_reuses_its_members_with_sama(forms):
    stories = (StoryView(11, "81.05.08.2010", "kebijakan", "Perdes kuota perempuan di musdes disahkan.", "Warga",
                         "Kami diakui.", "Siti"),
               StoryView(12, "81.05.08.2002", "komunitas", "Arisan kelompok jadi simpan pinjam.", "Ibu-ibu",
                         "Modal ada.", ""))
    domains = (("kebijakan", "Kebijakan"), ("kelembagaan", "Kelembagaan desa"), ("komunitas", "Komunitas"))
    f = person(forms, "fasilitator", "81.05.08", LoopData(stories=stories, domains=domains, names=NAMES))
    assert "2 cerita dalam 2 domain" in f.say("pilih cerita")
    assert "Ini satu-satunya cerita" in f.say("2")
    f.say("1"), f.say("Aturan desa berubah."), f.say("Rina, Yoseph"), f.say("ya")
    assert "Mengapa panel memilih" in f.say("pilih")
    assert "Tadi: Rina, Yoseph" in f.say("Ekonomi keluarga membaik.")
    f.say("sama"), f.say("ya")
    assert [a[1]["panel"] for a in f.actions] == ["Rina, Yoseph", "Rina, Yoseph"]
    assert [a[1]["report"] for a in f.actions] == [11, 12]


@pytest.mark.parametrize("role,area,level", [
    ("fasilitator", "81.05.08", "kecamatan"), ("koordinator", "81.05", "kabupaten"), ("koordinator", "81", "program"),
    ("kader", "81.05.08.2010", None), ("opd", "81.05", None),
])
def test_the_panel_a_person_sits_on(role, area, level):
    from flows.selection import panel_level
    assert panel_level(role, area) == level


ROUNDS = (RoundView("April 2024", "2024-04-01", "2024-05-31"), RoundView("Juli 2024", "2024-07-01", "2024-08-31"),
          RoundView("Oktober 2024", "2024-10-01", "2024-11-30"))
DATED = (StoryView(11, "81.05.08.2010", "kebijakan", "Perdes kuota perempuan.", "Warga", "Kami diakui.", "Siti",
                   day="2024-08-02"),
         StoryView(12, "81.05.08.2002", "komunitas", "Arisan jadi simpan pinjam.", "Ibu-ibu", "Modal ada.", "",
                   day="2024-04-20"),
         StoryView(13, "81.05.08.2002", "komunitas", "Sumur dibersihkan bersama.", "Warga", "Air bersih.", "",
                   day="2024-06-15"))      # between two rounds: only under "Semua"


def test_the_panel_chooses_the_period_and_reads_only_its_stories(forms):
    loop = LoopData(stories=DATED, domains=DOMAINS, names=NAMES, rounds=ROUNDS)
    f = person(forms, "fasilitator", "81.05.08", loop)
    out = f.say("pilih cerita")
    assert "Cerita dari periode mana" in out
    assert out.index("putaran Juli 2024") < out.index("putaran April 2024")       # the current one first
    assert "Juli 2024 (1 Juli 2024 – 31 Agustus 2024): 1 cerita (sekarang)" in out and "Oktober" not in out
    assert "Semua cerita yang menunggu: 3 cerita" in out
    assert "Cerita dari periode mana" in f.say("kembali") and "Nomor 9 tidak ada" in f.say("9")
    out = f.say("2")
    assert "putaran April 2024" in out and "1 cerita dalam 1 domain" in out and "Arisan" in out
    assert "Perdes" not in out and "Sumur" not in out
    f.say("1"), f.say("Ekonomi keluarga membaik."), f.say("Rina, Yoseph")
    assert "Semua domain sudah dibahas" in f.say("ya")
    assert [a[1]["report"] for a in f.actions] == [12]
    f.say("pilih cerita")
    f.loop = replace(loop, stories=DATED[2:])          # the July story was decided meanwhile (another session)
    assert "Belum ada cerita perubahan yang menunggu" in f.say("1")
    # only a story outside every round: no question
    out = f.say("pilih cerita")
    assert "semua periode: 1 cerita" in out and "Sumur" in out


def test_everyone_reads_the_panels_choices_with_their_reasons(forms):
    from flows.loop_values import Chosen, SelectedView
    chosen = SelectedView(11, "81.05.08.2010", "kebijakan", "Perdes kuota perempuan di musdes disahkan.", "",
                          (Chosen("kecamatan", "81.05.08", "Aturan desa berubah.", "2024-08-15"),))
    k = person(forms, "kader", "81.05.08.2002", LoopData(selected=(chosen,), domains=DOMAINS, names=NAMES))
    out = k.say("cerita terpilih")
    assert "1. Kebijakan — \"Perdes kuota perempuan di musdes disahkan\" (Desa Kilmury)" in out   # anonymous
    assert "Panel kecamatan Kec. Kilmury: Aturan desa berubah." in out
    assert "Apa yang ingin Anda laporkan?" in out and k.actions == []
    k.loop = LoopData()
    assert "Belum ada cerita perubahan yang dipilih" in k.say("cerita terpilih")


# ---------------------------------------------------------------- whatever is typed

WORDS = ["1", "2", "3", "4", "5", "9", "0", "ya", "tidak", "kembali", "bantuan", "lewati", "sama", "", " ", "🙂",
         "Oktober 2024", "Juni 2020", "Dinas Koperasi", "kabupaten", "1, 2", "tindak lanjut", "pilih cerita",
         "Bantuan modal usaha tenun", "x" * 3000, "/start", "31/2/2025"]
STORIES = (StoryView(11, "81.05.08.2010", "kebijakan", "Perdes kuota perempuan.", "Warga", "Kami diakui.", "Siti"),
           StoryView(12, "81.05.08.2002", "komunitas", "Arisan jadi simpan pinjam.", "Ibu-ibu", "Modal ada.", ""))
DOMAINS = (("kebijakan", "Kebijakan"), ("kelembagaan", "Kelembagaan desa"), ("komunitas", "Komunitas"))


@pytest.mark.parametrize("role,area,loop", [
    ("fasilitator", "81.05.08", LoopData(items=ITEMS, agencies=(AgencyView(1, "Dinas Koperasi"),), stories=STORIES, domains=DOMAINS,
                                         names=NAMES)),
    ("opd", "81.05", LoopData(recs=(REC, replace(REC, id=2)), agency="Dinas Koperasi", names=NAMES)),
    ("koordinator", "81.05", LoopData(recs=(REC,), stories=STORIES, domains=DOMAINS, names=NAMES)),
    ("koordinator", "81", LoopData(stories=DATED, domains=DOMAINS, names=NAMES, rounds=ROUNDS)),
])
def test_any_typing_gets_an_answer_and_only_well_formed_decisions(forms, role, area, loop):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=30)), min_size=1, max_size=25))
    def typing(texts):
        p = person(forms, role, area, loop)
        p.say("tindak lanjut" if loop.recs or loop.items else "pilih cerita")
        for text in texts:
            step = p.step(text)
            assert (step.replies or step.request) and all(r.text.strip() for r in step.replies)
        for kind, work in p.actions:
            if kind == "recommend":
                assert set(work["items"]) <= {i.id for i in ITEMS} and len(work["text"]) >= 5
                assert work["level"] in ("desa", "kecamatan", "kabupaten")
                assert work["level"] != "kabupaten" or (work["agency"] and work["target"] >= "2024-08")
            elif kind == "status":
                assert work["status"] in ("diterima", "dalam_proses", "selesai", "tidak_bisa")
                assert work["status"] != "tidak_bisa" or len(work["reason"]) >= 3
            else:
                assert kind in ("select", "verify") and work["report"] in (11, 12, 13)
                assert len(work.get("reason") or work.get("question")) >= 5
    typing()


def test_the_follow_up_template_is_read_from_the_environment():
    from bot.config import ConfigError, TwilioConfig
    env = {"TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": "a" * 32, "PANTAU_PUBLIC_URL": "https://x.org",
           "TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886", "TWILIO_TEMPLATE_FOLLOWUP_UPDATE": "HX" + "1" * 32}
    assert TwilioConfig.from_env(env).templates == {"followup_update": "HX" + "1" * 32}
    with pytest.raises(ConfigError, match="TWILIO_TEMPLATE_FOLLOWUP_UPDATE"):
        TwilioConfig.from_env({**env, "TWILIO_TEMPLATE_FOLLOWUP_UPDATE": "HX12"})


def test_lewati_dulu_moves_on_and_the_queue_ends_instead_of_cycling(forms):
    """Issue 24: "Lewati dulu" put the item at the back of the queue, so the count stayed at "2 dari 3" and the
    same items came round for ever."""
    f = person(forms, "fasilitator", "81.05.08", LoopData(items=ITEMS, names=NAMES))
    assert "Usulan 1 dari 3" in f.say("tindak lanjut")
    assert "Usulan 2 dari 3" in f.say("lewati")
    f.say("1"), f.say("Pelatihan pewarnaan benang"), f.say("kecamatan")
    assert "Usulan 3 dari 3" in f.say("Desember 2024")
    out = f.say("lewati")
    assert "Selesai untuk sekarang. 2 yang dilewati bisa dibahas lagi nanti" in out and "side" not in f.session
    assert [a[1]["items"] for a in f.actions] == [[2]]
    assert "Usulan 1 dari 3" in f.say("tindak lanjut")        # skipped items come back next time


def test_opd_skipping_every_recommendation_ends(forms):
    o = person(forms, "opd", "81.05", LoopData(recs=(REC, replace(REC, id=2)), agency="Dinas Koperasi", names=NAMES))
    o.say("tindak lanjut")
    assert "Rekomendasi 2 dari 2" in o.say("lewati")
    assert "Selesai untuk sekarang. 2 yang dilewati" in o.say("lewati") and o.actions == []


def test_everyone_but_an_agency_finds_the_chosen_stories_in_the_menu(forms, kader):
    assert "Cerita terpilih" in kader.say("menu")
    o = person(forms, "opd", "81.05", LoopData(recs=(REC,), agency="Dinas Koperasi", names=NAMES))
    assert "Cerita terpilih" not in o.say("menu")

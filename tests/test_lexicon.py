"""Issue 23: the lexicons under locales/id/lexicon, each entry read in context, per region, never turning a
refusal into a value."""
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import lexicon_files
from flows import Problem, parse_choice, parse_date, parse_men_women, parse_number, parse_yes_no
from flows.numbers import numbers_in
from flows.answers import Guess, is_greeting, is_keyword, match_choice
from flows.dates import WIT
from flows.lexicon import Entry, LexiconError, Lexicons, build, parse_lexicon

NOW = datetime(2024, 8, 15, 10, 0, tzinfo=WIT)      # a Thursday
LEXICONS = lexicon_files.lexicons()
FILES = {name: (where, entries) for name, where, entries in lexicon_files.read_files()}

SECTORS = [("pertanian", ["Pertanian"]), ("perikanan", ["Perikanan / kelautan"]), ("peternakan", ["Peternakan"]),
           ("kerajinan", ["Kerajinan / tenun"]), ("usaha_rumah_tangga", ["Usaha kecil rumah tangga"]),
           ("lainnya", ["Lainnya"])]
STATUS = [("berjalan", ["Berjalan"]), ("sebagian", ["Berjalan sebagian"]), ("belum", ["Belum berjalan"]),
          ("berhenti", ["Berhenti"])]
_STATUS_OF = {"berjalan": "berjalan", "berjalan sebagian": "sebagian", "belum berjalan": "belum",
              "berhenti": "berhenti"}
_NUMBERS = {"sepuluh": 10, "sebelas": 11, "seratus": 100, "sembilan": 9, "delapan": 8, "tujuh": 7, "enam": 6,
            "empat": 4}

#: what each meaning is checked by: (how it is read, the answer it is put in, what must come out)
CONTEXT = {
    "tidak": [(parse_yes_no, "{w}", False), (parse_number, "{w} ada", 0)],
    "ya": [(parse_yes_no, "{w}", True)],
    "sudah": [(parse_yes_no, "{w}", True), ("status", "{w} jalan", "berjalan")],
    "belum": [(parse_yes_no, "{w}", False), ("status", "{w} jalan", "belum")],
    "tidak ada": [(parse_number, "{w}", 0)],
    "saya": [(parse_number, "{w} ada 20 orang", 20)],
    "kami": [(parse_number, "{w} ada 20 orang", 20)],
    "mereka": [(parse_number, "{w} ada 20 orang", 20)],
    "laki-laki": [(parse_men_women, "{w} 10 perempuan 5", (10, 5))],
    "bapak-bapak": [(parse_men_women, "{w} 10 perempuan 5", (10, 5))],
    "perempuan": [(parse_men_women, "laki-laki 10 {w} 5", (10, 5))],
    "ibu-ibu": [(parse_men_women, "laki-laki 10 {w} 5", (10, 5))],
    "pemuda": [(parse_number, "{w} 12 orang", 12)],
    "puluh": [(parse_number, "dua {w} lima", 25)],
    "belas": [(parse_number, "dua {w}", 12)],
    "dan": [(parse_men_women, "laki-laki 10 {w} perempuan 5", (10, 5))],
    "sampai": [(parse_number, "30 {w} 40", "rentang")],
    "lebih": [(parse_number, "20 {w}", "bukan jumlah yang pasti")],
    "kurang": [(parse_number, "{w} 20", "bukan jumlah yang pasti")],
    "kurang lebih": [(parse_number, "{w} 40", 40)],
    "dari": [(parse_number, "lebih {w} 50", "bukan jumlah yang pasti")],
    "yang": [(parse_number, "{w} hadir 20", 20)],
    "orang": [(parse_number, "20 {w}", 20)],
    "jumlah": [(parse_number, "{w} 20", 20)],
    "total": [(parse_number, "{w} 20", 20)],
    "jalan": [("status", "sudah {w}", "berjalan")],
    "lagi": [("done", "tidak ada {w}", True)],             # ends a list of activities, never stored as one
    "habis": [("done", "sudah {w}", True)],                # "su abis": the list is done
    "kemarin": [(parse_date, "{w}", date(2024, 8, 14))],
    "tanggal": [(parse_date, "{w} 5 bulan 8", date(2024, 8, 5))],
    "bulan": [(parse_date, "tanggal 5 {w} 8", date(2024, 8, 5))],
    "tahun": [(parse_date, "tanggal 5 bulan 8 {w} 2023", date(2023, 8, 5))],
    **{word: [(parse_number, "{w}", n)] for word, n in _NUMBERS.items()},
}


def _read(how, text, lexicon):
    if how == "done":
        from flows.filling import DONE_WORDS
        return lexicon.canonical(text) in DONE_WORDS
    if how == "status":
        return parse_choice(text, STATUS, guess=False, lexicon=lexicon)
    if how is parse_date:
        return parse_date(text, NOW, lexicon=lexicon)
    return how(text, lexicon=lexicon)


def _area_of(where):
    return f"{sorted(where)[0]}.01" if where else "11.01"     # 11: Aceh, where only base and SMS apply


def _cases():
    for name, (where, entries) in sorted(FILES.items()):
        for e in entries:
            yield pytest.param(name, where, e, id=f"{name}:{e.word}")


@pytest.mark.parametrize("name,where,entry", list(_cases()))
def test_every_lexicon_entry_is_read_in_context(name, where, entry):
    lexicon = LEXICONS.for_area(_area_of(where))
    if entry.at == "choice":
        options = SECTORS if entry.means in dict(SECTORS) else STATUS
        want = entry.means if options is SECTORS else _STATUS_OF[entry.means]
        assert parse_choice(entry.word, options, guess=False, lexicon=lexicon) == want
        return
    assert entry.means in CONTEXT, f"{name}: no context to check {entry.word!r} ({entry.means!r}) in"
    for how, template, want in CONTEXT[entry.means]:
        got = _read(how, template.format(w=entry.word), lexicon)
        if isinstance(want, str) and how != "status":
            assert isinstance(got, Problem) and want in got.render(lambda s: s), (entry.word, template, got)
        else:
            assert got == want, (entry.word, template, got)


def test_every_file_cites_its_sources_and_names_its_provinces():
    assert set(FILES) >= {"base", "sms", "ambon", "kupang"}
    assert FILES["ambon"][0] == frozenset({"81", "82"}) and FILES["kupang"][0] == frozenset({"53"})
    assert FILES["base"][0] is None and FILES["sms"][0] is None


def test_a_person_reads_the_words_of_their_own_province():
    maluku, ntt, aceh = (LEXICONS.for_area(code) for code in ("81.05.08.2010", "53.18.01.2001", "11.01"))
    assert parse_yes_no("seng", maluku) is False and isinstance(parse_yes_no("seng", ntt), Problem)
    assert parse_yes_no("sonde", ntt) is False and isinstance(parse_yes_no("sonde", maluku), Problem)
    assert parse_number("dua pulu", lexicon=maluku) == 20 == parse_number("dua pulu", lexicon=ntt)
    assert isinstance(parse_number("dua pulu", lexicon=aceh), Problem)
    assert parse_number("jml 20 org", lexicon=aceh) == 20                # SMS shorthand applies everywhere
    assert parse_yes_no("sonde", LEXICONS.for_area(None)) is False   # no region: every lexicon


def test_a_word_meaning_two_things_is_taken_only_where_it_is_unambiguous():
    one = Entry("son", "tidak", "not", "x", "kupang")
    other = Entry("son", "anak", "a son", "x", "english")
    assert build([one]).canonical("son") == "tidak"
    assert build([one, other]).canonical("son") == "son"
    both = Lexicons([("kupang", frozenset({"53"}), [one]), ("english", frozenset({"99"}), [other])])
    assert both.for_area("53.01").canonical("son") == "tidak"
    assert both.for_area(None).canonical("son") == "son"            # all lexicons: ambiguous, left alone


@pytest.mark.parametrize("data,fragment", [
    ({"entries": []}, "needs a name"),
    ({"name": "x", "provinces": ["8"]}, "two-digit"),
    ({"name": "x", "entries": [{"word": "a", "means": "b", "meaning": "c"}]}, "needs word, means"),
    ({"name": "x", "entries": [{"word": "a", "means": "b", "meaning": "c", "source": "nowhere"}]}, "not in sources"),
])
def test_a_broken_lexicon_file_is_refused_naming_the_problem(data, fragment):
    with pytest.raises(LexiconError, match=fragment):
        parse_lexicon(data, "x.yaml")


REFUSED = ["dua ratus lebih", "lebih dari 50", "hampir 40", "30-40", "30 sampai 40", "sepuluh lima", "10 5",
           "2,5", "setengah", "-4", "antara 20 dan 30", "50+", "kurang dari 10", "20 atau 30"]
WORDS = sorted({e.word for _, _, entries in LEXICONS.files for e in entries})


@settings(max_examples=300, deadline=None)
@given(refused=st.sampled_from(REFUSED), word=st.sampled_from(WORDS), before=st.booleans(),
       area=st.sampled_from([None, "81.05", "53.18", "11.01", "33.01"]))
def test_no_lexicon_word_turns_a_refusal_into_a_value(refused, word, before, area):
    text = f"{word} {refused}" if before else f"{refused} {word}"
    assert isinstance(parse_number(text, lexicon=LEXICONS.for_area(area)), Problem), text


def test_a_rare_word_is_shown_back_with_what_it_was_read_as(kader):
    from dataclasses import replace
    kader.contact = replace(kader.contact, area_code="53.18.01.2001")      # Sumba Barat Daya: Kupang Malay
    kader.say("menu"), kader.say("1"), kader.say("1"), kader.say("kemarin"), kader.say("Balai desa")
    kader.say("L 10 P 12"), kader.say("4")
    out = kader.say("son ada")
    assert "\"son\" dibaca sebagai \"tidak\". Benar?" in out
    assert "Silakan kirim foto" in kader.say("ya")
    assert kader.session["form"]["answers"]["disabled"] == 0


def test_a_common_dialect_word_is_taken_without_asking(kader):
    from dataclasses import replace
    kader.contact = replace(kader.contact, area_code="53.18.01.2001")
    kader.say("menu"), kader.say("1"), kader.say("1"), kader.say("kemarin"), kader.say("Balai desa")
    kader.say("L 10 P 12"), kader.say("4")
    assert "Silakan kirim foto" in kader.say("sonde ada")


# ---------------------------------------------------------------- the base words are data; no lexicon: all of them

def test_the_parsers_read_their_textbook_words_from_base_yaml():
    from flows.lexicon import BASE
    words = lexicon_files.read_base_words()
    assert BASE.yes == frozenset(words["yes"]) and BASE.months == words["months"]
    assert all(parse_yes_no(w) is True for w in words["yes"])
    assert all(parse_yes_no(w) is False for w in [*words["no"], *words["no_phrases"]])
    assert all(parse_number(w) == 0 for w in words["none"])
    assert all(parse_number(w) == n for w, n in words["units"].items())
    assert all(parse_number(w, maximum=10**7) == n for w, n in {**words["se_numbers"], **words["se_scales"]}.items())
    assert all(parse_number(f"dua {w}", maximum=10**7) == 2 * n for w, n in words["scales"].items())
    assert BASE.scales == words["scales"] and BASE.se_numbers == words["se_numbers"]
    assert all(parse_date(f"5 {m} 2024", NOW) == date(2024, n, 5) for m, n in words["months"].items())
    assert all(parse_men_women(f"{m} 10 perempuan 5") == (10, 5) for m in words["men"])
    assert all(parse_men_women(f"laki-laki 10 {w} 5") == (10, 5) for w in words["women"])
    # "anak-anak 20": the list's order reads "anak" first, as the Python pattern did; left as it was
    assert all(parse_number(f"{w} 20") == 20 for w in words["count_noise"] if w != "anak-anak")
    days = {d: parse_date(f"{d} lalu", NOW) for d in words["weekdays"]}
    assert isinstance(days.pop("minggu"), Problem)                 # "minggu lalu": last week or last Sunday? asked
    assert all(day.weekday() == words["weekdays"][d] for d, day in days.items())
    other_days = {**words["weekdays_en"], **words["weekday_typos"]}
    assert all(parse_date(f"{d} lalu", NOW).weekday() == n for d, n in other_days.items() if d not in ("minggu", "mggu"))
    assert all(parse_date(w, NOW) == NOW.date() - timedelta(days=n) for w, n in words["relative_days"].items())
    assert all(parse_date(w, NOW) == date(2024, 8, 14) for w in words["last_night"])
    evening = NOW.replace(hour=20)
    assert all(parse_date(w, NOW) == date(2024, 8, 14) and parse_date(w, evening) == NOW.date()
               for w in words["tonight"])


CONSENT = [("nama", ["Ya, boleh disebut namanya", "nama"]), ("anonim", ["Tidak, tanpa nama (anonim)", "anonim"])]


def test_the_choice_and_keyword_words_are_read_from_base_yaml():
    from flows.lexicon import BASE
    words = lexicon_files.read_base_words()
    assert BASE.greetings == frozenset(words["greetings"]) and BASE.abbreviations == words["abbreviations"]
    assert all(is_greeting(w) and is_keyword(w) for w in words["greetings"])
    assert all(is_keyword(w) and not is_greeting(w) for w in words["fillers"] if w not in words["greetings"])
    no, yes = Guess("anonim", "Tidak, tanpa nama (anonim)"), Guess("nama", "Ya, boleh disebut namanya")
    assert all(match_choice(f"{w} sebut nama", CONSENT) in ("anonim", no) for w in words["negators"])
    assert all(match_choice(f"{w} sebut nama", CONSENT) in ("nama", yes) for w in words["not_against"])
    assert all(match_choice(w, [("x", [m]), ("y", ["lainnya"])]) == "x" for w, m in words["abbreviations"].items())
    assert all(parse_men_women(f"laki-laki 10 {w} perempuan 5") == (10, 5) for w in words["pair_filler"])


def test_the_skip_words_are_read_from_base_yaml():
    from flows import filling
    words = frozenset(lexicon_files.read_base_words()["skip_none"])
    assert words <= filling._SKIP_WORDS and words <= filling.DONE_WORDS and "tidak perlu" in filling._SKIP_WORDS


def test_a_word_added_to_base_yaml_is_read_by_the_parsers():
    from flows.lexicon import BASE
    words = lexicon_files.read_base_words()
    assert isinstance(parse_yes_no("yoih"), Problem) and isinstance(parse_date("5 agsts 2024", NOW), Problem)
    try:
        BASE.load({**words, "yes": [*words["yes"], "yoih"], "months": {**words["months"], "agsts": 8}})
        assert parse_yes_no("yoih") is True and parse_date("5 agsts 2024", NOW) == date(2024, 8, 5)
    finally:
        BASE.load(words)


@pytest.mark.parametrize("words,fragment", [
    ({}, "needs words"),
    ({"words": {"yes": {"meaning": "yes", "source": "kbbi", "words": ["ya"]}}}, "words.no needs"),
])
def test_a_broken_base_word_list_is_refused_naming_it(words, fragment):
    from flows.lexicon import parse_base_words
    with pytest.raises(LexiconError, match=fragment):
        parse_base_words({"name": "base", "sources": {"kbbi": "KBBI"}, **words}, "base.yaml")


def test_without_a_lexicon_every_lexicon_applies_where_unambiguous(monkeypatch):
    from flows import lexicon
    assert parse_yes_no("io") is True and parse_yes_no("sonde") is False and parse_yes_no("seng") is False
    assert parse_number("dua pulu") == 20 and parse_number("sambilan") == 9
    assert parse_men_women("bapa-bapa 10 deng mama-mama 5") == (10, 5)
    assert parse_choice("kabun", SECTORS) == "pertanian"
    assert parse_choice("kobong", SECTORS) == "pertanian"      # Ambonese: a garden (found in a trial)
    assert parse_date("kamarin", NOW) == date(2024, 8, 14)
    assert isinstance(parse_number("dua pulu", lexicon=lexicon.NONE), Problem)      # NONE: the base words only
    one, other = Entry("son", "tidak", "not", "x", "kupang"), Entry("son", "anak", "a son", "x", "english")
    monkeypatch.setattr(lexicon, "_default", Lexicons([("kupang", frozenset({"53"}), [one]),
                                                       ("english", frozenset({"99"}), [other])]))
    assert isinstance(parse_yes_no("son"), Problem)          # two meanings in two lexicons: not taken


def test_the_default_does_not_depend_on_import_order():
    import subprocess
    import sys
    code = ("import flows, flows.answers, flows.numbers, flows.dates\n"
            "try:\n    flows.parse_yes_no('ya')\nexcept RuntimeError as e:\n    print('before', 'import bot' in str(e))\n"
            "import bot\nprint(flows.parse_yes_no('io'), flows.parse_number('dua pulu'), flows.parse_number('tujuh'))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True).stdout
    assert out.split() == ["before", "True", "True", "20", "7"]


def test_a_rare_local_name_of_an_option_is_shown_back(kader, monkeypatch):
    from dataclasses import replace
    rare = Entry("kabong", "pertanian", "a garden", "x", "ambon", "choice", rare=True)
    files = [*lexicon_files.read_files(), ("test", frozenset({"81"}), [rare])]
    assert Lexicons(files).for_area("81.05").rare_in("kabong", choice=True) == ("kabong", "pertanian")
    assert Lexicons(files).for_area("81.05").rare_in("kabong") is None        # not a choice: not read at all
    monkeypatch.setattr(lexicon_files, "lexicons", lambda *a: Lexicons(files))
    kader.contact = replace(kader.contact, area_code="81.05.08.2010")
    kader.say("menu"), kader.say("2"), kader.say("Kebun pala")
    assert "\"kabong\" dibaca sebagai \"pertanian\". Benar?" in kader.say("kabong")
    assert "Bagaimana keadaannya sekarang?" in kader.say("ya")


def _at_disabled(kader, area: str):
    from dataclasses import replace
    kader.contact = replace(kader.contact, area_code=area)
    kader.say("menu"), kader.say("1"), kader.say("1"), kader.say("kemarin"), kader.say("Balai desa")
    kader.say("L 10 P 12"), kader.say("4")
    assert kader.session["form"]["pos"] == ["disabled"]


ASKED = "Maksud Anda tidak ada, jadi jumlahnya 0?"


@pytest.mark.parametrize("area, text, asked", [
    ("81.05.08.2010", "seng", True),            # Ambonese "no" (Kilmury, Maluku): a tired kader's whole answer
    ("81.05.08.2010", "Seng.", True),
    ("81.05.08.2010", "seng pak", True),
    ("53.18.01.2001", "sonde", True),           # Kupang Malay (Sumba Barat Daya)
    ("33.01.01.2001", "gak", True),
    ("33.01.01.2001", "nggak bu", True),
    ("33.01.01.2001", "tdk", True),
    ("33.01.01.2001", "tidak", True),
    ("33.01.01.2001", "bukan", False),          # "it is not": says nothing about a number
    ("33.01.01.2001", "belum", False),          # not yet: perhaps not counted yet
    ("33.01.01.2001", "jangan", False),
    ("33.01.01.2001", "salah", False),
    ("33.01.01.2001", "tidak 5", False),
    ("33.01.01.2001", "tidak tahu", False),
])
def test_a_bare_no_at_a_count_is_shown_back_as_0_and_asked(kader, area, text, asked):
    _at_disabled(kader, area)
    out = kader.say(text)
    assert (ASKED in out) is asked, out
    assert "disabled" not in kader.session["form"]["answers"], "nothing is stored before the person says so"


@pytest.mark.parametrize("then, stored", [("ya", 0), ("seng ada", 0), ("seng ada pak", 0), ("tidak ada bu", 0),
                                          ("ya, tidak ada", 0), ("iyo", 0), ("3", 3), ("tidak", None),
                                          ("seng", None)])
def test_what_the_answer_to_none_so_0_stores(kader, then, stored):
    _at_disabled(kader, "81.05.08.2010")
    assert ASKED in kader.say("seng")
    out = kader.say(then)
    assert kader.session["form"]["answers"].get("disabled") == stored, out
    if stored is None:
        assert "Baik, mohon tulis jawaban yang benar." in out and kader.session["form"]["pos"] == ["disabled"]


@pytest.mark.parametrize("area, text", [("81.05.08.2010", "seng ada pak"), ("33.01.01.2001", "tidak ada bu"),
                                        ("33.01.01.2001", "nggak ada pak"), ("33.01.01.2001", "tidak ada")])
def test_none_said_politely_at_a_count_is_0(kader, area, text):
    _at_disabled(kader, area)
    out = kader.say(text)
    assert ASKED not in out and "Silakan kirim foto" in out
    assert kader.session["form"]["answers"]["disabled"] == 0


@pytest.mark.parametrize("text, area, expected", [
    ("tidak ada pak", None, 0), ("kosong bu", None, 0), ("nihil.", None, 0), ("seng ada pak", "81.05", 0),
    ("tidak ada 5", None, None), ("tidak pak", None, None), ("ada pak", None, None)])
def test_every_count_reads_none_said_politely_as_0(text, area, expected):
    """parse_number is the one reader of counts: none with polite words is 0 wherever a count is read; a bare no is
    not a number (the count question asks about it)."""
    got = parse_number(text, lexicon=LEXICONS.for_area(area))
    assert (None if isinstance(got, Problem) else got) == expected


@pytest.mark.parametrize("text, area, expected", [
    ("L 20 P tidak ada", None, (20, 0)), ("L tidak ada P 38", None, (0, 38)),
    ("laki-laki tidak ada, perempuan 38", None, (0, 38)), ("L 20 orang P tidak ada bu", None, (20, 0)),
    ("lk2 dua pulu, prmpn seng ada", "81.05", (20, 0)),        # Ambonese: "seng ada" (none) once read
    ("L 12 P sonde ada", "53.18", (12, 0)), ("laki-laki 5, parampuan sonde ada", "53.18", (5, 0)),   # Kupang Malay
    ("L 20 P kosong", None, (20, 0)), ("L 20 P ada 5", None, (20, 5)),
    ("L 20 P tidak", None, None), ("L 20 P 5 tidak ada", None, None),
    ("L 20 P belum ada", None, (20, 0))])           # as parse_number reads "belum ada" at a count
def test_none_in_one_half_of_a_men_and_women_count_is_0(text, area, expected):
    """"L 20 P tidak ada" was refused ("Mohon tulis jumlahnya dengan angka"): the pair reader dropped "ada" as a word
    around the numbers before the count reader saw "tidak". A bare "tidak" in a half stays not a number."""
    got = parse_men_women(text, lexicon=LEXICONS.for_area(area))
    assert (None if isinstance(got, Problem) else got) == expected


def test_a_kader_who_says_no_women_came_is_taken_at_the_attendance_question(kader):
    from dataclasses import replace
    kader.contact = replace(kader.contact, area_code="81.05.08.2010")         # Kilmury, Seram: Ambonese
    for text in ("menu", "1", "1", "kamarin", "Baileo negeri"):
        kader.say(text)
    out = kader.say("laki2 dua pulu, parampuang seng ada")
    assert "Mohon tulis" not in out, out
    answers = kader.session["form"]["answers"]
    assert (answers.get("men"), answers.get("women")) == (20, 0), answers


@pytest.mark.parametrize("text, pair, numbers", [
    ("laki2 dua puluh, cewe2 tiga", (20, 3), [20, 3]),      # "cewe2" (the girls): its 2 doubles the word
    ("cowo 12 cewe 9", (12, 9), [12, 9]),
    ("laki2 20 prmpuan 15", None, [20, 15]),                 # a misspelt "perempuan": asked, with 20 and 15 only
    ("kader2 ada 7", None, [7]),
    ("l2 p3", (2, 3), [2, 3]),                               # one letter and a digit: a count, as always
    ("rt12", None, [12]),
    ("lk 3 prp2", (3, 2), [3]), ("cowok 3 cewek2", (3, 2), [3]), ("ce2 co3", (3, 2), [3]),   # the 2 is a count here
    ("kelas2", None, [2])])
def test_a_2_written_after_a_word_doubles_it_unless_it_is_the_only_count_there(text, pair, numbers):
    got = parse_men_women(text)
    assert (None if isinstance(got, Problem) else got) == pair
    assert numbers_in(text) == numbers


@pytest.mark.parametrize("text, area, asked", [
    ("parampuang 15 laki2", "81.05.08.2010", True),   # both named, one number: was stored as 15 men
    ("pr2 15 lk2", "33.01.01.2001", True),
    ("lk2 pr2 20", "33.01.01.2001", True),            # 20 altogether
    ("total 35", "33.01.01.2001", True),               # everyone: was stored as 35 men
    ("semua 35 org", "33.01.01.2001", True),
    ("jumlahnya 20 orang", "33.01.01.2001", False),    # "the number is 20": the men's count
    ("sebanyak 20 org", "33.01.01.2001", False),
    ("laki2 20", "33.01.01.2001", False)])
def test_an_answer_for_both_or_for_everyone_at_the_mens_count_is_not_stored_as_men(kader, text, area, asked):
    from dataclasses import replace
    kader.contact = replace(kader.contact, area_code=area)
    for t in ("menu", "1", "1", "kemarin", "Balai desa"):
        kader.say(t)
    out = kader.say(text)
    answers = kader.session["form"]["answers"]
    if asked:
        assert "Pertanyaan ini tentang laki-laki" in out and "men" not in answers, (out, answers)
    else:
        assert answers.get("men") == 20, (out, answers)

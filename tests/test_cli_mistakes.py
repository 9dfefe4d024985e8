"""A typo on the command line, in every `pantau` command group: one Indonesian line that names the mistake,
the closest valid word and where the help is; exit code 2; never a traceback or an English argparse word."""
import pytest

from bot.cli.main import main

TYPOS = [
    (["round", "add"], ["argumen berikut wajib diisi: --name, --start, --due", "`pantau round add --help`"]),
    (["round", "add", "--name", "Juli 2024"], ["wajib diisi: --start, --due"]),
    (["round", "ad"], ["pilihan 'ad' tidak ada", "Maksud Anda 'add'?"]),
    (["invite", "--role", "kadr"], ["argumen --role: pilihan 'kadr' tidak ada", "Maksud Anda 'kader'?",
                                    "`pantau invite --help`"]),
    (["invite", "--area"], ["argumen --area: perlu satu nilai"]),
    (["invite", "--days", "seminggu"], ["argumen --days: nilai 'seminggu' bukan angka yang sah"]),
    (["sumary"], ["pilihan 'sumary' tidak ada", "Maksud Anda 'summary'?", "`pantau --help`"]),
    (["roster"], ["wajib diisi", "perintahnya: import", "`pantau roster --help`"]),
    (["roster", "import"], ["wajib diisi: BERKAS"]),
    (["summary"], ["wajib diisi: --area"]),
    (["export", "--area", "81.05"], ["wajib diisi: --out"]),
    (["contact", "aprove", "Siti"], ["Maksud Anda 'approve'?"]),
    (["program"], ["perintahnya: add, list, areas, member"]),
    (["form", "improt"], ["Maksud Anda 'import'?"]),
    (["kata", "ajar"], ["wajib diisi"]),
    (["webhook", "remove", "satu"], ["argumen ID: nilai 'satu' bukan angka yang sah"]),
    (["opd", "ad"], ["Maksud Anda 'add'?"]),
    (["outbox", "--limit", "-1"], ["argumen --limit: nilai '-1' harus angka 1 atau lebih"]),
    (["outbox", "--limit", "semua"], ["argumen --limit: nilai 'semua' bukan angka yang sah"]),
    (["kata", "--batas", "0"], ["argumen --batas: nilai '0' harus angka 1 atau lebih"]),
    (["outbox", "--status", "terkirim"], ["argumen --status: pilihan 'terkirim' tidak ada"]),
    (["serve", "--port", "delapan"], ["bukan angka yang sah"]),
    (["remind", "--dry-rn"], ["argumen tidak dikenal: --dry-rn"]),
    (["chat", "--jsonl", "x"], ["argumen tidak dikenal: x"]),
    (["api-client"], ["wajib diisi"]),
]


@pytest.mark.parametrize("argv,says", TYPOS, ids=[" ".join(a) for a, _ in TYPOS])
def test_a_typo_is_one_indonesian_line_with_exit_code_2(argv, says, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("PANTAU_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LANG", "id_ID.UTF-8")
    for name in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SystemExit) as stop:
        main(argv)
    err = capsys.readouterr().err
    assert stop.value.code == 2
    assert len(err.strip().splitlines()) == 1, err             # no usage block before it
    assert "argument" not in err and "invalid" not in err and " int " not in err and "Traceback" not in err
    for s in says:
        assert s in err, (s, err)


def test_english_with_lang_en(capsys, monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    for name in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SystemExit):
        main(["invite", "--role", "kadr"])
    err = capsys.readouterr().err
    assert "Did you mean 'kader'?" in err and "See `pantau invite --help`." in err
    import argparse
    import gettext
    argparse._ = gettext.gettext


@pytest.mark.parametrize("argv,says", [
    (["invite", "revoke"], "Kode mana yang dibatalkan?"),                    # was "Kode None tidak ada."
    (["invite", "--role", "kader", "--area", "81.05.08.2001", "--days", "-3"], "--days -3: masa berlaku"),
    (["invite", "--role", "kader", "--area", "81.05.08.2001", "--days", "0"], "--days 0: masa berlaku"),
    (["contact", "waiting", "--area", "Bogor"], "Wilayah 'Bogor' ada 5"),     # was: every area's waiting kader
    (["contact", "waiting", "--area", "Zzzkota"], "Wilayah 'Zzzkota' tidak ditemukan"),
])
def test_invite_and_contact_mistakes_are_refused_before_anything_is_stored(argv, says, capsys, monkeypatch,
                                                                              tmp_path):
    monkeypatch.setenv("PANTAU_DATA_DIR", str(tmp_path))
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert says in err and len(err.strip().splitlines()) == 1, err
    assert not list(tmp_path.iterdir())                       # refused before the database was opened

"""The CLI as an M&E officer meets it: every mistake is one Indonesian line naming the file, row or field and
the fix, with exit code 2 — never a traceback; rosters as Indonesian Excel saves them."""
import json

import pytest

from bot import catalog
from bot.cli.roster import read_rows, validate
from tests.test_cli_e2e import run


def one_line_error(proc, *says):
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    for s in says:
        assert s in proc.stderr, (s, proc.stderr)


def test_round_files_and_arguments(cli_env, tmp_path):
    one_line_error(run(cli_env, "round", "import", str(tmp_path / "tidak-ada.yaml"), check=False),
                   "tidak-ada.yaml", "tidak ada")
    cases = {
        "rusak.yaml": ("- {name: Juli, start: 2024-07-01\n", ("rusak.yaml", "YAML")),
        "peta.yaml": ("name: Juli 2024\nstart: 2024-07-01\ndue: 2024-07-31\n", ("peta.yaml", "daftar putaran")),
        "tanggal.yaml": ("- {name: Juli 2024, start: 2024-07-01, due: 31-07-2024}\n",
                         ("tanggal.yaml: putaran ke-1 ('Juli 2024')", "due", "YYYY-MM-DD")),
        "nama.yaml": ("- {start: 2024-07-01, due: 2024-07-31}\n", ("nama.yaml: putaran ke-1", "name kosong")),
        "latin1.yaml": (None, ("latin1.yaml", "UTF-8")),
    }
    for name, (content, says) in cases.items():
        path = tmp_path / name
        if content is None:
            path.write_bytes("- {name: Juli Café, start: 2024-07-01, due: 2024-07-31}\n".encode("cp1252"))
        else:
            path.write_text(content, encoding="utf-8")
        proc = run(cli_env, "round", "import", str(path), check=False)
        one_line_error(proc, *says)
        assert "{'" not in proc.stderr               # no Python objects in messages
    one_line_error(run(cli_env, "round", "add", "--name", "X", "--start", "2024-08-01", "--due", "2024-07-01",
                       check=False), "sebelum start")


def test_summary_refuses_unknown_rounds_and_areas_listing_what_exists(cli_env):
    run(cli_env, "round", "add", "--name", "Juli 2024", "--start", "2024-07-01", "--due", "2024-07-31")
    run(cli_env, "round", "add", "--name", "Oktober 2024", "--start", "2024-10-01", "--due", "2024-10-31")
    one_line_error(run(cli_env, "summary", "--area", "81.05", "--round", "September", check=False),
                   "'September' tidak ada", "'Juli 2024', 'Oktober 2024'")
    one_line_error(run(cli_env, "summary", "--area", "Sukamaju", check=False),
                   "ada 66", "73.22.06 Kec. Sukamaju")
    one_line_error(run(cli_env, "summary", "--area", "Bogor", check=False), "32.01 Kab. Bogor", "32.71 Kota Bogor")
    one_line_error(run(cli_env, "summary", "--area", "81.05", "--from", "13-08-2024", check=False), "--from",
                   "YYYY-MM-DD")
    for typed in ("Kab. Bogor", "Kabupaten Bogor", "kabupaten  bogor"):
        assert json.loads(run(cli_env, "summary", "--area", typed, "--json").stdout)["area"]["code"] == "32.01"
    assert json.loads(run(cli_env, "summary", "--area", "Kota Bogor", "--json").stdout)["area"]["code"] == "32.71"
    printed = run(cli_env, "summary", "--area", "81.05", "--from", "2024-08-13", "--to", "2024-08-14").stdout
    assert "dari 13 Agustus 2024, sampai 14 Agustus 2024" in printed


def test_roster_errors_name_the_file(cli_env, tmp_path):
    one_line_error(run(cli_env, "roster", "import", str(tmp_path / "x.csv"), check=False), "x.csv", "tidak ada")
    bad = tmp_path / "rusak.xlsx"
    bad.write_bytes(b"not a zip")
    one_line_error(run(cli_env, "roster", "import", str(bad), check=False), "rusak.xlsx", "Excel")


ROSTER = ("nama;peran;desa;kecamatan;telepon\r\n"
          "Siti Aminah;kader;Kilmury;Kilmury;081234567001\r\n"
          "Ibu Nurhayati Pérez;kader;Bula;Bula;081234567002\r\n")


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig", "utf-8"])
@pytest.mark.parametrize("sep", [";", ","])
def test_roster_csv_as_indonesian_excel_saves_it(tmp_path, encoding, sep):
    path = tmp_path / "roster.csv"
    path.write_bytes(ROSTER.replace(";", sep).encode(encoding))
    good, errors = validate(read_rows(path), catalog.area_index())
    assert errors == []
    assert [(r.name, r.area_code) for r in good] == [("Siti Aminah", "81.05.08.2010"),
                                                      ("Ibu Nurhayati Pérez", "81.05.01.2003")]


def test_roster_row_with_an_ambiguous_area_lists_candidates(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("nama;peran;desa;telepon\nAni;kader;Sukamaju;081234567003\n", encoding="utf-8")
    good, errors = validate(read_rows(path), catalog.area_index())
    assert good == [] and len(errors) == 1
    assert errors[0].startswith("baris 2: wilayah 'Sukamaju' ada") and "12.06.04.2023" in errors[0]


def test_reminders_go_on_the_channel_people_use_and_the_outbox_shows_them(cli_env, tmp_path):
    run(cli_env, "round", "add", "--name", "Agustus 2024", "--start", "2024-08-01", "--due", "2024-08-18")
    roster = tmp_path / "roster.csv"
    roster.write_text("nama;peran;kode_wilayah;telepon\nSiti Aminah;kader;81.05.08.2010;081234567001\n"
                      "Budi Santoso;kader;81.05.01.2003;081234567002\n", encoding="utf-8")
    run(cli_env, "roster", "import", str(roster))
    run(cli_env, "chat", "--as", "081234567001", "--jsonl", stdin="halo\n")   # Siti writes from the terminal
    dry = run(cli_env, "remind", "--dry-run").stdout
    siti = next(line for line in dry.splitlines() if "Siti Aminah" in line)
    budi = next(line for line in dry.splitlines() if "Budi Santoso" in line)
    assert "terminal +62812…01" in siti and "pengingat sebelum batas, putaran Agustus 2024" in siti
    assert "whatsapp" not in dry and "TIDAK dikirim" in budi
    assert "pemantauan" not in run(cli_env, "outbox", "--status", "queued").stdout   # a dry run queues nothing
    real = run(cli_env, "remind")
    assert "1 pengingat/ringkasan diantrekan" in real.stdout and "Budi Santoso" in real.stderr
    queued = [line for line in run(cli_env, "outbox", "--status", "queued").stdout.splitlines()
              if "pemantauan" in line]
    assert len(queued) == 1 and " terminal +62812…01 Siti Aminah" in queued[0] and "antre" in queued[0]
    assert "Tidak ada pesan keluar" in run(cli_env, "outbox", "--to", "081234567002").stdout
    assert "Siti Aminah" in run(cli_env, "outbox", "--to", "081234567001").stdout


def _helps(p):
    """The help text of every command and option, recursively."""
    import argparse
    out = [p.format_help()]
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                out += _helps(sub)
    return out


def test_help_is_indonesian_and_english_with_lang_en(monkeypatch):
    import argparse

    from bot.cli.main import parser
    monkeypatch.setenv("LANG", "id_ID.UTF-8")
    for name in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    indonesian = _helps(parser())
    assert len(indonesian) > 12
    for page in indonesian:
        assert "cara pakai:" in page and "usage:" not in page and "show this help" not in page
        assert " from " not in page and "queue the" not in page and "chat in the terminal" not in page
    export = next(h for h in indonesian if h.startswith("cara pakai: pantau export"))
    assert "wilayah: kode Kemendagri atau nama" in export and "BERKAS.zip" in export
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    english = _helps(parser())
    assert all("usage:" in page for page in english)
    export = next(h for h in english if h.startswith("usage: pantau export"))
    assert "area: Kemendagri code or name" in export
    argparse._ = __import__("gettext").gettext

    def every_option(p):
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    yield from every_option(sub)
            else:
                yield p.prog, action
    missing = [(prog, a.dest) for prog, a in every_option(parser()) if not a.help]
    assert missing == []                                        # every option explained

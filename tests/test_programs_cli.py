"""`pantau program …` and `--program` on invite, round, summary, export (issue 25), through the real command."""
import json

from .test_cli_e2e import run

SENGON = "33.10.01.2001"


def test_programs_their_desa_and_invites_from_the_command_line(cli_env, tmp_path):
    run(cli_env, "program", "add", "pkh", "--name", "Program Keluarga Harapan", "--agency", "Dinas Sosial")
    assert "ditambahkan" in run(cli_env, "program", "add", "kotaku", "--name", "Kotaku").stdout
    assert "diubah" in run(cli_env, "program", "add", "kotaku", "--name", "Kota Tanpa Kumuh").stdout
    listed = run(cli_env, "program", "list").stdout
    assert "utama  Program utama" in listed and "pkh  Program Keluarga Harapan, Dinas Sosial" in listed
    assert "kotaku  Kota Tanpa Kumuh" in listed
    assert "1 desa ditambahkan" in run(cli_env, "program", "areas", "pkh", "add", SENGON).stdout
    bkm = tmp_path / "bkm.csv"
    bkm.write_text("kode;kode_bkm\n33.10.01.2001;BKM-01\n33.10.01.2002;BKM-02\n", encoding="utf-8")
    assert "2 desa ditambahkan" in run(cli_env, "program", "areas", "kotaku", "add", "--from", str(bkm)).stdout
    assert "2 desa" in run(cli_env, "program", "list").stdout
    assert run(cli_env, "program", "areas", "kotaku", "list").stdout.count("33.10.01.") == 2
    assert "1 desa dihapus" in run(cli_env, "program", "areas", "kotaku", "remove", "33.10.01.2002").stdout
    # invites of one program, and of every program for the forum
    out = run(cli_env, "invite", "--role", "koordinator", "--area", "33.10", "--program", "pkh").stdout
    assert "program pkh" in out
    assert "program *" in run(cli_env, "invite", "--role", "koordinator", "--area", "33.10", "--program", "*").stdout
    chat_replies = run(cli_env, "roster", "import", str(_roster(tmp_path)))
    assert "1 kontak diimpor" in chat_replies.stdout
    out = run(cli_env, "program", "member", "kotaku", "Sri Lestari", "--role", "kader", "--area", SENGON).stdout
    assert "program kotaku ditambahkan" in out
    assert "sudah ada" in run(cli_env, "program", "member", "kotaku", "Sri Lestari", "--role", "kader", "--area",
                               SENGON).stdout
    run(cli_env, "round", "add", "--name", "Agustus 2024", "--start", "2024-08-01", "--due", "2024-08-31",
        "--program", "pkh")
    # a round name is unique per program: Kotaku has its own "Agustus 2024", with its own dates
    assert "1 putaran disimpan" in run(cli_env, "round", "add", "--name", "Agustus 2024", "--start", "2024-08-05",
                                       "--due", "2024-09-10", "--program", "kotaku").stdout
    kotaku = json.loads(run(cli_env, "summary", "--area", "33.10", "--program", "kotaku", "--round", "Agustus 2024",
                            "--json").stdout)
    assert kotaku["monitoring"]["desa_expected"] == 1
    # Kotaku's kader use the meeting form only
    assert "1 formulir dipakai oleh kader program kotaku" in run(
        cli_env, "program", "forms", "kotaku", "add", "pertemuan", "--role", "kader").stdout
    assert "kader: pertemuan" in run(cli_env, "program", "forms", "kotaku", "list").stdout
    assert "memakai semua formulir" in run(cli_env, "program", "forms", "pkh", "list").stdout
    bad = run(cli_env, "program", "forms", "kotaku", "add", "absen", "--role", "kader", check=False)
    assert bad.returncode == 2 and "Formulir tidak dikenal: absen" in bad.stderr
    summary = json.loads(run(cli_env, "summary", "--area", "33.10", "--program", "pkh", "--json").stdout)
    assert summary["monitoring"]["desa_expected"] == 1 and summary["monitoring"]["desa_missing"] == [SENGON]
    across = run(cli_env, "summary", "--area", "33.10", "--lintas-program").stdout
    assert "pkh" in across.splitlines()[1] and "kotaku" in across.splitlines()[1]
    out = tmp_path / "pkh.xlsx"
    run(cli_env, "export", "--area", "33.10", "--program", "pkh", "--out", str(out))
    assert out.stat().st_size > 0


def _roster(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(f"nama,peran,kode,telepon\nSri Lestari,kader,{SENGON},081234567801\n", encoding="utf-8")
    return path


def test_mistakes_get_one_clear_line(cli_env, tmp_path):
    bad = run(cli_env, "summary", "--area", "33.10", "--program", "pkh", check=False)
    assert bad.returncode == 2 and "Program 'pkh' tidak ada. Program yang ada: utama" in bad.stderr
    bad = run(cli_env, "program", "add", "PKH Klaten", "--name", "x", check=False)
    assert bad.returncode == 2 and "huruf kecil" in bad.stderr
    run(cli_env, "program", "add", "pkh", "--name", "PKH")
    bad = run(cli_env, "program", "areas", "pkh", "add", "Desa Tidak Ada Sama Sekali", check=False)
    assert bad.returncode == 2 and "tidak ada yang diubah" in bad.stderr
    bad = run(cli_env, "round", "add", "--name", "x", "--start", "2024-08-01", "--due", "2024-08-31",
              "--program", "*", check=False)
    assert bad.returncode == 2 and "hanya untuk undangan forum" in bad.stderr

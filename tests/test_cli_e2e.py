"""End to end through the real command: `pantau chat --jsonl`, `pantau summary --json`, invite, roster, round."""
import json
import subprocess
import sys

from .images import image_bytes

PANTAU = [sys.executable, "-m", "bot.cli"]


def run(env, *args, stdin=None, check=True):
    proc = subprocess.run([*PANTAU, *args], input=stdin, capture_output=True, text=True, env=env, timeout=300)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def chat(env, sender, *messages):
    """Send messages in one process; return one list of replies per message (exactly one JSON line each)."""
    lines = [m if isinstance(m, str) else json.dumps(m) for m in messages]
    out = run(env, "chat", "--as", sender, "--jsonl", stdin="\n".join(lines) + "\n").stdout.splitlines()
    assert len(out) == len(messages), out
    return [json.loads(line)["replies"] for line in out]


def text(replies) -> str:
    return "\n".join(r["text"] + "".join(f"\n{i}. {c}" for i, c in enumerate(r["choices"], 1)) for r in replies)


KADER = "081234567890"


def test_a_cadre_reports_everything_and_the_summary_adds_up(cli_env, tmp_path):
    run(cli_env, "round", "add", "--name", "Juli 2024", "--start", "2024-07-01", "--due", "2024-08-31")
    photo = tmp_path / "daftar_hadir.jpg"
    photo.write_bytes(image_bytes("an attendance sheet"))
    r = chat(cli_env, KADER, "halo", "Siti Aminah", "1", "Kilmury, Kilmury", "ya",
             "1", "musyawarah desa", "kemarin", "Balai desa", "L 79 P 38", "20", "2", {"photo": str(photo)})
    assert "Desa Kilmury, Kec. Kilmury, Kab. Seram Bagian Timur, Maluku" in text(r[3])
    assert "Jumlah peserta: 117 orang" in text(r[9])
    # the person stops here; the program is closed; later they come back and continue
    r = chat(cli_env, "+6281234567890", "Dihadiri kepala desa", "kirim")
    assert "Foto daftar hadir: foto terlampir" in text(r[0])
    assert "tersimpan" in text(r[1])
    r = chat(cli_env, KADER, "2", "Kebun sayur kelompok wanita", "pertanian", "sebagian", "bibit terlambat",
             "1, 4", "bibit sayur", "L 10 P 25", "Tenun ikat", "4", "1", "tidak perlu", "lewati", "lewati",
             "selesai", "kirim")
    assert "Putaran: Juli 2024" in text(r[0]) and "tersimpan" in text(r[-1])
    r = chat(cli_env, KADER, "3", "komunitas", "Ibu-ibu kini ikut musyawarah desa.", "Kelompok tenun",
             "Suara kami didengar.", "sejak Juni 2024", "ya", "saya sendiri", "lewati", "kirim")
    assert "- Pencerita: saya sendiri" in text(r[-2]) and "tersimpan" in text(r[-1])
    # correction: women were 40, not 38
    r = chat(cli_env, KADER, "ubah", "pertemuan", "perempuan", "40", "kirim")
    assert "Laporan pertemuan — Musyawarah desa, 14 Agustus 2024" in text(r[0])
    assert "Cerita perubahan" in text(r[0])
    assert "perbaikan ke-1" in text(r[-1])
    summary = json.loads(run(cli_env, "summary", "--area", "Seram Bagian Timur", "--json").stdout)
    # she registered herself: her reports count apart until approved (issue 12)
    assert summary["meetings"]["total"]["meetings"] == 0
    assert summary["unverified"] == {"cerita": 1, "pemantauan": 1, "pertemuan": 1}
    assert "Siti Aminah (kader, Desa Kilmury" in run(cli_env, "contact", "approve", "Siti Aminah").stdout
    summary = json.loads(run(cli_env, "summary", "--area", "Seram Bagian Timur", "--json").stdout)
    meetings = summary["meetings"]["total"]
    assert meetings["meetings"] == 1 and meetings["participants"] == 119
    assert (meetings["men"], meetings["women"], meetings["youth"], meetings["disabled"]) == (79, 40, 20, 2)
    assert meetings["percent_women"] == 33.6
    mon = summary["monitoring"]
    assert mon["desa_reported"] == 1 and mon["desa_expected"] == 1 and mon["activities"] == 2
    assert mon["by_status"] == {"sebagian": 1, "berjalan": 1}
    assert mon["top_obstacles"] == [["bibit terlambat", 1]]
    assert mon["support_from"] == {"desa": 1, "mitra": 1}
    assert summary["stories"]["total"] == 1
    printed = run(cli_env, "summary", "--area", "81.05", "--round", "Juli 2024").stdout
    assert "119 peserta" in printed and "1 dari 1 desa sudah melapor" in printed
    elsewhere = json.loads(run(cli_env, "summary", "--area", "32.01", "--json").stdout)
    assert elsewhere["meetings"]["total"]["meetings"] == 0


def test_a_duplicate_jsonl_message_id_is_answered_once(cli_env):
    r = chat(cli_env, "dup-user", {"id": "x1", "text": "halo"}, {"id": "x1", "text": "halo"})
    assert r[0] and r[1] == []


def test_koordinator_registers_with_an_invite_code(cli_env):
    out = run(cli_env, "invite", "--role", "koordinator", "--area", "81.05").stdout
    code = out.strip().split()[-1]
    assert "Kab. Seram Bagian Timur" in out and len(code) == 8
    r = chat(cli_env, "+628111000111", "halo", "Yusuf", "3", "SALAH123", code.lower())
    assert "tidak dikenal" in text(r[3])
    assert "Koordinator program di Kab. Seram Bagian Timur, Maluku" in text(r[4])
    r = chat(cli_env, "+628111000222", "halo", "Lain", "3", code)   # an invite is used once
    assert "sudah dipakai" in text(r[3])


def test_roster_import_is_all_or_nothing_with_a_row_report(cli_env, tmp_path):
    csv = tmp_path / "roster.csv"
    csv.write_text("nama,peran,kode_wilayah,telepon\n"
                   "Siti,kader,81.05.08.2010,081234567001\n"
                   "Budi,fasilitator,81.05.15,+6281234567002\n"
                   "X,kader,99.99,123\n", encoding="utf-8")
    bad = run(cli_env, "roster", "import", str(csv), check=False)
    assert bad.returncode == 2 and "roster.csv: baris 4" in bad.stderr and "tidak ada yang diimpor" in bad.stderr
    ok = run(cli_env, "roster", "import", str(csv), "--skip-invalid")
    assert "2 kontak diimpor" in ok.stdout
    r = chat(cli_env, "+6281234567001", "halo")      # already registered by the roster: straight to the menu
    assert "Halo, Siti" in text(r[0]) and "Laporan pertemuan" in text(r[0])


def test_roster_from_excel(cli_env, tmp_path):
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(["name", "role", "desa", "kecamatan", "phone"])
    ws.append(["Ani", "kader", "Kilmury", "Kilmury", "081234567003"])
    wb.save(tmp_path / "roster.xlsx")
    assert "1 kontak diimpor" in run(cli_env, "roster", "import", str(tmp_path / "roster.xlsx")).stdout


def test_unknown_area_is_a_clear_error(cli_env):
    proc = run(cli_env, "summary", "--area", "Negeri Antah Berantah", check=False)
    assert proc.returncode == 2 and "tidak ditemukan" in proc.stderr


def test_export_to_excel_and_csv_from_the_cli(cli_env, tmp_path):
    run(cli_env, "round", "add", "--name", "Juli 2024", "--start", "2024-07-01", "--due", "2024-08-31")
    chat(cli_env, KADER, "halo", "Siti Aminah", "1", "Kilmury, Kilmury", "ya", "1", "1", "kemarin", "Balai desa",
         "L 79 P 38", "20", "2", "lewati", "lewati", "kirim")
    out = tmp_path / "sbt.xlsx"
    run(cli_env, "export", "--area", "81.05", "--round", "Juli 2024", "--out", str(out))
    from openpyxl import load_workbook
    wb = load_workbook(out)
    assert wb.sheetnames == ["Ringkasan per wilayah", "Pertemuan", "Pemantauan", "Cerita perubahan",
                             "Matriks rekomendasi", "Kelengkapan", "Tindak lanjut", "Seleksi cerita"]
    [row] = list(wb["Pertemuan"].iter_rows(values_only=True))[2:]     # variable names, labels, then the rows
    assert row[:2] == ("81.05.08.2010", "Kilmury") and 79 in row and 117 in row
    [complete] = list(wb["Kelengkapan"].iter_rows(values_only=True))[1:]
    assert "Belum melapor" in complete
    run(cli_env, "export", "--area", "81.05", "--out", str(tmp_path / "sbt.zip"))
    import zipfile
    with zipfile.ZipFile(tmp_path / "sbt.zip") as zf:
        assert "Balai desa" in zf.read("pertemuan.csv").decode("utf-8-sig")
        assert "cerita_perubahan.csv" in zf.namelist()
    run(cli_env, "export", "--area", "81.05", "--sheet", "pertemuan", "--out", str(tmp_path / "p.csv"))
    assert "Balai desa" in (tmp_path / "p.csv").read_text(encoding="utf-8-sig")
    assert not (tmp_path / "p").exists()
    for target, says in (("x.csv", "--sheet"), ("x.pdf", ".xlsx"), ("nope/dir/x.xlsx", "tidak ada")):
        proc = run(cli_env, "export", "--area", "81.05", "--out", str(tmp_path / target), check=False)
        assert proc.returncode == 2 and says in proc.stderr and "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "nope").exists() and not (tmp_path / "x.pdf").exists()
    proc = run(cli_env, "export", "--area", "81.05", "--sheet", "Foo", "--out", str(tmp_path / "f.csv"), check=False)
    assert proc.returncode == 2 and "'Pertemuan'" in proc.stderr
    assert run(cli_env, "export", "--area", "81.05", "--round", "Tidak Ada", "--out", str(out), check=False).returncode == 2


def test_serve_refuses_to_start_with_wrong_settings(cli_env):
    env = {**cli_env, "TWILIO_ACCOUNT_SID": "AC123", "TWILIO_AUTH_TOKEN": "x"}
    proc = run(env, "serve", check=False)
    assert proc.returncode != 0 and "TWILIO_ACCOUNT_SID" in proc.stderr and "32 hex" in proc.stderr


def test_rounds_from_a_config_file_with_their_own_schedule(cli_env, tmp_path):
    good = tmp_path / "rounds.yaml"
    good.write_text("- {name: Juli 2024, start: 2024-07-01, due: 2024-07-31, schedule: {before_days: [5, 2], hour: 9}}\n"
                    "- {name: Oktober 2024, start: 2024-10-01, due: 2024-10-31}\n", encoding="utf-8")
    assert "2 putaran disimpan" in run(cli_env, "round", "import", str(good)).stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("- {name: X, start: 2024-07-01, due: 2024-07-31, schedule: {jam: 9}}\n", encoding="utf-8")
    proc = run(cli_env, "round", "import", str(bad), check=False)
    assert proc.returncode == 2 and "jam" in proc.stderr

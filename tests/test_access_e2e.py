"""Issue 12, end to end through the real command (`pantau chat --jsonl`, `pantau invite`, `pantau
summary`, `pantau contact`): a stranger tries to become fasilitator without an invite, with a used
and with an expired invite, and tries to overwrite a report. Each gets a clear Indonesian answer and
nothing changes."""
import json
from datetime import timedelta

from .conftest import NOW
from .test_cli_e2e import chat, run, text

FASIL, SITI, STRANGER = "+6281200000100", "+6281200000101", "+6281299999999"
MEETING = ["1", "1", "14/8/2024", "Balai desa", "L 79 P 38", "20", "2", "lewati", "lewati", "kirim"]
OVERWRITE = ["1", "1", "14/8/2024", "Balai desa", "L 1 P 1", "0", "0", "lewati", "lewati", "kirim"]


def code_of(out: str) -> str:
    return out.strip().split()[-1]


def test_a_stranger_gets_no_role_and_changes_nothing(cli_env):
    used = code_of(run(cli_env, "invite", "--role", "fasilitator", "--area", "81.05.08").stdout)
    stale = code_of(run(cli_env, "invite", "--role", "fasilitator", "--area", "81.05.08", "--days", "7").stdout)
    r = chat(cli_env, FASIL, "halo", "Pak Fasil", "2", used)
    assert "terdaftar sebagai Fasilitator kecamatan di Kec. Kilmury" in text(r[3])
    r = chat(cli_env, SITI, "halo", "Siti Aminah", "1", "Kilmury, Kilmury", "ya")
    assert "belum diverifikasi" in text(r[4])
    r = chat(cli_env, FASIL, "ya")                        # the question pushed to him: Siti is approved
    assert "Siti Aminah sudah disetujui" in text(r[0])
    r = chat(cli_env, SITI, *MEETING)
    assert "tersimpan" in text(r[-1])

    later = {**cli_env, "PANTAU_NOW": (NOW + timedelta(days=8)).isoformat()}    # the second code has expired
    r = chat(later, STRANGER, "halo", "Orang Asing", "2", "Kilmury, Seram Bagian Timur", "ringkasan", used, stale)
    assert "Peran ini diberikan lewat undangan" in text(r[2])
    assert "Kode undangan tidak dikenal" in text(r[3]) and "Kode undangan tidak dikenal" in text(r[4])
    assert "Ringkasan" not in text(r[4])
    assert "Kode undangan ini sudah dipakai" in text(r[5])
    assert "Kode undangan ini sudah kedaluwarsa" in text(r[6])
    # as a self-registered kader of the same desa, the same meeting with other figures
    r = chat(later, STRANGER, "kembali", "1", "Kilmury, Kilmury", "ya", *OVERWRITE)
    assert "terdaftar sebagai Kader desa" in text(r[3])
    said = text(r[-1])
    assert "sudah dikirim oleh Siti Aminah" in said and "tidak menimpanya" in said and "menggantikan" not in said
    r = chat(later, STRANGER, "ubah")
    assert "Anda belum mengirim laporan" in text(r[0])    # Siti's report is not theirs to correct
    r = chat(later, STRANGER, "unduh")
    assert "untuk fasilitator dan koordinator" in text(r[0])

    summary = json.loads(run(later, "summary", "--area", "81.05", "--json").stdout)
    assert summary["meetings"]["total"]["participants"] == 117 and summary["meetings"]["total"]["men"] == 79
    listed = run(later, "invite", "list").stdout
    assert f"{used}  fasilitator" in listed and "sudah dipakai oleh Pak Fasil" in listed
    assert f"{stale}  fasilitator" in listed and "kedaluwarsa" in listed
    waiting = run(later, "contact", "waiting", "--area", "81.05").stdout
    assert "Orang Asing" in waiting and "1 kader menunggu" in waiting
    out = run(later, "contact", "disable", STRANGER).stdout
    assert "Orang Asing (kader, Desa Kilmury" in out and "dinonaktifkan" in out
    r = chat(later, STRANGER, "halo")
    assert "sudah tidak aktif" in text(r[0])
    assert "dibatalkan" in run(later, "invite", "revoke", stale).stdout

"""`pantau summary` and `pantau export` without a filter show the same reports (issue 28): the current round,
as chat and the dashboard do; with --round, --from or --to exactly what is asked."""
import csv
import io
import json

from .test_cli_e2e import KADER, chat, run


def _meetings_exported(env, tmp_path, *args) -> int:
    out = tmp_path / "p.csv"
    run(env, "export", "--area", "81.05", "--sheet", "Pertemuan", "--out", str(out), *args)
    return len(list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))) - 2   # names, then labels


def _meetings_summed(env, *args) -> int:
    summary = json.loads(run(env, "summary", "--area", "81.05", "--json", *args).stdout)
    return summary["meetings"]["total"]["meetings"]


def test_summary_and_export_default_to_the_same_period(cli_env, tmp_path):
    run(cli_env, "round", "add", "--name", "April 2024", "--start", "2024-04-01", "--due", "2024-05-31")
    run(cli_env, "round", "add", "--name", "Juli 2024", "--start", "2024-07-01", "--due", "2024-08-31")
    meeting = ("1", "1", "{date}", "Balai desa", "L 7 P 8", "0", "0", "lewati", "lewati", "kirim")
    chat(cli_env, KADER, "halo", "Siti Aminah", "1", "Kilmury, Kilmury", "ya",
         *(m.format(date="10/4/2024") for m in meeting), *(m.format(date="kemarin") for m in meeting))
    run(cli_env, "contact", "approve", "Siti Aminah")
    assert _meetings_summed(cli_env) == _meetings_exported(cli_env, tmp_path) == 1     # Juli 2024, now
    assert _meetings_summed(cli_env, "--round", "April 2024") == 1
    assert _meetings_exported(cli_env, tmp_path, "--from", "2024-01-01", "--to", "2024-12-31") == 2
    assert _meetings_summed(cli_env, "--from", "2024-01-01", "--to", "2024-12-31") == 2

"""Monitoring rounds from `pantau round add` or a YAML file, checked with one Indonesian line per mistake."""
from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any
from pathlib import Path


class RoundFileError(ValueError):
    """One line: the file, the round (by number and name) and the field, and how to fix it."""


EXAMPLE = "- {name: Juli 2024, start: 2024-07-01, due: 2024-07-31}"


def read_rounds(path: Path) -> list[dict[str, Any]]:
    import yaml
    if not path.is_file():
        raise RoundFileError(f"{path}: berkas tidak ada. Periksa nama dan foldernya.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise RoundFileError(f"{path.name}: bukan teks UTF-8. Simpan ulang sebagai UTF-8 lalu impor lagi.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" baris {mark.line + 1}" if mark is not None else ""
        raise RoundFileError(f"{path.name}{where}: penulisan YAML salah. Setiap putaran satu baris seperti: "
                             f"{EXAMPLE}") from None
    if data is None:
        raise RoundFileError(f"{path.name}: berkas kosong. Tulis satu putaran per baris, mis. {EXAMPLE}")
    if not isinstance(data, list):
        raise RoundFileError(f"{path.name}: isinya harus daftar putaran (setiap baris diawali \"- \"), mis. {EXAMPLE}")
    return [check_round(r, f"{path.name}: putaran ke-{i}") for i, r in enumerate(data, 1)]


def check_round(r: object, where: str) -> dict[str, Any]:
    """A round as {name, start, due, schedule}; RoundFileError names the field and the fix."""
    from flows.schedule import DEFAULT_SCHEDULE
    if not isinstance(r, dict):
        raise RoundFileError(f"{where}: harus berisi name, start dan due, mis. {EXAMPLE}")
    name = r.get("name")
    if name is None or not str(name).strip():
        raise RoundFileError(f"{where}: name kosong. Isi nama putaran, mis. name: Juli 2024")
    where = f"{where} ('{name}')" if "putaran ke-" in where else where
    out: dict[str, Any] = {"name": str(name).strip()}
    for field in ("start", "due"):
        value = r.get(field)
        if value is None:
            raise RoundFileError(f"{where}: {field} kosong. Isi tanggal YYYY-MM-DD, mis. {field}: 2024-07-31")
        try:
            out[field] = date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise RoundFileError(f"{where}: {field} '{value}' bukan tanggal. Tulis YYYY-MM-DD, mis. 2024-07-31") from None
    if out["due"] < out["start"]:
        raise RoundFileError(f"{where}: due {out['due']} sebelum start {out['start']}. Tukar kedua tanggal itu.")
    schedule = r.get("schedule")
    if schedule is not None and not isinstance(schedule, dict):
        raise RoundFileError(f"{where}: schedule harus pasangan kunci: nilai, mis. schedule: {{hour: 9}}")
    unknown = set(schedule or {}) - set(DEFAULT_SCHEDULE)
    if unknown:
        raise RoundFileError(f"{where}: kunci jadwal tidak dikenal: {', '.join(sorted(map(str, unknown)))} "
                             f"(yang boleh: {', '.join(DEFAULT_SCHEDULE)})")
    extra = set(r) - {"name", "start", "due", "schedule"}
    if extra:
        raise RoundFileError(f"{where}: kolom tidak dikenal: {', '.join(sorted(map(str, extra)))} "
                             "(yang boleh: name, start, due, schedule)")
    out["schedule"] = schedule
    return out


async def run(args: argparse.Namespace) -> int:
    from storage.repo import upsert_round

    from . import programs as programs_cli
    from .common import opened
    try:
        if args.round_cmd == "add":
            rounds = [check_round({"name": args.name, "start": args.start, "due": args.due}, f"Putaran '{args.name}'")]
        else:
            rounds = read_rounds(Path(args.file))
    except RoundFileError as exc:
        print(exc, file=sys.stderr)
        return 2
    async with opened() as pipeline, pipeline.db.session() as s:
        ok, program = await programs_cli.program_or_complain(s, getattr(args, "program", None))
        if not ok:
            return 2
        for r in rounds:
            await upsert_round(s, r["name"], r["start"], r["due"], r.get("schedule"), program)
    print(f"{len(rounds)} putaran disimpan.")
    return 0

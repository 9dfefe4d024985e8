"""Starting Pantau with an imported form at the size caps: start time and first-message time.

    python -m bench.formstart [--questions 2900] [--choices 19000] [--keep DIR]

Builds an XLSForm of ``--questions`` survey rows (integers with a constraint and a relevant, select_ones
over shared lists of ``--choices`` choices in all: bot/xlsform_limits.py's caps are 3,000 rows and 20,000
choices), imports it the way `pantau form import` does (pyxform, then YAML into the forms folder), and
then, in a fresh data folder and SQLite database:

    start (first, after the import)   Pipeline.open: the database migrated, areas seeded, forms read
    start (again)                     the same, as every later `pantau serve` / `pantau chat` pays it
    first message                     a registered kader's "menu" after the second start
    opening the big form              the kader picks it (the form's first question)

and the same two starts with the built-in forms only, for comparison. Wall time, one run each; the data
folder (and so the compiled cache) lives under a temporary directory, never under $HOME.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

LISTS = 19


def write_book(path: Path, questions: int, choices: int) -> Path:
    import openpyxl
    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label::Indonesian (id)", "label::English (en)", "required", "relevant",
                   "constraint", "constraint_message::Indonesian (id)", "constraint_message::English (en)"])
    for i in range(questions):
        if i % 3 == 2:
            survey.append([f"select_one daftar{i % LISTS}", f"q{i}", f"Pilihan ke-{i}?", f"Choice {i}?", "yes",
                           f"${{q{i - 1}}} > 0"])
        else:
            before = i - 1 if i % 3 == 1 else i - 2          # the integer question before this one
            survey.append(["integer", f"q{i}", f"Berapa orang ke-{i}?", f"How many {i}?", "yes",
                           f"${{q{before}}} >= 0" if i else "", ". >= 0 and . <= 500", "Antara 0 dan 500.",
                           "From 0 to 500."])
    sheet = book.create_sheet("choices")
    sheet.append(["list_name", "name", "label::Indonesian (id)", "label::English (en)"])
    for i in range(choices):
        sheet.append([f"daftar{i % LISTS}", f"p{i}", f"Pilihan nomor {i}", f"Option number {i}"])
    settings = book.create_sheet("settings")
    settings.append(["form_id", "version", "form_title"])
    settings.append(["besar", "1", "Formulir besar"])
    book.save(path)
    return path


def import_form(book: Path, forms_dir: Path) -> None:
    """What `pantau form import` writes: the converted form as YAML in the forms folder."""
    import yaml

    from bot import catalog
    from bot.cli.forms import read_xlsform
    data = read_xlsform(book).data
    forms_dir.mkdir(parents=True, exist_ok=True)
    with open(forms_dir / f"{data['id']}.v{data['version']}.yaml", "w", encoding="utf-8") as fh:
        yaml.dump(data, fh, Dumper=catalog.DUMPER, allow_unicode=True, sort_keys=False, width=110)


async def measure(data_dir: Path, forms_dir: Path, out: Callable[[str], None], label: str) -> None:
    from bot import config
    from bot.pipeline import Pipeline
    from flows.types import Inbound
    from storage.db import Database
    os.environ["PANTAU_DATA_DIR"] = str(data_dir)
    os.environ["PANTAU_FORMS_DIR"] = str(forms_dir)
    config._current = None
    url = f"sqlite+aiosqlite:///{data_dir / 'pantau.db'}"
    data_dir.mkdir(parents=True, exist_ok=True)
    starts = []
    for _ in range(2):
        db = Database(url)
        started = time.perf_counter()
        pipeline = await Pipeline.open(db)
        starts.append(time.perf_counter() - started)
        if len(starts) == 1:
            await db.close()
    from bench.setup import add_kader
    await add_kader(db, ["81.05.08.2010"], channel="bench", external_id=lambda i: f"k{i}")
    said = []
    for n, text in enumerate(["menu", ""]):
        if not text:               # the big form's number in the menu (the first form without it)
            offered = [c for r in said[0][1] or [] for c in r.choices]
            text = str(offered.index("Formulir besar") + 1) if "Formulir besar" in offered else "1"
        started = time.perf_counter()
        replies = await pipeline.handle(Inbound("bench", "k0", f"m{n}", text=text))
        said.append((time.perf_counter() - started, replies))
    await db.close()
    if os.environ.get("BENCH_SHOW"):
        for _, replies in said:
            print("\n".join(f"{r.text} {r.choices}" for r in replies or []), "\n---")
    big = sum(len(list(f.all_questions())) for f in pipeline.forms.values() if f.id == "besar")
    out(f"{label:28} start_first_ms={starts[0] * 1000:7.0f} start_again_ms={starts[1] * 1000:7.0f} "
        f"first_message_ms={said[0][0] * 1000:6.0f} open_form_ms={said[1][0] * 1000:6.0f} big_form_questions={big}")


def main(argv: list[str] | None = None, out: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=2900)
    parser.add_argument("--choices", type=int, default=19000)
    parser.add_argument("--keep", help="a folder to work in (kept afterwards) instead of a temporary one")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pantau-formstart-") as tmp:
        root = Path(args.keep or tmp)
        root.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        import_form(write_book(root / "besar.xlsx", args.questions, args.choices), root / "forms-big")
        out(f"imported {args.questions} questions, {args.choices} choices in {time.perf_counter() - started:.1f} s "
            f"({(root / 'forms-big' / 'besar.v1.yaml').stat().st_size / 1e6:.1f} MB of YAML)")
        (root / "forms-none").mkdir(exist_ok=True)
        asyncio.run(measure(root / "data-none", root / "forms-none", out, "built-in forms only"))
        asyncio.run(measure(root / "data-big", root / "forms-big", out, "with the form at the caps"))
    out(f"cpus={os.cpu_count()} load={os.getloadavg()[0]:.1f} python={sys.version.split()[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

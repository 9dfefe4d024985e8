"""Worst-case time to read one answer with every lexicon loaded (issue 23: at most 1 ms per answer).

    python -m bench.parse [--repeat 200]

Reads hostile and ordinary answers (the longest text each parser still scans, runs of lexicon words, number
words, dates, choices) with the lexicon of every region and prints, per parser, the median and the worst
microseconds per answer: parse_number median_us=… worst_us=…
"""
from __future__ import annotations

import argparse
import statistics
import time
from datetime import datetime

from bot import lexicon_files
from flows import parse_choice, parse_date, parse_men_women, parse_number, parse_yes_no
from flows.dates import WIT

NOW = datetime(2024, 8, 15, 10, 0, tzinfo=WIT)
OPTIONS = [("musdes", ["Musyawarah desa"]), ("kelompok", ["Pertemuan kelompok / kelas belajar"]),
           ("koordinasi_kecamatan", ["Koordinasi kecamatan"]), ("rapat_kabupaten", ["Rapat kabupaten"]),
           ("pelatihan", ["Pelatihan"]), ("lainnya", ["Lainnya"])]


def answers(words: list[str]) -> list[str]:
    run = " ".join(words)
    return [
        "79", "tujuh puluh sembilan", "bapa-bapa dua pulu sambilan deng mama-mama tiga pulu ampa",
        "seng ada", "sonde", "tgl 5 bln 9", "kamis lalu", "dua ratus lebih", "30 sampai 40",
        run[:200], run[:4096], ("dua puluh " * 40)[:200], ("sepuluh lima " * 40)[:200], ("1 " * 2000),
        ("seng " * 900), "x" * 4096, ("mama-mama " * 500), ("tdk usah sebut nama " * 10)[:200],
    ]


def timed(fn, text: str, repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        fn(text)
    return (time.perf_counter() - start) / repeat * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=200)
    args = ap.parse_args()
    lexicons = lexicon_files.lexicons()
    every = lexicons.for_area(None)
    words = sorted({e.word for e in lexicons.entries()})
    parsers = {
        "parse_number": lambda s: parse_number(s, lexicon=every),
        "parse_date": lambda s: parse_date(s, NOW, lexicon=every),
        "parse_yes_no": lambda s: parse_yes_no(s, every),
        "parse_men_women": lambda s: parse_men_women(s, lexicon=every),
        "parse_choice": lambda s: parse_choice(s, OPTIONS, lexicon=every),
        "canonical": lambda s: every.canonical(s, choice=True),
    }
    texts = answers(words)
    print(f"lexicons={len(lexicons.files)} words={len(words)} answers={len(texts)} repeat={args.repeat}")
    for name, fn in parsers.items():
        times = [timed(fn, t, args.repeat) for t in texts]
        print(f"{name} median_us={statistics.median(times):.0f} worst_us={max(times):.0f}")


if __name__ == "__main__":
    main()

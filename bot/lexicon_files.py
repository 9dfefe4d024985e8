"""Reading the lexicons from disk (flows/ reads no file): locales/id/lexicon/*.yaml, and the words the field
taught with `pantau kata ajar`, kept in <data dir>/lexicon/lokal.yaml (who, when, region).

Importing this module installs into flows.lexicon the parsers' textbook words (base.yaml ``words:``) and, for a
parser called without a lexicon, every lexicon file (words meaning two things left out), as
bot/channels/registry.py installs storage's routing. bot/__init__.py imports it, so any import of bot/ does."""
from __future__ import annotations

import functools
import os
from datetime import datetime
from pathlib import Path
from typing import Any, TypedDict

import yaml

from flows import lexicon as flows_lexicon
from flows.lexicon import Entry, LexiconError, Lexicons, parse_base_words, parse_lexicon

from . import config
from .catalog import LOADER

LEXICON_DIR = Path(__file__).resolve().parent.parent / "locales" / "id" / "lexicon"
TAUGHT_SOURCE = "pantau kata ajar"


class TaughtWord(TypedDict):
    """One taught word as ``teach`` writes it to the taught file."""

    word: str
    means: str
    area: str
    who: str
    when: str               # ISO time, to the second


def taught_path() -> Path:
    return config.data_dir() / "lexicon" / "lokal.yaml"


def _yaml(path: Path) -> Any:
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=LOADER)        # noqa: S506 - libyaml's safe loader, as for form files


@functools.lru_cache(maxsize=8)
def _parsed(directory: Path, stamps: tuple[tuple[str, int], ...]) -> tuple[tuple[str, frozenset[str] | None,
                                                                                  list[Entry]], ...]:
    """The lexicon files of a folder, parsed once per version of its files (a start reads them once, not once
    for the defaults and again for every person's lexicons)."""
    files = []
    for name, _ in stamps:
        try:
            data = _yaml(directory / name)
        except yaml.YAMLError as exc:
            raise LexiconError(f"{name}: not valid YAML: {exc}") from None
        files.append(parse_lexicon(data, name))
    return tuple(files)


def read_files(directory: Path = LEXICON_DIR) -> list[tuple[str, frozenset[str] | None, list[Entry]]]:
    stamps = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(directory.glob("*.yaml")))
    return list(_parsed(directory, stamps))


def read_base_words(directory: Path = LEXICON_DIR) -> dict[str, Any]:
    """base.yaml's ``words:``: the yes/no, none, greeting, filler, choice, number, month and day words the parsers know."""
    return parse_base_words(_yaml(directory / "base.yaml"), "base.yaml")


def install() -> None:
    """Give flows/ its base words and its default lexicons (every file; taught words come with a person's area)."""
    flows_lexicon.BASE.load(read_base_words())
    flows_lexicon.install(Lexicons(read_files()))


def read_taught(path: Path) -> list[TaughtWord]:
    """The taught words: [{word, means, area, who, when}], oldest first."""
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    return list(data.get("entries") or [])


def _taught_files(taught: list[TaughtWord]) -> list[tuple[str, frozenset[str] | None, list[Entry]]]:
    """One lexicon per province of the taught words (a later word replaces an earlier one of the same text)."""
    by_province: dict[str, dict[str, Entry]] = {}
    for row in taught:
        province = str(row["area"])[:2]
        entry = Entry(str(row["word"]).strip().lower(), str(row["means"]).strip().lower(),
                      f"taught by {row.get('who', '?')} on {row.get('when', '?')}", TAUGHT_SOURCE, f"lokal-{province}")
        by_province.setdefault(province, {})[entry.word] = entry
    return [(f"lokal-{p}", frozenset({p}), list(words.values())) for p, words in sorted(by_province.items())]


@functools.lru_cache(maxsize=4)
def _load(directory: Path, taught: str, stamp: float) -> Lexicons:
    return Lexicons(read_files(directory) + _taught_files(read_taught(Path(taught))))


_where: tuple[object, str] | None = None       # (the settings it was built for, the taught file's path)


def lexicons(directory: Path = LEXICON_DIR) -> Lexicons:
    """Every lexicon, built once and again only when a word has been taught since: one stat() per message (it
    runs for every message, so no pathlib walk)."""
    global _where
    current = config.settings()
    if _where is None or _where[0] is not current:
        _where = (current, str(taught_path()))
    try:
        stamp = os.stat(_where[1]).st_mtime
    except FileNotFoundError:
        stamp = 0.0
    return _load(directory, _where[1], stamp)


def teach(word: str, means: str, area: str, who: str, when: datetime) -> TaughtWord:
    """Add a taught word for a region: the next such answer there is read as ``means``."""
    path = taught_path()
    rows = read_taught(path)
    row: TaughtWord = {"word": word.strip().lower(), "means": means.strip().lower(), "area": area, "who": who,
           "when": when.isoformat(timespec="seconds")}
    rows.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(yaml.safe_dump({"entries": rows}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    tmp.replace(path)
    return row


install()

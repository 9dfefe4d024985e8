"""Words as data: regional Malay, SMS shorthand and words the field taught, read as textbook Indonesian.

A lexicon file (locales/id/lexicon/*.yaml, read by bot/catalog.py; flows/ reads no file) lists entries
``{word, means, meaning, source}``: ``word`` is what a cadre types ("seng", "sonde", "lk2", "pulu"), ``means``
the textbook Indonesian the parsers already read ("tidak", "laki-laki", "puluh"), ``meaning`` a gloss for
people, ``source`` the dictionary or grammar it comes from. ``at: choice`` entries (local names of a sector
or a status: "rumput laut" → perikanan) are read only where an option is picked. A file names the provinces
it applies to (``provinces: all`` for base and SMS).

base.yaml also holds the parsers' textbook words (``words:``: yes, no, none, greetings, fillers, negators, choice
abbreviations, number units, months, days, a count's noise words, men and women), installed as ``BASE`` by bot/lexicon_files.py at import, as is the
lexicon a parser reads when called without one (``default``: every file, a word meaning two things left out).

``Lexicons`` holds every file; ``for_area(code)`` is the lexicon of a person's province (base, SMS and the
regional ones that apply), ``for_area(None)`` all of them. A word that means different things in two
lexicons that apply is dropped there: taken only where it is unambiguous. Rewriting is one pass of one
compiled alternation, linear in the answer's length.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: what a lexicon entry may stand for, by the parsers that read it
AT = ("any", "choice")


@dataclass(frozen=True)
class Entry:
    word: str
    means: str
    meaning: str
    source: str
    lexicon: str
    at: str = "any"
    rare: bool = False      # a short or rare form (a clipped negator): what it was read as is shown back first


class LexiconError(ValueError):
    """A lexicon file that cannot be used: which file, which entry, what is wrong."""


def _norm(word: str) -> str:
    return re.sub(r"\s+", " ", word.strip().lower())


def parse_lexicon(data: Mapping[str, Any], source: str) -> tuple[str, frozenset[str] | None, list[Entry]]:
    """A lexicon file's name, provinces (None: all) and entries, checked."""
    if not isinstance(data, Mapping) or not isinstance(data.get("name"), str):
        raise LexiconError(f"{source}: a lexicon needs a name")
    name = data["name"]
    provinces = data.get("provinces", "all")
    if provinces == "all":
        where: frozenset[str] | None = None
    elif isinstance(provinces, list) and all(re.fullmatch(r"\d{2}", str(p)) for p in provinces):
        where = frozenset(str(p) for p in provinces)
    else:
        raise LexiconError(f"{source}: provinces must be 'all' or a list of two-digit province codes")
    sources = data.get("sources") or {}
    entries = []
    for i, raw in enumerate(data.get("entries") or []):
        if not isinstance(raw, Mapping) or not all(str(raw.get(k) or "").strip() and isinstance(raw.get(k), str)
                                                   for k in ("word", "means", "meaning", "source")):
            raise LexiconError(f"{source}: entry {i + 1} needs word, means, meaning and source")
        if raw["source"] not in sources and not raw["source"].startswith(("pantau kata", "http")):
            raise LexiconError(f"{source}: entry {raw['word']!r} cites {raw['source']!r}, not in sources")
        at = raw.get("at", "any")
        if at not in AT:
            raise LexiconError(f"{source}: entry {raw['word']!r}: at must be one of {', '.join(AT)}")
        entries.append(Entry(_norm(raw["word"]), _norm(raw["means"]), raw["meaning"], raw["source"], name, at,
                             raw.get("rare") is True))
    return name, where, entries


@dataclass(frozen=True)
class Lexicon:
    """The words that apply to one person: rewritten to the Indonesian the parsers read."""

    words: Mapping[str, str] = field(default_factory=dict)          # everywhere
    choice_words: Mapping[str, str] = field(default_factory=dict)   # also where an option is picked
    names: tuple[str, ...] = ()
    rare: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "_any", _alternation(self.words))
        object.__setattr__(self, "_choice", _alternation(self.choice_words))

    def canonical(self, text: str, choice: bool = False) -> str:
        """``text`` with every known word replaced by what it means ("seng ada" → "tidak ada"); where an
        option is picked, then the local names of options ("su jalang" → "sudah jalan" → "berjalan")."""
        if not text:
            return text
        out = text[:400]           # every parser refuses more than 200 characters unread
        if self._any is not None:                       # type: ignore[attr-defined]
            out = self._any.sub(lambda m: self.words[m.group(0).lower()], out)     # type: ignore[attr-defined]
        if choice and self._choice is not None:         # type: ignore[attr-defined]
            out = self._choice.sub(lambda m: self.choice_words[m.group(0).lower()], out)  # type: ignore[attr-defined]
        return out


    def rare_in(self, text: str, choice: bool = False) -> tuple[str, str] | None:
        """The first rare word of ``text`` and what it is read as ("tar" → "tidak"), or None; where an option is
        picked (``choice``) also a rare local name of an option, as ``canonical`` reads it."""
        if not self.rare:
            return None
        found = _first_rare(self._any, self.words, self.rare, text[:400])    # type: ignore[attr-defined]
        if found is None and choice:
            found = _first_rare(self._choice, self.choice_words, self.rare,   # type: ignore[attr-defined]
                                self.canonical(text))
        return found


def _first_rare(pattern: re.Pattern[str] | None, words: Mapping[str, str], rare: frozenset[str],
                text: str) -> tuple[str, str] | None:
    if pattern is None:
        return None
    for m in pattern.finditer(text):
        word = m.group(0).lower()
        if word in rare:
            return word, words[word]
    return None


def _alternation(words: Mapping[str, str]) -> re.Pattern[str] | None:
    if not words:
        return None
    alts = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(r"(?<![\w-])(?:" + alts + r")(?![\w-])", re.IGNORECASE)


#: an empty lexicon: nothing rewritten, the parsers read the base words only
NONE = Lexicon()


def build(entries: Iterable[Entry], names: Iterable[str] = ()) -> Lexicon:
    """One lexicon of the given entries; a word meaning two things is left out (never guessed)."""
    entries = list(entries)
    seen: dict[tuple[str, str], set[str]] = {}
    for e in entries:
        seen.setdefault((e.at, e.word), set()).add(e.means)
    words = {w: next(iter(m)) for (at, w), m in seen.items() if at == "any" and len(m) == 1}
    clash = {w for (at, w), m in seen.items() if len(m) > 1}
    choice = {w: next(iter(m)) for (at, w), m in seen.items() if at == "choice" and len(m) == 1 and w not in words}
    words = {w: m for w, m in words.items() if w not in clash}
    choice = {w: m for w, m in choice.items() if w not in clash}
    rare = frozenset(e.word for e in entries if e.rare and (e.word in words if e.at == "any" else e.word in choice))
    return Lexicon(words, choice, tuple(names), rare)


class Lexicons:
    """Every lexicon file, and the lexicon of each province built once."""

    def __init__(self, files: Iterable[tuple[str, frozenset[str] | None, list[Entry]]]) -> None:
        self.files = list(files)
        provinces = sorted({p for _, where, _ in self.files if where for p in where})
        self._by_province = {p: self._build(lambda where, p=p: where is None or p in where) for p in provinces}
        self._elsewhere = self._build(lambda where: where is None)
        self._all = self._build(lambda where: True)

    def _build(self, applies: Any) -> Lexicon:
        chosen = [(name, entries) for name, where, entries in self.files if applies(where)]
        return build([e for _, entries in chosen for e in entries], [name for name, _ in chosen])

    def for_area(self, area_code: str | None) -> Lexicon:
        """The lexicon of a person registered in ``area_code`` (a Kemendagri code); None: every lexicon."""
        if not area_code:
            return self._all
        return self._by_province.get(area_code[:2], self._elsewhere)

    def entries(self) -> list[Entry]:
        return [e for _, _, entries in self.files for e in entries]


def lexicon_of(lexicons: Lexicons | None, area_code: str | None) -> Lexicon:
    """What a parser reads for a person: their province's lexicon, or nothing beyond the base words."""
    return lexicons.for_area(area_code) if lexicons is not None else NONE


# ---------------------------------------------------------------- the default and the base words

_default: Lexicons | None = None


def install(lexicons: Lexicons) -> None:
    """The lexicons a parser reads when called without one (bot/lexicon_files.py installs every file at import)."""
    global _default
    _default = lexicons


def default() -> Lexicon:
    """Every installed lexicon, a word meaning two things left out; nothing before bot/ is imported."""
    return _default.for_area(None) if _default is not None else NONE


def chosen(lexicon: Lexicon | None) -> Lexicon:
    """The lexicon a parser reads: the one given, or without one every lexicon where unambiguous."""
    return lexicon if lexicon is not None else default()


#: the word lists of base.yaml's ``words:``: what kind of value each holds
BASE_SETS = {"yes": "set", "no": "set", "yes_no_filler": "set", "no_phrases": "set", "none": "set",
             "units": "number", "months": "number", "weekdays": "number", "count_noise": "list", "men": "set",
             "women": "set", "greetings": "set", "fillers": "set", "negators": "set", "not_against": "list",
             "abbreviations": "text", "pair_filler": "set", "se_numbers": "number", "scales": "number",
             "se_scales": "number", "weekdays_en": "number", "weekday_typos": "number", "relative_days": "number",
             "last_night": "set", "tonight": "set", "skip_none": "set", "totals": "set",
             "command_tail": "set"}


class _NotInstalled:
    """Stands for a word list before bot/lexicon_files.py has installed base.yaml: any use says so at once."""

    def _fail(self, *_: Any) -> Any:
        raise RuntimeError("no base words installed: import bot (bot/lexicon_files.py installs base.yaml's words)")

    __contains__ = __iter__ = __getitem__ = get = _fail


class BaseWords:
    """The textbook words the parsers know (base.yaml ``words:``: yes and no, "none" phrases, fillers, number,
    month and day words), installed once by bot/lexicon_files.py; any use before that raises. Modules that derive a
    structure from them (a sorted list, an alternation) register it with ``derive``."""

    def __init__(self) -> None:
        missing: Any = _NotInstalled()
        self.yes: frozenset[str] = missing
        self.no: frozenset[str] = missing
        self.yes_no_filler: frozenset[str] = missing
        self.no_phrases: frozenset[str] = missing
        self.none: frozenset[str] = missing
        self.units: dict[str, int] = missing
        self.months: dict[str, int] = missing
        self.weekdays: dict[str, int] = missing
        self.count_noise: tuple[str, ...] = missing
        self.men: frozenset[str] = missing
        self.women: frozenset[str] = missing
        self.greetings: frozenset[str] = missing
        self.fillers: frozenset[str] = missing
        self.negators: frozenset[str] = missing
        self.not_against: tuple[str, ...] = missing
        self.abbreviations: dict[str, str] = missing
        self.pair_filler: frozenset[str] = missing
        self.totals: frozenset[str] = missing
        self.command_tail: frozenset[str] = missing
        self.se_numbers: dict[str, int] = missing
        self.scales: dict[str, int] = missing
        self.se_scales: dict[str, int] = missing
        self.weekdays_en: dict[str, int] = missing
        self.weekday_typos: dict[str, int] = missing
        self.relative_days: dict[str, int] = missing
        self.last_night: frozenset[str] = missing
        self.tonight: frozenset[str] = missing
        self.skip_none: frozenset[str] = missing
        self.loaded = False
        self._derived: list[Any] = []

    def load(self, sets: Mapping[str, Any]) -> None:
        for name, kind in BASE_SETS.items():
            value = sets[name]
            setattr(self, name, dict(value) if kind in ("number", "text") else tuple(value) if kind == "list" else frozenset(value))
        self.loaded = True
        for fn in self._derived:
            fn(self)

    def derive(self, fn: Any) -> None:
        self._derived.append(fn)
        if self.loaded:
            fn(self)


BASE = BaseWords()


def parse_base_words(data: Mapping[str, Any], source: str) -> dict[str, Any]:
    """base.yaml's ``words:``: each list with its meaning and source, checked; {name: words or {word: number}}."""
    raw = data.get("words") if isinstance(data, Mapping) else None
    sources = data.get("sources") or {} if isinstance(data, Mapping) else {}
    if not isinstance(raw, Mapping):
        raise LexiconError(f"{source}: the base lexicon needs words: (yes, no, none, months, ...)")
    out: dict[str, Any] = {}
    for name, kind in BASE_SETS.items():
        item = raw.get(name)
        if not isinstance(item, Mapping) or not all(isinstance(item.get(k), str) for k in ("meaning", "source")):
            raise LexiconError(f"{source}: words.{name} needs meaning, source and its words")
        if item["source"] not in sources:
            raise LexiconError(f"{source}: words.{name} cites {item['source']!r}, not in sources")
        words: Any = item.get("words")
        if kind == "number" and not (isinstance(words, Mapping)
                                     and all(isinstance(v, int) and not isinstance(v, bool) for v in words.values())):
            raise LexiconError(f"{source}: words.{name} must map each word to a number")
        if kind == "text" and not (isinstance(words, Mapping) and all(isinstance(v, str) for v in words.values())):
            raise LexiconError(f"{source}: words.{name} must map each word to the words it stands for")
        if kind in ("set", "list") and not isinstance(words, list):
            raise LexiconError(f"{source}: words.{name} must be a list of words")
        out[name] = {str(k): v for k, v in words.items()} if kind in ("number", "text") else [str(w) for w in words]
    return out

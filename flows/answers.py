"""Choices, yes/no and compound answers ("L 79 P 38") as cadres type them.

Every parser looks at a bounded prefix of the text (``MAX_LEN``) and works on tokens, never on
backtracking patterns, so a 4,096-character message costs what a short one does.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from .lexicon import BASE, NONE, Lexicon, chosen
from .numbers import REDUPLICATED, none_said, parse_number
from .problem import N_, Problem

#: longer answers are not choices, yes/no or counts: refused without being scanned
MAX_LEN = 200

# yes and no words, their fillers and "no" phrases, greetings and fillers: base.yaml ``words:`` (flows.lexicon.BASE)


#: patterns compiled once (``re.sub(pattern, …)`` looks each up in re's cache at every call)
_SPACES = re.compile(r"\s+")
_NUMBERED = re.compile(r"(?:no\.?|nomor|nomer|pilih)?\s*(\d+)")


@functools.lru_cache(maxsize=1024)     # the same message is normalised ~8 times on its way through the engine
def normalize(text: str) -> str:
    return _SPACES.sub(" ", (text or "")[:4 * MAX_LEN].strip().lower()).strip(" .,!?")


def is_greeting(text: str) -> bool:
    return normalize(text) in BASE.greetings


def is_keyword(text: str) -> bool:
    """A greeting, a bot keyword or a filler typed alone: at a free-text question, shown back before it is kept."""
    s = normalize(text)
    return s in BASE.greetings or s in BASE.fillers


def _words(s: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", s)


def parse_yes_no(text: str, lexicon: Lexicon | None = None) -> bool | Problem:
    """True for ya/iya/ok/betul/nggih/…, False for tidak/gak/belum/salah/…; both at once is asked again."""
    s = normalize(chosen(lexicon).canonical(text or ""))
    if s in ("1", "2"):
        return s == "1"
    if len(s) > MAX_LEN:
        return Problem(N_("Mohon jawab ya atau tidak."))
    if s in BASE.no_phrases:
        return False
    words = _words(s)
    yes = any(w in BASE.yes for w in words)
    no = any(w in BASE.no for w in words)
    if yes and no:
        if words and words[0] in BASE.no and all(w in BASE.no or w in BASE.yes_no_filler for w in words):
            return False
        return Problem(N_("Jawaban Anda berisi ya dan tidak sekaligus. Mohon jawab salah satu: ya atau tidak."))
    if words and (yes or no) and (words[0] in BASE.yes or words[0] in BASE.no):
        return yes
    return Problem(N_("Mohon jawab ya atau tidak."))


# ---------------------------------------------------------------- choices

#: words that name any meeting or activity: alone, they pick an option only once it is confirmed
GENERIC_WORDS = {"rapat", "pertemuan", "kegiatan", "acara", "meeting", "pertemuan warga", "kumpul", "ngumpul",
                 "sidang"}


def _polar(options: Sequence[tuple[str, Sequence[str]]], typed: list[str]) -> str | None:
    """At a yes/no pair of options ("Ya, boleh disebut namanya" / "Tidak, tanpa nama"), a negator anywhere
    before the other words ("tdk usah sebut nama", "jangan disebut namanya") is read as the "no" option,
    and "tidak apa-apa" as the "yes" one: shown back, never taken on the strength of a keyword. None: no
    such pair, or the answer has neither."""
    if len(options) != 2:
        return None
    firsts = [_words(normalize(str(ls[0])))[:1] if ls else [] for _, ls in options]
    kinds = ["y" if f and f[0] in BASE.yes else "n" if f and f[0] in BASE.negators else "" for f in firsts]
    if sorted(kinds) != ["n", "y"]:
        return None
    yes_value, no_value = (options[0][0], options[1][0]) if kinds[0] == "y" else (options[1][0], options[0][0])
    joined = " ".join(typed)
    if any(joined.startswith(p) or f" {p}" in joined for p in BASE.not_against):
        return yes_value
    if len(typed) > 1 and any(w in BASE.negators for w in typed):
        return no_value
    return None


def _stem(word: str) -> str:
    """Drop the verb prefixes that change no meaning in an option ("berjalan" ~ "jalan")."""
    for prefix in ("ber", "ter"):
        if word.startswith(prefix) and len(word) - len(prefix) >= 4:
            return word[len(prefix):]
    return word


def _expand(s: str) -> list[str]:
    out: list[str] = []
    for w in _words(s):
        out.extend(BASE.abbreviations.get(w, w).split())
    return out


@dataclass(frozen=True)
class Guess:
    """A choice read only approximately: show it back and ask before taking it."""

    value: str
    label: str


def _covers(typed: list[str], label_words: list[str]) -> bool:
    stems = [_stem(w) for w in label_words]
    for w in typed:
        sw = _stem(w)
        if not any(sw == st or w == lw or (len(w) >= 2 and (lw.startswith(w) or st.startswith(sw)))
                   for lw, st in zip(label_words, stems)):
            return False
    return True


def match_choice(text: str, options: Sequence[tuple[str, Sequence[str]]]) -> str | Guess | Problem:
    """One option by its number, its exact words, words that fit only it (``blm jalan``), or a unique
    prefix: the value. A word that fits several options best matching one, or a typo: a ``Guess``."""
    s = normalize(text)
    if not s:
        return Problem(N_("Mohon pilih salah satu dengan mengetik nomornya."))
    if not options:
        return Problem(N_("Belum ada pilihan yang tersedia. Mohon hubungi koordinator Anda."))
    m = _NUMBERED.fullmatch(s[:MAX_LEN])
    if m:
        digits = m.group(1)
        i = int(digits) if len(digits) <= 6 else 0     # never int() a 10,000-digit string
        if 1 <= i <= len(options):
            return options[i - 1][0]
        return Problem(N_("Nomor %(number)s tidak ada. Mohon pilih nomor 1 sampai %(count)s."),
                       {"number": digits if len(digits) <= 6 else digits[:6] + "…", "count": len(options)})
    if len(s) > MAX_LEN:
        return Problem(N_("Pilihan itu belum dikenali. Mohon ketik nomornya, misalnya 1."))
    first_label = {value: str(ls[0]) if ls else value for value, ls in options}
    labels = [(value, normalize(label)) for value, ls in options for label in ls]
    exact = {v for v, label in labels if label == s or v == s}
    if len(exact) == 1:
        return exact.pop()
    typed = _expand(s)
    polar = _polar(options, typed)
    if polar is not None:         # taken when the words fit it ("tanpa nama"), else shown back
        fits = _match_words(s, typed, labels, first_label)
        return polar if fits == polar else Guess(polar, first_label[polar])
    if typed and all(w in GENERIC_WORDS for w in typed):      # "rapat", "pertemuan": which one?
        generic = _match_words(s, typed, labels, first_label)
        return Guess(generic, first_label[generic]) if isinstance(generic, str) else generic
    return _match_words(s, typed, labels, first_label)


def _match_words(s: str, typed: list[str], labels: list[tuple[str, str]],
                 first_label: dict[str, str]) -> str | Guess | Problem:
    """An option by words that fit only it, one best-matching word, or a typo."""
    covering: dict[str, list[str]] = {}
    for v, label in labels:
        words = _expand(label)
        if typed and _covers(typed, words):
            covering.setdefault(v, []).append(label)
    if len(covering) == 1:
        return next(iter(covering))
    if covering:
        typed_stems = {_stem(w) for w in typed}
        same = {v for v, ls in covering.items() if any({_stem(w) for w in _expand(lb)} == typed_stems for lb in ls)}
        if len(same) == 1:
            v = same.pop()
            return Guess(v, first_label[v])
        names = ", ".join(first_label[v] for v in covering)
        return Problem(N_("\"%(text)s\" cocok dengan beberapa pilihan: %(names)s. Mohon ketik nomornya."),
                       {"text": s[:40], "names": names})
    scored = sorted(((fuzz.WRatio(s, label), v) for v, label in labels), reverse=True)
    if scored and scored[0][0] >= 86 and (len(scored) == 1 or scored[0][1] == scored[1][1]
                                          or scored[0][0] - scored[1][0] >= 8):
        return Guess(scored[0][1], first_label[scored[0][1]])
    return Problem(N_("Pilihan itu belum dikenali. Mohon ketik nomornya, misalnya 1."))


def parse_choice(text: str, options: Sequence[tuple[str, Sequence[str]]], guess: bool = True,
                 lexicon: Lexicon | None = None) -> str | Problem:
    """Pick one option: as ``match_choice``, a guess taken as it is (``guess``) or refused.

    For menus, where a wrong pick is seen at once and stores nothing; answers use ``match_choice``.
    """
    value = match_choice(chosen(lexicon).canonical(text or "", choice=True), options)
    if isinstance(value, Guess):
        return value.value if guess else Problem(N_("Pilihan itu belum dikenali. Mohon ketik nomornya, misalnya 1."))
    return value


#: how an option that means "none" begins ("Tidak perlu dukungan")
_NONE_OPTION = ("tidak perlu", "tidak ada", "tanpa")


def _the_none_option(s: str, options: Sequence[tuple[str, Sequence[str]]]) -> str | None:
    """The one option meaning "none" when the whole answer is a "none" phrase; None if there is not exactly one."""
    if s not in BASE.none and s not in BASE.skip_none:
        return None
    found = {value for value, labels in options
             if any(normalize(label).startswith(_NONE_OPTION) for label in labels)}
    return found.pop() if len(found) == 1 else None


def parse_choices(text: str, options: Sequence[tuple[str, Sequence[str]]]) -> list[str] | Problem:
    """Several options at once: "1, 3", "1 3", "desa dan kabupaten". A part read only approximately is refused."""
    s = normalize(text)
    if len(s) > MAX_LEN:
        return Problem(N_("Mohon pilih salah satu dengan mengetik nomornya."))
    nothing = _the_none_option(s, options)
    if nothing is not None:           # "tidak ada" ("seng ada", "sonde ada") at "… dari siapa?": "Tidak perlu …"
        return [nothing]
    parts = [p for p in re.split(r"\s*(?:,|;|/|\bdan\b|\bserta\b|&|\+)\s*", s) if p]
    if len(parts) == 1 and re.fullmatch(r"\d+(?: \d+)+", parts[0]):
        parts = parts[0].split()
    chosen: list[str] = []
    for part in parts:
        value = match_choice(part, options)
        if isinstance(value, (Problem, Guess)):
            return Problem(N_("Pilihan \"%(part)s\" belum dikenali. Boleh pilih lebih dari satu, misalnya: 1, 3."),
                           {"part": part[:40]})
        if value not in chosen:
            chosen.append(value)
    if not chosen:
        return Problem(N_("Mohon pilih salah satu dengan mengetik nomornya."))
    return chosen


# ---------------------------------------------------------------- men and women

# the words for men and women in a two-part count and the words around them: base.yaml ``words: men``, ``women``,
# ``pair_filler``
_DOUBLED = re.compile(r"\b(laki|ibu|bapak|perempuan|wanita|pria)(?:2|\s?-\s?\1|\s\1)\b")


def _gender_tokens(text: str, doubled: bool = False) -> list[str]:
    """The words and numbers of a men-and-women answer; ``doubled``: a 2 glued to a word doubles it ("cewe2")."""
    s = normalize(text)[:MAX_LEN]
    s = _DOUBLED.sub(lambda m: {"laki": "laki-laki", "ibu": "ibu-ibu", "bapak": "bapak-bapak"}.get(m.group(1),
                                                                                                  m.group(1)), s)
    if doubled:
        s = REDUPLICATED.sub("", s)
    return re.findall(r"\d+(?:[.,]\d+)*|[a-z]+(?:-[a-z]+)*|[^\s\w]", s)


def named(text: str) -> str | None:
    """Whom a count answer names: "m" or "w" when only men or only women ("37 perempuan"), "both" ("lk2 pr2 20"),
    "all" when it names everyone together and neither ("total 35", "semua 35 org"), else None."""
    tokens = _gender_tokens(text)
    men, women = any(t in BASE.men for t in tokens), any(t in BASE.women for t in tokens)
    if men or women:
        return "both" if men and women else "m" if men else "w"
    return "all" if any(t in BASE.totals for t in tokens) else None


def parse_men_women(text: str, limits: tuple[tuple[int, int], tuple[int, int]] = ((0, 100_000), (0, 100_000)),
                    lexicon: Lexicon | None = None) -> tuple[int, int] | Problem | None:
    """Men and women in one answer: "L 79 P 38", "laki2 79 perempuan 38", "79 L / 38 P",
    "laki-laki 79 orang perempuan 38 orang", "tujuh puluh sembilan laki-laki dan tiga puluh delapan perempuan".

    Returns (men, women), a Problem if it looks compound but a number is wrong (each checked against its
    own (min, max) in ``limits``), or None if the text is not a compound answer at all.
    """
    text = chosen(lexicon).canonical(text or "")
    if len(normalize(text)) > MAX_LEN:
        return None
    # a 2 glued to a word is a count ("lk 3 prp2") or doubles the word ("cewe2 tiga"): the first reading that
    # gives two counts is taken
    first = _men_women(_gender_tokens(text), limits)
    if isinstance(first, tuple):
        return first
    doubled = _men_women(_gender_tokens(text, doubled=True), limits)
    return doubled if isinstance(doubled, tuple) else first


def _men_women(tokens: list[str], limits: tuple[tuple[int, int], tuple[int, int]]) -> tuple[int, int] | Problem | None:
    marks = [(i, "m" if t in BASE.men else "w") for i, t in enumerate(tokens) if t in BASE.men or t in BASE.women]
    if len(marks) != 2 or marks[0][1] == marks[1][1]:
        return None
    (g1, k1), (g2, k2) = marks

    def part(seg: list[str]) -> list[str]:
        if seg and none_said(" ".join(seg)):      # "P tidak ada", "perempuan seng ada" (read as tidak ada): none,
            return ["0"]                          # before "ada" is dropped as a word around the numbers
        return [t for t in seg if t not in BASE.pair_filler]
    before, between, after = part(tokens[:g1]), part(tokens[g1 + 1:g2]), part(tokens[g2 + 1:])
    if not before and between and after:
        raw = {k1: between, k2: after}
    elif before and between and not after:
        raw = {k1: before, k2: between}
    else:
        return None
    values = {}
    for key, (lo, hi) in zip(("m", "w"), limits):
        n = parse_number(" ".join(raw[key]), minimum=lo, maximum=hi, lexicon=NONE)
        if isinstance(n, Problem):
            return n
        values[key] = n
    return values["m"], values["w"]

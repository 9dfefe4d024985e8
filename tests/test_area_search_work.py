"""The area search scores only the names that could match (issue 28, bench.worst's margin): a desa search
no longer runs rapidfuzz over all 83,762 desa names, a search inside a kecamatan no longer walks every code,
and what is found is exactly what the full pass found."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st
from rapidfuzz import fuzz, process

from bot import catalog
from flows import areas as areas_module


def _count_scored(monkeypatch) -> list[int]:
    """How many names each rapidfuzz pass of the area index scores."""
    seen: list[int] = []
    real = process.extract

    def counting(query, choices, *args, **kw):
        seen.append(len(choices))
        return real(query, choices, *args, **kw)
    monkeypatch.setattr(areas_module.process, "extract", counting)
    return seen


@pytest.mark.parametrize("typed", ["Sukamaju Cianjur", "Teluk Waro", "Kilwaru Geser", "kilmury",
                                   "abcdefghij klmnopqrst uvwxyzabcd", "1,1,1,1", "x" * 60])
def test_a_desa_search_scores_a_small_part_of_the_desa_names(monkeypatch, typed):
    index = catalog.area_index()
    seen = _count_scored(monkeypatch)
    index.search(typed, 4)
    assert sum(seen) < 15_000          # was every desa name at least once: 83,762 and more


@pytest.mark.parametrize("scope", ["81.05.08", "32.03", "81"])
def test_the_areas_inside_a_scope_are_found_without_walking_every_code(scope):
    index = catalog.area_index()
    codes = index._level(4)[0]
    inside = [c for c in codes if c.startswith(scope + ".")]
    assert index._range(4, scope) == (codes.index(inside[0]), codes.index(inside[-1]) + 1)
    assert index.children(scope) == [c for c in index._level(len(scope.split(".")) + 1)[0]
                                      if c.startswith(scope + ".")]


_NAMES = sorted({name for code, name in catalog.area_names().items() if code.count(".") >= 2})


def _typo(name: str, edits: list[tuple[int, int, str]]) -> str:
    s = list(name.lower())
    for where, op, letter in edits:
        if not s:
            break
        i = where % len(s)
        if op == 0:
            s[i] = letter
        elif op == 1:
            del s[i]
        else:
            s.insert(i, letter)
    return "".join(s)


edits = st.lists(st.tuples(st.integers(0, 40), st.integers(0, 2), st.sampled_from("aiueokrst ")), max_size=4)
typed = st.one_of(
    st.builds(_typo, st.sampled_from(_NAMES), edits),
    st.builds(lambda a, b, sep: f"{a}{sep}{b}", st.builds(_typo, st.sampled_from(_NAMES), edits),
              st.sampled_from(_NAMES), st.sampled_from([", ", " ", "/"])),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz ,'1", max_size=30),
)


@settings(max_examples=60, deadline=None)
@given(typed=typed, level=st.sampled_from([4, 3]), scope=st.sampled_from(["", "81", "32.03", "35"]))
def test_the_filtered_search_finds_exactly_what_the_full_pass_finds(typed, level, scope):
    index = catalog.area_index()
    filtered = index.fuzzy(typed, level, scope)
    real = areas_module.FILTER_FROM
    try:
        areas_module.FILTER_FROM = 10**9            # every name scored, as before the filter
        full = index.fuzzy(typed, level, scope)
    finally:
        areas_module.FILTER_FROM = real
    assert filtered == full


@pytest.mark.parametrize("query, name", [("kilmury", "kilmuri"), ("aab", "aba"), ("teluk waro", "teluk waru"),
                                         ("xyz", "xaz"), ("a" * 20, "a"), ("sukamaju", "mekarjaya"),
                                         ("ké", "ke"), ("1 1 1", "1"), ("aaaaaaa", "aaaaaab"),
                                         ("banana", "bananananana"), ("nnnnnnnn", "nanananan")])
def test_the_letters_two_names_share_bound_their_score(query, name):
    letters = areas_module._Letters([name, "desa lain"])
    kept = letters.could_reach(query, fuzz.ratio(query, name), 0, 2)
    assert 0 in kept                      # a name is never dropped at a cutoff its own score reaches

"""One message must not stall everyone (issue 28): every step bounds the length of what it reads before it
reads it, politely, losing nothing; the area search does bounded work whatever is typed."""
from __future__ import annotations

import time

import pytest
from rapidfuzz import process

from bot import catalog
from flows import areas as areas_module
from flows.bounds import LONG, SHORT

from .conftest import Chat


def _at_area_step(forms) -> Chat:
    chat = Chat(forms)
    for text in ("halo", "Siti Aminah", "1"):
        chat.step(text)
    return chat


@pytest.mark.parametrize("text", ["1," * 1600, "x" * 4000, "a b " * 1000, "Kilmury " * 400])
def test_a_long_message_at_the_area_step_is_refused_quickly_and_politely(forms, text):
    chat = _at_area_step(forms)
    before = dict(chat.session["reg"])
    started = time.process_time()
    said = chat.say(text)
    assert time.process_time() - started < 0.5          # was 1.4-3 s of CPU
    assert "terlalu panjang" in said and f"paling banyak {SHORT} huruf" in said
    assert "desa/kelurahan mana" in said                 # the same question again
    assert chat.session["reg"] == before                 # the name and role typed before are kept
    assert "Kilmury" in chat.say("Kilmury, Kilmury")     # and the person goes on from there


@pytest.mark.parametrize("position, text", [
    (("1",), "2" * 300),                                 # a choice
    (("1", "1"), "kemarin " * 40),                       # a date
    (("1", "1", "kemarin", "Balai desa"), "7" * 201),    # a number
])
def test_a_long_answer_keeps_the_answers_given_before(kader, position, text):
    kader.say("menu")
    for answer in position:
        kader.say(answer)
    form = kader.session["form"]
    said = kader.say(text)
    assert "terlalu panjang" in said
    assert kader.session["form"] == form


def test_a_free_text_answer_may_be_long_up_to_its_limit(kader):
    for answer in ("menu", "1", "1", "kemarin"):
        kader.say(answer)
    place = "Balai desa " * 150                           # 1,500 characters: a place may be described
    assert "terlalu panjang" not in kader.say(place)
    assert kader.session["form"]["answers"]["place"].startswith("Balai desa")
    kader.say("kembali")
    assert f"paling banyak {LONG:,}".replace(",", ".") in kader.say("x" * (LONG + 1))


def _count_searches(monkeypatch) -> list[int]:
    """The length of every query the area index hands to rapidfuzz."""
    seen: list[int] = []
    real = process.extract

    def counting(query, *args, **kw):
        seen.append(len(query))
        return real(query, *args, **kw)
    monkeypatch.setattr(areas_module.process, "extract", counting)
    return seen


@pytest.mark.parametrize("shape", ["1,{}", "a b {}", "Kilmuri, {}", "Teluk Waro {}", "{}/"])
def test_area_search_work_does_not_grow_with_what_is_typed(monkeypatch, shape):
    index = catalog.area_index()
    seen = _count_searches(monkeypatch)
    index.search(shape.format("x") * 4, 4)
    few = len(seen)
    seen.clear()
    index.search(shape.format("x") * 400, 4)
    assert len(seen) <= max(few, 12)                     # was one search per comma: thousands
    assert max(seen, default=0) <= areas_module.MAX_PART


def test_area_search_still_finds_what_people_type():
    index = catalog.area_index()
    label = index.label
    assert label(index.search("Kilmury, Kilmury", 4).codes[0]).startswith("Desa Kilmury, Kec. Kilmury")
    found = index.search("Sukamaju Cibungbulang", 4)
    assert found.exact and label(found.codes[0]).startswith("Desa Sukamaju, Kec. Cibungbulang")
    assert label(index.search("Kilwaru Geser", 4).codes[0]).startswith("Desa Kilwaru")
    assert label(index.search("Teluk Waro", 4).codes[0]).startswith("Desa Teluk Waru")

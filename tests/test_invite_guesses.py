"""Invite codes cannot be guessed at the role step either (issue 28): a wrong code typed where the role is
asked counts towards the same limit as at the invite step, and the same pause follows."""
from __future__ import annotations

from datetime import timedelta

import pytest

from flows import access
from flows.types import InviteView

from .conftest import NOW, Chat

GOOD = {"GOOD2345": InviteView("opd", "81.05", "open", {"agency": "Dinas PMD"})}


def _at_role_step(forms, now=NOW) -> Chat:
    chat = Chat(forms, now=now, invites=GOOD)
    chat.step("halo")
    chat.step("Budi Santoso")
    return chat


def test_wrong_codes_at_the_role_step_lead_to_the_pause(forms):
    chat = _at_role_step(forms)
    for guess in ("ABCD2345", "ZZZZ9999", "QWER7777", "ASDF2222"):
        assert "Kode undangan tidak dikenal" in chat.say(guess)
    chat.say("HJKL3333")                                     # the fifth wrong code
    said = chat.say("GOOD2345")                              # even the right code now waits
    assert "Terlalu banyak kode yang salah" in said and "15 menit" in said
    assert chat.contact is None
    chat.now = NOW + timedelta(minutes=15)
    assert "terdaftar" in chat.say("GOOD2345")               # after the pause the right code works
    assert chat.contact is not None and chat.contact.role == "opd"


def test_guesses_at_the_role_and_invite_steps_count_together(forms):
    chat = _at_role_step(forms)
    for guess in ("ABCD2345", "ZZZZ9999", "QWER7777"):
        chat.say(guess)
    chat.say("2")                                            # fasilitator: asks for the code
    chat.say("ASDF2222")
    assert "Terlalu banyak kode yang salah" in chat.say("HJKL3333") + chat.say("GOOD2345")


@pytest.mark.parametrize("role", ["1", "kader", "Kader desa", "fasilitator", "koordinator program"])
def test_a_role_is_still_a_role_and_never_counted(forms, role):
    chat = _at_role_step(forms)
    chat.say(role)
    assert "invite_tries" not in chat.session


@pytest.mark.parametrize("text, code", [("ABCD2345", True), ("abcd 2345", True), ("ABCDEFGH", True),
                                        ("kader desa", False), ("fasilitator", False), ("4", False),
                                        ("Budi", False), ("12", False), ("koordinator", False)])
def test_what_looks_like_a_code(text, code):
    assert access.looks_like_code(text) is code

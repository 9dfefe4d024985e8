"""The storyteller of a story of change (flows/storyteller.py, cerita form version 3): asked only when the
storyteller may be named, may be someone other than the kader, "saya sendiri" for the kader themself; an
anonymous story keeps no name, even after a correction from named to anonymous."""
from __future__ import annotations

import pytest

from flows.storyteller import anonymous, sender, storyteller
from flows.types import ReportView

from .conftest import NOW


def tell(kader, consent: str, teller: str | None = None) -> str:
    kader.say("menu")
    kader.say("3")
    for answer in ("komunitas", "Ibu-ibu sekarang berani bicara di musyawarah desa.", "Kelompok tenun Dusun II",
                   "Sekarang suara kami didengar.", "Januari sampai Juli 2024"):
        kader.say(answer)
    out = kader.say(consent)
    if teller is not None:
        assert out.startswith("Siapa nama pencerita?") and "saya sendiri" in out
        out = kader.say(teller)
    return out




@pytest.mark.parametrize("consent,teller,shown", [
    ("1", "Ibu Maria Lake", "Ibu Maria Lake"), ("ya", "saya sendiri", "Siti Aminah"),
    ("1", "Saya sendiri.", "Siti Aminah"), ("1", "beta sendiri", "Siti Aminah")])
def test_the_storyteller_is_asked_after_consent_and_may_be_someone_else(kader, consent, teller, shown):
    assert "Ada foto pendukung?" in tell(kader, consent, teller)
    out = kader.say("lewati")
    assert f"- Pencerita: {teller}" in out
    kader.say("kirim")
    [report] = kader.reports
    assert report.form_version == 3 and report.answers["teller"] == teller
    assert storyteller(report.answers, "Siti Aminah") == shown
    assert sender("cerita", report.answers, "Siti Aminah") == "Siti Aminah"


def test_an_anonymous_story_is_not_asked_a_name_and_shows_none(kader):
    assert "Ada foto pendukung?" in tell(kader, "anonim")
    kader.say("lewati")
    kader.say("kirim")
    [report] = kader.reports
    assert "teller" not in report.answers
    assert storyteller(report.answers, "Siti Aminah") == ""
    assert anonymous("cerita", report.answers) and sender("cerita", report.answers, "Siti Aminah") == "Anonim"
    assert not anonymous("pemantauan", {"consent": "anonim"})


def test_a_story_of_version_2_shows_the_kader_as_its_storyteller():
    assert storyteller({"consent": "nama", "story": "…"}, "Siti Aminah") == "Siti Aminah"


def test_a_correction_to_anonymous_drops_the_storytellers_name(kader):
    tell(kader, "1", "Ibu Maria Lake")
    kader.say("lewati")
    kader.say("kirim")
    [sent] = kader.reports
    kader.recent = (ReportView(7, sent.form_id, sent.form_version, sent.area_code, sent.answers, NOW, key=sent.key),)
    assert "Laporan mana yang ingin diperbaiki?" in kader.say("ubah")
    out = kader.say("1")
    assert "7. Pencerita: Ibu Maria Lake" in out
    kader.say("6")                                     # 6. Nama boleh disebut
    out = kader.say("anonim")
    assert "- Nama boleh disebut: Tidak, tanpa nama (anonim)" in out and "Ibu Maria Lake" not in out
    kader.say("kirim")
    again = kader.reports[-1]
    assert again.answers["consent"] == "anonim" and "teller" not in again.answers

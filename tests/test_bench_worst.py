"""bench.worst reaches every step it promises (every registration step, every built-in form's questions and
summary) and prints a figure per step; the figures themselves are in BENCHMARKS.md, never asserted here."""
from __future__ import annotations

from bench import worst


def test_every_step_of_registration_and_the_built_in_forms_is_fuzzed(forms):
    names = [name for name, _, _ in worst.steps(forms)]
    assert [n for n in names if n.startswith("registration")] == [n for n, _ in worst.REGISTER]
    for form_id in worst.FORMS:
        asked = [n for n in names if n.startswith(form_id + ":")]
        assert f"{form_id}: summary to confirm" in asked and "?" not in " ".join(asked)
    assert {"pertemuan: kind", "pertemuan: date", "pertemuan: men", "pemantauan: activities[0].status",
            "cerita: story", "menu", "choosing a report to correct"} <= set(names)


def test_it_prints_a_line_per_step_and_the_worst(forms):
    lines: list[str] = []
    assert worst.main(["--examples", "3", "--step", "registration: desa"], out=lines.append) == 0
    assert lines[1].startswith("registration: desa") and lines[-1].startswith("worst_ms=")

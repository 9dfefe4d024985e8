"""Golden transcripts of real XLSForms filled over the chat (tests/golden/xlsform/NAME.in → NAME.out), as
tests/test_golden.py runs the built-in forms: the same directives, the same fixed clock in UTC and in WIT.
Regenerate after a deliberate change with ``PANTAU_UPDATE_GOLDEN=1 python -m pytest tests/test_xlsform_golden.py``
and review the diff."""
from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from bot import catalog
from bot.cli.forms import read_xlsform
from flows.forms import parse_form

from .test_golden import CLOCKS, UPDATE, transcript

GOLDEN = Path(__file__).parent / "golden" / "xlsform"
REAL = Path(__file__).parent / "xlsforms" / "real"


@pytest.fixture(scope="module")
def liberia(tmp_path_factory):
    """The Liberia coverage form with allow_choice_duplicates added to a copy (the file stays as published)."""
    book = openpyxl.load_workbook(REAL / "liberiaCoverage.xlsx")
    book["settings"].cell(1, 8, "allow_choice_duplicates")
    book["settings"].cell(2, 8, "yes")
    path = tmp_path_factory.mktemp("liberia") / "liberia.xlsx"
    book.save(path)
    return parse_form(read_xlsform(path).data, "liberia")


@pytest.mark.parametrize("clock", CLOCKS)
def test_the_long_liberia_form_is_filled_end_to_end(kader, liberia, clock):
    forms = dict(catalog.load_forms([catalog.FORMS_DIR]))
    forms[(liberia.id, liberia.version)] = liberia
    kader.forms = forms
    kader.now = kader.now.astimezone(CLOCKS[clock])
    got = transcript(kader, (GOLDEN / "liberia_coverage.in").read_text(encoding="utf-8"))
    out = GOLDEN / "liberia_coverage.out"
    if (UPDATE or not out.exists()) and clock == "utc":
        out.write_text(got, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"{out.name} was missing and has been written: review it and commit it")
    assert got == out.read_text(encoding="utf-8"), "differs (PANTAU_UPDATE_GOLDEN=1 to regenerate)"
    shown = "\n".join(line for line in got.splitlines() if not line.startswith(("  session", "  = report")))
    assert "{" not in shown and "<strong>" not in shown and "**" not in shown     # filled, styled for a chat
    assert "*Liberian Institute of Statistics and Geo-Information Sevices (LISGIS)*" in shown
    assert "Bagian: Anthropometry for Ama\n  Please get Ama's anthropometric measurements" in shown
    assert "_Refer child to most appropriate treatment centre_" in shown
    report = json.loads(got.split("  = report ")[1].split("\n")[0])
    answers = report["answers"]
    assert len(answers["child_repeat"]) == 2 and answers["child_repeat"][0]["flag"] == 1
    assert (answers["cname"], answers["cage"], answers["mnp4"]) == ("Ama", 17, 5)     # the selected child

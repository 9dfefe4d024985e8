"""Golden transcripts: whole conversations on a fixed clock, inputs → replies and the session after each.

Each ``tests/golden/NAME.in`` is one message per line (``#`` lines are comments) with a few directives:
``@after 3h`` moves the clock on, ``@photo REF [CAPTION]`` sends a photo (with a caption), ``@sent ID`` makes the last report a sent
one (for ``ubah``), ``@fail TEXT`` sends TEXT while the engine fails (the pipeline's error boundary answers),
``@area CODE`` registers the cadre in another desa (its province's lexicon applies),
``@retry`` sends the last message again with the same id (a platform's retry: a duplicate, not answered).
``NAME.out`` is what the engine answered. A ``NAME.yaml`` beside them is a form of its own that the chat offers
too (a question type's golden, ``type_TYPE``: tests/test_qtypes.py). Regenerate after a deliberate change with
``PANTAU_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py`` and review the diff.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import replace
from datetime import timedelta, timezone
from pathlib import Path

import pytest
import yaml

from flows.dates import WIT
from flows.forms import parse_form
from flows.recovery import failed
from flows.types import Inbound, ReportView

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("PANTAU_UPDATE_GOLDEN") == "1"


def _replies(step) -> list[str]:
    out = []
    for r in step.replies:
        out += [f"  {line}" for line in r.text.split("\n")]
        out += [f"    {i}. {c}" for i, c in enumerate(r.choices, 1)]
    return out


def transcript(chat, script: str) -> str:
    lines: list[str] = []
    seen: set[str] = set()
    last_id, n = "", 0
    for raw in script.splitlines():
        line = raw.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        if line.startswith("@after "):
            hours = float(re.fullmatch(r"@after (\d+(?:\.\d+)?)h", line).group(1))
            chat.now += timedelta(hours=hours)
            lines.append(f"~ {hours:g} h later ({chat.now.astimezone(timezone.utc).isoformat()})")
            continue
        if line.startswith("@area "):
            chat.contact = replace(chat.contact, area_code=line.split()[1])
            lines.append(f"~ the cadre is registered in {line.split()[1]}")
            continue
        if line.startswith("@sent "):
            sent = chat.reports[-1]
            chat.recent = (ReportView(int(line.split()[1]), sent.form_id, sent.form_version, sent.area_code,
                                      sent.answers, chat.now),)
            lines.append(f"~ report {line.split()[1]} is stored")
            continue
        kw: dict = {}
        fail = False
        if line == "@retry":
            lines.append(f"> (the same message again, id {last_id})")
            lines.append("  (a duplicate: dropped before the engine, not answered)" if last_id in seen else "??")
            continue
        if line.startswith("@photo "):
            _, ref, *caption = line.split(" ", 2)
            kw = {"photo": ref, "kind": "photo"}
            text = caption[0] if caption else ""
            lines.append(f"> [photo {kw['photo'][:12]}…]" + (f" {text}" if text else ""))
        elif line.startswith("@fail "):
            fail, text = True, line[len("@fail "):]
            lines.append(f"> {text}    [the engine fails on this message]")
        else:
            text = line
            lines.append(f"> {text}")
        n += 1
        last_id = f"m{n}"
        seen.add(last_id)
        inbound = Inbound("test", "u", last_id, text=text, **kw)
        if fail:
            step = failed(chat.session, inbound, chat.ctx())
            chat.session = step.session
        else:
            step = chat.step(text, **kw)
        lines += _replies(step)
        if step.report:
            lines.append("  = report " + json.dumps({"form": step.report.form_id, "key": step.report.key,
                                                     "answers": step.report.answers,
                                                     "correcting": step.report.report_id}, sort_keys=True,
                                                    ensure_ascii=False))
        lines.append("  session " + json.dumps(step.session, sort_keys=True, ensure_ascii=False))
    return "\n".join(lines) + "\n"


CASES = sorted(p.stem for p in GOLDEN.glob("*.in"))


# the same instant on a clock in UTC and in WIT (+09:00): a scripted clock's offset changes nothing (issue 22)
CLOCKS = {"utc": timezone.utc, "wit": WIT}


@pytest.mark.parametrize("clock", CLOCKS)
@pytest.mark.parametrize("name", CASES)
def test_golden_transcript(kader, name, clock):
    kader.now = kader.now.astimezone(CLOCKS[clock])
    own = GOLDEN / f"{name}.yaml"
    if own.exists():               # the golden's own form, offered beside the built-in ones
        form = parse_form(yaml.safe_load(own.read_text(encoding="utf-8")), own.name)
        kader.forms = {**kader.forms, (form.id, form.version): form}
    got = transcript(kader, (GOLDEN / f"{name}.in").read_text(encoding="utf-8"))
    out = GOLDEN / f"{name}.out"
    if (UPDATE or not out.exists()) and clock == "utc":
        out.write_text(got, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"{out.name} was missing and has been written: review it and commit it")
    assert got == out.read_text(encoding="utf-8"), f"{name}: differs (PANTAU_UPDATE_GOLDEN=1 to regenerate)"


def test_the_transcripts_cover_the_list_of_the_issue():
    assert {"meeting_full", "monitoring_skip_word", "story_photo", "ubah_one_question", "old_date_confirmed",
            "future_date_asked", "greeting_after_pause", "engine_error_once"} <= set(CASES)


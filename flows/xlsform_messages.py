"""pyxform's messages in Indonesian, one line per problem, each naming its sheet and row.

pyxform (the reference XLSForm implementation) explains a broken workbook in English, sometimes several
problems in one message. ``pyxform_problems(message)`` splits it into problems and says each in
Indonesian where the message is a known one; an unknown message is kept as pyxform wrote it.
"""
from __future__ import annotations

import re

_SHEET = r"On the '(?:survey|choices|settings)' sheet, "
KNOWN: list[tuple[str, str]] = [
    (r"Unknown question type '(?P<t>.+?)'\.?", "jenis pertanyaan '{t}' tidak dikenal XLSForm (salah ketik?)"),
    (_SHEET + r"the 'name' value '(?P<n>.+?)' is invalid\. Questions, groups, and repeats must be unique.*",
     "nama '{n}' dipakai lebih dari sekali di grup yang sama; setiap nama harus unik di dalam grupnya"),
    (_SHEET + r"the 'name' value is invalid\. Names must begin.*",
     "nama tidak sah: harus diawali huruf atau _, lalu hanya huruf, angka, _, - atau ."),
    (r"Unmatched '(?P<w>begin|end)_(?P<k>group|repeat)'\. No matching .* for the name '(?P<n>.+?)'\.?",
     "{w}_{k} '{n}' tidak punya pasangan {other}_{k}"),
    (r"The survey element named '(?P<n>.+?)' has no label or hint\.?", "pertanyaan '{n}' tidak punya label atau hint"),
    (r"Question or group with no name\.?", "pertanyaan atau grup tanpa nama (kolom name kosong)"),
    (_SHEET + r"the '(?P<c>[\w:]+)' value is invalid\. Reference variables must contain a name from the 'survey' "
     r"sheet\. Could not find the name '(?P<n>.+?)'\.?",
     "kolom {c} memakai ${{{n}}}, padahal tidak ada pertanyaan bernama '{n}'"),
    (r"List name not in choices sheet: (?P<n>.+)", "daftar pilihan '{n}' tidak ada di sheet choices"),
    (r"Duplicate column header: (?P<n>.+)", "judul kolom '{n}' muncul dua kali"),
    (r"Missing calculation\.?", "calculate tanpa isi di kolom calculation"),
]


def indonesian(text: str) -> str:
    for pattern, said in KNOWN:
        m = re.fullmatch(pattern, text)
        if m:
            groups = m.groupdict()
            other = {"begin": "end", "end": "begin"}.get(groups.get("w") or "", "")
            return said.format(**groups, other=other)
    return text


def pyxform_problems(message: str, english: bool = False) -> list[str]:
    """Each problem of a pyxform message as 'sheet, baris N: why' (or 'sheet: why'), in Indonesian (``english``:
    as pyxform wrote it, 'sheet, row N: why')."""
    parts = [p for p in re.split(r"\n+(?=\s*\[row\s*:)", message.strip()) if p.strip()]
    out = []
    for part in parts:
        m = re.match(r"\s*\[row\s*:\s*(\d+)\]\s*(.*)", part, re.DOTALL)
        text = " ".join((m.group(2) if m else part).split())
        named = re.search(r"[Oo]n the '(survey|choices|settings)' sheet", text)
        sheet = named.group(1) if named else "survey" if m else "choices" if "choices" in text else "settings" \
            if "settings" in text else "survey"
        said = text if english else indonesian(text)
        row = "row" if english else "baris"
        out.append(f"{sheet}, {row} {m.group(1)}: {said}" if m else f"{sheet}: {said}")
    return out

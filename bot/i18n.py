"""Keeping the gettext catalogs true: `python -m bot.i18n update` and `python -m bot.i18n check` (CI).

The template (locales/pantau.pot) is extracted from flows/ and bot/ (keywords t, t2, N_). The
Indonesian catalog must translate every string (its msgids are Indonesian, so it mostly copies
them); the English one must too. CI fails on a stale template or an untranslated string.
"""
from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
POT = LOCALES / "pantau.pot"
KEYWORDS = {"t": None, "t2": None, "N_": None}


def extract() -> Catalog:
    catalog = Catalog(project="pantau", charset="utf-8")
    for folder in ("flows", "bot"):
        for filename, lineno, message, comments, context in extract_from_dir(
                ROOT / folder, method_map=[("**.py", "python"), ("**/templates/**.html", "jinja2")],
                options_map={"**/templates/**.html": {"trimmed": "true"}}, keywords=KEYWORDS):
            catalog.add(message, None, [(f"{folder}/{filename}", lineno)])
    return catalog


def _po_path(lang: str) -> Path:
    return LOCALES / lang / "LC_MESSAGES" / "pantau.po"


def _dump(catalog: Catalog) -> bytes:
    buf = io.BytesIO()
    write_po(buf, catalog, omit_header=True, no_location=True, sort_output=True, width=120)
    return buf.getvalue()


def update() -> None:
    template = extract()
    POT.write_bytes(_dump(template))
    for lang in ("id", "en"):
        path = _po_path(lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        old = read_po(open(path, "rb"), locale=lang) if path.exists() else Catalog(locale=lang)
        new = Catalog(locale=lang, project="pantau", charset="utf-8")
        for msg in template:
            if not msg.id:
                continue
            previous = old.get(msg.id)
            text = previous.string if previous is not None and previous.string else ""
            if lang == "id" and not text:
                text = msg.id                       # msgids are Indonesian already
            new.add(msg.id, text)
        path.write_bytes(_dump(new))


def check() -> int:
    problems = []
    fresh = {m.id for m in extract() if m.id}
    committed = {m.id for m in read_po(open(POT, "rb")) if m.id}
    if fresh != committed:
        problems.append(f"locales/pantau.pot is stale ({len(fresh - committed)} new, {len(committed - fresh)} gone): "
                        "run `python -m bot.i18n update` and translate")
    for lang in ("id", "en"):
        catalog = read_po(open(_po_path(lang), "rb"), locale=lang)
        missing = [m.id for m in catalog if m.id and not m.string]
        absent = fresh - {m.id for m in catalog if m.id}
        if missing or absent:
            problems.append(f"{lang}: {len(missing) + len(absent)} untranslated, e.g. {(missing or sorted(absent))[0]!r}")
    for p in problems:
        print(p, file=sys.stderr)
    if not problems:
        print(f"catalogs complete: {len(fresh)} messages in id and en")
    return 1 if problems else 0


if __name__ == "__main__":
    if sys.argv[1:] == ["update"]:
        update()
    else:
        sys.exit(check())

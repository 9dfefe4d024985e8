"""The reading half of an XLSForm import: where each row and column is, problems named by sheet, row and
column, texts per language, XPath into expressions, the survey's columns checked, and the raw sheets' other
languages and legacy bind columns."""
from __future__ import annotations

import ast
import re
from typing import Any

from .xlsform_sheets import (IGNORED_COLUMNS, NOTED_COLUMNS, SURVEY_ALIASES, SURVEY_COLUMNS, TRANSLATED, Sheets,
                             base_column, braces, column_letter, lang_of)
from .xpath import Scope, XPathError, to_expr


def _flat(node: ast.AST) -> ast.AST:
    """``(a and b) and c`` as ``a and b and c`` (the same value, one way of writing it)."""
    for child in ast.iter_child_nodes(node):
        _flat(child)
    if isinstance(node, ast.BoolOp):
        values: list[ast.expr] = []
        for v in node.values:
            values += v.values if isinstance(v, ast.BoolOp) and type(v.op) is type(node.op) else [v]
        node.values = values
    return node


def canonical(expr: str) -> str:
    """An expression written one way: brackets only where they change the meaning, nested and/or flattened, so
    that a form exported to XLSForm and imported again has the very same expressions."""
    return ast.unparse(_flat(ast.parse(expr, mode="eval")))


class Reader:
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
        self.external: dict[str, str] = {}         # a select_one_external question → its external_choices list

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
                    if repeat:
                        scope.outer[name] = repeat
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
        where = [sheet] + ([f"baris {row}"] if row else []) \
            + ([f"kolom {column_letter(cols, column)}"] if column else [])
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
                if base_column(column) == base:
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
            return canonical(to_expr(str(source), me, choice_columns, self.scope))
        except XPathError as exc:
            self.problem("survey", row, self.column_of(row, column), f"{exc} (dalam {source!r})")
            return None

    # ---- the survey
    def check_columns(self) -> None:
        noted: set[str] = set()
        for i, row in enumerate(self.sheets.survey, start=2):
            for column, value in row.items():
                base = base_column(column)
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
                    self.notes.append(f"survey: kolom {column_letter(self.sheets.survey_columns, column)} {why}; diabaikan")

def other_languages(sheets: Sheets, default: str) -> dict[str, dict[str, dict[str, str]]]:
    """The texts in languages other than Indonesian and English (``label::Swahili (sw)``), by survey row name
    and by choice value (Pantau keeps no list names; the first list's texts of a value), so that export writes
    every language of the form back."""
    def other(column: str) -> bool:
        base, _, lang = column.partition("::")
        return bool(lang) and base_column(base) in TRANSLATED and lang_of(lang, default) is None

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


def legacy_binds(children: list[dict[str, Any]]) -> None:
    """Old XLSForms write bind columns as 'bind:relevant': pyxform keeps them as they are; read them as bind."""
    for child in children:
        for key in [k for k in child if k.startswith("bind:")]:
            child.setdefault("bind", {}).setdefault(key[5:], child.pop(key))
        legacy_binds(child.get("children") or [])

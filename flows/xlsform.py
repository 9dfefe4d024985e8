"""An XLSForm (ODK / KoboToolbox) as a Pantau form: pyxform's parsed JSON in, a form file's content out.

``from_xlsform(parsed, sheets)`` takes what pyxform made of the workbook (``parsed``, its JSON form
spec) and the raw rows of its sheets (``sheets``, for row and column numbers), and returns the
form file content (the mapping ``flows.forms.parse_form`` reads) with notes on what was left out.
Anything it cannot run over chat raises ``XLSFormError`` with one line per problem: sheet, row,
column, why. Reading the workbook and running pyxform is the caller's job (bot/forms_cli.py).
"""
from __future__ import annotations

import ast
import re
from typing import Any

from .form_messages import indonesian
from .qtypes import TABLE
from .forms import FormError, parse_form
from .xlsform_choices import ChoicesReader
from .xlsform_reader import canonical, legacy_binds, other_languages
from .xlsform_settings import SettingsReader
from .xlsform_sheets import (DEFAULT_MESSAGE, LANG_COLUMNS, METADATA, NO_SUMMARY, OTHER_TEXT_LABEL, TYPE_MAP, YES,
                             Imported, Sheets, XLSFormError, braces, lang_of, normal_id)
from .xlsform_summary import default_summary

__all__ = ["LANG_COLUMNS", "NO_SUMMARY", "Imported", "Sheets", "XLSFormError", "from_xlsform", "lang_of", "normal_id",
           "braces"]


def _placed(q: dict[str, Any], child: dict[str, Any], relevant: list[str], groups: tuple[dict[str, Any], ...]
            ) -> dict[str, Any]:
    """A question with what its place gives it: the groups' relevant and headers, and its appearance."""
    appearance = (child.get("control") or {}).get("appearance")
    if appearance not in (None, "") and q["type"] != "repeat":
        q["appearance"] = str(appearance)             # ignored in a chat, written back by export
    if relevant:
        q["relevant"] = _all(relevant + ([q["relevant"]] if q.get("relevant") else []))
    if groups and q["type"] != "repeat":
        q["groups"] = [dict(g) for g in groups]
    return q


class _Converter(ChoicesReader, SettingsReader):
    """The survey's questions, groups and repeats (settings and choices are read by the classes it builds on)."""

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
            named = self.unique(child, name, ctype, path, row)
            if named is None:
                continue
            child, name = named
            self.seen.add(name)
            self.scope.at = name
            if ctype == "repeat":
                if in_repeat and self.scope.outer.get(str(self.scope.here)):
                    self.problem("survey", row, "type", "repeat di dalam repeat di dalam repeat belum didukung "
                                 "Pantau: chat menanyakan daftar item paling dalam dua tingkat. Jadikan repeat ini "
                                 "repeat tersendiri di luar repeat induknya, atau pecah menjadi dua formulir")
                    continue
                q = self.repeat(child, row, relevant)
                self.in_repeat = in_repeat
            elif ctype == "calculate":
                self.calculation(child, name, row, in_repeat)
                continue
            elif ctype in METADATA:
                self.notes.append(f"survey baris {row}: {ctype} ({name}) diabaikan; Pantau mencatat waktu sendiri")
                if not groups and not in_repeat:
                    self.metadata.append([str(ctype), name])      # written back by export
                continue
            else:
                q = self.question(child, row)
            if q is not None:
                out.append(_placed(q, child, relevant, groups))
        return out

    def unique(self, child: dict[str, Any], name: str, ctype: Any, path: tuple[str, ...], row: int | None
               ) -> tuple[dict[str, Any], str] | None:
        """The question under a name of its own (renamed by its group path when used in another group), or None
        after a problem (a name XForms cannot hold, or used twice where it must not be)."""
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            self.problem("survey", row, "name", f"nama {name!r} hanya boleh huruf, angka dan _ (tanpa - atau .)")
            return None
        if name not in self.seen:
            return child, name
        if not path or ctype in METADATA:
            rows = ", ".join(str(r) for r in self.rows.get(name, []))
            self.problem("survey", row, "name", f"nama {name!r} dipakai lebih dari sekali (baris {rows}); "
                         "nama yang sama hanya boleh di grup atau repeat yang berbeda")
            return None
        scoped = self.scoped(name, path, row)
        return {**child, "name": scoped}, scoped

    def calculation(self, child: dict[str, Any], name: str, row: int | None, in_repeat: bool) -> None:
        calc = self.expr((child.get("bind") or {}).get("calculate"), row, "calculation")
        rel = self.expr((child.get("bind") or {}).get("relevant"), row, "relevant")
        if calc and rel:      # as in ODK: a calculation whose relevant does not hold is empty
            calc = _when(rel, calc)
        if calc:      # inside a repeat: computed for each item
            (self.item_calculate if in_repeat else self.calculate)[name] = calc

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
        short = self.text(child.get("pantau_short"))
        if short:
            q["short"] = short
        rel = self.expr((child.get("bind") or {}).get("relevant"), row, "relevant")
        if rel:
            q["relevant"] = rel
        outer, outer_calculate = self.scope.here, self.item_calculate     # a repeat inside a repeat: its parent's
        self.item_calculate = {}
        self.scope.here = name
        q["questions"] = self.children(child.get("children") or [], [], True, (), (str(name),))
        self.scope.here = outer
        if self.item_calculate:
            q["calculate"] = self.item_calculate
        self.item_calculate = outer_calculate
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
        qtype = TABLE[q["type"]]
        qtype.xls_binds(child, bind)      # a date's default is a date (today() - 7 is a number of days)
        self.defaults(child, bind, q, row)
        qtype.xls_read(child, q)          # its own columns: an integer's pantau_count, a select_multiple's default
        if qtype.choices and not self.select(child, q, row, raw_type):
            return None
        self.pantau_columns(child, q, row)
        return q

    def defaults(self, child: dict[str, Any], bind: dict[str, Any], q: dict[str, Any], row: int | None) -> None:
        """The question's default: a calculation or an expression (computed when it is reached), or a value."""
        name = child["name"]
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
                q["default"] = default

    def pantau_columns(self, child: dict[str, Any], q: dict[str, Any], row: int | None) -> None:
        """What XLSForm has no column for, read from Pantau's own (``pantau_pair``, ``pantau_min``, …)."""
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


def _when(condition: str, expr: str) -> str:
    """``expr`` where ``condition`` holds, else empty (a calculation with a relevant)."""
    node = ast.IfExp(test=ast.parse(condition, mode="eval").body, body=ast.parse(expr, mode="eval").body,
                     orelse=ast.Constant(""))
    return ast.unparse(node)


def _all(exprs: list[str]) -> str:
    """Several conditions that must all hold, as one expression (written as ``canonical`` writes it)."""
    return canonical(" and ".join(f"({e})" for e in exprs))


def _check(conv: _Converter, data: dict[str, Any]) -> None:
    """The converted form through ``parse_form``; its problem placed on the sheet's row and column."""
    try:
        parse_form(data, f"{data['id']} v{data['version']}")
    except FormError as exc:
        row = conv.row_of(exc.question) if exc.question else None
        column = None if row else "pantau_summary" if "summary" in exc.problem else "pantau_key" \
            if "key" in exc.problem else None
        first = exc.problem.split()[0].rstrip(":") if exc.problem else ""
        if row and first in ("relevant", "constraint", "default", "calculate", "choice_filter", "repeat_count"):
            column = conv.column_of(row, "calculation" if first == "calculate" else first)
        conv.problem("survey" if row else "settings", row or 2, column, indonesian(exc.problem))


def from_xlsform(parsed: dict[str, Any], sheets: Sheets, form_id: str | None = None) -> Imported:
    """The Pantau form of an XLSForm (raises XLSFormError listing every problem; nothing is half-done)."""
    legacy_binds(parsed.get("children") or [])
    conv = _Converter(parsed, sheets, form_id)
    conv.check_columns()
    head = conv.settings()
    questions = conv.children(parsed.get("children") or [], [], False)
    data = {**head, "questions": questions}
    # what the chat does not use, kept for export (the attached files are versioned with the form)
    kept = {"metadata": conv.metadata, "names": conv.renamed, "from_file": conv.from_file,
            "external": conv.external, "files": dict(sheets.file_texts)}
    if any(kept.values()):
        data["xlsform"] = {**data.get("xlsform", {}), **{k: v for k, v in kept.items() if v}}
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
        _check(conv, data)
    if conv.problems:
        raise XLSFormError(conv.problems)
    languages = other_languages(sheets, conv.default_lang)
    if languages:                         # not spoken in the chat, written back by export
        data["xlsform"] = {**data.get("xlsform", {}), "languages": languages}
    if conv.ignored_langs:
        conv.notes.append(f"bahasa {', '.join(sorted(conv.ignored_langs))} tidak dipakai di chat (Pantau memakai id "
                          "dan en); disimpan untuk ekspor")
    for lang in sorted(conv.copied_langs):
        other = "Indonesia" if lang == "en" else "Inggris"
        conv.notes.append(f"teks {LANG_COLUMNS[lang]} yang kosong diisi dari teks bahasa {other}")
    return Imported(data, conv.notes)

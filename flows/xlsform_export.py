"""A Pantau form as an XLSForm: the rows of its survey, choices and settings sheets (no I/O here).

What XLSForm has no column for (men and women answered together, a date that may not be in the
future, the report key, …) goes into ``pantau_*`` columns, which ODK and Kobo ignore and
``flows.xlsform.from_xlsform`` reads back: a form exported and imported again is the same form.
"""
from __future__ import annotations

import re
from typing import Any

import yaml

from .forms import MORE, ROLES, Form, Group, Question
from .qtypes import TABLE
from .xlsform_sheets import LANG_COLUMNS, NO_SUMMARY
from .xpath import to_xpath

SURVEY = ["type", "name", *[f"label::{c}" for c in LANG_COLUMNS.values()],
          *[f"hint::{c}" for c in LANG_COLUMNS.values()], "required", "relevant", "constraint",
          *[f"constraint_message::{c}" for c in LANG_COLUMNS.values()], "calculation", "default", "choice_filter",
          "repeat_count", "appearance", "parameters", *[f"pantau_short::{c}" for c in LANG_COLUMNS.values()], "pantau_pair", "pantau_min",
          "pantau_max", "pantau_count", "pantau_not_future", "pantau_confirm_older_than_days",
          "pantau_suggest_from_previous"]


def unbraces(text: str) -> str:
    """A form text's {x} placeholders as XLSForm ${x} references ({{ and }} are literal braces)."""
    out = re.sub(r"(?<!\{)\{([A-Za-z_]\w*)\}(?!\})", r"${\1}", text)
    return out.replace("{{", "{").replace("}}", "}")


def _texts(row: dict[str, Any], column: str, value: dict[str, str]) -> None:
    for lang, header in LANG_COLUMNS.items():
        if value.get(lang):
            row[f"{column}::{header}"] = unbraces(value[lang])


class _Choices(list[dict[str, Any]]):
    """The choices sheet's rows, knowing which lists it already holds (a shared list is written once)."""

    def __init__(self, shared: set[str]) -> None:
        super().__init__()
        self.lists: set[str] = set()
        self.shared = shared          # the form's shared list names: no question's own list takes one


def _repeat_rows(q: Question, choices: _Choices) -> list[dict[str, Any]]:
    """A repeat: begin_repeat, its questions and calculations, end_repeat."""
    row: dict[str, Any] = {"name": q.name, "type": TABLE[q.type].xls_out}
    _texts(row, "label", q.label)
    if q.repeat_count:
        row["repeat_count"] = to_xpath(q.repeat_count)
    _texts(row, "pantau_short", q.short)
    if q.suggest_from_previous:
        row["pantau_suggest_from_previous"] = "yes"
    if q.relevant:
        row["relevant"] = to_xpath(q.relevant)
    rows = [row] + _with_groups(tuple(s for s in q.questions if s.name != MORE), choices)
    rows += [{"type": "calculate", "name": name, "calculation": to_xpath(expr)} for name, expr in q.calculate]
    return rows + [{"type": "end_repeat", "name": q.name}]


def _type(q: Question, choices: _Choices) -> str | None:
    """The survey row's type; a select's choices are added to the choices sheet (a shared list once)."""
    if q.choices_from == "rounds":
        return "select_one_from_file rounds.csv"
    if not TABLE[q.type].choices:
        return TABLE[q.type].xls_out
    list_name = q.choice_list or (q.name if q.name not in choices.shared else f"{q.name}_choices")
    if list_name not in choices.lists:
        choices.lists.add(list_name)
        for c in q.choices:
            crow = {"list_name": list_name, "name": c.value, **c.data}
            _texts(crow, "label", c.label)
            choices.append(crow)
    return f"{TABLE[q.type].xls_out} {list_name}"


def _question_rows(q: Question, choices: _Choices) -> list[dict[str, Any]]:
    if q.type == "repeat":
        return _repeat_rows(q, choices)
    row: dict[str, Any] = {"name": q.name, "type": _type(q, choices)}
    _texts(row, "label", q.label)
    _texts(row, "hint", q.hint)
    if q.appearance:
        row["appearance"] = q.appearance
    if q.type != "note" and q.required:
        row["required"] = "yes"
    if q.relevant:
        row["relevant"] = to_xpath(q.relevant)
    if q.constraint:
        row["constraint"] = to_xpath(q.constraint, q.name)
        _texts(row, "constraint_message", q.constraint_message)
    if q.default is not None:
        row["default"] = q.default
    if q.default_expr is not None:
        row["default"] = to_xpath(q.default_expr)
    if q.choice_filter:
        row["choice_filter"] = to_xpath(q.choice_filter)
    _texts(row, "pantau_short", q.short)
    if q.pair:
        row["pantau_pair"] = q.pair
    TABLE[q.type].xls_write(q, row)       # its own columns: an integer's pantau_count/min/max, a list's default
    if q.not_future:
        row["pantau_not_future"] = "yes"
    if q.confirm_older_than_days is not None:
        row["pantau_confirm_older_than_days"] = q.confirm_older_than_days
    return [row]


def _with_groups(questions: tuple[Question, ...], choices: _Choices) -> list[dict[str, Any]]:
    """The rows of questions in order, with begin_group/end_group rows around those sharing labelled groups."""
    rows: list[dict[str, Any]] = []
    open_groups: list[Group] = []
    for q in questions:
        common = 0
        while common < min(len(open_groups), len(q.groups)) and open_groups[common] == q.groups[common]:
            common += 1
        rows += [{"type": "end_group", "name": g.name} for g in reversed(open_groups[common:])]
        for g in q.groups[common:]:
            group_row: dict[str, Any] = {"type": "begin_group", "name": g.name}
            _texts(group_row, "label", g.label)
            rows.append(group_row)
        open_groups = list(q.groups)
        rows += _question_rows(q, choices)
    return rows + [{"type": "end_group", "name": g.name} for g in reversed(open_groups)]


def to_xlsform(form: Form, summary: dict[str, Any] | None = None,
               xlsform: dict[str, Any] | None = None) -> dict[str, list[list[Any]]]:
    """The three sheets of the XLSForm of a form, each as rows (the first row is the header).
    ``summary``: the form file's ``summary:`` section, kept in the ``pantau_summary`` settings column
    (``none`` when the form has none, so that importing it back derives none). ``xlsform``: the form file's
    ``xlsform:`` section, what the workbook said as Pantau could not keep it (an ODK form_id, a dated version,
    the metadata rows start, end, deviceid, … written back first)."""
    xlsform = xlsform or {}
    survey: list[dict[str, Any]] = [{"type": t, "name": n} for t, n in xlsform.get("metadata") or []]
    renamed = xlsform.get("names") or {}          # names scoped by their group on import: written as given
    choices = _Choices({q.choice_list for q in form.all_questions() if q.choice_list})
    survey += _with_groups(form.questions, choices)
    from_file = xlsform.get("from_file") or {}          # choices from an attached file: the file is written back
    for row in survey:
        if row.get("name") in from_file and not str(row.get("type", "")).startswith(("end_", "begin_")):
            dropped = str(row["type"]).split()[-1]
            row["type"], *params = from_file[row["name"]]
            if params:
                row["parameters"] = params[0]
            choices[:] = [c for c in choices if c.get("list_name") != dropped]
    external = _external(survey, choices, xlsform.get("external") or {})
    for row in survey:
        if row.get("name") in renamed and not str(row.get("type", "")).startswith(("end_", "begin_group")):
            row["name"] = renamed[row["name"]]
    for name, expr in form.calculate:
        survey.append({"type": "calculate", "name": name, "calculation": to_xpath(expr)})
    languages = xlsform.get("languages") or {}          # languages the chat does not speak, kept as given
    for row in survey:
        if not str(row.get("type", "")).startswith("end_"):
            row.update((languages.get("survey") or {}).get(str(row.get("name")), {}))
    for crow in choices:
        crow.update((languages.get("choices") or {}).get(str(crow.get("name")), {}))
    return _sheets(survey, choices, _settings(form, summary, xlsform), external)


def _settings(form: Form, summary: dict[str, Any] | None, xlsform: dict[str, Any]) -> dict[str, Any]:
    """The settings sheet's one row."""
    settings = {"form_id": xlsform.get("form_id", form.id), "version": xlsform.get("version", str(form.version)),
                "form_title": form.title["id"],
                f"pantau_title::{LANG_COLUMNS['en']}": form.title["en"],
                "default_language": LANG_COLUMNS["id"]}
    if form.order != 100:                # the default place is not written: imported again, the same form file
        settings["pantau_order"] = form.order
    if any(len({c.value for c in q.choices}) != len(q.choices) for q in form.all_questions()):
        settings["allow_choice_duplicates"] = "yes"       # a value repeated under a choice_filter
    if tuple(form.roles) != ROLES:
        settings["pantau_roles"] = " ".join(form.roles)
    if tuple(form.key) != ("$started",):
        settings["pantau_key"] = " ".join(form.key)
    if not summary:
        settings["pantau_summary"] = NO_SUMMARY        # imported again: still no summary, none derived
    else:
        settings["pantau_summary"] = yaml.safe_dump(summary, default_flow_style=True, allow_unicode=True,
                                                    sort_keys=False, width=1_000_000).strip()
    return settings


def _sheets(survey: list[dict[str, Any]], choices: _Choices, settings: dict[str, Any],
            external: list[dict[str, Any]]) -> dict[str, list[list[Any]]]:
    """The rows as sheets, each headed by the columns its rows use."""
    used = [c for c in SURVEY if any(c in r for r in survey)]
    used += sorted({k for r in survey for k in r} - set(SURVEY) - {"type", "name"})
    choice_cols = ["list_name", "name", *[f"label::{c}" for c in LANG_COLUMNS.values()]]
    choice_cols += sorted({k for r in choices for k in r} - set(choice_cols))
    sheets = {
        "survey": [used] + [[r.get(c, "") for c in used] for r in survey],
        "choices": [choice_cols] + [[r.get(c, "") for c in choice_cols] for r in choices],
        "settings": [list(settings)] + [list(settings.values())],
    }
    if external:
        cols = ["list_name", "name", *[f"label::{c}" for c in LANG_COLUMNS.values()]]
        cols += sorted({k for r in external for k in r} - set(cols))
        sheets["external_choices"] = [cols] + [[r.get(c, "") for c in cols] for r in external]
    return sheets


def _external(survey: list[dict[str, Any]], choices: _Choices, lists: dict[str, str]) -> list[dict[str, Any]]:
    """The select_one_external questions written back as pyxform reads them: the type names the list, whose
    rows go to the external_choices sheet (not choices)."""
    out: list[dict[str, Any]] = []
    done: set[str] = set()
    for row in survey:
        list_name = lists.get(str(row.get("name")))
        if not list_name or str(row.get("type", "")).startswith(("end_", "begin_")):
            continue
        written = str(row["type"]).split()[-1]
        row["type"] = f"select_one_external {list_name}"
        rows = [c for c in choices if c.get("list_name") == written]
        choices[:] = [c for c in choices if c.get("list_name") != written]
        if list_name not in done:
            done.add(list_name)
            out += [{**c, "list_name": list_name} for c in rows]
    return out

"""What an XLSForm import shares: the columns and types it knows, its error, the sheets as read, and the small
readers of names, languages and texts (``lang_of``, ``normal_id``, ``braces``)."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from .qtypes import TABLE
from .qtypes.base import YES as YES

LANG_COLUMNS = {"id": "Indonesian (id)", "en": "English (en)"}
# an XLSForm type (as pyxform names it) → the Pantau question type it is read as (each type's ``xls_in``)
TYPE_MAP = {xls: qtype.name for qtype in TABLE.values() for xls in qtype.xls_in}
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


def column_letter(columns: list[str], column: str) -> str:
    if column not in columns:
        return column
    n, out = columns.index(column) + 1, ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return f"{column} ({out})"


def base_column(column: str) -> str:
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


"""The settings sheet of an XLSForm: form id, version, title per language, and Pantau's own settings (roles,
key, menu order, summary)."""
from __future__ import annotations

import re
from typing import Any

import yaml

from .forms import ROLES
from .xlsform_reader import Reader
from .xlsform_sheets import (DATED_VERSION, NO_SUMMARY_WORDS, SETTINGS_COLUMNS, base_column, column_letter, lang_of,
                             normal_id)


class SettingsReader(Reader):
    def settings(self) -> dict[str, Any]:
        s = {(base_column(k) if base_column(k) != "pantau_title" else k): v for k, v in self.sheets.settings.items()}
        self._unknown_columns(s)
        xlsform: dict[str, str] = {}
        form_id = self._form_id(s, xlsform)
        version = self._version(s, xlsform)
        out: dict[str, Any] = {"id": str(form_id), "version": version or 1, "title": self._title(s, form_id)}
        if xlsform:
            out["xlsform"] = xlsform
        self._order_roles_key(s, out)
        self._summary(s, out)
        return out

    def _unknown_columns(self, s: dict[str, Any]) -> None:
        for column, value in s.items():
            if base_column(column) not in SETTINGS_COLUMNS and value not in (None, ""):
                if base_column(column).startswith("pantau_"):
                    self.problem("settings", 2, column, f"kolom '{column}' tidak dikenal Pantau (salah ketik?)")
                else:
                    self.notes.append(f"settings: kolom {column_letter(self.sheets.settings_columns, column)} "
                                      "tidak dipakai Pantau; diabaikan")

    def _form_id(self, s: dict[str, Any], xlsform: dict[str, str]) -> str | None:
        """The form id (``--id``, else the settings' id made Pantau's), noting a changed one in ``xlsform``."""
        given = s.get("form_id") or s.get("set_form_id") or s.get("id_string") or self.parsed.get("id_string")
        form_id = self.form_id or (normal_id(str(given)) if given else None)
        if not form_id or not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", str(form_id)):
            self.problem("settings", 2, "form_id", f"form_id {form_id!r} harus huruf kecil, angka dan _, diawali "
                         "huruf (atau pakai --id)")
        if given and not self.form_id and form_id != str(given):
            xlsform["form_id"] = str(given)
            self.notes.append(f"settings: form_id {given!r} dipakai sebagai {form_id!r} di Pantau; diekspor lagi "
                              f"sebagai {given!r}")
        return form_id

    def _version(self, s: dict[str, Any], xlsform: dict[str, str]) -> int | None:
        """The version number (a date's or a text's as written kept in ``xlsform``), None when unusable."""
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
        return version

    def _title(self, s: dict[str, Any], form_id: str | None) -> dict[str, str]:
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
        return {"id": titles.get("id") or str(title_default), "en": titles.get("en") or str(title_default)}

    def _order_roles_key(self, s: dict[str, Any], out: dict[str, Any]) -> None:
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

    def _summary(self, s: dict[str, Any], out: dict[str, Any]) -> None:
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

"""The choices of an XLSForm's selects: from the choices sheet, external_choices, or an attached CSV, XML or
GeoJSON file; lists several questions share stored once."""
from __future__ import annotations

import copy
from typing import Any

from .xlsform_reader import Reader
from .xlsform_sheets import OTHER_LABEL


class ChoicesReader(Reader):
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
                self.file_cache[itemset] = [_external_row(r) for r in rows]
            child = {**child, "choices": self.file_cache[itemset]}
            self.external[q["name"]] = itemset         # written back to external_choices by export
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


def _external_row(row: dict[str, Any]) -> dict[str, Any]:
    """An external_choices row as a choice: its label::<language> columns as one label (pyxform leaves that
    sheet's rows as written)."""
    labels = {k.split("::", 1)[1].strip(): v for k, v in row.items() if k.startswith("label::") and v}
    out = {k: v for k, v in row.items() if k != "list_name" and not k.startswith("label::")}
    if labels and not out.get("label"):
        out["label"] = labels
    return out

"""`pantau export --format dhis2`: the aggregates as a DHIS2 ``dataValueSets`` JSON, ready for
``POST /api/dataValueSets?idScheme=CODE`` (issue 26).

What is counted, per form × area × month: the number of reports, and the sum of every integer question that
is not part of the report's key (participants by men and women, youth, people with disabilities, the
beneficiaries of a repeat's items…). Only the reports the summary counts: approved senders, no competing
submission waiting for the fasilitator, inside the same --round/--from/--to window as `pantau summary`.

- **orgUnit** is the report's Kemendagri area code (``81.05.08.2010``): DHIS2 finds it by its code
  (``orgUnitIdScheme=CODE``) and rolls desa up into kecamatan and kabupaten itself, so only the reported
  areas are written.
- **period** is a DHIS2 month (``202408``): a meeting's date, a monitoring round's due date, else the month
  the report was first sent.
- **dataElement / categoryOptionCombo** come from a mapping file (CSV, ``;`` or ``,``): one row per Pantau
  item (``pertemuan.men``) with the DHIS2 codes (or UIDs) to use. Pantau writes a starting one (codes like
  ``PANTAU_PERTEMUAN_PESERTA`` with ``LAKI_LAKI`` / ``PEREMPUAN``); the user edits it to match their DHIS2
  and passes it back with ``--mapping``. A row with an empty data element is left out on purpose.
"""
from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flows.forms import Form, FormVersions, Question
from storage.db import Session
from storage.summary import Filters, iter_report_rows, summary_forms, window_for

HEADER = ["pantau_item", "dataElement", "categoryOptionCombo", "attributeOptionCombo", "keterangan"]
MEN, WOMEN = "LAKI_LAKI", "PEREMPUAN"


class MappingError(ValueError):
    """A mapping file that cannot be used, said in Indonesian."""


@dataclass(frozen=True)
class Target:
    data_element: str
    coc: str = ""
    aoc: str = ""


@dataclass(frozen=True)
class Item:
    key: str                 # "pertemuan.men", "pemantauan.activities.beneficiaries_women", "cerita.reports"
    description: str
    default: Target


def _code(*parts: str) -> str:
    return "PANTAU_" + re.sub(r"[^A-Z0-9]+", "_", "_".join(p for p in parts if p).upper()).strip("_")


def _sex_split(name: str) -> tuple[str, str]:
    """("beneficiaries", WOMEN) for beneficiaries_women; ("", MEN) for men; (name, "") otherwise."""
    for suffix, coc in (("women", WOMEN), ("men", MEN)):
        if name == suffix or name.endswith("_" + suffix):
            return name[: -len(suffix)].rstrip("_"), coc
    return name, ""


def _label(q: Question) -> str:
    return q.short.get("id") or q.label.get("id") or q.name


def _counted(form: Form) -> list[tuple[str, Question | None, Question]]:
    """(item key, its repeat or None, the integer question) of a form, in question order."""
    out: list[tuple[str, Question | None, Question]] = []
    for q in form.questions:
        if q.type == "integer" and q.name not in form.key:
            out.append((f"{form.id}.{q.name}", None, q))
        elif q.type == "repeat":
            out += [(f"{form.id}.{q.name}.{c.name}", q, c) for c in q.questions if c.type == "integer"]
    return out


def items_of(forms: list[Form]) -> list[Item]:
    """Every item Pantau can send, with the codes it proposes."""
    items = []
    for form in forms:
        title = form.title.get("id") or form.id
        items.append(Item(f"{form.id}.reports", f"{title}: jumlah laporan", Target(_code(form.id, "laporan"))))
        for key, repeat, q in _counted(form):
            base, coc = _sex_split(q.name)
            where = f"{title}, {_label(repeat)}" if repeat is not None else title
            de = _code(form.id, repeat.name if repeat is not None else "", base or "peserta")
            items.append(Item(key, f"{where}: {_label(q)}", Target(de, coc)))
    return items


def mapping_csv(items: list[Item]) -> str:
    """The starting mapping file (``;``-separated, UTF-8 with BOM so Excel opens it in Indonesian settings)."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\n")
    w.writerow(HEADER)
    for it in items:
        w.writerow([it.key, it.default.data_element, it.default.coc, it.default.aoc, it.description])
    return "\ufeff" + buf.getvalue()


def read_mapping(text: str, items: list[Item], t: Callable[[str], str] = str) -> dict[str, Target | None]:
    """{item key: target, or None when its data element was left empty on purpose}. Unknown items, a
    missing header or an item twice are refused (MappingError) rather than guessed."""
    text = text.lstrip("\ufeff")
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not rows or [c.strip() for c in rows[0][:3]] != HEADER[:3]:
        raise MappingError(t("Berkas pemetaan harus diawali kolom: %(columns)s. Buat contohnya dengan menjalankan "
                             "ekspor tanpa --mapping.") % {"columns": ";".join(HEADER[:4])})
    known = {it.key for it in items}
    out: dict[str, Target | None] = {}
    for n, row in enumerate(rows[1:], 2):
        if not any(c.strip() for c in row):
            continue
        cells = [c.strip() for c in row] + [""] * 4
        key, de, coc, aoc = cells[:4]
        if key not in known:
            raise MappingError(t("Baris %(n)d: '%(item)s' bukan item Pantau. Item yang ada: %(known)s.") % {
                "n": n, "item": key, "known": ", ".join(sorted(known))})
        if key in out:
            raise MappingError(t("Baris %(n)d: '%(item)s' muncul dua kali. Satu item hanya boleh satu baris.") % {
                "n": n, "item": key})
        out[key] = Target(de, coc, aoc) if de else None
    return out


def dhis2_period(period: str | None, created: datetime, round_due: dict[str, date]) -> str:
    """The DHIS2 month of a report: its ISO date, its round's due date, else when it was first sent."""
    if period and re.fullmatch(r"\d{4}-\d{2}-\d{2}", period):
        return period[:4] + period[5:7]
    if period and period in round_due:
        return round_due[period].strftime("%Y%m")
    return created.strftime("%Y%m")


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


async def data_value_set(s: Session, filters: Filters, forms: FormVersions, mapping: dict[str, Target | None] | None = None
                         ) -> tuple[dict[str, Any], list[str]]:
    """(the dataValueSets document, the items left out because the mapping does not name them)."""
    window = await window_for(s, filters)
    specs = await summary_forms(s, forms)
    items = items_of([form for form, _ in specs])
    targets = {it.key: it.default for it in items} if mapping is None else mapping
    unmapped = sorted(it.key for it in items if it.key not in targets)
    sums: dict[tuple[str, str, str, str, str], int] = defaultdict(int)

    def add(key: str, org: str, period: str, value: int) -> None:
        target = targets.get(key)
        if target is not None:
            sums[(target.data_element, period, org, target.coc, target.aoc)] += value

    for form, spec in specs:
        counted = _counted(form)
        async for area, answers, _rev, _upd, _name, key, created, verified in iter_report_rows(
                s, filters.area, form.id):
            if not verified or (window.filtered and not window.admits(form, spec, area, key, answers, created)):
                continue
            period = dhis2_period(str(answers.get(spec.period_question) or "") if spec.period_question else None,
                                  created, window.round_due)
            add(f"{form.id}.reports", area, period, 1)
            for item_key, repeat, q in counted:
                if repeat is None:
                    value = _int(answers.get(q.name))
                    if value is not None:
                        add(item_key, area, period, value)
                    continue
                counts = [_int(it.get(q.name)) for it in answers.get(repeat.name) or [] if isinstance(it, dict)]
                if any(v is not None for v in counts):
                    add(item_key, area, period, sum(v for v in counts if v is not None))
    values: list[dict[str, str]] = []
    for (de, period, org, coc, aoc), value in sorted(sums.items()):
        row = {"dataElement": de, "period": period, "orgUnit": org, "value": str(value)}
        if coc:
            row["categoryOptionCombo"] = coc
        if aoc:
            row["attributeOptionCombo"] = aoc
        values.append(row)
    return {"dataValues": values}, unmapped

"""A form's attachments: the CSV, XML and GeoJSON files of ``select_one_from_file``, ``pulldata()`` and
``instance('name')``, read into rows (one mapping of column → text per choice or line).

They are given with ``pantau form import FORM.xlsx --attach FILE …`` or found beside the form. Their rows
go into the form file (the choices of a question, a table a lookup reads) and their text is kept there too,
so they are versioned with the form and ``pantau form export`` writes them back beside the workbook.
"""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from flows.xlsform import XLSFormError

KINDS = (".csv", ".xml", ".geojson")
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000


def referenced(parsed: dict[str, Any]) -> set[str]:
    """The file names a parsed form uses: choice files, pulldata('x') and instance('x') (as x.csv)."""
    text = json.dumps(parsed, ensure_ascii=False)
    names = set(re.findall(r'"itemset": "([^"]+\.(?:csv|xml|geojson))"', text))
    names |= {f"{n}.csv" for n in re.findall(r"pulldata\(\s*'([^']+)'", text)}
    lists = set(parsed.get("choices") or {})
    names |= {f"{n}.csv" for n in re.findall(r"instance\(\s*'([^']+)'\s*\)", text) if n not in lists}
    return names


def gather(form: Path, attach: list[Path], wanted: set[str]) -> dict[str, str]:
    """The text of every attachment: those given, and those the form uses found beside it."""
    out: dict[str, str] = {}
    problems = []
    for path in attach:
        if not path.exists():
            problems.append(f"{path}: berkas lampiran tidak ada")
        elif path.suffix.lower() not in KINDS:
            problems.append(f"{path.name}: lampiran harus berkas .csv, .xml atau .geojson")
        else:
            out[path.name] = _read_text(path)
    for name in sorted(wanted - set(out)):
        stem = Path(name).stem
        for kind in KINDS:              # instance('x') may be x.csv, x.xml or x.geojson
            beside = form.parent / f"{stem}{kind}"
            if (beside.name == name or name.endswith(".csv") and kind != ".csv") and beside.exists():
                out[beside.name] = _read_text(beside)
                break
    if problems:
        raise XLSFormError(problems)
    return out


def _read_text(path: Path) -> str:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise XLSFormError([f"{path.name}: lampiran lebih besar dari batas 5 MB"])
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise XLSFormError([f"{path.name}: lampiran harus ditulis dalam UTF-8 (simpan ulang sebagai CSV UTF-8)"]) \
            from None


def rows_of(name: str, text: str) -> list[dict[str, str]]:
    """The rows of one attachment (raises XLSFormError saying what is wrong with it)."""
    try:
        if name.lower().endswith(".csv"):
            rows = [{str(k).strip(): (v or "").strip() for k, v in r.items() if k is not None}
                    for r in csv.DictReader(io.StringIO(text))]
        elif name.lower().endswith(".geojson"):
            rows = _geojson(json.loads(text))
        else:
            rows = _xml(text)
    except (csv.Error, ValueError, DefusedXmlException, ElementTree.ParseError) as exc:
        raise XLSFormError([f"{name}: tidak bisa dibaca ({' '.join(str(exc).split())[:120]})"]) from None
    if len(rows) > MAX_ROWS:
        raise XLSFormError([f"{name}: {len(rows)} baris, lebih dari batas {MAX_ROWS} baris"])
    return rows


def _geojson(data: Any) -> list[dict[str, str]]:
    """ODK reads a GeoJSON feature as a choice: its ``id`` (or property ``id``) the value, ``title`` the label."""
    if not isinstance(data, dict) or not isinstance(data.get("features"), list):
        raise ValueError("GeoJSON perlu FeatureCollection dengan features")
    rows = []
    for f in data["features"]:
        props = {str(k): "" if v is None else str(v) for k, v in ((f or {}).get("properties") or {}).items()}
        value = str(f.get("id") if f.get("id") is not None else props.get("id", ""))
        geometry = f.get("geometry") or {}
        coords = geometry.get("coordinates") if geometry.get("type") == "Point" else None
        where = {"geometry": f"{coords[1]} {coords[0]}"} if isinstance(coords, list) and len(coords) >= 2 else {}
        rows.append({**props, **where, "id": value})
    return rows


def _xml(text: str) -> list[dict[str, str]]:
    """ODK's external XML: <root><item><name>…</name><label>…</label>…</item>…</root>."""
    root = ElementTree.fromstring(text)
    return [{child.tag: (child.text or "").strip() for child in item} for item in root.iter("item")]

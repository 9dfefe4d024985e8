"""`pantau export --format dhis2|datapackage`: files for other systems (issue 26). The area and the period
filters are read by `pantau export` itself (bot/cli/summary.py); this module checks the file names and writes."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from flows.forms import FormVersions
from flows.problem import Gettext
from storage.db import Session
from storage.summary import Filters

from ..atomic import write_atomic

SUFFIX = {"dhis2": ".json", "datapackage": ".zip"}


class DataOutError(ValueError):
    """A wrong --out or --mapping, in one Indonesian sentence."""


def _t() -> Gettext:
    from .help import install, language
    return install(language())


def check(fmt: str, out: Path, sheet: str | None, mapping: str | None) -> None:
    t = _t()
    if sheet:
        raise DataOutError(t("--sheet hanya untuk Excel/CSV, tidak untuk --format %(format)s.") % {"format": fmt})
    if out.suffix.lower() != SUFFIX[fmt]:
        raise DataOutError(t("--format %(format)s menulis berkas %(suffix)s: ganti --out, mis. %(example)s.") % {
            "format": fmt, "suffix": SUFFIX[fmt], "example": out.with_suffix(SUFFIX[fmt]).name})
    if mapping and fmt != "dhis2":
        raise DataOutError(t("--mapping hanya untuk --format dhis2."))
    if mapping and not Path(mapping).is_file():
        raise DataOutError(t("%(path)s: berkas pemetaan tidak ada. Periksa nama dan foldernya.") % {"path": mapping})
    if not out.parent.is_dir():
        raise DataOutError(t("Folder %(folder)s tidak ada. Buat dulu, atau pilih folder lain.") % {
            "folder": out.parent})


async def write(fmt: str, s: Session, out: Path, filters: Filters, forms: FormVersions, mapping: str | None) -> int:
    if fmt == "dhis2":
        return await _dhis2(s, out, filters, forms, mapping)
    return await _datapackage(s, out, filters, forms)


def mapping_path(out: Path) -> Path:
    return out.with_name(out.stem + ".mapping.csv")


async def _dhis2(s: Session, out: Path, filters: Filters, forms: FormVersions, mapping_file: str | None) -> int:
    from storage.summary import summary_forms

    from ..reports import dhis2
    t = _t()
    items = dhis2.items_of([form for form, _ in await summary_forms(s, forms)])
    mapping = None
    if mapping_file:
        try:
            mapping = dhis2.read_mapping(Path(mapping_file).read_text(encoding="utf-8-sig"), items, t)
        except (dhis2.MappingError, UnicodeDecodeError) as exc:
            print(f"{mapping_file}: {exc}", file=sys.stderr)
            return 2
    document, unmapped = await dhis2.data_value_set(s, filters, forms, mapping)
    write_atomic(out, json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8"))
    print(t("Tersimpan: %(path)s (%(n)d nilai data)") % {"path": out, "n": len(document["dataValues"])})
    if mapping is None:
        guide = mapping_path(out)
        if guide.exists():
            print(t("Pemetaan %(path)s sudah ada dan tidak ditimpa; pakai dengan --mapping %(path)s.") % {
                "path": guide})
        else:
            write_atomic(guide, dhis2.mapping_csv(items).encode("utf-8"))
            print(t("Pemetaan item: %(path)s — sunting kode data element DHIS2 Anda di sana, lalu ekspor lagi "
                    "dengan --mapping %(path)s.") % {"path": guide})
    if unmapped:
        print(t("Tidak diekspor karena tidak ada di berkas pemetaan: %(items)s") % {"items": ", ".join(unmapped)},
              file=sys.stderr)
    print(t("Impor di DHIS2: POST /api/dataValueSets?idScheme=CODE (kode wilayah Kemendagri sebagai kode "
            "org unit)."))
    return 0


async def _datapackage(s: Session, out: Path, filters: Filters, forms: FormVersions) -> int:
    from ..reports import datapackage
    t = _t()
    try:
        data = await datapackage.build(s, filters, forms)
    except datapackage.InvalidPackage as exc:
        print(t("Paket data tidak valid menurut Frictionless, jadi tidak ditulis: %(why)s. Mohon laporkan ini.")
              % {"why": exc}, file=sys.stderr)
        return 1
    write_atomic(out, data)
    print(t("Tersimpan: %(path)s (Frictionless Data Package, sudah divalidasi)") % {"path": out})
    return 0

"""``location``: a point [latitude, longitude], sent as a location or typed ("-3.12345, 130.54321")."""
from __future__ import annotations

import re
from typing import Any

from ..form_model import Question
from ..problem import N_, Gettext, Problem
from ..results import Accepted, Answer
from .base import QType, Typed, plain_cell


_COORD = re.compile(r"[-−]?\d{1,3}(?:[.,]\d+)?")


def parse_coordinates(text: str) -> list[float] | Problem:
    """"lat, lon" typed or pasted: "-3.12345, 130.54321", "-3,12345 130,54321", "-3.1;130.5"."""
    s = (text or "").strip().lower()
    if len(s) > 80:
        s = ""                           # too long to be coordinates: asked again
    s = re.sub(r"^(lokasi|koordinat|titik|lat(itude)?)\s*:?\s*", "", s)
    numbers = _COORD.findall(s)
    rest = _COORD.sub(" ", s)
    if len(numbers) != 2 or re.sub(r"[\s,;/]|lon(gitude)?|lng|:", "", rest):
        return Problem(N_("Mohon kirim lokasi lewat tombol lampiran, atau ketik koordinatnya, misalnya "
                          "-3.12345, 130.54321."))
    lat, lon = (float(n.replace("−", "-").replace(",", ".")) for n in numbers)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return Problem(N_("Koordinat itu tidak ada di peta (lintang -90 sampai 90, bujur -180 sampai 180). "
                          "Mohon periksa lagi."))
    return [lat, lon]


def read(a: Typed) -> Answer:
    if a.location:
        return Accepted({a.q.name: [float(a.location[0]), float(a.location[1])]})
    point = parse_coordinates(a.text)
    return point if isinstance(point, Problem) else Accepted({a.q.name: point})


def show(q: Question, value: Any, lang: str, t: Gettext) -> str:
    return f"{value[0]:.5f}, {value[1]:.5f}"


def _help(q: Question, t: Gettext) -> str:
    return t("Kirim lokasi lewat tombol lampiran, pilih Lokasi. Atau ketik koordinatnya, misalnya "
             "-3.12345, 130.54321.")


def cell(q: Question, value: Any) -> Any:
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return f"{value[0]}, {value[1]}"
    return plain_cell(q, value)


# the API's tables type it "string" (its old table keyed "geopoint", a name no question has); the data package
# writes it as two number columns (bot/reports/datapackage.py)
TYPE = QType("location", read, show, help=_help, cell=cell, kind="list", attachment=True, xls_in=("geopoint",),
             xls_out="geopoint")

"""``photo``: a photo sent, kept as its SHA-256 (the file is stored by bot/media.py); optional unless the form
says otherwise."""
from __future__ import annotations

from typing import Any

from ..form_model import Question
from ..problem import N_, Gettext, Problem
from ..results import Accepted, Answer
from .base import QType, Typed


def read(a: Typed) -> Answer:
    if a.photo:
        return Accepted({a.q.name: a.photo})
    if a.q.required:                 # "lewati" would be refused: it is not offered
        return Problem(N_("Mohon kirim fotonya lewat tombol kamera atau lampiran."))
    return Problem(N_("Mohon kirim fotonya, atau ketik \"lewati\" jika tidak ada."))


def show(q: Question, value: Any, lang: str, t: Gettext) -> str:
    return t("foto terlampir")


def _help(q: Question, t: Gettext) -> str:
    return t("Kirim foto lewat tombol kamera atau lampiran.")


def _hint(q: Question, t: Gettext) -> str | None:
    return t("Kirim fotonya.") if q.required else t("Kirim fotonya, atau ketik \"lewati\".")


TYPE = QType("photo", read, show, help=_help, hint=_hint, kind="text", required=False, attachment=True, file=True,
             xls_in=("photo", "image"), xls_out="image", width=18, package_type="string")

"""The reply to "bantuan": the form's hint for the question (filled and styled as its label is), how to
answer its kind, and the commands that work at every step."""
from __future__ import annotations

from .display import format_values
from .forms import Form
from .positions import at, question_at, values_at
from .problem import Gettext
from .qtypes import TABLE
from .state import CONFIRM, Draft
from .types import Context, Reply


def help_reply(form: Form, draft: Draft, ctx: Context, lang: str, t: Gettext) -> Reply:
    pos = at(draft)
    lines = []
    if pos != CONFIRM:
        q = question_at(form, pos)
        if q.hint:
            lines.append(format_values(q.hint[lang], values_at(form, draft, pos), lang))
        lines.append(TABLE[q.type].help(q, t))      # how to answer its type
        if q.pair:
            lines.append(t("Boleh sekaligus laki-laki dan perempuan, misalnya: L 79 P 38."))
    lines.append(t("Perintah: \"kembali\" (pertanyaan sebelumnya), \"ulang\" (mulai lagi), \"batal\", \"menu\"."))
    return Reply("\n".join(lines))

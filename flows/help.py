"""The reply to "bantuan": the form's hint for the question (filled and styled as its label is), how to
answer its kind, and the commands that work at every step."""
from __future__ import annotations

from .display import format_values
from .forms import Form
from .positions import at, question_at, values_at
from .problem import Gettext
from .state import CONFIRM, Draft
from .types import Context, Reply


def help_reply(form: Form, draft: Draft, ctx: Context, lang: str, t: Gettext) -> Reply:
    pos = at(draft)
    lines = []
    if pos != CONFIRM:
        q = question_at(form, pos)
        if q.hint:
            lines.append(format_values(q.hint[lang], values_at(form, draft, pos), lang))
        lines.append({
            "integer": t("Tulis jumlahnya dengan angka, misalnya 79 atau \"tujuh puluh sembilan\".") if q.count
            else t("Tulis angkanya, misalnya 7."),
            "decimal": t("Tulis angkanya, pakai koma untuk desimal, misalnya 2,5."),
            "date": t("Tulis tanggalnya, misalnya 6 Agustus, 10/8/2024, kemarin, atau Kamis lalu."),
            "select_one": t("Ketik nomor pilihan, misalnya 1."),
            "select_multiple": t("Ketik nomor pilihan, boleh lebih dari satu, misalnya 1, 3."),
            "photo": t("Kirim foto lewat tombol kamera atau lampiran."),
            "location": t("Kirim lokasi lewat tombol lampiran, pilih Lokasi. Atau ketik koordinatnya, misalnya "
                          "-3.12345, 130.54321."),
        }.get(q.type, t("Tulis jawaban singkat.")))
        if q.pair:
            lines.append(t("Boleh sekaligus laki-laki dan perempuan, misalnya: L 79 P 38."))
    lines.append(t("Perintah: \"kembali\" (pertanyaan sebelumnya), \"ulang\" (mulai lagi), \"batal\", \"menu\"."))
    return Reply("\n".join(lines))

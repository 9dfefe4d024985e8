"""The problems ``flows.forms.parse_form`` finds, said in Indonesian as the other import messages are.

``FormError`` keeps its problem in English (the text developers grep for and tests name); what reaches a
program officer (``pantau form check``/``import``, an XLSForm whose converted form is refused) goes through
``said(exc)``: the file, the question and the problem in Indonesian. A problem not in the table is kept as
written, so a new message is never lost, only untranslated.
"""
from __future__ import annotations

import re

from .forms import FormError

_WHAT = r"(?P<w>.+?)"
KNOWN: list[tuple[str, str]] = [
    (_WHAT + r" needs a text per language, e.g\. \{id: \.\.\., en: \.\.\.\}",
     "{w} perlu teks untuk tiap bahasa, misalnya {{id: ..., en: ...}}"),
    (_WHAT + r" needs non-empty texts for (?P<l>.+)", "{w} perlu teks yang tidak kosong untuk bahasa {l}"),
    (_WHAT + r" uses unknown question\(s\): (?P<n>.+)", "{w} memakai pertanyaan yang tidak ada atau baru ditanyakan "
     "sesudahnya: {n}"),
    (r"choices must be a list of \{value, label\}", "choices harus berupa daftar {{value, label}}"),
    (r"each choice needs a value \(text\) and a label \{id, en\}", "setiap pilihan perlu value (teks) dan label "
     "{{id, en}}"),
    (r"choice (?P<v>.+): data must be a mapping of column to text", "pilihan {v}: data harus berupa pasangan kolom "
     "dan teks"),
    (r"choice_lists must be a mapping of list name to choices", "choice_lists harus berupa pasangan nama daftar dan "
     "pilihannya"),
    (r"each question must be a mapping, got (?P<r>.+)", "setiap pertanyaan harus berupa mapping, bukan {r}"),
    (r"name must be a simple identifier such as 'men' or 'meeting_date'", "nama harus berupa pengenal sederhana, "
     "misalnya 'men' atau 'meeting_date' (huruf, angka dan _)"),
    (r"unknown field\(s\): (?P<f>.+)", "kolom tidak dikenal: {f}"),
    (r"type (?P<t>.+?) is not one of (?P<a>.+)", "jenis {t} tidak dikenal (yang boleh: {a})"),
    (r"a repeat can be inside one repeat, not inside a repeat inside a repeat", "repeat di dalam repeat di dalam "
     "repeat belum didukung Pantau"),
    (r"(?P<t>select_one|select_multiple) needs choices", "{t} perlu pilihan"),
    (r"choices: no choice list (?P<n>.+) in choice_lists", "choices: daftar pilihan {n} tidak ada di choice_lists"),
    (r"choice values must be unique .*", "nilai pilihan harus unik (boleh berulang hanya dengan choice_filter, sekali "
     "untuk tiap induknya)"),
    (r"default (?P<d>.+) is not one of the choices", "jawaban bawaan {d} tidak ada di antara pilihan"),
    (r"repeat_count is only for a repeat", "repeat_count hanya untuk repeat"),
    (r"choices_from can only be 'rounds'", "choices_from hanya boleh 'rounds'"),
    (r"count \(true or false\) is only for an integer question", "count (true atau false) hanya untuk pertanyaan "
     "integer"),
    (r"a question has either a default or a default_expr, not both", "sebuah pertanyaan punya default atau "
     "default_expr, tidak keduanya"),
    (r"min and max must be whole numbers with min <= max", "min dan max harus bilangan bulat dengan min <= max"),
    (r"calculate inside a question is only for a repeat \(values per item\)", "calculate di dalam pertanyaan hanya "
     "untuk repeat (nilai per item)"),
    (r"calculate must be a mapping of name to expression", "calculate harus berupa pasangan nama dan rumus"),
    (r"a calculate name must be a new simple identifier", "nama calculate harus pengenal sederhana yang belum "
     "dipakai"),
    (r"a repeat needs questions", "repeat perlu pertanyaan"),
    (r"the first question of a repeat names the item and must be text .*", "pertanyaan pertama sebuah repeat "
     "menamai itemnya dan harus berjenis text (atau repeat memakai ask_more: true)"),
    (r"groups must be a list of \{name, label\}", "groups harus berupa daftar {{name, label}}"),
    (r"a form file must be a mapping with id, version, title, key, questions", "berkas formulir harus berisi id, "
     "version, title, key dan questions"),
    (r"missing '(?P<f>.+)'", "'{f}' belum diisi"),
    (r"version must be a whole number >= 1 \(raise it on every change\)", "version harus bilangan bulat >= 1 "
     "(naikkan setiap kali formulir diubah)"),
    (r"the name is used twice", "nama ini dipakai dua kali"),
    (r"pair must name another integer question, got (?P<p>.+)", "pair harus menyebut pertanyaan integer lain, "
     "bukan {p}"),
    (r"key field (?P<k>.+) is not a question of the form", "kunci {k} bukan pertanyaan formulir ini"),
    (r"roles must be among (?P<r>.+)", "peran harus di antara {r}"),
    # the form file's `summary:` section (flows/summary_spec.py)
    (r"summary needs a section name .*", "summary perlu nama section (pengenal sederhana, misalnya 'meetings')"),
    (r"summary: unknown field\(s\): (?P<f>.+)", "summary: kolom tidak dikenal: {f}"),
    (r"summary: (?P<w>.+?) must be a list of question names", "summary: {w} harus berupa daftar nama pertanyaan"),
    (r"summary: period must be .*", "summary: period harus {{date: PERTANYAAN}}, {{round: PERTANYAAN}} atau started"),
    (r"summary: consolidates needs .*", "summary: consolidates perlu period {{date: PERTANYAAN}} dan "
     "{{PERTANYAAN: PILIHAN}}"),
    (r"summary: totals (?P<n>.+?) may add up only sums: (?P<s>.+)", "summary: totals {n} hanya boleh menjumlahkan "
     "angka dari sums atau count; yang bukan: {s}"),
    (r"summary: percent (?P<n>.+?) needs \[part, whole\], two figures of the summary", "summary: percent {n} perlu "
     "[bagian, keseluruhan], dua angka dari ringkasan ini"),
    (r"summary: each of answers needs .*", "summary: setiap isi answers perlu name dan salah satu dari "
     "count: PERTANYAAN atau top: PERTANYAAN"),
    (r"summary: top (?P<n>.+?) limit must be a whole number >= 1", "summary: limit top {n} harus bilangan bulat >= 1"),
    (r"summary: (?P<w>.+?) names (?P<n>.+?), which is not a question of the form", "summary: {w} menyebut {n}, "
     "yang bukan pertanyaan formulir ini"),
    (r"summary: (?P<w>.+?) (?P<n>'[^']*') must be a (?P<t>.+?) question, not (?P<q>.+)", "summary: {w} {n} harus "
     "pertanyaan berjenis {t}, bukan {q}"),
    (r"summary: items needs .*", "summary: items perlu {{repeat: PERTANYAAN, count: NAMA}}"),
    (r"summary: text may have headline, by and child", "summary: text hanya boleh berisi headline, by dan child"),
    (r"(?P<w>relevant|constraint|calculate|default|choice_filter|repeat_count): (?P<e>.+)",
     "{w}: rumus tidak bisa dibaca ({e})"),
]


def indonesian(problem: str) -> str:
    """One problem of ``FormError`` in Indonesian (kept as written when it is not a known one)."""
    for pattern, text in KNOWN:
        m = re.fullmatch(pattern, problem, re.S)
        if m:
            return text.format(**{k: v.replace(" or ", " atau ") for k, v in m.groupdict().items()})
    return problem


def said(exc: FormError, english: bool = False) -> str:
    """The whole error as a program officer reads it: file, question, problem (``english``: as written)."""
    if english:
        return str(exc)
    where = f"{exc.source}: pertanyaan '{exc.question}'" if exc.question else exc.source
    return f"{where}: {indonesian(exc.problem)}"

"""`pantau summary` and `pantau export`: one area's figures, on the terminal or in a file."""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from flows.forms import FormVersions
from storage.db import Session

from . import programs as programs_cli
from .. import catalog
from .common import area_or_complain, opened

if TYPE_CHECKING:
    from storage.summary import Filters, UnknownRound


def unknown_round(exc: UnknownRound) -> str:
    known = ", ".join(f"'{k}'" for k in exc.known) or "(belum ada; tambahkan dengan `pantau round add`)"
    return f"Putaran '{exc.name}' tidak ada. Putaran yang ada: {known}."


async def run_summary(args: argparse.Namespace) -> int:
    from storage.summary import Filters, summarize

    from ..reports.summary_text import render_summary
    area = area_or_complain(args.area)
    if not area:
        return 2
    try:
        filters = Filters(area, *_dates(args), args.round)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    from dataclasses import replace

    from storage.summary import UnknownRound
    async with opened() as pipeline, pipeline.db.session() as s:
        ok, program = await programs_cli.program_or_complain(s, args.program)
        if not ok:
            return 2
        if args.lintas_program:
            return await _across_programs(s, await _current_round_by_default(s, filters), pipeline.forms, args.json)
        filters = await _current_round_by_default(s, replace(filters, program=program))
        try:
            data = await summarize(s, filters, pipeline.forms)
        except UnknownRound as exc:
            print(unknown_round(exc), file=sys.stderr)
            return 2
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(render_summary(data, pipeline.forms, catalog.area_index(), catalog.gettext_for("id")))
    return 0


async def _across_programs(s: Session, filters: Filters, forms: FormVersions, as_json: bool) -> int:
    """`pantau summary --lintas-program`: one column per program and the total, an event of several
    programs counted once."""
    from storage.matches import across_programs
    from storage.summary import UnknownRound
    try:
        data = await across_programs(s, filters, forms)
    except UnknownRound as exc:
        print(unknown_round(exc), file=sys.stderr)
        return 2
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    head = ["", *data["programs"], "jumlah (tanpa ganda)"]
    rows = [[f"{section} {name}", *(str(v) for v in values.values())]
            for section, figures in data["sections"].items() for name, values in figures.items()]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    label = catalog.area_index().label(filters.area) if filters.area else "Indonesia"
    print(f"Lintas program: {label}" + (f", putaran {filters.round}" if filters.round else ""))
    for r in [head, *rows]:
        print("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(r, widths))))
    return 0


async def _current_round_by_default(s: Session, filters: Filters) -> Filters:
    """Without --round, --from or --to: the current round, as in chat (ringkasan, unduh) and on the dashboard;
    everything when no round is running. `pantau summary` and `pantau export` share this one default."""
    from dataclasses import replace

    from flows.localtime import local_date
    from storage.completeness import data_round

    from ..clock import clock
    if filters.round is not None or filters.date_from or filters.date_to:
        return filters
    current = await data_round(s, filters.area, local_date(clock(), filters.area), filters.program)     # the area's calendar
    return replace(filters, round=current.name) if current else filters


async def run_export(args: argparse.Namespace) -> int:
    from storage.summary import Filters, UnknownRound

    from ..reports import export
    from . import dataout
    area = area_or_complain(args.area)
    if not area:
        return 2
    out = Path(args.out)
    try:
        if args.format:                 # dhis2, datapackage: bot/cli/dataout.py
            dataout.check(args.format, out, args.sheet, args.mapping)
        else:
            export.check_out(out, args.sheet)
        date_from, date_to = _dates(args)
    except (export.ExportError, dataout.DataOutError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 2
    async with opened() as pipeline, pipeline.db.session() as s:
        ok, program = await programs_cli.program_or_complain(s, args.program)
        if not ok:
            return 2
        filters = await _current_round_by_default(s, Filters(area, date_from, date_to, args.round, program))
        if args.format:
            try:
                return await dataout.write(args.format, s, out, filters, pipeline.forms, args.mapping)
            except UnknownRound as exc:
                print(unknown_round(exc), file=sys.stderr)
                return 2
        try:
            await export.write(s, out, filters, pipeline.forms,
                               catalog.area_index(), export.Progress(True), args.sheet)
        except UnknownRound as exc:
            print(unknown_round(exc), file=sys.stderr)
            return 2
        except export.ExportError as exc:
            print(exc, file=sys.stderr)
            return 2
    print(f"Tersimpan: {out}")
    return 0


def _dates(args: argparse.Namespace) -> tuple[date | None, date | None]:
    """--from / --to as dates, or ValueError with the Indonesian explanation."""
    out: list[date | None] = []
    for flag, value in (("--from", args.date_from), ("--to", args.date_to)):
        try:
            out.append(date.fromisoformat(value) if value else None)
        except ValueError:
            raise ValueError(f"{flag} {value}: tanggal harus YYYY-MM-DD, mis. 2024-08-31.") from None
    if out[0] and out[1] and out[1] < out[0]:
        raise ValueError(f"--to {args.date_to} sebelum --from {args.date_from}: tukar kedua tanggal itu.")
    return out[0], out[1]

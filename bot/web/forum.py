"""The forum page (issue 25): a kabupaten's figures with one column per program and the total where an event
of several programs counts once. Only for a member of every program (invited with --program '*')."""
from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import Response

from flows.summary_spec import summaries
from storage.matches import across_programs
from storage.programs import program_names

from .access import Ctx
from .common import period, render


async def page(ctx: Ctx) -> Response:
    if ctx.viewer.contact.program_id is not None:     # one program's people see their program, never the others
        raise HTTPException(404)
    per = await period(ctx)
    data = await across_programs(ctx.s, per.filters(ctx.code or ""), ctx.web.forms)
    names = {code: name for _, code, name in await program_names(ctx.s)}
    rows = []
    for form, spec in summaries(ctx.web.forms):
        for name, values in data["sections"].get(spec.section, {}).items():
            label = spec.labels.get(name, {}).get(ctx.lang) or name.replace("_", " ")
            rows.append((f"{spec.title.get(ctx.lang, spec.section)}: {label}", values))
    return render(ctx, "forum.html", per=per, rows=rows, programs=[(c, names.get(c, c)) for c in data["programs"]])

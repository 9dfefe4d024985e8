"""What villages learned from each other ("Pembelajaran antar desa"), asked at the kecamatan coordination meeting
(the meeting form's ``lessons``), per kecamatan: what the recommendation matrix shows beside the desa's
activities. A kecamatan meeting counts in the round it consolidates, held after the round's end too (the
form's ``summary: consolidates``, storage/summary.py ``Window``)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Report
from .scope import under
from .summary import Window

KIND = "koordinasi_kecamatan"


async def shared_lessons(s: AsyncSession, area: str, window: Window, form: Any) -> dict[str, list[tuple[str, str]]]:
    """Kecamatan code → [(meeting date (ISO), lessons)] of the kecamatan meetings under ``area`` in the window,
    of the window's program (None: every program), oldest first."""
    q: Select[str, dict[str, Any], str, datetime] = (select(Report.area_code, Report.answers, Report.key, Report.created_at)
         .where(Report.form_id == form.id, under(Report.area_code, area), Report.conflict.is_(None),
                Report.key.startswith(KIND + "|"),
                *([Report.program_id == window.program] if window.program is not None else []))
         .order_by(Report.area_code, Report.period, Report.id))
    out: dict[str, list[tuple[str, str]]] = {}
    for code, answers, key, created in await s.execute(q):
        text = " ".join(str(answers.get("lessons") or "").split())
        if not text or answers.get("kind") != KIND:
            continue
        if window.filtered and form.summary and not window.admits(form, form.summary, code, key, answers, created):
            continue
        out.setdefault(".".join(code.split(".")[:3]), []).append((str(answers.get("date") or ""), text))
    return out


def lessons_text(found: list[tuple[str, str]]) -> str:
    """"2024-09-05: Desa Nekan berbagi …; 2024-10-01: …" for one kecamatan."""
    return "; ".join(f"{day}: {text}" if day else text for day, text in found)

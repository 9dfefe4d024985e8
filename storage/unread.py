"""Answers the bot could not read (`pantau kata`): recorded in the message's transaction, listed by area and
period, most frequent first."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import UnreadAnswer


@dataclass(frozen=True)
class UnreadCount:
    question: str
    province: str
    text: str
    count: int


async def record(s: AsyncSession, question: str, area_code: str, day: str, text: str) -> None:
    s.add(UnreadAnswer(question=question[:120], area_code=area_code[:13], day=day[:10], text=text[:80]))


async def most_frequent(s: AsyncSession, area_prefix: str = "", start: str | None = None, end: str | None = None,
                        limit: int = 20) -> list[UnreadCount]:
    """The unread answers of an area (a code prefix: "81", "81.05") between two ISO days, most frequent first."""
    province = func.substr(UnreadAnswer.area_code, 1, 2)
    q: Select[str, str, str, int] = select(UnreadAnswer.question, province, UnreadAnswer.text, func.count()).group_by(
        UnreadAnswer.question, province, UnreadAnswer.text)
    if area_prefix:
        q = q.where(UnreadAnswer.area_code.startswith(area_prefix, autoescape=True))
    if start:
        q = q.where(UnreadAnswer.day >= start)
    if end:
        q = q.where(UnreadAnswer.day <= end)
    q = q.order_by(func.count().desc(), UnreadAnswer.text).limit(limit)
    return [UnreadCount(question, prov, text, n) for question, prov, text, n in (await s.execute(q)).all()]

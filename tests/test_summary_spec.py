"""Summaries defined by the forms: a new form with a `summary:` section is summarised (JSON, text, children,
Excel) without Python; mistakes in the section are refused naming the form and the problem."""
import asyncio
import json

import pytest
import yaml
from openpyxl import load_workbook

from bot import catalog
from bot.reports.export import Progress, write
from bot.pipeline import Pipeline
from bot.reports.summary_text import render_summary
from flows.forms import FormError, parse_form
from flows.types import NewContact, NewReport
from storage.db import Database
from storage.repo import Tx
from storage.summary import Filters, summarize
from tests import summary_world as W

POSYANDU = yaml.safe_load("""
id: posyandu
version: 1
order: 5
title: {id: Laporan posyandu, en: Health post report}
key: [date]
questions:
  - {name: date, type: date, label: {id: "Tanggal?", en: "Date?"}, short: {id: Tanggal, en: Date}}
  - name: kind
    type: select_one
    label: {id: "Kegiatan?", en: "Activity?"}
    choices:
      - {value: timbang, label: {id: Penimbangan, en: Weighing}}
      - {value: imunisasi, label: {id: Imunisasi, en: Immunisation}}
  - {name: babies, type: integer, label: {id: "Berapa balita?", en: "How many infants?"}, short: {id: Balita, en: Infants}}
  - name: topics
    type: select_multiple
    label: {id: "Topik penyuluhan?", en: "Topics?"}
    choices:
      - {value: gizi, label: {id: Gizi, en: Nutrition}}
      - {value: asi, label: {id: ASI eksklusif, en: Breastfeeding}}
summary:
  section: health_posts
  title: {id: Posyandu, en: Health posts}
  period: {date: date}
  count: sessions
  sums: [babies]
  answers:
    - {name: by_kind, count: kind, label: {id: Kegiatan, en: Activities}}
    - {name: top_topics, top: topics, label: {id: Topik terbanyak, en: Main topics}, limit: 1}
  text:
    headline: {id: "POSYANDU: {sessions} kali, {babies} balita", en: "HEALTH POSTS: {sessions} sessions, {babies} infants"}
    child: {id: "posyandu {sessions}", en: "health posts {sessions}"}
""")


def test_a_new_form_is_summarised_from_its_summary_section(db_url, tmp_path):
    async def go():
        p = await Pipeline.open(Database(db_url))
        try:
            await W.build(p.db)
            forms = {**p.forms, ("posyandu", 1): parse_form(POSYANDU, "posyandu.yaml")}
            async with p.db.session() as s, s.begin():
                tx = Tx(s)
                c = await tx.create_contact("terminal", "bidan", NewContact("Bidan Desa", "kader", "81.05.02.2001",
                                                                            "id"), W.at(2024, 6, 1))
                for day, kind, babies, topics in (("2024-07-10", "timbang", 30, ["gizi", "asi"]),
                                                  ("2024-07-24", "imunisasi", 12, ["gizi"]),
                                                  ("2024-08-07", "timbang", 28, ["asi"])):
                    await tx.save_report(NewReport("posyandu", 1, "81.05.02.2001", day,
                                                   {"date": day, "kind": kind, "babies": babies, "topics": topics}),
                                         c.id, W.at(2024, 7, 10))
            async with p.db.session() as s:
                data = await summarize(s, Filters("81.05", round="Juli 2024"), forms)
                await write(s, tmp_path / "x.xlsx", Filters("81.05", round="Juli 2024"), forms,
                            catalog.area_index(), Progress(False))
        finally:
            await p.db.close()
        return data, forms
    data, forms = asyncio.run(go())
    assert json.loads(json.dumps(data["health_posts"])) == {"sessions": 2, "babies": 42, "by_kind": {"imunisasi": 1, "timbang": 1},
                                    "top_topics": [["gizi", 2]]}
    seram_timur = next(c for c in data["children"] if c["code"] == "81.05.02")
    assert seram_timur["health_posts"]["babies"] == 42
    text = render_summary(data, forms, catalog.area_index(), catalog.gettext_for("id"))
    assert "POSYANDU: 2 kali, 42 balita" in text and "- Kegiatan: Imunisasi 1, Penimbangan 1" in text
    assert "- Topik terbanyak: Gizi (2)" in text and "posyandu 2" in text
    english = render_summary(data, forms, catalog.area_index(), catalog.gettext_for("en"), "en")
    assert "HEALTH POSTS: 2 sessions, 42 infants" in english and "- Activities: Immunisation 1, Weighing 1" in english
    wb = load_workbook(tmp_path / "x.xlsx")
    sheet = wb["Posyandu"]
    labels = [c.value for c in sheet[2]]          # under the variable names
    assert labels[4:8] == ["Tanggal", "Kegiatan?", "Balita", "Topik penyuluhan?"]
    assert [r[6].value for r in sheet.iter_rows(min_row=3)] == [30, 12]       # August is outside the round
    assert [r[7].value for r in sheet.iter_rows(min_row=3)] == ["Gizi, ASI eksklusif", "Gizi"]


BAD = [  # the summary section → what the error says
    ({"period": {"date": "date"}}, "section name"),
    ({"section": "x", "sums": ["kind"]}, "'kind' must be a integer question"),
    ({"section": "x", "sums": ["nope"]}, "'nope', which is not a question"),
    ({"section": "x", "period": {"date": "babies"}}, "period date 'babies' must be a date question"),
    ({"section": "x", "period": "kemarin"}, "period must be"),
    ({"section": "x", "answers": [{"name": "a", "count": "babies"}]}, "must be a select_one or select_multiple"),
    ({"section": "x", "answers": [{"name": "a"}]}, "either count: QUESTION or top: QUESTION"),
    ({"section": "x", "percent": {"p": ["babies"]}}, "needs [part, whole]"),
    ({"section": "x", "colour": "red"}, "unknown field(s): colour"),
]


@pytest.mark.parametrize("summary,says", BAD)
def test_mistakes_in_a_summary_section_are_refused(summary, says):
    with pytest.raises(FormError) as exc:
        parse_form({**POSYANDU, "summary": summary}, "posyandu.yaml")
    assert "posyandu.yaml" in str(exc.value) and says in str(exc.value)

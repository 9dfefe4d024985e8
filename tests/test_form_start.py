"""A big imported form never slows a start (issue 28): a form parsed once is kept compiled under the data
folder's cache, so the next start (`pantau serve`, `pantau chat`: Pipeline.open) does not parse it again; an
edited form, or changed parsing code, is parsed again."""
from __future__ import annotations

import pytest
import yaml

from bot import catalog
from bot.pipeline import Pipeline
from storage.db import Database

from . import xlsforms as X
from .test_xlsform_limits import SETTINGS, SURVEY


def _big_form(tmp_path):
    """An imported form of 1,500 choices (over CACHE_FROM_BYTES) in its own forms folder."""
    from bot.cli import forms as forms_cli
    folder = tmp_path / "forms"
    folder.mkdir()
    survey = [*SURVEY, ["select_one desa", "desa", "Desa?"],
              *[["integer", f"n{i}", f"Berapa orang ke-{i}?", "", "", ". <= 500"] for i in range(40)]]
    survey[0] = ["type", "name", "label", "required", "relevant", "constraint"]
    choices = [["list_name", "name", "label"]] + [["desa", f"d{i}", f"Desa nomor {i}"] for i in range(1500)]
    data = forms_cli.read_xlsform(X.write_book(tmp_path / "uji.xlsx", survey, choices, SETTINGS)).data
    (folder / "uji.v1.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder, data


def _count_parses(monkeypatch) -> list[str]:
    parsed: list[str] = []
    real = catalog.parse_form

    def counting(data, source):
        parsed.append(source)
        return real(data, source)
    monkeypatch.setattr(catalog, "parse_form", counting)
    return parsed


def test_a_big_form_is_parsed_once_and_then_started_from_its_compiled_copy(tmp_path, monkeypatch):
    folder, _ = _big_form(tmp_path)
    parsed = _count_parses(monkeypatch)
    first = catalog.load_forms([folder])
    assert "uji v1" in parsed
    assert list((tmp_path / "pantau-data" / "cache" / "forms").glob("*.pickle"))   # the test's folder, not $HOME
    parsed.clear()
    again = catalog.load_forms([folder])
    assert parsed == []                                   # was: parsed at every start (2,900 questions: 1.7 s)
    assert again == first
    assert again[("uji", 1)].question("desa").choices[1499].label["id"] == "Desa nomor 1499"


def test_an_edited_form_or_changed_parser_code_parses_it_again(tmp_path, monkeypatch):
    folder, data = _big_form(tmp_path)
    catalog.load_forms([folder])
    parsed = _count_parses(monkeypatch)
    data["questions"][0]["label"]["id"] = "Nama lengkap?"
    (folder / "uji.v1.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert catalog.load_forms([folder])[("uji", 1)].questions[0].label["id"] == "Nama lengkap?"
    assert "uji v1" in parsed
    parsed.clear()
    monkeypatch.setattr(catalog, "_code_stamp", lambda: "flows/ changed")
    assert catalog.load_forms([folder])[("uji", 1)].questions[0].label["id"] == "Nama lengkap?"
    assert "uji v1" in parsed


def test_a_broken_cache_entry_is_parsed_again(tmp_path, monkeypatch):
    folder, _ = _big_form(tmp_path)
    first = catalog.load_forms([folder])
    for entry in (tmp_path / "pantau-data" / "cache" / "forms").glob("*.pickle"):
        entry.write_bytes(b"not a pickle")
    parsed = _count_parses(monkeypatch)
    assert catalog.load_forms([folder]) == first and "uji v1" in parsed


async def test_the_second_start_of_the_pipeline_does_not_parse_the_big_form(tmp_path, monkeypatch, db_url):
    folder, _ = _big_form(tmp_path)
    db = Database(db_url)
    try:
        await Pipeline.open(db, [catalog.FORMS_DIR, folder])
        parsed = _count_parses(monkeypatch)
        pipeline = await Pipeline.open(db, [catalog.FORMS_DIR, folder])
    finally:
        await db.close()
    assert "uji v1" not in parsed
    assert pipeline.forms[("uji", 1)].title["id"] == "Uji"


# ------------------------------------------------------------------ form versions compared by digest (storage/forms.py)

def _reading_definitions(db) -> list[str]:
    """The statements that read a stored form definition from the database."""
    from sqlalchemy import event
    reads: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if "form_versions.definition" in statement and statement.lstrip().upper().startswith("SELECT"):
            reads.append(statement)
    event.listen(db.engine.sync_engine, "before_cursor_execute", seen)
    return reads


async def test_the_second_start_loads_no_stored_form_definition(tmp_path, db_url):
    folder, _ = _big_form(tmp_path)
    db = Database(db_url)
    try:
        await Pipeline.open(db, [catalog.FORMS_DIR, folder])
        reads = _reading_definitions(db)
        pipeline = await Pipeline.open(db, [catalog.FORMS_DIR, folder])
    finally:
        await db.close()
    assert reads == []                  # was: every stored definition loaded and compared at each start
    assert pipeline.forms[("uji", 1)].question("desa").choices[1499].label["id"] == "Desa nomor 1499"


def _write(folder, data) -> None:
    (folder / f"{data['id']}.v{data['version']}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True),
                                                                  encoding="utf-8")


async def test_a_changed_form_under_the_same_version_is_still_refused(tmp_path, db_url):
    folder, data = _big_form(tmp_path)
    db = Database(db_url)
    try:
        await Pipeline.open(db, [catalog.FORMS_DIR, folder])
        data["questions"][0]["label"]["id"] = "Nama lengkap?"
        _write(folder, data)
        with pytest.raises(ValueError, match="raise the version"):
            await Pipeline.open(db, [catalog.FORMS_DIR, folder])
    finally:
        await db.close()


async def test_a_changed_summary_is_kept_without_a_new_version_and_old_versions_stay(db_url):
    from datetime import UTC, datetime

    from storage.repo import stored_form_definition, sync_forms
    now = datetime(2026, 12, 4, tzinfo=UTC)
    v1 = {"id": "uji", "version": 1, "questions": [{"name": "a"}]}
    v2 = {"id": "uji", "version": 2, "questions": [{"name": "b"}]}
    db = Database(db_url)
    try:
        async with db.session() as s:
            await sync_forms(s, {("uji", 1): v1}, now)
        reads = _reading_definitions(db)
        async with db.session() as s:
            await sync_forms(s, {("uji", 1): {**v1, "summary": {"section": "uji"}}}, now)
            assert (await stored_form_definition(s, "uji", 1))["summary"] == {"section": "uji"}
        assert len(reads) == 2                      # the comparison, then the check above
        reads.clear()
        async with db.session() as s:               # the new digest was stored with the summary
            assert await sync_forms(s, {("uji", 1): {**v1, "summary": {"section": "uji"}}}, now)
        assert reads == []
        async with db.session() as s:               # version 1's file gone: still served, from the database
            assert await sync_forms(s, {("uji", 2): v2}, now) == {("uji", 1): {**v1, "summary": {"section": "uji"}},
                                                                    ("uji", 2): v2}
            with pytest.raises(ValueError, match="raise the version"):
                await sync_forms(s, {("uji", 2): {**v2, "title": "lain"}}, now)
    finally:
        await db.close()


async def test_a_version_stored_before_digests_is_compared_whole_then_gets_its_digest(tmp_path, db_url):
    from sqlalchemy import update

    from storage.models import FormVersion
    folder, data = _big_form(tmp_path)
    db = Database(db_url)
    try:
        await Pipeline.open(db, [catalog.FORMS_DIR, folder])
        async with db.session() as s:
            await s.execute(update(FormVersion).values(digest=None))
            await s.commit()
        reads = _reading_definitions(db)
        await Pipeline.open(db, [catalog.FORMS_DIR, folder])
        assert len(reads) == 1
        reads.clear()
        await Pipeline.open(db, [catalog.FORMS_DIR, folder])
        assert reads == []
    finally:
        await db.close()


async def test_the_migration_fills_the_digest_of_versions_already_stored(tmp_path):
    from alembic import command
    from sqlalchemy import text

    from storage.db import alembic_config
    from storage.forms import form_digest
    definition = {"id": "uji", "version": 1, "title": {"id": "Uji"}, "questions": [{"name": "a", "type": "text"}]}
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(lambda sync: command.upgrade(alembic_config(sync), "0011"))
            await conn.execute(text("INSERT INTO form_versions (form_id, version, definition, loaded_at) "
                                    "VALUES ('uji', 1, :d, '2026-12-04 00:00:00.000000')"),
                               {"d": '{"version": 1, "questions": [{"type": "text", "name": "a"}], '
                                     '"id": "uji", "title": {"id": "Uji"}}'})
        await db.migrate()
        async with db.engine.connect() as conn:
            stored = (await conn.execute(text("SELECT digest FROM form_versions"))).scalar()
        assert stored == form_digest(definition)
        async with db.engine.begin() as conn:
            await conn.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0011"))
    finally:
        await db.close()

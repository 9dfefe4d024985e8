"""The rules of ../shared/ARCHITECTURE.md that code can check."""
import ast
import builtins
import io
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot import catalog

from .conftest import Chat

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {"telegram", "twilio", "sqlalchemy", "aiosqlite", "asyncpg", "httpx", "requests", "socket", "os",
             "pathlib", "subprocess", "starlette"}


@pytest.mark.parametrize("path", sorted((ROOT / "flows").glob("*.py")), ids=lambda p: p.name)
def test_flows_imports_no_channel_database_or_io_module(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            imported.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in ("open", "print", "input"), f"{path.name} calls {node.func.id}()"
    assert not imported & FORBIDDEN, f"{path.name} imports {imported & FORBIDDEN}"


@pytest.mark.parametrize("folder,allowed", [("storage", {"sqlalchemy", "alembic"}), ("bot", set())])
def test_only_storage_imports_sqlalchemy(folder, allowed):
    for path in (ROOT / folder).rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if "sqlalchemy" not in allowed:
            assert "import sqlalchemy" not in text and "from sqlalchemy" not in text, path


def test_a_whole_conversation_does_no_io(forms, monkeypatch):
    """Run registration and a meeting report once to warm caches, then again with I/O forbidden."""
    def script():
        chat = Chat(forms)
        for text in ("halo", "Siti", "1", "Kilmury, Kilmury", "ya", "1", "1", "kemarin", "Balai desa", "L 79 P 38",
                     "20", "2", "lewati", "lewati", "kirim"):
            chat.say(text)
        return chat
    script()
    catalog.area_index()

    def forbidden(*args, **kwargs):
        raise AssertionError(f"I/O during advance: {args[:1]}")
    monkeypatch.setattr(builtins, "open", forbidden)
    monkeypatch.setattr(io, "open", forbidden)
    monkeypatch.setattr(socket, "socket", forbidden)
    chat = script()
    assert len(chat.reports) == 1


def test_gettext_catalogs_are_complete_and_the_template_is_fresh():
    proc = subprocess.run([sys.executable, "-m", "bot.i18n", "check"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr


def test_every_form_file_has_indonesian_and_english_labels(forms):
    for form in forms.values():
        for q in form.all_questions():
            assert q.label["id"] and q.label["en"], (form.id, q.name)

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


def _imports_sqlalchemy(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "sqlalchemy" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "sqlalchemy":
            return True
    return False


def test_only_storage_imports_sqlalchemy():
    """bot/ and flows/ never import SQLAlchemy; storage/ does (the check sees its imports, so it can fail)."""
    for folder in ("bot", "flows"):
        assert [p for p in (ROOT / folder).rglob("*.py") if _imports_sqlalchemy(p)] == []
    assert _imports_sqlalchemy(ROOT / "storage" / "models" / "base.py") and _imports_sqlalchemy(ROOT / "storage" / "repo.py")


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


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph() -> dict[str, set[str]]:
    """Every module of flows/, storage/ and bot/ → the project modules it imports, function-local imports
    included (they hide a circle, they do not open it)."""
    files = {_module_name(p): p for pkg in ("flows", "storage", "bot") for p in (ROOT / pkg).rglob("*.py")}

    def known(name: str) -> str | None:
        while name and name not in files:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for mod, path in files.items():
        package = mod.split(".") if path.name == "__init__.py" else mod.split(".")[:-1]
        targets: set[str | None] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets |= {known(a.name) for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package[:len(package) - node.level + 1] + ([node.module] if node.module else []))
                targets |= {known(f"{base}.{a.name}") for a in node.names}
        graph[mod] = {t for t in targets if t and t != mod}
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while True:
                w = stack.pop()
                part.append(w)
                if w == v:
                    break
            if len(part) > 1:
                found.append(sorted(part))
    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_import_circle_anywhere():
    assert _circles(_import_graph()) == []


def test_the_circle_check_finds_a_circle():
    graph = _import_graph()
    graph["bot.clock"] = graph["bot.clock"] | {"bot.pipeline"}      # pipeline imports clock: a circle
    assert any({"bot.clock", "bot.pipeline"} <= set(circle) for circle in _circles(graph))


def test_layers_point_down():
    """flows imports nothing of storage or bot; storage nothing of bot."""
    for mod, targets in _import_graph().items():
        if mod.startswith("flows"):
            assert not {t for t in targets if t.split(".")[0] in ("storage", "bot")}, mod
        if mod.startswith("storage"):
            assert not {t for t in targets if t.split(".")[0] == "bot"}, mod

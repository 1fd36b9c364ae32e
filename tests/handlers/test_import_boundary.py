"""handlers/ stays channel-neutral: no channel, web or database library is imported there."""

from __future__ import annotations

import ast
from pathlib import Path

FORBIDDEN = {"telegram", "aiohttp", "sqlalchemy", "aiosqlite", "asyncpg", "bot"}
HANDLERS = Path(__file__).resolve().parents[2] / "handlers"


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_handlers_import_no_channel_web_or_database_library() -> None:
    files = sorted(HANDLERS.rglob("*.py"))
    assert files
    offenders = {
        str(path.relative_to(HANDLERS)): sorted(imported_roots(path) & FORBIDDEN)
        for path in files
        if imported_roots(path) & FORBIDDEN
    }
    assert offenders == {}

"""Find every message key the code uses (`ctx.t("key", name=...)`) and the placeholders it fills."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

ANY = "*"  # the call passes **values, so any placeholder may be filled
PACKAGES = ("handlers", "bot")
CALL_NAMES = {"t", "messages"}


def scan(roots: Iterable[Path] | None = None) -> dict[str, set[str]]:
    """Message key -> the placeholder names some call passes (union over call sites)."""
    base = Path(__file__).resolve().parents[2]
    folders = list(roots) if roots is not None else [base / p for p in PACKAGES]
    usage: dict[str, set[str]] = {}
    for folder in folders:
        for path in sorted(folder.rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                key_and_names = _message_call(node)
                if key_and_names:
                    key, names = key_and_names
                    usage.setdefault(key, set()).update(names)
    return usage


def _message_call(node: ast.AST) -> tuple[str, set[str]] | None:
    if not isinstance(node, ast.Call) or not node.args:
        return None
    func = node.func
    name = (
        func.attr
        if isinstance(func, ast.Attribute)
        else func.id
        if isinstance(func, ast.Name)
        else None
    )
    first = node.args[0]
    if (
        name not in CALL_NAMES
        or not isinstance(first, ast.Constant)
        or not isinstance(first.value, str)
    ):
        return None
    if "." not in first.value:
        return None
    names = {kw.arg if kw.arg is not None else ANY for kw in node.keywords}
    return first.value, names

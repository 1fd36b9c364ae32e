"""YAML reading that remembers the line each mapping starts on, for file:line problems."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class LineDict(dict[str, Any]):
    """A mapping from YAML that knows its 1-based source line."""

    line: int = 1


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    mapping = LineDict(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse(text: str, first_line: int = 1) -> Any:
    """Parse YAML text; mapping lines are offset so they point into the enclosing file."""
    data = yaml.load(text, Loader=_LineLoader)
    if first_line != 1:
        _shift(data, first_line - 1)
    return data


def _shift(value: Any, offset: int) -> None:
    if isinstance(value, LineDict):
        value.line += offset
        for item in value.values():
            _shift(item, offset)
    elif isinstance(value, list):
        for item in value:
            _shift(item, offset)


def duplicate_keys(text: str, first_line: int = 1) -> list[tuple[str, int, int]]:
    """(key, line of its first definition, line of the repeat) for every key a mapping repeats.

    YAML lets the last of two equal keys win silently; content must never rely on that.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return []  # a parse error is reported by whoever reads the file
    found: list[tuple[str, int, int]] = []
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key, value in node.value:
                line = key.start_mark.line + first_line
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        found.append((key.value, seen[key.value], line))
                    else:
                        seen[key.value] = line
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return sorted(found, key=lambda item: item[2])


def read(path: Path) -> Any:
    return parse(path.read_text(encoding="utf-8"))


def line_of(value: Any, default: int = 1) -> int:
    return value.line if isinstance(value, LineDict) else default


def error_line(exc: yaml.YAMLError) -> int:
    mark = getattr(exc, "problem_mark", None)
    return mark.line + 1 if mark is not None else 1

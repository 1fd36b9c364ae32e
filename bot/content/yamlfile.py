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


def read(path: Path) -> Any:
    return parse(path.read_text(encoding="utf-8"))


def line_of(value: Any, default: int = 1) -> int:
    return value.line if isinstance(value, LineDict) else default


def error_line(exc: yaml.YAMLError) -> int:
    mark = getattr(exc, "problem_mark", None)
    return mark.line + 1 if mark is not None else 1

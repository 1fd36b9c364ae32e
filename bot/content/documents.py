"""documents.yaml: the papers a procedure needs (thành phần hồ sơ), keyed by procedure code."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import yaml

from bot.content import yamlfile
from bot.content.loader import Loading
from bot.content.records import parse_date, strings
from handlers.catalog import Procedure

MAX_ITEM = 200  # one paper per line, short enough to read on a phone


def load_documents(
    loading: Loading, folder: Path, procedures: Mapping[str, Procedure]
) -> dict[str, Procedure]:
    """The procedures with their `documents` (and `uncertain` "documents") from the file."""
    path = folder / "documents.yaml"
    if not path.exists():
        return dict(procedures)
    try:
        data = yamlfile.read(path)
    except yaml.YAMLError as exc:
        loading.problem(path, yamlfile.error_line(exc), f"bad YAML: {exc}")
        return dict(procedures)
    result = dict(procedures)
    if data is None:
        return result
    if not isinstance(data, Mapping):
        loading.problem(path, 1, "documents.yaml must map a procedure code to its papers")
        return result
    for code, raw in data.items():
        line = yamlfile.line_of(raw)
        if not isinstance(code, str):
            # YAML reads 1.010910 as the number 1.01091: codes must be quoted.
            loading.problem(path, line, f"procedure code {code!r} must be written in quotes")
            continue
        if code not in result:
            loading.problem(path, line, f"procedure {code!r} does not exist")
            continue
        items = _items(loading, path, code, raw)
        if items is None:
            continue
        proc = result[code]
        flagged = proc.uncertain | {"documents"} if raw.get("uncertain") else proc.uncertain
        result[code] = replace(proc, documents=items, uncertain=frozenset(flagged))
    return result


def _items(loading: Loading, path: Path, code: str, raw: object) -> tuple[str, ...] | None:
    line = yamlfile.line_of(raw)
    if not isinstance(raw, Mapping):
        loading.problem(path, line, f"{code}: write 'items', 'source' and 'checked'")
        return None
    ok = True
    for key in ("items", "source", "checked"):
        if raw.get(key) in (None, "", []):
            loading.problem(path, line, f"{code}: missing field {key!r}")
            ok = False
    if raw.get("checked") not in (None, "") and parse_date(raw["checked"]) is None:
        loading.problem(path, line, f"{code}: checked {raw['checked']!r} is not a date")
        ok = False
    if not isinstance(raw.get("uncertain", False), bool):
        loading.problem(path, line, f"{code}: uncertain must be true or false")
        ok = False
    if not isinstance(raw.get("items"), list):
        if raw.get("items") not in (None, "", []):
            loading.problem(path, line, f"{code}: items must be a list, one paper per line")
        return None
    for item in raw["items"]:
        if not isinstance(item, str):
            # "Làm cho con: giấy khai sinh" unquoted is read as a mapping, not a line of text.
            loading.problem(path, line, f"{code}: paper {item!r} is not text; put it in quotes")
            ok = False
    items = strings([item for item in raw["items"] if isinstance(item, str)])
    for item in items:
        if len(item) > MAX_ITEM:
            loading.problem(path, line, f"{code}: a paper of {len(item)} characters is too long")
            ok = False
    return items if ok else None

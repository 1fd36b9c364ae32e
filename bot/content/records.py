"""Small helpers shared by the catalogue files: dates, `;` lists, YAML lists of records."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from bot.content import yamlfile
from bot.content.loader import Loading
from bot.content.loader import parse_day as parse_date

IDENT = re.compile(r"^[a-z0-9][a-z0-9-]{1,40}$")


def split_list(value: str) -> tuple[str, ...]:
    """`a; b;c` -> ("a", "b", "c"); empty parts dropped."""
    return tuple(part.strip() for part in value.split(";") if part.strip())


def strings(value: Any) -> tuple[str, ...]:
    """A YAML list (or `;`-separated string) as stripped, non-empty strings."""
    if value is None:
        return ()
    if isinstance(value, str):
        return split_list(value)
    if not isinstance(value, list):
        return (str(value).strip(),) if str(value).strip() else ()
    return tuple(str(v).strip() for v in value if str(v).strip())


def yaml_records(loading: Loading, path: Path, kind: str) -> list[Any]:
    """The list of records in a YAML file (an absent file is an empty list, not a problem)."""
    if not path.exists():
        return []
    try:
        data = yamlfile.read(path)
    except yaml.YAMLError as exc:
        loading.problem(path, yamlfile.error_line(exc), f"bad YAML: {exc}")
        return []
    if data is None:
        return []
    if not isinstance(data, list):
        loading.problem(path, 1, f"{path.name} must be a list of {kind}")
        return []
    return data


def check_record(
    loading: Loading, path: Path, raw: Any, required: tuple[str, ...], kind: str
) -> bool:
    """Report a record's missing fields, bad id and bad `checked` date; True when it is usable."""
    if not isinstance(raw, Mapping):
        loading.problem(path, yamlfile.line_of(raw), f"each {kind} must be a mapping")
        return False
    ok = True
    for key in required:
        if raw.get(key) in (None, ""):
            loading.problem(path, yamlfile.line_of(raw), f"{kind}: missing field {key!r}")
            ok = False
    ident = str(raw.get("id", ""))
    if ident and not IDENT.match(ident):
        loading.problem(
            path, yamlfile.line_of(raw), f"{kind} id {ident!r} must be lowercase a-z, 0-9, '-'"
        )
        ok = False
    if raw.get("checked") not in (None, "") and parse_date(raw["checked"]) is None:
        loading.problem(
            path, yamlfile.line_of(raw), f"{kind}: checked {raw['checked']!r} is not a date"
        )
        ok = False
    return ok

"""provinces/<code>/: the deploying province's overlay (hotline, centres, local rules)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import yaml

from bot.content import yamlfile
from bot.content.loader import Loading
from bot.content.records import parse_date, strings
from handlers import places
from handlers.catalog import ProvinceInfo

FOLDER = "provinces"


def overlay_folders(loading: Loading) -> Iterator[tuple[str, Path]]:
    """(province code, folder) for every overlay; a folder not named by a code is a problem."""
    base = loading.root / FOLDER
    for folder in sorted(p for p in base.iterdir() if p.is_dir()) if base.is_dir() else []:
        place = places.province(folder.name)
        if place is None or place.code != folder.name:
            loading.problem(
                folder,
                1,
                f"overlay folder {folder.name!r} must be named by a 2-digit province code, "
                "e.g. provinces/42 for Hà Tĩnh",
            )
            continue
        yield place.code, folder


def load_province_info(loading: Loading, code: str, folder: Path) -> ProvinceInfo:
    """province.yaml of an overlay: hotline and one-stop centres, each with its source."""
    path = folder / "province.yaml"
    unit = places.province(code)
    name = unit.name if unit is not None else code
    if not path.exists():
        return ProvinceInfo(code=code, name=name)
    try:
        raw = yamlfile.read(path)
    except yaml.YAMLError as exc:
        loading.problem(path, yamlfile.error_line(exc), f"bad YAML: {exc}")
        return ProvinceInfo(code=code, name=name)
    if not isinstance(raw, Mapping):
        loading.problem(path, 1, "province.yaml must be a mapping")
        return ProvinceInfo(code=code, name=name)
    line = yamlfile.line_of(raw)
    for key in ("source", "checked"):
        if raw.get(key) in (None, ""):
            loading.problem(path, line, f"missing field {key!r}")
    if raw.get("checked") not in (None, "") and parse_date(raw["checked"]) is None:
        loading.problem(path, line, f"checked {raw['checked']!r} is not a date")
    if raw.get("code") not in (None, "") and str(raw["code"]) != code:
        loading.problem(path, line, f"code {raw['code']!r} does not match the folder {code!r}")
    return ProvinceInfo(
        code=code,
        name=str(raw.get("name") or name).strip(),
        hotline=str(raw.get("hotline") or "").strip(),
        centres=strings(raw.get("centres")),
        source=str(raw.get("source") or "").strip(),
        checked=str(raw.get("checked") or ""),
    )

"""Names of provinces and communes (2025 units) for labels; unknown codes show as themselves."""

from __future__ import annotations

import functools

from vietnam_provinces import Province, ProvinceCode, Ward, WardCode


@functools.cache
def province_name(code: str | None) -> str:
    if not code:
        return "—"
    try:
        return str(Province.from_code(ProvinceCode(int(code))).name)
    except (ValueError, KeyError):
        return code


@functools.cache
def commune_name(code: str | None) -> str:
    if not code:
        return "—"
    try:
        return str(Ward.from_code(WardCode(int(code))).name)
    except (ValueError, KeyError):
        return code


@functools.cache
def communes_of(province: str) -> list[tuple[str, str]]:
    """(code, name) of every commune of a province, by name, for filter menus."""
    try:
        wards = Ward.iter_by_province(ProvinceCode(int(province)))
    except (ValueError, KeyError):
        return []
    return sorted(((f"{int(w.code):05d}", str(w.name)) for w in wards), key=lambda p: p[1])

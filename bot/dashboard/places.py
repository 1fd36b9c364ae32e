"""Place names for dashboard labels and filter menus; unknown codes show as themselves."""

from __future__ import annotations

from handlers import places


def province_name(code: str | None) -> str:
    found = places.province(code) if code else None
    return found.name if found else (code or "—")


def commune_name(code: str | None) -> str:
    found = places.commune(code) if code else None
    return found.name if found else (code or "—")


def communes_of(province: str) -> list[tuple[str, str]]:
    """(code, name) of every commune of a province, in alphabetical order, for filter menus."""
    return [(c.code, c.name) for c in places.communes_of(province)]

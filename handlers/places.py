"""The 2025 administrative units (34 provinces; communes, wards and special zones, no districts).

Data from the `vietnam-provinces` package (official GSO codes after 1 July 2025). Codes are kept
as the official zero-padded strings: province "42" (Hà Tĩnh), commune "18070".
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from vietnam_provinces import Province, Ward

from handlers.text import fold

# Unit words people may or may not type: "xã Thạch Hà" = "Thạch Hà".
_UNIT_WORDS = re.compile(
    r"^(thanh pho truc thuoc trung uong|thanh pho|tinh|tp\.?|phuong|xa|dac khu|p\.|x\.)\s+"
)
FUZZY_CUTOFF = 85
# What people type for the two big cities, folded.
PROVINCE_ALIASES = {
    "hn": "ha noi",
    "hcm": "ho chi minh",
    "tphcm": "ho chi minh",
    "sai gon": "ho chi minh",
    "saigon": "ho chi minh",
    "sg": "ho chi minh",
}


@dataclass(frozen=True)
class Place:
    code: str
    name: str  # with its unit word: "Xã Thạch Hà", "Tỉnh Hà Tĩnh"
    province_code: str  # a province's own code for a province
    key: str  # folded name without the unit word, for matching


def province_code(value: object) -> str:
    return f"{int(str(value)):02d}"


def commune_code(value: object) -> str:
    return f"{int(str(value)):05d}"


def _key(name: str) -> str:
    return _UNIT_WORDS.sub("", fold(name)).strip()


@functools.cache
def provinces() -> tuple[Place, ...]:
    items = (
        Place(province_code(p.code.value), p.name, province_code(p.code.value), _key(p.name))
        for p in Province.iter_all()
    )
    return tuple(sorted(items, key=lambda p: p.key))


@functools.cache
def communes() -> dict[str, Place]:
    return {
        commune_code(w.code.value): Place(
            commune_code(w.code.value), w.name, province_code(w.province_code.value), _key(w.name)
        )
        for w in Ward.iter_all()
    }


@functools.cache
def _communes_of(code: str) -> tuple[Place, ...]:
    return tuple(
        sorted((c for c in communes().values() if c.province_code == code), key=lambda c: c.key)
    )


def province(code: str | None) -> Place | None:
    if not code:
        return None
    try:
        wanted = province_code(code)
    except ValueError:
        return None
    return next((p for p in provinces() if p.code == wanted), None)


def commune(code: str | None) -> Place | None:
    if not code:
        return None
    try:
        return communes().get(commune_code(code))
    except ValueError:
        return None


def find_provinces(query: str, limit: int = 6) -> list[Place]:
    key = _key(query)
    return _find(PROVINCE_ALIASES.get(key, key), provinces(), limit)


def find_communes(query: str, in_province: str | None, limit: int = 6) -> list[Place]:
    pool = _communes_of(in_province) if in_province else tuple(communes().values())
    return _find(query, pool, limit)


def _find(query: str, pool: Iterable[Place], limit: int) -> list[Place]:
    """Exact name first, then names starting with the query, then containing it, then fuzzy."""
    wanted = _key(query)
    if not wanted:
        return []
    items = list(pool)
    exact = [p for p in items if p.key == wanted]
    starts = [p for p in items if p.key.startswith(wanted) and p not in exact]
    contains = [p for p in items if wanted in p.key and p not in exact and p not in starts]
    found = exact + starts + contains
    if not found:
        matches = process.extract(
            wanted,
            {i: p.key for i, p in enumerate(items)},
            scorer=fuzz.ratio,
            limit=limit,
            score_cutoff=FUZZY_CUTOFF,
        )
        found = [items[index] for _, _, index in matches]
    return found[:limit]

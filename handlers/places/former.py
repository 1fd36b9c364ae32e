"""The units people still name from before 1 July 2025 (63 provinces, districts, communes).

"huyện Can Lộc", "xã Thạch Hương cũ", "thị xã Cửa Lò": each is found (accents, unit word
and "cũ" optional) and leads to the 2025 units it became. The mapping is the one of the
`vietnamadminunits` package (old commune → new commune, and the still older names it lists
as aliases), shipped in `data/former_*.csv`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from handlers.places import rows
from handlers.text import fold

# Unit words of the former units, longest first; "tp", "tx", "tt" are what people write.
_UNIT = re.compile(
    r"^(thanh pho|thi xa|thi tran|tinh|huyen|quan|phuong|xa|tp|tx|tt|h|q|p|x)\b\.?\s*"
)
_FORMER = re.compile(r"\s*\(?\b(cu|truoc day|truoc sap nhap)\b\)?\s*$")
KINDS = ("province", "district", "commune")


@dataclass(frozen=True)
class Former:
    """A unit that no longer exists, and the 2025 units it became."""

    kind: str  # province | district | commune
    name: str  # "Huyện Can Lộc"; for an older alias, the name as typed: "Xã Thạch Hương"
    within: str  # where it was: "Tỉnh Hà Tĩnh", "Huyện Thạch Hà, Tỉnh Hà Tĩnh"
    province_codes: tuple[str, ...]  # the 2025 province(s) it is in now
    commune_codes: tuple[str, ...]  # the 2025 communes it became (none for a province)
    via: str = ""  # for an older name: the unit it was merged into before 2025


_NOT_KEY = re.compile(r"[^a-z0-9]")


def compact(text: str) -> str:
    return _NOT_KEY.sub("", fold(text))


def _own_key(name: str) -> str:
    """The compact name of a unit without its unit word: 'Huyện Can Lộc' -> 'canloc'."""
    return _NOT_KEY.sub("", _bare(fold(name)))


def _bare(folded: str) -> str:
    return _UNIT.sub("", folded, count=1).strip()


def parse(query: str) -> tuple[str, str]:
    """The query's unit word (folded, '' if none) and its compact name: 'xã Thạch Hương cũ'."""
    folded = _FORMER.sub("", " ".join(fold(query).split()))
    unit_match = _UNIT.match(folded)
    unit = unit_match.group(1) if unit_match else ""
    return unit, compact(_bare(folded)) if unit else compact(folded)


def _accented(name: str) -> str:
    """The name without unit word, "cũ" or spaces, accents kept: for telling Quảng/Quang."""
    lowered = unicodedata.normalize("NFC", name).lower()
    folded = fold(lowered)
    unit = _UNIT.match(_FORMER.sub("", " ".join(folded.split())))
    words = lowered.split()
    if unit:
        words = words[len(unit.group(0).split()) :]
    if words and fold(words[-1]) == "cu":
        words = words[:-1]
    return re.sub(r"[\s().-]", "", "".join(words))


def _codes(value: str) -> tuple[str, ...]:
    return tuple(value.split())


@dataclass(frozen=True)
class _Entry:
    kind: str
    name: str
    within: str
    keys: frozenset[str]  # the compact bare name and the source's aliases
    province_codes: tuple[str, ...]
    commune_codes: tuple[str, ...]


def _merge(codes: list[str], more: tuple[str, ...]) -> None:
    codes.extend(code for code in more if code not in codes)


@functools.cache
def _entries() -> tuple[_Entry, ...]:
    from handlers.places import commune

    provinces = {row["code"]: row for row in rows("former_provinces.csv")}
    districts = {row["code"]: row for row in rows("former_districts.csv")}
    of_district: dict[str, list[str]] = defaultdict(list)
    entries: list[_Entry] = []
    for row in rows("former_communes.csv"):
        district = districts[row["district_code"]]
        province = provinces[district["province_code"]]
        codes = _codes(row["commune_codes"])
        _merge(of_district[district["code"]], codes)
        keys = {_own_key(row["name"]), *row["aliases"].split()}
        entries.append(
            _Entry(
                "commune",
                row["name"],
                f"{district['name']}, {province['name']}",
                frozenset(keys),
                tuple(dict.fromkeys(c.province_code for x in codes if (c := commune(x)))),
                codes,
            )
        )
    for code, row in districts.items():
        codes = tuple(of_district[code]) or _codes(row["commune_codes"])
        province = provinces[row["province_code"]]
        keys = {_own_key(row["name"]), *row["aliases"].split()}
        entries.append(
            _Entry(
                "district",
                row["name"],
                province["name"],
                frozenset(keys),
                tuple(dict.fromkeys(c.province_code for x in codes if (c := commune(x)))),
                codes,
            )
        )
    for row in provinces.values():
        own = frozenset({_own_key(row["name"])})
        entries.append(_Entry("province", row["name"], "", own, _codes(row["province_codes"]), ()))
    return tuple(entries)


@functools.cache
def _index() -> dict[str, tuple[_Entry, ...]]:
    index: dict[str, list[_Entry]] = defaultdict(list)
    for entry in _entries():
        for key in entry.keys:
            index[key].append(entry)
    return {key: tuple(found) for key, found in index.items()}


def _named(entry: _Entry, name: str, query: str) -> str:
    """The entry's own name, or the older name the person typed when that is what matched."""
    if name in {_own_key(entry.name), compact(entry.name)}:
        return entry.name
    typed = " ".join(query.split())
    typed = re.sub(r"\s*\(?\b(cũ|cu)\b\)?\s*$", "", typed, flags=re.IGNORECASE)
    return typed[:1].upper() + typed[1:]


_UNIT_KINDS = {
    "tinh": ("province",),
    "thanh pho": ("province", "district"),
    "tp": ("province", "district"),
    "huyen": ("district",),
    "h": ("district",),
    "quan": ("district",),
    "q": ("district",),
    "thi xa": ("district",),
    "tx": ("district",),
    "thi tran": ("commune",),
    "tt": ("commune",),
    "phuong": ("commune",),
    "p": ("commune",),
    "xa": ("commune",),
    "x": ("commune",),
}


def find(query: str, in_province: str | None = None, limit: int = 5) -> list[Former]:
    """Former units named `query` (exactly, accents optional), provinces first, then districts.

    With `in_province`, only those now (partly) in that 2025 province, with their new
    communes narrowed to it.
    """
    from handlers.places import commune

    unit, name = parse(query)
    if not name:
        return []
    found = list(_index().get(name, ()))
    if unit:  # "huyện X": a district; but someone may say "xã X" for a former ward
        kinds = _UNIT_KINDS.get(unit, KINDS)
        found = [e for e in found if e.kind in kinds] or found
    if query.isascii() is False:  # typed with accents: "Quảng Bình" is not "Quang Bình"
        accented = _accented(query)
        found = [e for e in found if _accented(e.name) == accented] or found
    found.sort(key=lambda e: KINDS.index(e.kind))
    results: list[Former] = []
    for entry in found:
        province_codes, commune_codes = entry.province_codes, entry.commune_codes
        if in_province:
            if in_province not in province_codes:
                continue
            province_codes = (in_province,)
            commune_codes = tuple(
                x for x in commune_codes if (c := commune(x)) and c.province_code == in_province
            )
        named = _named(entry, name, query)
        results.append(
            Former(
                entry.kind,
                named,
                entry.within,
                province_codes,
                commune_codes,
                via=entry.name if named != entry.name else "",
            )
        )
    return results[:limit]

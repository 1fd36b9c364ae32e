"""Regenerate handlers/places/data/*.csv from the `vietnamadminunits` package's data files.

Run by a maintainer when the source publishes a new release, then review the diff:

    pip install --no-deps vietnamadminunits==1.0.4   # data only: its code needs GPL unidecode
    python scripts/generate_places.py

Only the package's data files are read (its SQLite dataset and `converter_2025.json`); its
modules are never imported. The tables written are:

- provinces.csv        code,name                          the 34 provinces (official NSO codes)
- communes.csv         code,province_code,name            the 3,321 communes, wards, special zones
- former_provinces.csv code,name,province_codes           the 63 provinces before 1 July 2025
- former_districts.csv code,province_code,name,aliases,commune_codes
- former_communes.csv  code,district_code,name,aliases,commune_codes

With `--recode`, it also writes storage/place_codes.csv: the codes dvcbot stored before it
used the official list (`vietnam-provinces` 2025.10.1, install it with --no-deps to run
this) and the official code of the same unit, matched by province and name.

`commune_codes` are the new units a former one became (the one most of it went to first);
`aliases` are still older names (folded keys) the source lists for the unit. A district's
`commune_codes` is filled only when it had no communes (island districts).
"""

from __future__ import annotations

import csv
import importlib.util
import json
import sqlite3
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from handlers.text import fold

OUT = Path(__file__).resolve().parent.parent / "handlers" / "places" / "data"
SOURCE = "vietnamadminunits"


def source_dir() -> Path:
    spec = importlib.util.find_spec(SOURCE)
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"install the data source first: pip install --no-deps {SOURCE}")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def aliases(raw: str | None) -> str:
    return " ".join(sorted(set(json.loads(raw)))) if raw else ""


def write(name: str, header: list[str], rows: list[list[str]]) -> None:
    with (OUT / name).open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    print(f"{name}: {len(rows)} rows")


def recode(communes: list[list[str]]) -> None:
    """Old dvcbot code -> official code, for units whose code changed (matched by name)."""
    from vietnam_provinces import Ward  # the pre-official list dvcbot used to depend on

    def key(name: str) -> str:
        name = unicodedata.normalize("NFC", name).lower().replace("’", "'")
        return " ".join(name.replace("–", "-").split())

    official = {(pcode, key(name)): code for code, pcode, name in communes}
    # Tone marks placed differently ("Thuỷ"/"Thủy"): the accent-free name, when unique.
    loose: dict[tuple[str, str], list[str]] = defaultdict(list)
    for code, pcode, name in communes:
        loose[(pcode, fold(name))].append(code)
    rows = []
    for ward in Ward.iter_all():
        old = f"{int(ward.code.value):05d}"
        pcode = f"{int(ward.province_code.value):02d}"
        new = official.get((pcode, key(ward.name)))
        if new is None and len(found := loose[(pcode, fold(ward.name))]) == 1:
            new = found[0]
        if new is None:
            sys.exit(f"no official unit named {ward.name} in province {pcode}")
        if new != old:
            rows.append([old, new, ward.name])
    path = Path(__file__).resolve().parent.parent / "storage" / "place_codes.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["old_code", "new_code", "name"])
        writer.writerows(sorted(rows))
    print(f"place_codes.csv: {len(rows)} changed codes")


def main() -> None:
    data = source_dir()
    db = sqlite3.connect(data / "dataset.db")
    converter = json.loads((data / "converter_2025.json").read_text(encoding="utf-8"))
    new_units = db.execute(
        "SELECT provinceCode, province, provinceKey, wardCode, ward, wardKey FROM admin_units"
    ).fetchall()
    provinces = sorted({(code, name) for code, name, *_ in new_units})
    new_province_code = {key: code for code, _, key, *_ in new_units}
    new_code = {(pkey, wkey): wcode for _, _, pkey, wcode, _, wkey in new_units}

    # Former unit key "province_district_ward" -> new commune codes (the default one first).
    became: dict[str, list[str]] = defaultdict(list)
    for pkey, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for wkey, former_keys in wards.items():
            for former in former_keys:
                became[former].append(new_code[(pkey, wkey)])
    for pkey, divided in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for former, options in divided.items():
            ordered = sorted(options, key=lambda o: not o["isDefaultNewWard"])
            for option in ordered:
                code = new_code[(pkey, option["newWardKey"])]
                if code not in became[former]:
                    became[former].append(code)
    new_provinces_of: dict[str, set[str]] = defaultdict(set)
    for pkey, former_pkeys in converter["DICT_PROVINCE"].items():
        for former in former_pkeys:
            new_provinces_of[former].add(new_province_code[pkey])

    legacy = db.execute(
        "SELECT provinceCode, province, provinceKey, districtCode, district, districtKey,"
        " districtAlias, wardCode, ward, wardKey, wardAlias FROM admin_units_legacy"
        " ORDER BY provinceCode, districtCode, wardCode"
    ).fetchall()
    former_provinces: dict[str, list[str]] = {}
    former_districts: dict[str, list[str]] = {}
    former_communes: list[list[str]] = []
    for pcode, pname, pkey, dcode, dname, dkey, dalias, wcode, wname, wkey, walias in legacy:
        former_provinces[pcode] = [pcode, pname, " ".join(sorted(new_provinces_of[pkey]))]
        island = " ".join(became.get(f"{pkey}_{dkey}_", [])) if not wcode else ""
        former_districts[dcode] = [dcode, pcode, dname, aliases(dalias), island]
        if wcode:
            codes = became.get(f"{pkey}_{dkey}_{wkey}")
            if not codes:
                sys.exit(f"no new unit for {wname}, {dname}, {pname}")
            former_communes.append([wcode, dcode, wname, aliases(walias), " ".join(codes)])

    OUT.mkdir(parents=True, exist_ok=True)
    write("provinces.csv", ["code", "name"], [list(p) for p in provinces])
    communes = sorted([wcode, pcode, wname] for pcode, _, _, wcode, wname, _ in new_units)
    write("communes.csv", ["code", "province_code", "name"], communes)
    write(
        "former_provinces.csv", ["code", "name", "province_codes"], list(former_provinces.values())
    )
    write(
        "former_districts.csv",
        ["code", "province_code", "name", "aliases", "commune_codes"],
        list(former_districts.values()),
    )
    write(
        "former_communes.csv",
        ["code", "district_code", "name", "aliases", "commune_codes"],
        former_communes,
    )
    if "--recode" in sys.argv[1:]:
        recode(communes)


if __name__ == "__main__":
    main()

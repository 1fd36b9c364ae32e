"""procedures.csv: one row per procedure, checked cell by cell with its line number."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any, cast

from bot.content.loader import Loading
from bot.content.records import parse_date, split_list
from handlers.catalog import AUTHORITY_LEVELS, ONLINE_LEVELS, UNCERTAIN_FIELDS, Procedure

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,39}$")
# Fields read from other files (documents: content/vi/documents.yaml) are not CSV columns.
NOT_IN_CSV = {"documents"}
COLUMNS = tuple(f.name for f in fields(Procedure) if f.name not in NOT_IN_CSV)
LIST_COLUMNS = {"benefit_ids", "guides", "keywords", "uncertain"}
# an unverified processing time is left empty rather than shown as "theo công bố"
REQUIRED_COLUMNS = set(COLUMNS) - LIST_COLUMNS - {"online_saving", "processing_time"}


def load_procedures(
    loading: Loading, benefit_ids: set[str], folder: Path | None = None
) -> dict[str, Procedure]:
    path = (folder or loading.root) / "procedures.csv"
    if not path.exists():
        return {}
    procedures: dict[str, Procedure] = {}
    first_line: dict[str, int] = {}
    guides = loading.targets.get("guide") or set()
    for line, row, extra_cells in _csv_rows(loading, path):
        if extra_cells:
            loading.problem(path, line, "more cells than columns (an unquoted comma?)")
            continue
        procedure = _procedure(loading, path, line, row, guides, benefit_ids)
        if procedure is None:
            continue
        if procedure.code in procedures:
            loading.problem(
                path,
                line,
                f"duplicate procedure code {procedure.code!r} "
                f"(first on line {first_line[procedure.code]})",
            )
            continue
        procedures[procedure.code] = procedure
        first_line[procedure.code] = line
    return procedures


def _csv_rows(loading: Loading, path: Path) -> Iterator[tuple[int, dict[str, str], bool]]:
    """(first line, cells by column, has extra cells) per record; blank lines are skipped."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = [h.strip() for h in next(reader, [])]
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            loading.problem(path, 1, f"missing column(s): {', '.join(missing)}")
            return
        end = reader.line_num
        for cells in reader:
            start, end = end + 1, reader.line_num
            if not any(c.strip() for c in cells):
                continue
            yield start, dict(zip(header, cells, strict=False)), len(cells) > len(header)


def _procedure(
    loading: Loading,
    path: Path,
    line: int,
    row: Mapping[str, str],
    guides: set[str],
    benefit_ids: set[str],
) -> Procedure | None:
    values = {c: (row.get(c) or "").strip() for c in COLUMNS}
    ok = True
    for column in sorted(REQUIRED_COLUMNS):
        if not values[column]:
            loading.problem(path, line, f"missing field {column!r}")
            ok = False
    code = values["code"]
    if code and not CODE.match(code):
        loading.problem(path, line, f"procedure code {code!r} may only use A-Z, 0-9, '.', '_', '-'")
        ok = False
    if values["authority_level"] and values["authority_level"] not in AUTHORITY_LEVELS:
        loading.problem(
            path,
            line,
            f"authority_level {values['authority_level']!r} must be one of "
            f"{', '.join(AUTHORITY_LEVELS)}",
        )
        ok = False
    if values["online_level"] and values["online_level"] not in ONLINE_LEVELS:
        loading.problem(
            path,
            line,
            f"online_level {values['online_level']!r} must be one of {', '.join(ONLINE_LEVELS)}",
        )
        ok = False
    if values["portal_url"] and not values["portal_url"].startswith("https://"):
        loading.problem(path, line, f"portal_url {values['portal_url']!r} must start with https://")
        ok = False
    if values["checked"] and parse_date(values["checked"]) is None:
        loading.problem(path, line, f"checked {values['checked']!r} is not a date (YYYY-MM-DD)")
        ok = False
    lists = {c: split_list(values[c]) for c in LIST_COLUMNS}
    for guide in lists["guides"]:
        if guide not in guides:
            loading.problem(path, line, f"guide {guide!r} does not exist")
            ok = False
    for benefit in lists["benefit_ids"]:
        if benefit not in benefit_ids:
            loading.problem(path, line, f"benefit {benefit!r} does not exist")
            ok = False
    for name in lists["uncertain"]:
        if name not in UNCERTAIN_FIELDS:
            loading.problem(
                path, line, f"uncertain field {name!r} is not a procedure field that can be flagged"
            )
            ok = False
    if not ok:
        return None
    return Procedure(
        code=code,
        name=values["name"],
        field=values["field"],
        authority=values["authority"],
        authority_level=cast(Any, values["authority_level"]),
        online_level=cast(Any, values["online_level"]),
        fee=values["fee"],
        online_saving=values["online_saving"],
        benefit_ids=lists["benefit_ids"],
        processing_time=values["processing_time"],
        portal_url=values["portal_url"],
        guides=lists["guides"],
        keywords=lists["keywords"],
        uncertain=frozenset(lists["uncertain"]),
        source=values["source"],
        checked=values["checked"],
    )

"""docs/privacy.md documents every stored field: a new table or column fails here until it has
a row (its purpose and retention), and a row for a column that no longer exists fails too."""

from __future__ import annotations

import re
from pathlib import Path

from storage.models import Base

RECORD = Path(__file__).resolve().parents[2] / "docs" / "privacy.md"
TABLE = re.compile(r"^### `(?P<name>[a-z0-9_]+)`\s*$")
ROW = re.compile(r"^\| `(?P<column>[a-z0-9_]+)` \|(?P<rest>.*)\|\s*$")


def documented() -> dict[str, dict[str, list[str]]]:
    """Table -> column -> the row's other cells, from the record's section 5."""
    found: dict[str, dict[str, list[str]]] = {}
    table = None
    for line in RECORD.read_text(encoding="utf-8").splitlines():
        if heading := TABLE.match(line):
            table = heading["name"]
            found.setdefault(table, {})
        elif line.startswith("## "):
            table = None
        elif table and (row := ROW.match(line)):
            found[table][row["column"]] = [cell.strip() for cell in row["rest"].split("|")]
    return found


def schema() -> dict[str, set[str]]:
    return {name: {c.name for c in table.columns} for name, table in Base.metadata.tables.items()}


def test_every_table_and_column_of_the_schema_is_in_the_record() -> None:
    record = documented()
    missing = {
        f"{table}.{column}"
        for table, columns in schema().items()
        for column in columns
        if column not in record.get(table, {})
    }
    assert not missing, f"document these in docs/privacy.md (section 5): {sorted(missing)}"


def test_the_record_names_no_table_or_column_that_does_not_exist() -> None:
    tables = schema()
    stale = {
        f"{table}.{column}"
        for table, columns in documented().items()
        for column in columns
        if column not in tables.get(table, set())
    }
    assert not stale, f"docs/privacy.md names fields the schema does not have: {sorted(stale)}"


def test_every_row_says_what_it_holds_its_purpose_and_its_retention() -> None:
    for table, columns in documented().items():
        for column, cells in columns.items():
            holds, _purpose, retention = cells
            assert holds and retention, f"{table}.{column}: say what it holds and how long"

"""A dashboard table: keyed rows the page sorts and shows, and the CSV/XLSX sheet it becomes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.reports import writers

Kind = Literal["text", "int", "percent", "date"]


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: Kind = "text"


@dataclass(frozen=True)
class Table:
    """Named rows of values; `kind` says how a value is formatted (a percent is 0..1)."""

    name: str  # a file-name-safe id: "satisfaction_by_commune"
    title: str
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""

    def sorted_by(self, key: str | None, descending: bool = False) -> Table:
        """The table sorted by a column (None and '' last); unknown columns leave it as is."""
        if key not in {c.key for c in self.columns}:
            return self

        def order(row: dict[str, Any]) -> tuple[bool, Any]:
            value = row.get(key)
            missing = value is None or value == ""
            return (missing, 0 if missing else value)

        present = [r for r in self.rows if r.get(key) not in (None, "")]
        missing = [r for r in self.rows if r.get(key) in (None, "")]
        present.sort(key=order, reverse=descending)
        return Table(self.name, self.title, self.columns, present + missing, self.note)

    def sheet(self) -> writers.Table:
        """The same table for the shared report writers (CSV, XLSX)."""
        return writers.Table(
            self.title,
            tuple(writers.Column(c.label, c.kind) for c in self.columns),
            [tuple(row.get(c.key) for c in self.columns) for row in self.rows],
            self.note,
        )


def find(tables: Sequence[Table], name: str) -> Table | None:
    return next((t for t in tables if t.name == name), None)

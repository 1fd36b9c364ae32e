"""The one table model of every figure: the pages, the chat, `dvcbot report`, CSV and XLSX."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.reports.labels import natural

Kind = Literal["text", "int", "percent", "date"]


@dataclass(frozen=True)
class Column:
    """A column: its heading, how its values are formatted (a percent is 0..1) and the key
    rows given as mappings use for it (the heading when not given)."""

    label: str
    kind: Kind | str = "text"
    key: str = ""

    def __post_init__(self) -> None:
        if not self.key:
            object.__setattr__(self, "key", self.label)


@dataclass(frozen=True)
class Table:
    """A titled table. Rows are tuples in column order, or mappings by column key (which may
    carry more, such as `_status` for the page's colours)."""

    title: str
    columns: tuple[Column, ...]
    rows: list[Any] = field(default_factory=list)
    note: str = ""
    name: str = ""  # a file-name-safe id for pages and downloads: "satisfaction_by_commune"

    def cells(self) -> list[tuple[Any, ...]]:
        """Every row as a tuple in column order, as writers want them."""
        keys = [c.key for c in self.columns]
        return [
            tuple(row.get(k) for k in keys) if isinstance(row, dict) else tuple(row)
            for row in self.rows
        ]

    def records(self) -> list[dict[str, Any]]:
        """Every row as a mapping by column key, as the pages want them."""
        keys = [c.key for c in self.columns]
        return [
            row if isinstance(row, dict) else dict(zip(keys, row, strict=True)) for row in self.rows
        ]

    def sorted_by(self, key: str | None, descending: bool = False) -> Table:
        """The table sorted by a column (empty values last, numbers inside text in natural
        order: 'Tổ 2' before 'Tổ 10'); unknown columns leave it as is."""
        if key not in {c.key for c in self.columns}:
            return self
        records = self.records()
        present = [r for r in records if r.get(key) not in (None, "")]
        missing = [r for r in records if r.get(key) in (None, "")]
        present.sort(key=lambda row: natural(row[key]), reverse=descending)
        return Table(self.title, self.columns, present + missing, self.note, self.name)


def find(tables: Sequence[Table], name: str) -> Table | None:
    return next((t for t in tables if t.name == name), None)

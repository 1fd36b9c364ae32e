"""Table writers shared by the report command and the dashboard: text, CSV, XLSX and JSON.

Cells that a spreadsheet would run as a formula (text starting with = + - @, tab or carriage
return) are neutralised with a leading apostrophe, in CSV and XLSX alike.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from bot.i18n import number, percent
from bot.reports.tables import Column, Table

__all__ = ["Column", "Table", "render_text", "write_csv", "write_json", "write_xlsx", "xlsx_bytes"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_SHEET_TITLE = 31  # Excel's limit
NUMBER_FORMATS = {"int": "#,##0", "percent": "0.0%"}


def safe(value: Any) -> Any:
    """Neutralise text a spreadsheet would treat as a formula; other values pass through."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _shown(value: Any, column: Column) -> str:
    if value is None:
        return ""
    if column.kind == "percent":
        return f"{value * 100:.1f}%"
    return str(value)


def _for_reading(value: Any, column: Column) -> str:
    """A value as a Vietnamese reader writes it (92,1%; 1.234), as the dashboard shows it."""
    if value is None:
        return ""
    if column.kind == "percent":
        return percent(value)
    if column.kind == "int" and isinstance(value, int | float):
        return number(value)
    return str(value)


def write_csv(table: Table, out: IO[str]) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([safe(c.label) for c in table.columns])
    for row in table.cells():
        # Only text is neutralised: a negative number stays a number.
        writer.writerow(
            [
                safe(v) if isinstance(v, str) else _shown(v, c)
                for v, c in zip(row, table.columns, strict=True)
            ]
        )


def render_text(tables: Sequence[Table]) -> str:
    """Aligned plain-text tables for a terminal, numbers formatted for vi_VN."""
    blocks = []
    for table in tables:
        cells = [[c.label for c in table.columns]]
        cells += [
            [_for_reading(v, c) for v, c in zip(r, table.columns, strict=True)]
            for r in table.cells()
        ]
        widths = [max(len(row[i]) for row in cells) for i in range(len(table.columns))]
        lines = [table.title, ""] if table.title else []
        for index, row in enumerate(cells):
            lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
            if index == 0:
                lines.append("  ".join("-" * w for w in widths))
        if table.note:
            lines += ["", table.note]
        blocks.append("\n".join(line.rstrip() for line in lines))
    return "\n\n".join(blocks) + "\n"


def write_xlsx(tables: Sequence[Table], out: IO[bytes] | str) -> None:
    """A workbook with one sheet per table; percentages are numbers formatted as 0.0%."""
    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for table in tables:
        title = _sheet_title(table.title, used)
        sheet = book.create_sheet(title)
        sheet.append([safe(c.label) for c in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = PatternFill("solid", fgColor="1D5FA8")
        rows = table.cells()
        for row in rows:
            sheet.append([safe(v) for v in row])
        for index, column in enumerate(table.columns, 1):
            letter = get_column_letter(index)
            if column.kind in NUMBER_FORMATS:
                for cell in sheet[letter][1:]:
                    cell.number_format = NUMBER_FORMATS[column.kind]
            width = max([len(str(column.label))] + [len(str(r[index - 1] or "")) for r in rows])
            sheet.column_dimensions[letter].width = min(60, width + 2)
        sheet.freeze_panes = "A2"
        if table.note:
            sheet.append([])
            sheet.append([safe(table.note)])
    book.save(out)


def _sheet_title(name: str, used: set[str]) -> str:
    base = "".join("-" if ch in "[]:*?/\\" else ch for ch in name)[:MAX_SHEET_TITLE] or "Sheet"
    title, number = base, 2
    while title in used:
        suffix = f" ({number})"
        title, number = base[: MAX_SHEET_TITLE - len(suffix)] + suffix, number + 1
    used.add(title)
    return title


def write_json(data: Any, out: IO[str]) -> None:
    json.dump(data, out, ensure_ascii=False, indent=2, default=_json_default)
    out.write("\n")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def xlsx_bytes(tables: Sequence[Table]) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(tables, buffer)
    return buffer.getvalue()

"""CSV and XLSX from tables: formatted headers, real numbers, percent formats, no formulas.

A cell that a spreadsheet would read as a formula (text starting with = + - @, a tab or a
carriage return) is prefixed with an apostrophe, so a question a citizen typed can never run
in an officer's spreadsheet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from bot.i18n import TIMEZONE
from bot.reports.tables import Column, Table

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HEADER_COLOUR = "1D5FA8"
NUMBER_FORMATS = {"int": "#,##0", "percent": "0.0%", "date": "dd/mm/yyyy hh:mm"}


def neutralise(value: Any) -> Any:
    """Text that would start a formula gets a leading apostrophe; other values pass."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _local(value: datetime) -> datetime:
    """Spreadsheets have no time zones: Vietnam wall-clock time, without tzinfo."""
    from zoneinfo import ZoneInfo

    return value.astimezone(ZoneInfo(TIMEZONE)).replace(tzinfo=None)


def _cell(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.kind == "percent":
        return round(float(value), 6)
    if column.kind == "date" and isinstance(value, datetime):
        return _local(value)
    return neutralise(value)


def _csv_text(column: Column, value: Any) -> str:
    value = _cell(column, value)
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    return str(value)


def csv_bytes(table: Table) -> bytes:
    """UTF-8 with a BOM (so Excel reads Vietnamese), one header row; percents as 0..1."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(label) for label in table.header()])
    for row in table.rows:
        writer.writerow([_csv_text(c, row.get(c.key)) for c in table.columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _sheet_title(title: str, taken: set[str]) -> str:
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in title)[:31] or "Sheet"
    name, number = clean, 2
    while name.lower() in taken:
        suffix = f" ({number})"
        name, number = clean[: 31 - len(suffix)] + suffix, number + 1
    taken.add(name.lower())
    return name


def xlsx_bytes(
    tables: Sequence[Table], *, about: Sequence[tuple[str, str]], about_title: str
) -> bytes:
    """A workbook: first a sheet of (term, meaning) pairs — period, scope, definitions — then a
    sheet per table with a bold coloured header row, frozen panes and number formats."""
    # openpyxl loads in a second; only the XLSX export pays for it, not every CLI start.
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor=HEADER_COLOUR)
    book = Workbook()
    taken: set[str] = set()
    first = book.active
    assert first is not None
    first.title = _sheet_title(about_title, taken)
    for term, meaning in about:
        first.append([neutralise(term), neutralise(meaning)])
    for cell in first["A"]:
        cell.font = Font(bold=True)
    first.column_dimensions["A"].width = 34
    first.column_dimensions["B"].width = 100
    for row in first.iter_rows():
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
    for table in tables:
        sheet = book.create_sheet(_sheet_title(table.title, taken))
        sheet.append([neutralise(label) for label in table.header()])
        for cell in sheet[1]:
            cell.font, cell.fill = header_font, header_fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for row in table.rows:
            sheet.append([_cell(c, row.get(c.key)) for c in table.columns])
        for index, column in enumerate(table.columns, start=1):
            letter = get_column_letter(index)
            number_format = NUMBER_FORMATS.get(column.kind)
            if number_format:
                for cell in sheet[letter][1:]:
                    cell.number_format = number_format
            longest = max(
                [len(str(column.label))] + [len(str(r.get(column.key) or "")) for r in table.rows]
            )
            sheet.column_dimensions[letter].width = min(60, max(10, longest + 2))
        sheet.freeze_panes = "A2"
        if table.note:
            sheet.append([])
            sheet.append([neutralise(table.note)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

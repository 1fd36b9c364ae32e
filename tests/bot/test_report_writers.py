"""Report files are safe in a spreadsheet: formulas are neutralised, percents are numbers."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from bot.reports.writers import Column, Table, write_csv, xlsx_bytes

TABLE = Table(
    "Hài lòng / xã",
    (Column("question"), Column("count", "int"), Column("rate", "percent")),
    [('=HYPERLINK("http://x")', 3, 0.95), ("+1", 1, None), ("@SUM(A1)", 2, 0.5), ("ok", -1, 1.0)],
)


def test_csv_neutralises_formulas_and_shows_percentages() -> None:
    out = io.StringIO()
    write_csv(TABLE, out)
    lines = out.getvalue().splitlines()
    assert lines[1].startswith("\"'=HYPERLINK")
    assert lines[1].endswith(",3,95.0%")
    assert lines[2] == "'+1,1,"
    assert lines[3].startswith("'@SUM")
    assert lines[4] == "ok,-1,100.0%", "numbers are never quoted away"


def test_xlsx_has_a_sheet_per_table_with_safe_text_and_numeric_percentages() -> None:
    book = load_workbook(io.BytesIO(xlsx_bytes([TABLE, TABLE])))
    assert book.sheetnames == ["Hài lòng - xã", "Hài lòng - xã (2)"]
    sheet = book.worksheets[0]
    assert sheet["A2"].value == '\'=HYPERLINK("http://x")'
    assert sheet["C2"].value == 0.95 and sheet["C2"].number_format == "0.0%"
    assert sheet["B5"].value == -1

"""The report writer: real numbers with percent formats, a definitions sheet, no formulas."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from openpyxl import load_workbook

from bot.reports.tables import Column, Table
from bot.reports.writer import csv_bytes, neutralise, xlsx_bytes

TABLE = Table(
    "satisfaction_by_commune",
    "Mức độ hài lòng theo xã/phường",
    (
        Column("label", "xã/phường"),
        Column("responses", "số phiếu", "int"),
        Column("rate", "tỷ lệ hài lòng", "percent"),
        Column("seen", "lần hỏi gần nhất", "date"),
    ),
    [
        {
            "label": "Xã Thạch Hà",
            "responses": 1200,
            "rate": 0.9531,
            "seen": datetime(2026, 11, 1, 17, 30, tzinfo=UTC),
        },
        {"label": '=HYPERLINK("http://evil")', "responses": 3, "rate": None, "seen": None},
    ],
    note="-ghi chú",
)


def test_text_that_would_run_as_a_formula_is_neutralised() -> None:
    for dangerous in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(dangerous) == "'" + dangerous
    assert neutralise("Xã Thạch Hà") == "Xã Thạch Hà"
    assert neutralise(-1) == -1 and neutralise(0.5) == 0.5


def test_xlsx_has_a_definitions_sheet_then_a_formatted_sheet_per_table() -> None:
    body = xlsx_bytes(
        [TABLE],
        about=[("Kỳ báo cáo", "2026-11"), ("=x", "+y")],
        about_title="Định nghĩa và kỳ báo cáo",
    )
    book = load_workbook(io.BytesIO(body))
    assert book.sheetnames == ["Định nghĩa và kỳ báo cáo", "Mức độ hài lòng theo xã_phường"]
    about = book.worksheets[0]
    assert [about["A1"].value, about["B1"].value] == ["Kỳ báo cáo", "2026-11"]
    assert about["A2"].value == "'=x" and about["B2"].value == "'+y"
    sheet = book.worksheets[1]
    assert [c.value for c in sheet[1]] == [
        "xã/phường",
        "số phiếu",
        "tỷ lệ hài lòng",
        "lần hỏi gần nhất",
    ]
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"
    assert sheet["B2"].value == 1200 and sheet["B2"].number_format == "#,##0"
    assert sheet["C2"].value == 0.9531 and sheet["C2"].number_format == "0.0%"
    assert sheet["D2"].value == datetime(2026, 11, 2, 0, 30)  # Vietnam wall-clock time
    assert sheet["A3"].value == '\'=HYPERLINK("http://evil")' and sheet["C3"].value is None
    assert sheet["A5"].value == "'-ghi chú"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_csv_has_a_bom_a_header_and_plain_numbers() -> None:
    body = csv_bytes(TABLE)
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["xã/phường", "số phiếu", "tỷ lệ hài lòng", "lần hỏi gần nhất"]
    assert rows[1] == ["Xã Thạch Hà", "1200", "0.9531", "2026-11-02 00:30:00"]
    assert rows[2][0].startswith("'=")

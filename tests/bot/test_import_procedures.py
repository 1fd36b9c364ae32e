"""An admin imports a national procedure export (CSV or XLSX) into the catalogue."""

from __future__ import annotations

import csv
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.config import BUNDLED_CONTENT
from bot.content import load_content
from bot.content.importer import HEADERS, ImportFileError, import_procedures, parse_mapping
from handlers.registry import ROUTERS
from handlers.routing import button_actions
from storage.clock import FixedClock
from tests.support.process import run_dvcbot

CONTENT_DAY = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)

TODAY = date(2026, 11, 29)
HEADER = [
    "STT",
    "Mã thủ tục",
    "Tên thủ tục",
    "Lĩnh vực",
    "Cơ quan thực hiện",
    "Cấp thực hiện",
    "Mức độ",
    "Phí, lệ phí",
]
ROWS = [
    [
        "1",
        "1.004194",
        "Đăng ký tạm trú",
        "Cư trú",
        "Công an xã",
        "Cấp Xã",
        "Toàn trình",
        "15.000 đồng",
    ],
    ["2", "9.100001", "Cấp giấy phép thử", "Thử nghiệm", "Sở Thử", "Cấp Tỉnh", "Mức độ 3", ""],
    ["3", "", "Không có mã", "Hộ tịch", "UBND xã", "Cấp Xã", "Một phần", ""],
    ["4", "9.100002", "Cấp huyện đã bỏ", "Khác", "UBND huyện", "Cấp Huyện", "Một phần", ""],
    ["5", "9.100001", "Trùng mã", "Khác", "Sở Thử", "Cấp Tỉnh", "Một phần", ""],
    ["6", "9.100003", "Mức lạ", "Khác", "Sở Thử", "Cấp Tỉnh", "Mức độ 9", ""],
]


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "vi"
    shutil.copytree(BUNDLED_CONTENT, folder)
    return folder


def write_csv(path: Path, rows: list[list[str]], title: bool = True) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        if title:
            writer.writerow(["DANH SÁCH THỦ TỤC HÀNH CHÍNH"])
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def catalogue(folder: Path) -> dict[str, dict[str, str]]:
    with (folder / "procedures.csv").open(encoding="utf-8-sig", newline="") as handle:
        return {row["code"]: row for row in csv.DictReader(handle)}


def test_rows_merge_by_code_and_every_rejected_row_is_reported(
    tmp_path: Path, content_dir: Path
) -> None:
    before = catalogue(content_dir)
    source = write_csv(tmp_path / "export.csv", ROWS)
    result = import_procedures(
        source, content_dir / "procedures.csv", parse_mapping([]), today=TODAY
    )
    assert result.updated == ["1.004194"]
    assert result.added == ["9.100001"]
    assert [r.line for r in result.rejected] == [5, 6, 7, 8]
    assert "Cấp Huyện" in result.rejected[1].reason
    assert "9.100001" in result.rejected[2].reason
    assert "Mức độ 9" in result.rejected[3].reason
    after = catalogue(content_dir)
    assert len(after) == len(before) + 1
    updated = after["1.004194"]
    assert updated["online_level"] == "toan_trinh"
    assert updated["authority"] == "Công an xã"
    assert updated["guides"] == before["1.004194"]["guides"]  # enrichment is kept
    assert updated["keywords"] == before["1.004194"]["keywords"]
    added = after["9.100001"]
    assert (added["authority_level"], added["online_level"]) == ("tinh", "mot_phan")
    assert set(added["uncertain"].split(";")) == {"fee", "processing_time"}
    # The result still loads cleanly, so the bot can start with it.
    # The merged catalogue loads cleanly as of a fixed day (statements expire; this test does not
    # check dates).
    content, problems = load_content(
        content_dir, known_actions=button_actions(ROUTERS), clock=FixedClock(CONTENT_DAY)
    )
    assert [p for p in problems if p.severity == "error"] == []
    proc = content.extra["catalog"].procedures["9.100001"]
    assert proc.is_uncertain("fee")


def test_an_xlsx_export_imports_like_a_csv(tmp_path: Path, content_dir: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Danh sách thủ tục"])
    sheet.append(HEADER)
    sheet.append(
        [
            "1",
            "9.200001",
            "Cấp thử từ Excel",
            "Khác",
            "UBND xã",
            "Cấp Xã",
            "Dịch vụ công trực tuyến toàn trình",
            "Không thu",
        ]
    )
    path = tmp_path / "export.xlsx"
    book.save(path)
    result = import_procedures(path, content_dir / "procedures.csv", HEADERS, today=TODAY)
    assert result.added == ["9.200001"] and not result.rejected
    row = catalogue(content_dir)["9.200001"]
    assert (row["authority_level"], row["online_level"], row["fee"]) == (
        "xa",
        "toan_trinh",
        "Không thu",
    )


def test_a_custom_header_mapping_is_used(tmp_path: Path, content_dir: Path) -> None:
    path = tmp_path / "custom.csv"
    path.write_text(
        "Số hiệu;Tên gọi;Cấp thực hiện;Mức độ\n9.300001;Thủ tục riêng;Cấp Bộ;Không\n",
        encoding="utf-8",
    )
    mapping = parse_mapping(["Số hiệu=code", "Tên gọi=name"])
    result = import_procedures(path, content_dir / "procedures.csv", mapping, today=TODAY)
    assert result.added == ["9.300001"]
    assert catalogue(content_dir)["9.300001"]["online_level"] == "truc_tiep"
    with pytest.raises(ValueError):
        parse_mapping(["Số hiệu=no_such_column"])


def test_a_dry_run_or_a_file_without_header_writes_nothing(
    tmp_path: Path, content_dir: Path
) -> None:
    original = (content_dir / "procedures.csv").read_bytes()
    source = write_csv(tmp_path / "export.csv", ROWS)
    import_procedures(source, content_dir / "procedures.csv", HEADERS, today=TODAY, write=False)
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(ImportFileError):
        import_procedures(bad, content_dir / "procedures.csv", HEADERS, today=TODAY)
    assert (content_dir / "procedures.csv").read_bytes() == original
    assert sorted(p.name for p in content_dir.iterdir() if p.name.startswith(".")) == []


def test_the_cli_reports_rejected_rows_with_their_lines(tmp_path: Path, content_dir: Path) -> None:
    source = write_csv(tmp_path / "export.csv", ROWS)
    result = run_dvcbot(
        ["content", "import-procedures", str(source)],
        tmp_path,
        DVCBOT_CONTENT_DIR=str(content_dir),
        DVCBOT_UI_LANG="en",
    )
    assert result.returncode == 1
    assert f"{source}:5: rejected: missing code" in result.stdout
    assert f"{source}:7: rejected: code 9.100001 already on line 4" in result.stdout
    assert "1 added, 1 updated, 4 rejected." in result.stderr
    assert "9.100001" in (content_dir / "procedures.csv").read_text(encoding="utf-8")
    missing = run_dvcbot(["content", "import-procedures", str(tmp_path / "nope.csv")], tmp_path)
    assert missing.returncode == 2

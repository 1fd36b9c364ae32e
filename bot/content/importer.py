"""Import procedures from national database exports (CSV or XLSX) into content/vi/procedures.csv."""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bot.content.procedures import CODE, COLUMNS
from bot.i18n import _
from handlers.text import fold

# Folded header (punctuation dropped) -> procedures.csv column. Extend with --column.
HEADERS: dict[str, str] = {
    "ma thu tuc": "code",
    "ma tthc": "code",
    "ma so thu tuc": "code",
    "ten thu tuc": "name",
    "ten tthc": "name",
    "linh vuc": "field",
    "co quan thuc hien": "authority",
    "co quan giai quyet": "authority",
    "cap thuc hien": "authority_level",
    "muc do": "online_level",
    "muc do dvc": "online_level",
    "muc do dvctt": "online_level",
    "dich vu cong truc tuyen": "online_level",
    "phi le phi": "fee",
    "le phi": "fee",
    "thoi han giai quyet": "processing_time",
    "duong dan": "portal_url",
}
IMPORTED = (
    "name",
    "field",
    "authority",
    "authority_level",
    "online_level",
    "fee",
    "processing_time",
    "portal_url",
)
PORTAL = "https://dichvucong.gov.vn/"
HEADER_SEARCH_ROWS = 10  # exports often start with a title block above the header row
_PUNCT = re.compile(r"[^a-z0-9 ]+")


class ImportFileError(Exception):
    """The file cannot be read at all (unknown format, no header row)."""


@dataclass
class Rejected:
    line: int
    reason: str


@dataclass
class ImportResult:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


def header_key(text: str) -> str:
    return " ".join(_PUNCT.sub(" ", fold(text)).split())


def parse_mapping(pairs: Sequence[str]) -> dict[str, str]:
    """`--column "Tên cột=field"` options -> folded header -> column; ValueError when bad."""
    mapping = dict(HEADERS)
    for pair in pairs:
        header, sep, column = pair.rpartition("=")
        if not sep or not header.strip() or column.strip() not in COLUMNS:
            raise ValueError(pair)
        mapping[header_key(header)] = column.strip()
    return mapping


def read_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(1-based line or row number, cells) of a CSV or XLSX file."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            for number, row in enumerate(sheet.iter_rows(values_only=True), 1):
                yield number, [_cell(v) for v in row]
        finally:
            book.close()
        return
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1258")
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], ",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    start = 1
    for cells in reader:
        yield start, [c.strip() for c in cells]
        start = reader.line_num + 1


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def authority_level(text: str) -> tuple[str | None, bool]:
    """'Cấp Xã' -> ('xa', certain); several levels -> the nearest one, flagged uncertain."""
    folded = header_key(text)
    found = [
        level
        for level, words in (
            ("xa", ("cap xa", "xa", "phuong", "dac khu")),
            ("tinh", ("cap tinh", "tinh", "thanh pho")),
            ("bo", ("cap bo", "bo", "trung uong", "co quan trung uong")),
        )
        if any(re.search(rf"\b{w}\b", folded) for w in words)
    ]
    return (found[0], len(found) == 1) if found else (None, False)


def online_level(text: str) -> tuple[str | None, bool]:
    """'Toàn trình' / 'Mức độ 4' -> 'toan_trinh'; 'Một phần' / 'Mức độ 3' -> 'mot_phan'."""
    folded = header_key(text)
    if not folded or folded in ("khong", "truc tiep", "muc do 2", "muc 2", "muc do 1", "muc 1"):
        return "truc_tiep", True
    if "toan trinh" in folded or re.search(r"\bmuc (do )?4\b", folded):
        return "toan_trinh", True
    if "mot phan" in folded or re.search(r"\bmuc (do )?3\b", folded):
        return "mot_phan", True
    if folded in ("co", "truc tuyen"):
        return "mot_phan", False
    return None, False


def import_procedures(
    source: Path, target: Path, mapping: Mapping[str, str], *, today: date, write: bool = True
) -> ImportResult:
    """Merge `source` by code into `target`; rewrite it atomically unless `write` is False."""
    columns, existing = _read_target(target)
    result = ImportResult()
    header: dict[int, str] | None = None
    seen: dict[str, int] = {}
    note = f"Nhập từ {source.name} ngày {today.isoformat()}"
    for line, cells in read_rows(source):
        if header is None:
            candidate = {
                i: mapping[header_key(c)] for i, c in enumerate(cells) if header_key(c) in mapping
            }
            if "code" in candidate.values() and "name" in candidate.values():
                header = candidate
            elif line >= HEADER_SEARCH_ROWS:
                raise ImportFileError(_("no header row with 'Mã thủ tục' and 'Tên thủ tục'"))
            continue
        if not any(cells):
            continue
        values = {col: cells[i] for i, col in header.items() if i < len(cells) and cells[i]}
        row, reason = _row(values, existing.get(values.get("code", "")), note, today)
        if reason is None and row["code"] in seen:
            reason = _("code {code} already on line {line}").format(
                code=row["code"], line=seen[row["code"]]
            )
        if reason is not None:
            result.rejected.append(Rejected(line, reason))
            continue
        code = row["code"]
        seen[code] = line
        (result.updated if code in existing else result.added).append(code)
        existing[code] = row
    if header is None:
        raise ImportFileError(_("no header row with 'Mã thủ tục' and 'Tên thủ tục'"))
    if write and (result.added or result.updated):
        _write_atomically(target, columns, existing.values())
    return result


def _row(
    values: Mapping[str, str], old: Mapping[str, str] | None, note: str, today: date
) -> tuple[dict[str, str], str | None]:
    code = values.get("code", "")
    if not code:
        return {}, _("missing code (Mã thủ tục)")
    if not CODE.match(code):
        return {}, _("code {code!r} may only use A-Z, 0-9, '.', '_', '-'").format(code=code)
    if not values.get("name"):
        return {}, _("missing name (Tên thủ tục)")
    row = dict(old) if old else {c: "" for c in COLUMNS}
    uncertain = set(filter(None, row.get("uncertain", "").split(";")))
    row["code"] = code
    for column in IMPORTED:
        value = values.get(column)
        if not value:
            continue
        if column == "authority_level":
            level, certain = authority_level(value)
            if level is None:
                return {}, _("unknown level {value!r} (Cấp thực hiện)").format(value=value)
            value = level
        elif column == "online_level":
            level, certain = online_level(value)
            if level is None:
                return {}, _("unknown online level {value!r} (Mức độ)").format(value=value)
            value = level
        elif column == "portal_url":
            if not value.startswith("https://"):
                return {}, _("link {value!r} must start with https://").format(value=value)
            certain = True
        else:
            certain = True
        row[column] = " ".join(value.split())
        (uncertain.discard if certain else uncertain.add)(column)
    if old is None:
        for column, fallback in (
            ("field", "Chưa phân loại"),
            ("authority", "Chưa rõ"),
            ("authority_level", "tinh"),
            ("online_level", "truc_tiep"),
            ("fee", "Chưa rõ"),
            ("processing_time", "Chưa rõ"),
        ):
            if not row[column]:
                row[column] = fallback
                uncertain.add(column)
        row["portal_url"] = row["portal_url"] or PORTAL
        row["source"] = note
    elif note not in row.get("source", ""):
        row["source"] = f"{row['source']}; {note}" if row.get("source") else note
    row["checked"] = today.isoformat()
    row["uncertain"] = ";".join(sorted(uncertain))
    return row, None


def _read_target(target: Path) -> tuple[list[str], dict[str, dict[str, str]]]:
    if not target.exists():
        return list(COLUMNS), {}
    with target.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = list(reader.fieldnames or COLUMNS)
        rows = {r["code"]: {k: v or "" for k, v in r.items() if k} for r in reader if r.get("code")}
    return columns + [c for c in COLUMNS if c not in columns], rows


def _write_atomically(target: Path, columns: list[str], rows: object) -> None:
    """Write next to `target` and rename over it: a crash leaves the old file whole."""
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=".procedures-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, columns, extrasaction="ignore", lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)  # type: ignore[arg-type]
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(name, 0o644)
        os.replace(name, target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise

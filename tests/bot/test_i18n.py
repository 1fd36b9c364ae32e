"""Numbers, percentages and dates read the Vietnamese way; the vi catalog is complete."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from babel.messages.extract import extract_from_dir

from bot import i18n

REPO = Path(__file__).resolve().parents[2]


def test_vietnamese_formats() -> None:
    assert i18n.number(1234567) == "1.234.567"
    assert i18n.percent(0.95) == "95,0%"
    assert i18n.money(20000) == "20.000 đ"
    assert i18n.day(date(2026, 12, 31)) == "31/12/2026"
    assert i18n.moment(datetime(2026, 11, 29, 8, 7, tzinfo=UTC)) == "15:07 29/11/2026"


def test_every_cli_string_has_a_vietnamese_translation() -> None:
    catalog = i18n.translations("vi")
    method_map = [("**.py", "python")]
    found = [
        msg[2]
        for msg in extract_from_dir(str(REPO / "bot"), method_map=method_map, keywords={"_": None})
    ]
    assert found
    missing = [m for m in found if isinstance(m, str) and catalog.gettext(m) == m]
    assert missing == []


def test_english_falls_back_to_the_source_strings() -> None:
    assert i18n.translations("en").gettext("commands") == "commands"

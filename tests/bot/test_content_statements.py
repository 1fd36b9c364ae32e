"""`dvcbot content check`: duplicate YAML keys, statements past their valid_until, overlays."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from bot.content import ContentError, load_or_raise
from bot.content.catalog import CatalogPart
from bot.content.loader import PARTS, load_content
from handlers.catalog import Catalog
from handlers.registry import ROUTERS
from handlers.routing import button_actions

REPO = Path(__file__).resolve().parents[2]
ACTIONS = button_actions(ROUTERS)

MESSAGES = """\
survey:
  question: "Câu {number}"
privacy:
  notice: "Bản đầy đủ"
survey:
  question: "Câu hỏi {number}"
"""
MENU = """\
text: Chào bạn
items:
  - label: Hướng dẫn
    target: guide:phi
"""
GUIDE = """\
---
id: phi
title: Lệ phí
source: Thông tư thử
checked: 2026-11-01
---
Tóm tắt.

## Lệ phí hiện nay
<!-- valid_until: 2026-12-31 -->

Đến hết năm giảm 50%.

## Nộp ở đâu
<!-- uncertain -->

UBND xã.
"""
FAQ = """\
- id: phi-can-cuoc
  question: Đổi căn cước bao nhiêu tiền?
  answer: Còn 25.000 đồng.
  valid_until: 2026-12-31
  procedures: ["1.000001"]
  source: Thông tư thử
  checked: 2026-11-01
- id: ngay-sai
  question: Hỏi gì?
  answer: Đáp.
  valid_until: hôm qua
  source: thử
  checked: 2026-11-01
  source: thử lần hai
"""
PROCEDURES = """\
code,name,field,authority,authority_level,online_level,fee,online_saving,benefit_ids,\
processing_time,portal_url,guides,keywords,uncertain,source,checked
1.000001,Cấp đổi thẻ căn cước,Căn cước,Công an xã,xa,mot_phan,50.000 đồng,,,,\
https://dichvucong.gov.vn,phi,,,thử,2026-11-01
"""


def write_content(root: Path) -> Path:
    folder = root / "content" / "vi"
    (folder / "guides").mkdir(parents=True)
    (folder / "messages.yaml").write_text(MESSAGES, encoding="utf-8")
    (folder / "menu.yaml").write_text(MENU, encoding="utf-8")
    (folder / "guides" / "phi.md").write_text(GUIDE, encoding="utf-8")
    (folder / "faq.yaml").write_text(FAQ, encoding="utf-8")
    (folder / "procedures.csv").write_text(PROCEDURES, encoding="utf-8")
    return folder


def problems_on(root: Path, day: date, province: str | None = None) -> list[str]:
    parts = [p for p in PARTS if p.name != "catalog"] + [CatalogPart()]
    _, problems = load_content(
        root, known_actions=ACTIONS, parts=parts, today=day, province=province
    )
    return [str(p) for p in problems]


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    return write_content(tmp_path)


def test_a_repeated_key_is_an_error_naming_both_lines(content_dir: Path) -> None:
    found = problems_on(content_dir, date(2026, 11, 1))
    assert (
        "content/vi/messages.yaml:5: duplicate key 'survey' "
        "(first on line 1: content/vi/messages.yaml:1); only the last one would count"
    ) in found
    assert any(
        p.startswith("content/vi/faq.yaml:14: duplicate key 'source' (first on line 12")
        for p in found
    )
    assert not any("'privacy'" in p for p in found)


def test_a_repeated_key_in_guide_front_matter_is_reported_at_its_line(content_dir: Path) -> None:
    guide = content_dir / "guides" / "phi.md"
    guide.write_text(GUIDE.replace("checked: 2026-11-01\n", "checked: 2026-11-01\nid: lai\n"))
    found = problems_on(content_dir, date(2026, 11, 1))
    assert any(
        p.startswith("content/vi/guides/phi.md:6: duplicate key 'id' (first on line 2")
        for p in found
    )


def test_a_dated_statement_is_quiet_then_warned_then_an_error(content_dir: Path) -> None:
    def dated(day: date) -> list[str]:
        found = problems_on(content_dir, day)
        return [p for p in found if "true only until" in p or "stopped being true" in p]

    assert dated(date(2026, 11, 30)) == []
    warned = dated(date(2026, 12, 1))
    assert (
        "content/vi/faq.yaml:1: warning: answer 'phi-can-cuoc' is true only until 2026-12-31 "
        "(in 30 days): update it or extend valid_until" in warned
    )
    assert any(
        p.startswith("content/vi/guides/phi.md:9: warning: step 'Lệ phí hiện nay'") for p in warned
    )
    assert dated(date(2026, 12, 31)) == [p.replace("30 days", "0 days") for p in warned]
    expired = dated(date(2027, 1, 1))
    assert (
        "content/vi/faq.yaml:1: answer 'phi-can-cuoc' stopped being true after 2026-12-31 "
        "(valid_until) and is no longer shown: rewrite it or remove it"
    ) in expired
    assert any(
        p.startswith("content/vi/guides/phi.md:9: step 'Lệ phí hiện nay' stopped being true")
        for p in expired
    )
    assert all(": warning: " not in p for p in expired)


def test_a_bad_valid_until_is_reported(content_dir: Path) -> None:
    found = problems_on(content_dir, date(2026, 11, 1))
    assert "content/vi/faq.yaml:8: valid_until 'hôm qua' is not a date" in found


def test_an_expired_statement_fails_the_check_but_never_stops_a_running_bot(
    content_dir: Path,
) -> None:
    (content_dir / "messages.yaml").write_text('core:\n  error: "Lỗi"\n', encoding="utf-8")
    (content_dir / "faq.yaml").write_text(FAQ.split("- id: ngay-sai")[0], encoding="utf-8")
    content = load_or_raise(content_dir, known_actions=ACTIONS, today=date(2027, 6, 1))
    catalog = content.extra["catalog"]
    assert isinstance(catalog, Catalog)
    faq = catalog.faqs["phi-can-cuoc"]
    assert faq.valid_until == date(2026, 12, 31) and faq.procedures == ("1.000001",)
    assert not faq.shown(date(2027, 1, 1)) and faq.shown(date(2026, 12, 31))
    steps = content.guides["phi"].steps_on(date(2027, 1, 1))
    assert [s.title for s in steps] == ["Nộp ở đâu"] and steps[0].uncertain
    assert "<!--" not in steps[0].body
    (content_dir / "messages.yaml").write_text(MESSAGES, encoding="utf-8")
    with pytest.raises(ContentError):
        load_or_raise(content_dir, known_actions=ACTIONS, today=date(2027, 6, 1))


def test_the_check_command_fails_on_a_duplicate_key_with_file_and_line(content_dir: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "content", "check", "--dir", str(content_dir)],
        capture_output=True,
        text=True,
        cwd=content_dir.parent.parent,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "content/vi/messages.yaml:5: duplicate key 'survey'" in result.stdout
    assert "Traceback" not in result.stderr


def test_an_overlay_is_checked_and_loaded_only_for_its_province(content_dir: Path) -> None:
    overlay = content_dir / "provinces" / "42"
    overlay.mkdir(parents=True)
    (overlay / "province.yaml").write_text(
        'code: "42"\nhotline: "0239 000"\nsource: thử\nchecked: 2026-11-01\n', encoding="utf-8"
    )
    (overlay / "benefits.yaml").write_text(
        "- id: ha-tinh-0-dong\n  title: Hà Tĩnh thu 0 đồng\n  description: thử\n"
        "  legal_basis: Nghị quyết thử\n  valid_from: 2026-01-01\n"
        '  procedure_codes: ["1.000001"]\n  source: thử\n  checked: 2026-11-01\n'
        "- id: sai-tinh\n  title: Sai\n  description: thử\n  legal_basis: thử\n"
        '  valid_from: 2026-01-01\n  scope: "01"\n  source: thử\n  checked: 2026-11-01\n',
        encoding="utf-8",
    )
    (content_dir / "provinces" / "ha-tinh").mkdir()
    found = problems_on(content_dir, date(2026, 11, 1))
    assert (
        "content/vi/provinces/42/benefits.yaml:9: a benefit of province 42 cannot apply to 01"
        in found
    )
    assert any(
        p.startswith("content/vi/provinces/ha-tinh:1: overlay folder 'ha-tinh'") for p in found
    )

    parts = [CatalogPart(today=date(2026, 11, 1))]
    national, _ = load_content(content_dir, known_actions=ACTIONS, parts=parts)
    assert "ha-tinh-0-dong" not in national.extra["catalog"].benefits
    local, _ = load_content(content_dir, known_actions=ACTIONS, parts=parts, province="42")
    catalog = local.extra["catalog"]
    assert catalog.benefits["ha-tinh-0-dong"].scope == "42"
    assert catalog.procedures["1.000001"].benefit_ids == ("ha-tinh-0-dong",)
    assert catalog.province is not None and catalog.province.hotline == "0239 000"


def test_documents_are_checked_file_by_line(content_dir: Path) -> None:
    (content_dir / "documents.yaml").write_text(
        '"1.000001":\n  items: [Thẻ căn cước cũ]\n  source: thử\n  checked: 2026-11-01\n'
        '"9.999999":\n  items: [Giấy]\n  source: thử\n  checked: 2026-11-01\n'
        "1.000002:\n  items: [Giấy]\n"
        '"1.000001x":\n  items: Giấy\n',
        encoding="utf-8",
    )
    found = problems_on(content_dir, date(2026, 11, 1))
    assert "content/vi/documents.yaml:6: procedure '9.999999' does not exist" in found
    assert any("documents.yaml" in p and "must be written in quotes" in p for p in found)
    parts = [CatalogPart(today=date(2026, 11, 1))]
    content, _ = load_content(content_dir, known_actions=ACTIONS, parts=parts)
    assert content.extra["catalog"].procedures["1.000001"].documents == ("Thẻ căn cước cũ",)


def test_a_paper_yaml_reads_as_a_mapping_is_refused(content_dir: Path) -> None:
    (content_dir / "documents.yaml").write_text(
        '"1.000001":\n  items:\n    - Làm cho con: giấy khai sinh\n  source: thử\n'
        "  checked: 2026-11-01\n",
        encoding="utf-8",
    )
    found = "\n".join(problems_on(content_dir, date(2026, 11, 1)))
    assert "content/vi/documents.yaml:2: 1.000001: paper {'Làm cho con': 'giấy khai sinh'}" in found
    assert "put it in quotes" in found

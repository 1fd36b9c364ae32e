"""The bundled catalogue, benefits, FAQ and synonyms are complete and checked, file by line."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from bot.config import BUNDLED_CONTENT
from bot.content.catalog import CatalogPart, fold
from bot.content.loader import PARTS, load_content
from handlers.catalog import BENEFIT_UNCERTAIN_FIELDS, UNCERTAIN_FIELDS, Catalog
from handlers.content import Content
from handlers.payload import pack
from handlers.registry import ROUTERS
from handlers.routing import button_actions
from tests.support.process import run_dvcbot

BROKEN = Path(__file__).resolve().parents[1] / "fixtures" / "content_catalog_broken" / "vi"
FIXED_DAY = date(2026, 11, 29)


def problems_on(root: Path, today: date) -> list[str]:
    """Every problem `dvcbot content check` would report on the given day."""
    parts = [p for p in PARTS if p.name != "catalog"] + [CatalogPart(today=today)]
    _, problems = load_content(
        root, known_actions=button_actions(ROUTERS), parts=parts, today=today
    )
    return [str(p) for p in problems]


@pytest.fixture(scope="module")
def catalog(content: Content) -> Catalog:
    found = content.extra["catalog"]
    assert isinstance(found, Catalog)
    return found


def test_the_catalogue_is_big_enough_to_answer_common_questions(catalog: Catalog) -> None:
    assert len(catalog.procedures) >= 95
    assert len(catalog.faqs) >= 40
    assert len(catalog.synonyms) >= 30
    assert len(catalog.benefits) >= 5


def test_the_guides_citizens_need_exist(content: Content) -> None:
    needed = {
        "dang-nhap-cong-dvc",
        "vneid-muc-1",
        "vneid-muc-2",
        "vneid-su-co",
        "nop-ho-so-truc-tuyen",
        "toan-trinh-mot-phan",
        "thanh-toan-truc-tuyen",
        "nhan-ket-qua",
        "chung-thuc-ban-sao-dien-tu",
        "chu-ky-so-ca-nhan",
        "lien-thong-khai-sinh",
        "lien-thong-khai-tu",
        "loi-ich-truc-tuyen",
        "noi-ho-tro",
    }
    assert needed <= set(content.guides)


def test_every_procedure_points_at_guides_and_benefits_that_exist(
    content: Content, catalog: Catalog
) -> None:
    for procedure in catalog.procedures.values():
        assert procedure.guides, f"{procedure.code} has no guide"
        assert set(procedure.guides) <= set(content.guides), procedure.code
        assert set(procedure.benefit_ids) <= set(catalog.benefits), procedure.code
        assert procedure.uncertain <= UNCERTAIN_FIELDS, procedure.code
        assert len(pack("proc", procedure.code).encode()) <= 64


def test_every_piece_of_content_records_its_source_and_check_date(
    content: Content, catalog: Catalog
) -> None:
    pieces = [
        *content.guides.values(),
        *catalog.procedures.values(),
        *catalog.benefits.values(),
        *catalog.faqs.values(),
    ]
    for piece in pieces:
        assert piece.source.strip(), piece
        assert date.fromisoformat(piece.checked) <= date.today(), piece


def test_uncertain_figures_are_flagged_as_data_never_left_as_markers(catalog: Catalog) -> None:
    for procedure in catalog.procedures.values():
        shown = (procedure.name, procedure.fee, procedure.online_saving, procedure.processing_time)
        assert not any("[?]" in text or "[2nd]" in text for text in shown), procedure.code
    # the research brief marks these as unverified
    assert catalog.procedures["3.000722"].is_uncertain("code")
    assert catalog.procedures["2.002913"].is_uncertain("processing_time")
    assert catalog.procedures["1.012549"].is_uncertain("fee")
    assert catalog.procedures["1.001612"].is_uncertain("code")
    assert catalog.procedures["1.013225"].is_uncertain("name")
    for faq in catalog.faqs.values():
        assert "[?]" not in faq.answer, faq.id
    for item in catalog.benefits.values():
        assert item.uncertain <= BENEFIT_UNCERTAIN_FIELDS


def test_benefits_carry_their_legal_basis_and_end_date(catalog: Catalog) -> None:
    half = catalog.benefits["tt64-2025-giam-50"]
    assert half.legal_basis == "Thông tư 64/2025/TT-BTC"
    assert (half.valid_from, half.valid_until) == (date(2025, 7, 1), date(2026, 12, 31))
    digital = catalog.benefits["cong-dan-so-mien-phi"]
    assert "66.22/2026/NQ-CP" in digital.legal_basis and "117/2026/TT-BTC" in digital.legal_basis
    assert (digital.valid_from, digital.valid_until) == (date(2026, 8, 15), date(2027, 2, 28))
    for item in catalog.benefits.values():
        assert item.legal_basis and item.description


def test_links_between_procedures_and_benefits_go_both_ways(catalog: Catalog) -> None:
    for code, procedure in catalog.procedures.items():
        for ident in procedure.benefit_ids:
            assert code in catalog.benefits[ident].procedure_codes
    for ident, item in catalog.benefits.items():
        assert item.procedure_codes, f"{ident} applies to no procedure"
        for code in item.procedure_codes:
            assert ident in catalog.procedures[code].benefit_ids
    on_day = [b.id for b in catalog.benefits_for("2.001195", FIXED_DAY)]
    assert on_day == ["tt64-2025-giam-50", "cong-dan-so-mien-phi", "doi-can-cuoc-sap-xep-dvhc"]
    after = [b.id for b in catalog.benefits_for("2.001195", date(2027, 3, 1))]
    assert after == ["doi-can-cuoc-sap-xep-dvhc"], "the free change after the merger never ends"


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("gplx", "giấy phép lái xe"),
        ("bằng lái", "giấy phép lái xe"),
        ("CCCD", "thẻ căn cước"),
        ("bhyt", "bảo hiểm y tế"),
        ("Hộ khẩu", "cư trú"),
        ("sổ đỏ", "giấy chứng nhận quyền sử dụng đất"),
        ("mức độ 4", "toàn trình"),
        ("muc do 3", "một phần"),
        ("ct07", "xác nhận thông tin về cư trú"),
    ],
)
def test_abbreviations_and_folk_words_map_to_what_they_mean(
    catalog: Catalog, typed: str, meant: str
) -> None:
    assert meant in catalog.synonyms[fold(typed)]


def test_synonym_keys_ignore_case_accents_and_spacing() -> None:
    assert fold("  Bằng   LÁI ") == "bang lai"
    assert fold("Đăng ký") == "dang ky"
    assert fold("mức độ 4") == "muc do 4"


def test_the_main_menu_fits_a_phone_screen(content: Content) -> None:
    assert 1 <= len(content.menu.items) <= 8


def test_bundled_content_is_clean_today_and_warns_before_a_benefit_ends() -> None:
    assert problems_on(BUNDLED_CONTENT, FIXED_DAY) == []
    # 31 days before Thông tư 64/2025 ends: quiet; 30 days before: a warning
    assert problems_on(BUNDLED_CONTENT, date(2026, 11, 30)) == []
    soon = "\n".join(problems_on(BUNDLED_CONTENT, date(2026, 12, 1)))
    assert "warning: benefit 'tt64-2025-giam-50' ends on 2026-12-31 (in 30 days)" in soon
    over = problems_on(BUNDLED_CONTENT, date(2027, 1, 1))
    assert any(
        "benefit 'tt64-2025-giam-50' expired on 2026-12-31; it is no longer shown" in p
        for p in over
    )
    assert all(": warning: " in p for p in over), "an expired benefit is not an error"


def test_bundled_statements_pass_until_they_expire_and_fail_after() -> None:
    """Dated answers and guide steps: no error up to their valid_until, warned before it."""
    for day in (date(2026, 12, 5), date(2027, 1, 15), date(2027, 2, 28)):
        errors = [p for p in problems_on(BUNDLED_CONTENT, day) if ": warning: " not in p]
        assert errors == [], (day, errors)
    warned = [p for p in problems_on(BUNDLED_CONTENT, date(2027, 2, 1)) if ": warning: " in p]
    assert any("faq.yaml" in p and "true only until 2027-02-28" in p for p in warned)
    assert any("guides/cong-dan-so.md" in p and "true only until" in p for p in warned)
    after = [p for p in problems_on(BUNDLED_CONTENT, date(2027, 3, 1)) if ": warning: " not in p]
    assert after and all("stopped being true after 2027-02-28" in p for p in after), after


def test_a_broken_catalogue_reports_each_problem_with_file_and_line() -> None:
    found = "\n".join(problems_on(BROKEN, FIXED_DAY))
    expected = [
        "vi/procedures.csv:3: duplicate procedure code '1.000001' (first on line 2)",
        "vi/procedures.csv:4: missing field 'name'",
        "vi/procedures.csv:5: authority_level 'huyen' must be one of xa, tinh, bo",
        "vi/procedures.csv:5: online_level 'muc_do_4' must be one of",
        "vi/procedures.csv:6: benefit 'ghost' does not exist",
        "vi/procedures.csv:6: guide 'missing-guide' does not exist",
        "vi/procedures.csv:6: checked '29/11/2026' is not a date",
        "vi/procedures.csv:6: portal_url 'http://dichvucong.gov.vn' must start with https://",
        "vi/procedures.csv:6: uncertain field 'fees' is not a procedure field",
        "vi/procedures.csv:7: more cells than columns",
        "vi/procedures.csv:8: procedure code 'mã có dấu cách' may only use",
        "vi/procedures.csv:13: missing field 'checked'",
        "vi/benefits.yaml:10: benefit: missing field 'legal_basis'",
        "vi/benefits.yaml:16: valid_from '31/12/2026' is not a date",
        "vi/benefits.yaml:23: valid_until is before valid_from",
        "vi/benefits.yaml:31: duplicate benefit id 'valid'",
        "vi/benefits.yaml:38: warning: benefit 'expired' expired on 2026-10-31",
        "vi/benefits.yaml:46: warning: benefit 'ending-soon' ends on 2026-12-13 (in 14 days)",
        "vi/benefits.yaml:46: benefit 'ending-soon': procedure '7.777777' does not exist",
        "vi/benefits.yaml:46: procedure code 1.01091 must be written in quotes",
        "vi/benefits.yaml:46: uncertain field 'amount' is not a benefit field",
        "vi/faq.yaml:3: warning: mentions 31/10/2026, when benefit 'expired' ended",
        "vi/faq.yaml:11: question: missing field 'answer'",
        "vi/faq.yaml:15: duplicate question id 'tot'",
        "vi/faq.yaml:20: question id 'Sai_ID' must be lowercase",
        "vi/faq.yaml:20: question: checked 'hôm qua' is not a date",
        "vi/faq.yaml:24: button target 'faq:khong-co' points nowhere",
        "vi/menu.yaml:7: button target 'proc:9.999999' points nowhere",
        "vi/synonyms.yaml:3: duplicate synonym 'bang lai' (first on line 2)",
        "vi/synonyms.yaml:4: synonym 'trong' has no phrases",
        "vi/synonyms.yaml:5: synonym 'thu tuc' must map to a list of phrases",
    ]
    for line in expected:
        assert line in found, f"{line!r} not reported in:\n{found}"
    assert "menu.yaml:5" not in found, "proc:1.000001 exists"


def test_a_broken_catalogue_keeps_only_its_valid_entries() -> None:
    content, _ = load_content(BROKEN, parts=[CatalogPart(today=FIXED_DAY)])
    catalog = content.extra["catalog"]
    assert sorted(catalog.procedures) == ["1.000001", "1.000009"]
    assert catalog.procedures["1.000009"].name == "Tên có\nxuống dòng"
    assert sorted(catalog.faqs) == ["tot"]
    assert catalog.benefits["valid"].procedure_codes == ("1.000001",)
    assert not catalog.benefits["expired"].active(FIXED_DAY)


def test_content_without_catalogue_files_loads_an_empty_catalogue(tmp_path: Path) -> None:
    root = tmp_path / "vi"
    root.mkdir()
    content, problems = load_content(root, parts=[CatalogPart(today=FIXED_DAY)])
    assert content.extra["catalog"] == Catalog()
    assert not [p for p in problems if "procedures" in p.path or "faq" in p.path]


def test_the_check_command_counts_the_catalogue(tmp_path: Path) -> None:
    result = run_dvcbot(["content", "check", "--date", "2026-12-05"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    counted = re.search(r"(\d+) (?:thủ tục|procedures), (\d+) (?:câu hỏi|questions)", result.stderr)
    assert counted, result.stderr
    assert int(counted[1]) >= 95 and int(counted[2]) >= 40
    later = run_dvcbot(["content", "check", "--date", "2027-03-01"], tmp_path)
    assert later.returncode == 1, "statements true only until 28/2/2027 fail the check after it"
    assert "stopped being true after 2027-02-28" in later.stdout


def test_guides_and_answers_are_short_enough_for_a_phone(
    content: Content, catalog: Catalog
) -> None:
    for guide in content.guides.values():
        assert len(guide.steps) <= 8, guide.id
        for step in guide.steps:
            assert len(step.body) <= 500, f"{guide.id}: {step.title}"
    for faq in catalog.faqs.values():
        assert len(faq.answer) <= 400, faq.id
        assert faq.question.endswith("?"), faq.id

"""What a citizen sees is decided on the day they ask: dated answers, local benefits, papers."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from types import MappingProxyType
from typing import Any

import pytest

from bot.core import Core
from bot.search import build_index
from handlers import places
from handlers.catalog import Benefit, Catalog, Faq
from handlers.content import Content, Guide, GuideStep
from storage import db
from storage.clock import FixedClock
from tests.support.talk import Talk

# 23:59 in Viet Nam on 31/12/2026 (UTC+7), then one minute later it is 1/1/2027 there.
LAST_MINUTE = datetime(2026, 12, 31, 16, 59, tzinfo=UTC)
DEC_5 = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)


def with_catalog(content: Content, **changes: Any) -> Content:
    catalog = content.extra["catalog"]
    assert isinstance(catalog, Catalog)
    extra = dict(content.extra)
    extra["catalog"] = dataclasses.replace(catalog, **changes)
    return dataclasses.replace(content, extra=MappingProxyType(extra))


def make_talk(
    sessions: db.SessionFactory,
    content: Content,
    clock: FixedClock,
    settings: dict[str, Any] | None = None,
) -> Talk:
    services = {"secret": "test-secret", "search": build_index(content)}
    return Talk(Core(sessions, content, settings=settings or {}, services=services, clock=clock))


def dated_content(content: Content) -> Content:
    catalog = content.extra["catalog"]
    faqs = dict(catalog.faqs)
    faqs["phi-tam-tru-thu"] = Faq(
        id="phi-tam-tru-thu",
        question="Tạm trú mất bao nhiêu tiền (thử)?",
        answer="Đến hết năm chỉ 1.000 đồng.",
        keywords=(),
        links=(),
        source="thử",
        checked="2026-11-01",
        valid_until=date(2026, 12, 31),
        procedures=("1.004194",),
    )
    faqs["tin-cu-thu"] = Faq(
        id="tin-cu-thu",
        question="Tin cũ (thử)?",
        answer="Sắp hết hạn.",
        keywords=(),
        links=(),
        source="thử",
        checked="2026-11-01",
        valid_until=date(2026, 12, 31),
        uncertain=True,
    )
    guides = dict(content.guides)
    guides["phi-thu"] = Guide(
        id="phi-thu",
        title="Lệ phí (thử)",
        summary="",
        steps=(
            GuideStep("Chuẩn bị", "Mang thẻ căn cước."),
            GuideStep("Mức giảm", "Giảm 50% đến hết năm.", valid_until=date(2026, 12, 31)),
            GuideStep("Nộp", "Nộp ở xã.", uncertain=True),
        ),
    )
    content = dataclasses.replace(content, guides=MappingProxyType(guides))
    return with_catalog(content, faqs=MappingProxyType(faqs))


async def test_an_answer_is_shown_to_its_last_day_then_the_live_card_instead(
    sessions: db.SessionFactory, content: Content
) -> None:
    clock = FixedClock(LAST_MINUTE)
    talk = make_talk(sessions, dated_content(content), clock)
    replies = await talk.press("faq:phi-tam-tru-thu")
    assert "1.000 đồng" in replies[0].text
    clock.at = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)  # the same server, a minute later
    replies = await talk.press("faq:phi-tam-tru-thu")
    assert "1.000 đồng" not in talk.text()
    assert replies[0].topic == "proc:1.004194"
    assert "15.000 đồng" in replies[0].text, "the card's live fee is shown instead"


async def test_an_expired_answer_with_no_procedure_is_never_shown(
    sessions: db.SessionFactory, content: Content
) -> None:
    clock = FixedClock(LAST_MINUTE)
    talk = make_talk(sessions, dated_content(content), clock)
    shown = await talk.press("faq:tin-cu-thu")
    assert "Sắp hết hạn" in shown[0].text
    assert "⚠️ (cần kiểm tra)" in shown[0].text and "chưa được xác minh" in shown[0].text
    clock.at = datetime(2027, 3, 1, 3, 0, tzinfo=UTC)
    gone = await talk.press("faq:tin-cu-thu")
    assert "Sắp hết hạn" not in gone[0].text
    assert "hết hiệu lực" in gone[0].text


async def test_a_guide_step_past_its_date_is_left_out(
    sessions: db.SessionFactory, content: Content
) -> None:
    clock = FixedClock(LAST_MINUTE)
    talk = make_talk(sessions, dated_content(content), clock)
    await talk.press("guide:phi-thu:2")
    assert "Bước 2/3: Mức giảm" in talk.text()
    clock.at = datetime(2027, 1, 1, 1, 0, tzinfo=UTC)
    await talk.press("guide:phi-thu:2")
    assert "Bước 2/2: Nộp" in talk.text()
    assert "Giảm 50%" not in talk.text()
    assert "⚠️ (cần kiểm tra)" in talk.text() and "chưa được xác minh" in talk.text()


def with_benefit(content: Content, code: str, benefit: Benefit) -> Content:
    """The content with `benefit` as the only benefit of procedure `code`, itself all verified."""
    catalog = content.extra["catalog"]
    procs = dict(catalog.procedures)
    procs[code] = dataclasses.replace(procs[code], benefit_ids=(benefit.id,), uncertain=frozenset())
    return with_catalog(
        content,
        procedures=MappingProxyType(procs),
        benefits=MappingProxyType({**catalog.benefits, benefit.id: benefit}),
    )


def a_benefit(ident: str, title: str, until: date | None, **extra: Any) -> Benefit:
    return Benefit(
        id=ident,
        title=title,
        description="",
        legal_basis="Thông tư thử",
        valid_from=date(2026, 1, 1),
        valid_until=until,
        procedure_codes=("1.010028",),
        **extra,
    )


async def test_a_benefit_disappears_from_the_card_the_day_after_it_ends(
    sessions: db.SessionFactory, content: Content
) -> None:
    ending = a_benefit("giam-thu", "Giảm thử nghiệm", date(2026, 12, 31))
    clock = FixedClock(LAST_MINUTE)
    talk = make_talk(sessions, with_benefit(content, "1.010028", ending), clock)
    card = await talk.press("proc:1.010028")
    assert "Giảm thử nghiệm" in card[0].text
    assert "chưa được xác minh" not in card[0].text, "nothing shown is unverified"
    clock.at = datetime(2027, 1, 1, 0, 0, tzinfo=UTC)
    card = await talk.press("proc:1.010028")
    assert "Giảm thử nghiệm" not in card[0].text


async def test_an_uncertain_benefit_alone_brings_the_closing_note(
    sessions: db.SessionFactory, content: Content
) -> None:
    unsure = a_benefit(
        "chua-chac", "Miễn phí (chưa chắc)", None, uncertain=frozenset({"legal_basis"})
    )
    talk = make_talk(sessions, with_benefit(content, "1.010028", unsure), FixedClock(DEC_5))
    card = await talk.press("proc:1.010028")
    assert "Miễn phí (chưa chắc)" in card[0].text and "⚠️ (cần kiểm tra)" in card[0].text
    assert "chưa được xác minh" in card[0].text


async def place(talk: Talk, province: str, commune: str) -> None:
    found = places.find_communes(commune, province)[0]
    await talk.press(f"loc:c:{found.code}")


async def test_a_ha_tinh_citizen_never_sees_a_ha_noi_benefit(
    sessions: db.SessionFactory, content: Content
) -> None:
    talk = make_talk(sessions, content, FixedClock(DEC_5))
    await place(talk, "42", "Thạch Hà")
    card = await talk.press("proc:1.001612")
    assert "Hà Nội" not in card[0].text
    assert "Nghệ An" not in card[0].text and "Thanh Hóa" not in card[0].text


async def test_a_ha_noi_citizen_sees_the_ha_noi_benefit_labelled(
    sessions: db.SessionFactory, content: Content
) -> None:
    talk = make_talk(sessions, content, FixedClock(DEC_5))
    await place(talk, "01", "Hoàn Kiếm")
    card = await talk.press("proc:1.001612")
    assert "Hà Nội thu 0 đồng lệ phí đăng ký hộ kinh doanh" in card[0].text
    assert "(áp dụng tại Thành phố Hà Nội)" in card[0].text
    assert "Nghệ An" not in card[0].text


@pytest.mark.parametrize(("deployed", "shown"), [("01", True), ("42", False), (None, False)])
async def test_without_a_place_the_deploying_province_decides(
    sessions: db.SessionFactory, content: Content, deployed: str | None, shown: bool
) -> None:
    talk = make_talk(sessions, content, FixedClock(DEC_5), settings={"province": deployed})
    card = await talk.press("proc:1.001612")
    assert ("(áp dụng tại Thành phố Hà Nội)" in card[0].text) is shown


async def test_marriage_papers_are_listed_without_a_single_status_paper(
    sessions: db.SessionFactory, content: Content
) -> None:
    talk = make_talk(sessions, content, FixedClock(DEC_5))
    replies = await talk.say("dang ky ket hon can giay to gi")
    text = replies[0].text
    assert replies[0].topic == "docs:1.000894", text
    assert "Giấy tờ cần có: Đăng ký kết hôn" in text
    assert "Tờ khai đăng ký kết hôn" in text
    for line in text.splitlines():
        if "xác nhận tình trạng hôn nhân" in line:
            assert line.startswith("• Không cần"), line
    card = await talk.press("proc:1.000894")
    assert any("Giấy tờ cần có" in b.label for b in card[0].buttons)
    papers = await talk.press_label("Giấy tờ cần có")
    assert papers[0].topic == "docs:1.000894"
    assert "Tờ khai đăng ký kết hôn" in papers[0].text


async def test_unverified_papers_carry_the_closing_note(
    sessions: db.SessionFactory, content: Content
) -> None:
    talk = make_talk(sessions, content, FixedClock(DEC_5))
    replies = await talk.press("docs:1.000656")
    assert "⚠️ (cần kiểm tra)" in replies[0].text and "chưa được xác minh" in replies[0].text
    checked = await talk.press("docs:1.004222")
    assert "Tờ khai thay đổi thông tin cư trú" in checked[0].text
    assert "⚠️" not in checked[0].text
    assert await talk.press("docs:9.999999")
    assert "Giấy tờ" not in talk.text()

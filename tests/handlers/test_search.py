"""A citizen types a question, with or without accents, and gets an answer or a polite hint."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from types import MappingProxyType

import pytest
from sqlalchemy import select

from bot.core import Core
from bot.search import build_index
from handlers.catalog import Benefit, Catalog, Faq, Procedure
from handlers.content import Content, Link
from storage import db
from storage.clock import FixedClock, vietnam_today
from storage.events import EventKind
from storage.models import OutreachEvent
from tests.support.talk import Talk


async def events_of(sessions: db.SessionFactory, kind: EventKind) -> list[OutreachEvent]:
    async with sessions() as session:
        query = select(OutreachEvent).where(OutreachEvent.kind == kind).order_by(OutreachEvent.id)
        return list((await session.scalars(query)).all())


async def test_a_question_without_accents_gets_the_procedure_card(talk: Talk, sessions) -> None:
    replies = await talk.say("dang ky tam tru")
    card = replies[0]
    assert card.topic == "proc:1.004194"
    assert "Đăng ký tạm trú" in card.text
    assert "Mã thủ tục: 1.004194" in card.text
    assert "Cách nộp trực tuyến" in card.text
    assert any(b.payload == "rate:1.004194" for b in card.buttons)
    assert any(b.url and b.url.startswith("https://") for b in card.buttons)
    answered = await events_of(sessions, EventKind.SEARCH_ANSWERED)
    assert [(e.ref, e.detail) for e in answered] == [("proc:1.004194", "dang ky tam tru")]
    viewed = await events_of(sessions, EventKind.PROCEDURE_VIEWED)
    assert [e.ref for e in viewed] == ["1.004194"]


async def test_vneid_level_two_opens_the_guide(talk: Talk) -> None:
    replies = await talk.say("vneid muc 2")
    assert replies[0].topic == "guide:vneid-muc-2:1"
    assert "Bước 1/" in replies[0].text


async def test_alternatives_come_as_buttons_that_open_them(talk: Talk) -> None:
    replies = await talk.say("đăng nhập cổng dịch vụ công")
    assert len(replies) == 2
    alternatives = replies[-1].buttons
    assert 1 <= len(alternatives) <= 2
    assert all(
        b.payload and b.payload.split(":")[0] in {"guide", "faq", "proc"} for b in alternatives
    )
    assert replies[0].topic not in {b.payload for b in alternatives}
    # numbers run on from the answer's buttons: the first alternative is the next number
    opened = await talk.say(str(len(replies[0].buttons) + 1))
    assert opened[0].topic and opened[0].topic.startswith(alternatives[0].payload or "-")


async def test_an_unknown_question_is_recorded_as_a_content_gap(talk: Talk, sessions) -> None:
    await talk.say("/start")  # past the first-contact privacy notice
    replies = await talk.say("Xin cấp PHÉP nuôi Rồng!!!")
    assert "chỉ giúp được về thủ tục hành chính" in replies[0].text
    assert 1 <= len(replies[0].buttons) <= 4, "a few useful buttons, not the whole menu"
    gaps = await events_of(sessions, EventKind.SEARCH_UNANSWERED)
    assert [e.detail for e in gaps] == ["xin cap phep nuoi rong"]


async def test_a_weak_match_offers_the_closest_topics_and_the_menu(talk: Talk) -> None:
    await talk.say("/start")  # past the first-contact privacy notice
    replies = await talk.say("dang ky xe dap dien")  # near several topics, none for sure
    assert "chưa chắc đã hiểu đúng ý bạn" in replies[0].text
    payloads = [b.payload for b in replies[0].buttons]
    assert payloads[0].split(":")[0] in {"guide", "faq", "proc"}
    assert payloads[-1] == "menu"
    assert len(payloads) <= 4


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "Bạn chưa gõ gì"),
        ("😀🎉🙏", "chỉ đọc được câu hỏi bằng chữ"),
        ("\x00\x01\x1b[31m\x7f", "chỉ giúp được về thủ tục hành chính"),
        ("日本語 русский текст", "chỉ đọc được câu hỏi bằng chữ"),
        ("đăng ký 临时 tạm trú прописка", "Đăng ký tạm trú"),
        ("tạm trú " * 1250, "tạm trú"),
        ("x" * 10_000, "chỉ giúp được về thủ tục hành chính"),
    ],
)
async def test_bad_input_gets_a_polite_vietnamese_answer(
    talk: Talk, text: str, expected: str
) -> None:
    replies = await talk.say(text)
    assert expected in talk.text()
    assert replies[0].buttons


async def test_timkiem_lists_matches_to_choose_from(talk: Talk) -> None:
    replies = await talk.say("/timkiem tạm trú")
    assert "Kết quả tìm kiếm" in replies[0].text
    assert replies[0].buttons[0].payload == "proc:1.004194"
    opened = await talk.press_label("Đăng ký tạm trú")
    assert opened[0].topic == "proc:1.004194"


async def test_timkiem_without_words_explains_itself(talk: Talk) -> None:
    replies = await talk.say("/timkiem")
    assert "/timkiem tạm trú" in replies[0].text


async def test_an_faq_button_shows_the_answer_and_its_links(talk: Talk, content: Content) -> None:
    faq = next(iter(content.extra["catalog"].faqs.values()))
    replies = await talk.press(f"faq:{faq.id}")
    assert faq.question in replies[0].text
    assert replies[0].topic == f"faq:{faq.id}"
    assert any(b.payload == "menu" for b in replies[0].buttons)


async def test_old_procedure_and_faq_buttons_are_answered_politely(talk: Talk) -> None:
    for payload in ("proc:9.999999", "faq:khong-con"):
        replies = await talk.press(payload)
        assert "Nút này đã cũ" in replies[0].text


def procedure(**changes: object) -> Procedure:
    base = Procedure(
        code="9.000001",
        name="Cấp giấy phép thử nghiệm",
        field="Thử nghiệm",
        authority="Sở Thử nghiệm",
        authority_level="tinh",
        online_level="toan_trinh",
        fee="100.000 đồng",
        online_saving="Giảm 50% khi nộp trực tuyến",
        benefit_ids=("con-han", "het-han"),
        processing_time="05 ngày làm việc",
        portal_url="https://dichvucong.gov.vn/",
        guides=("vneid-muc-2",),
        keywords=("giấy phép thử",),
        uncertain=frozenset(),
        source="test",
        checked="2026-11-29",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


# The day the handlers see: benefits around it are current or ended whatever the machine's date.
CLOCK = FixedClock()
TODAY = vietnam_today(CLOCK)


def with_catalog(content: Content, *procedures: Procedure) -> Content:
    today = TODAY
    benefits = {
        "con-han": Benefit(
            "con-han",
            "Giảm lệ phí đang áp dụng",
            "",
            "Thông tư 1/2026/TT-BTC",
            today - timedelta(days=30),
            today + timedelta(days=30),
            ("9.000001",),
        ),
        "het-han": Benefit(
            "het-han",
            "Ưu đãi đã hết hạn",
            "",
            "Thông tư 2/2025/TT-BTC",
            today - timedelta(days=400),
            today - timedelta(days=1),
            ("9.000001",),
        ),
    }
    faq = Faq("thu", "Hỏi thử?", "Đáp thử.", (), (Link("Mở", "guide:vneid-muc-2"),), "t", "t")
    catalog = Catalog(
        procedures=MappingProxyType({p.code: p for p in procedures}),
        benefits=MappingProxyType(benefits),
        faqs=MappingProxyType({"thu": faq}),
        synonyms=MappingProxyType({}),
    )
    return dataclasses.replace(content, extra=MappingProxyType({"catalog": catalog}))


def talk_with(sessions: db.SessionFactory, content: Content) -> Talk:
    services = {"secret": "s", "search": build_index(content)}
    return Talk(Core(sessions, content, settings={}, services=services, clock=CLOCK))


async def test_the_card_shows_only_active_benefits_with_their_basis_and_end_date(
    sessions, content: Content
) -> None:
    custom = with_catalog(content, procedure())
    talk = talk_with(sessions, custom)
    card = (await talk.say("cap giay phep thu nghiem"))[0]
    until = (TODAY + timedelta(days=30)).strftime("%d/%m/%Y")
    assert "Giảm lệ phí đang áp dụng" in card.text
    assert "Thông tư 1/2026/TT-BTC" in card.text
    assert until in card.text
    assert "Ưu đãi đã hết hạn" not in card.text
    assert "cần kiểm tra" not in card.text
    assert "Sở Thử nghiệm (cấp tỉnh)" in card.text


async def test_unverified_fields_are_marked_for_checking_never_shown_as_certain(
    sessions, content: Content
) -> None:
    uncertain = procedure(uncertain=frozenset({"fee", "processing_time"}))
    talk = talk_with(sessions, with_catalog(content, uncertain))
    card = (await talk.press("proc:9.000001"))[0]
    assert "Phí, lệ phí: 100.000 đồng ⚠️ (cần kiểm tra)" in card.text
    assert "05 ngày làm việc ⚠️ (cần kiểm tra)" in card.text
    assert "Mã thủ tục: 9.000001\n" in card.text  # verified fields carry no mark
    assert "chưa được xác minh" in card.text


async def test_a_procedure_done_only_in_person_offers_no_online_steps(
    sessions, content: Content
) -> None:
    offline = procedure(online_level="truc_tiep")
    talk = talk_with(sessions, with_catalog(content, offline))
    card = (await talk.press("proc:9.000001"))[0]
    assert "chưa nộp trực tuyến được" in card.text
    assert "Cách nộp trực tuyến" not in card.text
    labels = [b.label for b in card.buttons]
    assert any("Tài khoản định danh" in label for label in labels)  # the related guide


async def test_thanks_get_a_friendly_word_not_a_search(talk: Talk, sessions) -> None:
    for text in ("Cảm ơn!", "ok", "cam on ban", "Cảm ơn bạn nhiều lắm nhé"):
        replies = await talk.say(text)
        assert "không có gì" in replies[0].text
    assert await events_of(sessions, EventKind.SEARCH_UNANSWERED) == []


async def test_a_question_of_filler_words_offers_the_menu_not_random_topics(talk: Talk) -> None:
    await talk.say("/start")  # past the first-contact privacy notice
    replies = await talk.say("tôi muốn hỏi")
    assert "chỉ giúp được về thủ tục hành chính" in replies[0].text
    menu = await talk.say("/menu")
    assert menu[0].text not in replies[0].text, "the welcome is not repeated"
    menu_payloads = {b.payload for b in menu[0].buttons} | {"menu"}
    assert {b.payload for b in replies[0].buttons} <= menu_payloads
    assert len(replies[0].buttons) <= 4


async def test_a_short_question_several_items_fit_offers_the_choice(talk: Talk) -> None:
    await talk.say("/start")  # past the first-contact privacy notice
    replies = await talk.say("kết hôn")
    assert replies[0].topic in {"search:choices", "search:clarify"}
    payloads = [b.payload for b in replies[0].buttons]
    assert "proc:1.000894" in payloads
    assert payloads[-1] == "menu"

"""Follow-ups are answered about the item just shown; small talk, off-topic and English get
short, natural replies."""

from __future__ import annotations

import dataclasses
from types import MappingProxyType
from typing import Any

import pytest

from bot.core import Core
from bot.search import build_index
from handlers.content import Content
from storage import db
from tests.bot.search.test_query_set import load_queries
from tests.support.talk import Talk

BIRTH = "1.001193"


def with_documents(content: Content, code: str, documents: tuple[str, ...]) -> Content:
    catalog = content.extra["catalog"]
    procedures = dict(catalog.procedures)
    procedures[code] = dataclasses.replace(procedures[code], documents=documents)
    catalog = dataclasses.replace(catalog, procedures=MappingProxyType(procedures))
    return dataclasses.replace(
        content, extra=MappingProxyType({**content.extra, "catalog": catalog})
    )


def talk_with(sessions: db.SessionFactory, content: Content) -> Talk:
    services = {"secret": "s", "search": build_index(content)}
    return Talk(Core(sessions, content, settings={}, services=services))


async def test_a_follow_up_lists_the_documents_of_the_procedure_just_shown(
    sessions, content: Content
) -> None:
    documents = ("Tờ khai đăng ký khai sinh", "Giấy chứng sinh")
    talk = talk_with(sessions, with_documents(content, BIRTH, documents))
    await talk.say("/start")
    assert (await talk.say("dang ky khai sinh"))[0].topic == f"proc:{BIRTH}"
    replies = await talk.say("can giay to gi")
    assert "• Tờ khai đăng ký khai sinh" in replies[0].text
    assert "• Giấy chứng sinh" in replies[0].text
    fee = await talk.say("bao nhiêu tiền vậy")
    assert "Phí, lệ phí" in fee[0].text
    time = await talk.say("bao lâu thì có")
    assert "Thời hạn giải quyết" in time[0].text
    online = await talk.say("làm online được không")
    assert "Mức độ" in online[0].text
    assert any(b.url and "dichvucong.gov.vn" in b.url for b in online[0].buttons)


async def test_a_procedure_without_documents_says_so_and_points_to_the_portal(
    sessions, content: Content
) -> None:
    talk = talk_with(sessions, with_documents(content, BIRTH, ()))
    await talk.say("/start")
    await talk.press(f"proc:{BIRTH}")
    replies = await talk.say("cần giấy tờ gì ạ")
    assert "chưa có danh sách giấy tờ" in replies[0].text
    assert any(b.url for b in replies[0].buttons)


async def test_a_new_subject_starts_a_new_topic(talk: Talk) -> None:
    await talk.say("/start")
    await talk.say("dang ky khai sinh")
    replies = await talk.say("lam ho chieu")
    assert replies[0].topic in {"proc:1.001456", "faq:ho-chieu-online"}
    await talk.press("proc:1.001456")
    fee = await talk.say("bao nhieu tien")
    assert "hộ chiếu" in fee[0].text.lower()


async def test_off_topic_gets_the_public_services_answer_with_few_buttons(talk: Talk) -> None:
    await talk.say("/start")
    await talk.say("dang ky khai sinh")
    replies = await talk.say("thoi tiet hom nay")
    assert "chỉ giúp được về thủ tục hành chính" in replies[0].text
    assert len(replies[0].buttons) <= 4
    assert not any((b.payload or "").startswith("proc:") for b in replies[0].buttons)
    after = await talk.say("bao nhieu tien")  # the topic ended with the off-topic answer
    assert not after[0].topic or not after[0].topic.startswith("proc:1.001193")


async def test_small_talk_gets_natural_replies(talk: Talk) -> None:
    await talk.say("/start")
    assert "trợ lý" in (await talk.say("bạn là ai"))[0].text
    assert "Xin chào" in (await talk.say("chào bạn"))[0].text
    assert "không có gì" in (await talk.say("cảm ơn nhé"))[0].text


async def test_english_gets_a_short_english_reply_and_keeps_it(talk: Talk) -> None:
    await talk.say("/start")
    replies = await talk.say("how do I register a birth?")
    assert "Vietnamese" in replies[0].text
    assert "dichvucong.gov.vn" in replies[0].text
    again = await talk.say("thank you")
    assert "welcome" in again[0].text
    back = await talk.say("đăng ký khai sinh")
    assert back[0].topic == f"proc:{BIRTH}"


IN_CONTEXT = [q for q in load_queries() if "after" in q]


@pytest.mark.parametrize("item", IN_CONTEXT, ids=[q["q"] for q in IN_CONTEXT])
async def test_follow_ups_in_the_query_set_are_answered_in_context(
    talk: Talk, item: dict[str, Any]
) -> None:
    await talk.say("/start")
    await talk.press(item["after"])
    replies = await talk.say(item["q"])
    right = {item["expect"], *item.get("also", [])}
    shown = ":".join((replies[0].topic or "").split(":")[:2])  # "guide:id:1" -> "guide:id"
    shown = shown.replace("docs:", "proc:", 1)  # a procedure's papers answer about it
    assert shown in right, talk.text()


async def test_a_follow_up_to_an_faq_answers_about_the_procedure_it_points_to(
    talk: Talk,
) -> None:
    await talk.say("/start")
    await talk.press("faq:mat-can-cuoc")
    replies = await talk.say("hết bao nhiêu tiền")
    assert replies[0].topic == "proc:2.001194"
    assert "Phí, lệ phí" in replies[0].text

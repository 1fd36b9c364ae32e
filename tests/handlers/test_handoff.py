"""Hỏi cán bộ through the real core: a citizen opens a ticket, an officer in scope is told,
answers by replying to the notification, the citizen gets it, closing asks for a rating."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.core import Core
from handlers.broadcast_message import from_dict
from handlers.types import Incoming
from storage import notices, tickets
from storage.clock import FixedClock
from storage.models import Notice, Ticket
from tests.support.officers import COMMUNE_A, COMMUNE_B, PROVINCE, person
from tests.support.talk import Talk

# A Tuesday, 09:00 in Vietnam: officers are at work.
WORKING = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
EVENING = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)  # 21:00 in Vietnam


def at(core: Core, when: datetime) -> Core:
    core.clock = FixedClock(when)
    return core


async def pending(sessions, chat: str) -> list[str]:
    async with sessions() as session:
        rows = await session.scalars(select(Notice).where(Notice.chat_id == chat))
        return [from_dict(r.message).text for r in rows if r.state == notices.PENDING]


async def test_a_ticket_reaches_officers_in_scope_and_their_reply_reaches_the_citizen(
    core: Core, sessions, talk: Talk
) -> None:
    at(core, WORKING)
    await person(sessions, "officer-a", "officer", province=PROVINCE, commune=COMMUNE_A)
    await person(sessions, "officer-b", "officer", province=PROVINCE, commune=COMMUNE_B)
    await person(sessions, "admin", "admin")
    await person(sessions, "citizen-1", province=PROVINCE, commune=COMMUNE_A)

    replies = await talk.say("/hoicanbo Làm sao đổi tên trên sổ hộ khẩu?")
    assert "Mã yêu cầu: #" in talk.text()
    assert "trong ngày làm việc" in talk.text()
    code = replies[0].text.split("#", 1)[1][:6]

    told_a = await pending(sessions, "officer-a")
    assert len(told_a) == 1 and code in told_a[0] and "đổi tên trên sổ hộ khẩu" in told_a[0]
    assert await pending(sessions, "officer-b") == []  # another commune
    assert len(await pending(sessions, "admin")) == 1

    await talk.say("Tôi ở thôn 3")
    assert f"Đã thêm vào yêu cầu #{code}" in talk.text()

    # The officer replies to the notification (Telegram's reply carries the quoted text).
    reply = Incoming(
        "console", "officer-a", "officer-a", text="Bạn mang CCCD tới UBND xã nhé.", quoted=told_a[0]
    )
    answer = await core.handle(reply)
    assert f"Đã gửi câu trả lời cho yêu cầu #{code}" in answer[0].text
    to_citizen = await pending(sessions, "citizen-1")
    assert any("Bạn mang CCCD tới UBND xã nhé." in t for t in to_citizen)

    # The admin cannot answer a ticket the officer holds: told who has it.
    other = dataclasses.replace(reply, user_key="admin", chat_id="admin", text="Xin chào")
    refused = await core.handle(other)
    assert "đã có cán bộ" in refused[0].text

    await talk.say("/huy")
    assert f"Đã đóng yêu cầu #{code}" in talk.text()
    await talk.press_label("Hài lòng")
    assert "Cảm ơn bạn đã đánh giá" in talk.text()
    async with sessions() as session:
        ticket = await session.scalar(select(Ticket))
        assert ticket.state == tickets.State.CLOSED and ticket.rating == 3
        assert ticket.first_answer_at == WORKING


async def test_without_a_place_the_commune_is_asked_and_evenings_say_when(
    core: Core, sessions, talk: Talk
) -> None:
    at(core, EVENING)
    await talk.say("/hoicanbo")
    assert "muốn hỏi cán bộ điều gì" in talk.text()
    await talk.say("Tôi cần hỏi về trợ cấp")
    assert "xã/phường nào" in talk.text()
    await talk.press_label("Bỏ qua")
    assert "ngoài giờ làm việc" in talk.text() and "07:30 thứ Tư" in talk.text()


async def test_two_misses_in_a_row_offer_an_officer_with_the_question(
    core: Core, talk: Talk
) -> None:
    at(core, WORKING)
    await talk.say("xyzzy plugh quux")
    assert "gửi câu hỏi tới cán bộ" not in talk.text()
    await talk.say("frobnicate the wibble")
    assert "gửi câu hỏi tới cán bộ" in talk.text()
    await talk.press("ask:last")  # the offer's button: the question just asked goes along
    assert "xã/phường nào" in talk.text()
    await talk.press("ask:c:-")
    assert "frobnicate the wibble" in (await talk.press("ask:show"))[0].text


async def test_erasing_ones_data_empties_ones_tickets_and_old_closed_ones_lose_their_texts(
    core: Core, sessions, talk: Talk
) -> None:
    at(core, WORKING)
    await talk.say("/hoicanbo Số CCCD của tôi là 042012345678, tôi cần cấp lại")
    await talk.press_label("Bỏ qua")
    await talk.say("/xoadulieu")
    await talk.press_label("Xoá")
    async with sessions() as session:
        ticket = await session.scalar(select(Ticket))
        assert ticket.contact_id is None and ticket.question == ""
        assert await tickets.lines(session, ticket.id) == []

    other = Talk(core, user="citizen-2")
    await other.say("/hoicanbo Hỏi về hộ nghèo")
    await other.press_label("Bỏ qua")
    await other.say("/huy")
    async with sessions() as session, session.begin():
        emptied = await tickets.redact_closed(
            session, before=WORKING + timedelta(days=1), now=WORKING + timedelta(days=181)
        )
        assert emptied == 1
        kept = await session.scalar(select(Ticket).where(Ticket.redacted_at.is_not(None)))
        assert kept.question == "" and kept.opened_at == WORKING  # the counts keep their times


async def test_long_questions_are_cut_and_the_daily_limit_holds(core: Core, talk: Talk) -> None:
    at(core, WORKING)
    core.settings["handoff_max_per_day"] = 2
    for _ in range(2):
        await talk.say("/hoicanbo " + "rất dài " * 300)
        await talk.press_label("Bỏ qua")
        assert "Mã yêu cầu" in talk.text()
        await talk.say("/huy")
    await talk.say("/hoicanbo một câu nữa")
    assert "nhiều câu hỏi trong hôm nay" in talk.text()


async def test_on_zalo_an_officer_answers_through_the_reply_button_and_a_second_is_told_who_has_it(
    core: Core, sessions
) -> None:
    at(core, WORKING)
    await person(sessions, "zofficer", "officer", province=PROVINCE, channel="zalo")
    await person(sessions, "tofficer", "officer", province=PROVINCE, channel="telegram")
    citizen = Talk(core, channel="zalo", user="zcitizen")
    await citizen.say("/hoicanbo Xin hỏi lịch tiếp dân của xã")
    await citizen.press_label("Bỏ qua")
    async with sessions() as session:
        ticket = await session.scalar(select(Ticket))
    zofficer = Talk(core, channel="zalo", user="zofficer")
    tofficer = Talk(core, channel="telegram", user="tofficer")
    await zofficer.press(f"tk:reply:{ticket.id}")
    assert "Gõ câu trả lời" in zofficer.text()
    await tofficer.press(f"tk:take:{ticket.id}")
    assert f"Yêu cầu #{ticket.code} đã có cán bộ" in tofficer.text()
    await zofficer.say("Thứ Năm hằng tuần, buổi sáng.")
    assert "Đã gửi câu trả lời" in zofficer.text()
    assert any("Thứ Năm hằng tuần" in t for t in await pending(sessions, "zcitizen"))


async def test_a_zalo_citizen_silent_for_over_7_days_is_flagged_before_the_officer_writes(
    core: Core, sessions
) -> None:
    at(core, WORKING)
    await person(sessions, "officer", "officer", province=PROVINCE)
    citizen = Talk(core, channel="zalo", user="zcitizen")
    await citizen.say("/hoicanbo Tôi hỏi về hộ chiếu")
    await citizen.press_label("Bỏ qua")
    async with sessions() as session:
        ticket = await session.scalar(select(Ticket))
    at(core, WORKING + timedelta(days=8))
    officer = Talk(core, user="officer")
    await officer.press(f"tk:reply:{ticket.id}")
    assert "hơn 7 ngày" in officer.text() and "Gõ câu trả lời" not in officer.text()


async def test_the_console_shows_an_officers_answer_at_the_next_line(core: Core, sessions) -> None:
    import io

    from bot.channels.console import run

    at(core, WORKING)
    await person(sessions, "officer", "officer", province=PROVINCE)
    out = io.StringIO()
    await run(core, "citizen", io.StringIO("/hoicanbo Hỏi về đất đai\n"), out)
    await Talk(core, user="citizen").press("ask:c:-")
    async with sessions() as session:
        ticket = await session.scalar(select(Ticket))
    await Talk(core, user="officer").press(f"tk:reply:{ticket.id}")
    await Talk(core, user="officer").say("Bạn ra bộ phận một cửa nhé.")
    await run(core, "citizen", io.StringIO("/menu\n"), out)
    shown = out.getvalue()
    assert shown.index("Bạn ra bộ phận một cửa nhé.") < shown.rindex("Xin chào")


async def test_asking_for_a_person_starts_a_ticket(core: Core, talk: Talk) -> None:
    at(core, WORKING)
    await talk.say("Cho tôi nói chuyện với người thật")
    assert "muốn hỏi cán bộ điều gì" in talk.text()


async def test_thongke_shows_questions_to_officers_apart_from_the_survey(
    core: Core, sessions, talk: Talk
) -> None:
    at(core, WORKING)
    await person(sessions, "officer", "officer", province=PROVINCE)
    await talk.say("/hoicanbo Hỏi về đất đai")
    await talk.press("ask:c:-")
    async with sessions() as session:
        ticket = await session.scalar(select(Ticket))
    officer = Talk(core, user="officer")
    await officer.press(f"tk:reply:{ticket.id}")
    await officer.say("Bạn ra bộ phận một cửa nhé.")
    await officer.press(f"tk:close:{ticket.id}")
    await talk.press(f"tkr:{ticket.id}:3")
    await officer.say("/thongke 2026-03")
    assert "Hỏi cán bộ: 1 yêu cầu, 1 đã được trả lời" in officer.text()
    assert "Hỗ trợ trực tiếp: 1/1 người hài lòng" in officer.text()

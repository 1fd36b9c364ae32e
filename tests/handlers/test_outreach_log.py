"""/ghinhan records a field session step by step; /cuatoi shows this month's figures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.core import Core
from storage.models import OutreachSession
from tests.support.talk import Talk
from tests.support.teams import join_team


@pytest.fixture
async def member(core: Core, talk: Talk) -> Talk:
    return await join_team(core, talk, name="Tổ CNS phường Bắc Hà", commune="18001")


async def log_session(talk: Talk, households: str = "12") -> None:
    await talk.say("/ghinhan")
    await talk.press_label("Hôm nay")
    await talk.say("Thôn Đông")
    for value in (households, "5", "3", "2", "1"):
        await talk.say(value)
    await talk.say("Mạng yếu ở xóm trong")
    assert "Số hộ đã đến: " + households in talk.text()
    await talk.press_label("Lưu")


async def test_a_member_logs_a_session_and_sees_it_in_this_month_figures(
    core: Core, member: Talk
) -> None:
    await log_session(member)
    assert "Đã lưu buổi #" in member.text()
    async with core.sessions() as session:
        row = await session.scalar(select(OutreachSession))
    assert row is not None
    assert (row.place, row.households, row.vneid_installs, row.level2) == ("Thôn Đông", 12, 5, 3)
    assert (row.portal_logins, row.dossiers_online, row.note) == (2, 1, "Mạng yếu ở xóm trong")
    await member.say("/cuatoi")
    text = member.text()
    assert "Số buổi: 1" in text and "Số hộ đã đến: 12" in text
    assert "Của Tổ CNS phường Bắc Hà" in text


@pytest.mark.parametrize("typed", ["-3", "abc", "100000", "1,5"])
async def test_implausible_numbers_are_asked_again(member: Talk, typed: str) -> None:
    await member.say("/ghinhan")
    await member.press_label("Hôm nay")
    await member.say("Thôn Đông")
    await member.say(typed)
    assert "Bạn gõ một số từ 0 đến 300" in member.text()
    await member.say("1")  # a number typed at a number step is the value, not a button
    assert "cài ứng dụng VNeID" in member.text()


@pytest.mark.parametrize("typed", ["31/02", "hôm qua", "01/01/2020"])
async def test_impossible_or_old_dates_are_refused(member: Talk, typed: str) -> None:
    await member.say("/ghinhan")
    await member.say(typed)
    assert "Ngày chưa đúng" in member.text()


async def test_a_session_is_editable_for_24_hours_only(core: Core, member: Talk) -> None:
    await log_session(member)
    await member.say("/ghinhan sua")
    assert "Sửa buổi #" in member.text()
    await member.press_label("Giữ nguyên")  # day
    await member.press_label("Giữ nguyên")  # place
    await member.say("20")
    for _ in range(4):
        await member.press_label("Giữ nguyên")
    await member.press_label("Bỏ qua")
    await member.press_label("Lưu")
    assert "Đã cập nhật buổi" in member.text()
    async with core.sessions() as session:
        rows = list(await session.scalars(select(OutreachSession)))
    assert len(rows) == 1 and rows[0].households == 20 and rows[0].vneid_installs == 5
    async with core.sessions() as session, session.begin():
        await session.execute(
            update(OutreachSession).values(created_at=rows[0].created_at - timedelta(hours=25))
        )
    await member.say("/ghinhan sua")
    assert "không có buổi nào" in member.text()


async def test_cancel_saves_nothing(core: Core, member: Talk) -> None:
    await member.say("/ghinhan")
    await member.press_label("Hủy")
    assert "không lưu gì" in member.text()
    async with core.sessions() as session:
        assert await session.scalar(select(OutreachSession)) is None


async def test_typing_a_button_label_presses_it_and_the_member_can_go_back(
    core: Core, member: Talk
) -> None:
    await member.say("/ghinhan")
    await member.say("hôm nay")  # the "Hôm nay" button, typed
    await member.say("Thôn Đông")
    await member.say("12")
    await member.say("ôi nhầm, muốn sửa lại")  # back to the households, 12 kept on a button
    assert "Số hộ" in member.text() or "hộ" in member.text()
    assert any("12" in b.label for r in member.last for b in r.buttons)
    await member.say("20")
    await member.press_label("Câu trước")  # the button does the same
    await member.say("21")
    for value in ("5", "3", "2", "1"):
        await member.say(value)
    await member.say("Bỏ qua")  # the note's button, typed: no note
    assert "Số hộ đã đến: 21" in member.text()
    await member.say("1")  # [1] Lưu
    assert "Đã lưu buổi #" in member.text()
    async with core.sessions() as session:
        row = await session.scalar(select(OutreachSession))
    assert row is not None and (row.households, row.note) == (21, None)

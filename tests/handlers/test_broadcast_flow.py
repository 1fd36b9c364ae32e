"""/phatsong: what, to whom, when, an exact preview with the count, and nothing before 'Gửi'."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.core import Core
from handlers.schedule import VIETNAM
from storage import contacts, roles
from storage.models import Broadcast, Delivery
from tests.support.broadcasting import add_people
from tests.support.talk import Talk
from tests.support.teams import join_team


@pytest.fixture
async def member(core: Core, talk: Talk) -> Talk:
    await join_team(core, talk)
    await add_people(core.sessions, 7, commune="18562", province="42", first_chat=100)
    await add_people(core.sessions, 4, commune="18754", province="42", first_chat=200)
    return talk


async def count(core: Core, model: type) -> int:
    async with core.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_member_broadcasts_a_guide_to_the_commune_after_an_exact_preview(
    core: Core, member: Talk
) -> None:
    await member.say("/phatsong")
    await member.press_label("Một hướng dẫn")
    await member.press("cast:guide:vneid-muc-2")
    assert "xã, phường (7)" in member.text()
    assert "Toàn tỉnh" not in member.text()
    await member.press_label("xã, phường")
    await member.press_label("Gửi ngay")
    replies = member.last
    assert "Người nhận sẽ thấy đúng tin nhắn" in replies[0].text
    preview = replies[1]
    assert preview.text.startswith("📌 Tài khoản định danh điện tử VNeID mức 2")
    assert preview.text.endswith("— Tổ CNS xã Thạch Hà")
    assert preview.buttons[0].payload == "guide:vneid-muc-2:1"
    assert "Gửi ngay tới 7 người" in replies[2].text
    assert await count(core, Broadcast) == 0, "nothing before confirmation"
    await member.press_label("Gửi")
    assert "Đã lên lịch phát sóng #1 tới 7 người" in member.text()
    async with core.sessions() as session:
        broadcast = await session.get(Broadcast, 1)
        assert broadcast is not None and broadcast.message["text"] == preview.text
    assert await count(core, Delivery) == 7


async def test_the_author_can_stop_the_broadcast(core: Core, member: Talk) -> None:
    await member.say("/phatsong")
    await member.press_label("Tin nhắn của bạn")
    await member.say("Chiều nay 14h tổ hỗ trợ cài VNeID tại nhà văn hóa thôn.")
    await member.press_label("xã, phường")
    await member.press_label("Gửi ngay")
    assert "Chiều nay 14h tổ hỗ trợ" in member.last[1].text
    await member.press_label("Gửi")
    await member.press_label("Dừng phát sóng")
    assert "Đã dừng phát sóng #1" in member.text()
    async with core.sessions() as session:
        states = set(await session.scalars(select(Delivery.state)))
    assert states == {"cancelled"}


async def test_a_member_cannot_reach_a_whole_province(core: Core, member: Talk) -> None:
    await member.say("/phatsong")
    await member.press_label("Một hướng dẫn")
    await member.press("cast:guide:vneid-muc-2")
    await member.press("cast:aud:province")  # a forged or stale button
    assert "Chỉ cán bộ phụ trách" in member.text()


async def test_an_officer_can_reach_the_province(core: Core, talk: Talk) -> None:
    await talk.say("/start")
    async with core.sessions() as session, session.begin():
        me = await contacts.get(session, "console", talk.user)
        assert me is not None
        await roles.grant(session, me.id, "officer", actor="test", province_code="42")
    await add_people(core.sessions, 5, commune="18562", province="42", first_chat=300)
    await add_people(core.sessions, 2, commune="01001", province="01", first_chat=400)
    await talk.say("/phatsong")
    await talk.press_label("Một hướng dẫn")
    await talk.press("cast:guide:dang-nhap-cong-dvc")
    assert "Toàn tỉnh (5)" in talk.text()
    await talk.press_label("Toàn tỉnh")
    await talk.press_label("Gửi ngay")
    await talk.press_label("Gửi")
    assert "tới 5 người" in talk.text()


async def test_a_time_in_quiet_hours_is_moved_to_the_morning(core: Core, member: Talk) -> None:
    # A quiet window around the present moment, whatever time of day the test runs.
    now = datetime.now(VIETNAM)
    start, end = now - timedelta(hours=1), now + timedelta(hours=2)
    core.settings["broadcast_quiet_hours"] = f"{start:%H:%M}-{end:%H:%M}"
    await member.say("/phatsong")
    await member.press_label("Một hướng dẫn")
    await member.press("cast:guide:vneid-muc-2")
    await member.press_label("xã, phường")
    await member.say("bây giờ")
    assert "Giờ chưa đúng" in member.text()
    await member.press_label("Gửi ngay")
    assert f"không gửi tin từ {start:%H:%M}–{end:%H:%M}" in member.text()
    assert f"Gửi tới 7 người lúc {end:%H:%M}" in member.text()


async def test_a_citizen_cannot_broadcast_even_with_a_forged_button(talk: Talk, core: Core) -> None:
    await talk.say("/phatsong")
    assert "chỉ dành cho thành viên" in talk.text()
    await talk.press("cast:send")
    assert "đã cũ" in talk.text()
    assert await count(core, Broadcast) == 0


async def test_with_nobody_to_receive_it_the_member_is_told_at_once_and_who_would(
    core: Core, talk: Talk
) -> None:
    await join_team(core, talk)  # a new team: nobody on Telegram or Zalo in the commune yet
    await add_people(core.sessions, 3, commune="18754", province="42", first_chat=300)
    await talk.say("/phatsong")
    text = talk.text()
    assert "chưa có ai nhận được tin" in text and "Telegram hoặc Zalo" in text
    assert "trang web" in text and "/gioithieu" in text
    assert "Gửi khi nào" not in text and "Tin sẽ được gửi" not in text
    assert not any(b.label == "Gửi ngay" for r in talk.last for b in r.buttons)
    await talk.say("08:00")  # no flow is left waiting for a time
    assert "Tin sẽ được gửi" not in talk.text()
    assert await count(core, Broadcast) == 0


async def test_an_empty_audience_is_refused_before_asking_when(core: Core, talk: Talk) -> None:
    await join_team(core, talk)
    await add_people(core.sessions, 5, commune="18562", province="42", first_chat=400)
    await talk.say("/phatsong")
    await talk.press_label("Một hướng dẫn")
    await talk.press("cast:guide:vneid-muc-2")
    assert "tổ đã giới thiệu (0)" in talk.text()
    await talk.press_label("tổ đã giới thiệu")
    assert "Nhóm này chưa có ai nhận được tin" in talk.text()
    assert "Gửi khi nào" not in talk.text() and "Gửi tới ai?" in talk.text()

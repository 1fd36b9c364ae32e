"""Joining a team by invite link, referral links and QR codes, and who may use team commands."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.core import Core
from storage import contacts, roles, teams
from storage.models import AuditEntry, Contact, InviteCode, OutreachEvent, Role, utcnow
from tests.support.talk import Talk
from tests.support.teams import make_team


@pytest.fixture
def member_core(core: Core) -> Core:
    core.services["telegram_username"] = "dvc_test_bot"
    return core


async def test_a_person_joins_a_team_with_the_invite_link_and_it_is_audited(
    member_core: Core, talk: Talk
) -> None:
    team_id, code = await make_team(member_core)
    await talk.say(f"/start join_{code}")
    assert "Chào mừng bạn tham gia Tổ CNS xã Thạch Hà" in talk.text()
    async with member_core.sessions() as session:
        contact = await session.scalar(select(Contact).where(Contact.platform_user_id == talk.user))
        assert contact is not None and contact.team_id == team_id
        assert contact.commune_code == "18562"
        assert await roles.has(session, contact.id, "member") is not None
        actions = set(await session.scalars(select(AuditEntry.action)))
    assert {"team.create", "invite.create", "role.grant", "team.join"} <= actions
    await talk.say(f"/start join_{code}")
    assert "đã là thành viên" in talk.text()


@pytest.mark.parametrize(
    ("invite", "expected"),
    [({"days": 0}, "hết hạn"), ({"max_uses": 1}, "hết lượt"), (None, "không đúng")],
)
async def test_expired_used_up_or_unknown_invites_are_refused_politely(
    core: Core, talk: Talk, invite: dict[str, int] | None, expected: str
) -> None:
    _, code = await make_team(core, **(invite or {}))
    if invite and invite.get("max_uses") == 1:
        await talk.say(f"/start join_{code}", user="first")
    if invite is None:
        code = "nosuchcode"
    await talk.say(f"/start join_{code}")
    assert expected in talk.text()
    async with core.sessions() as session:
        me = await session.scalar(select(Contact).where(Contact.platform_user_id == talk.user))
        assert me is not None and me.team_id is None


async def test_gioithieu_gives_a_personal_link_and_a_printable_qr_code(
    member_core: Core, talk: Talk
) -> None:
    _, code = await make_team(member_core)
    await talk.say(f"/start join_{code}")
    replies = await talk.say("/gioithieu")
    text = talk.text()
    assert "https://t.me/dvc_test_bot?start=ref_" in text
    image = next(r.image for r in replies if r.image is not None)
    assert image.mime_type == "image/png" and image.data.startswith(b"\x89PNG")
    await talk.say("/gioithieu")
    assert text.split("ref_")[1].split()[0] in talk.text(), "the same code every time"


async def test_without_telegram_the_web_chat_link_and_its_qr_code_are_given(
    core: Core, talk: Talk
) -> None:
    core.settings.update(base_url="https://dvc.example.vn", zalo_oa_link="https://zalo.me/123")
    _, code = await make_team(core)
    await talk.say(f"/start join_{code}")
    replies = await talk.say("/gioithieu")
    text = talk.text()
    assert "t.me" not in text and "chưa" not in text
    assert "https://dvc.example.vn/chat?ref=" in text
    ref = "ref_" + text.split("chat?ref=")[1].split()[0]
    assert f"https://zalo.me/123 rồi gửi tin nhắn: /start {ref}" in text
    [image] = [r.image for r in replies if r.image is not None]
    assert image.data.startswith(b"\x89PNG")
    await talk.say(f"/start {ref}", user="web-citizen")  # what the web chat's Start button does
    assert "Tổ CNS xã Thạch Hà" in talk.text()
    await talk.say("/gioithieu")
    assert "Số người dân bạn đã giới thiệu: 1." in talk.text()


async def test_a_citizen_arriving_by_referral_is_credited_to_the_member_team_and_commune(
    member_core: Core, talk: Talk
) -> None:
    team_id, code = await make_team(member_core)
    await talk.say(f"/start join_{code}")
    await talk.say("/gioithieu")
    ref = talk.text().split("start=")[1].split()[0]
    await talk.say(f"/start {ref}", user="citizen-9")
    assert "Tổ CNS xã Thạch Hà" in talk.text()
    async with member_core.sessions() as session:
        citizen = await session.scalar(
            select(Contact).where(Contact.platform_user_id == "citizen-9")
        )
        assert citizen is not None
        assert citizen.team_id == team_id and citizen.commune_code == "18562"
        assert citizen.referred_by_id is not None
        event = await session.scalar(
            select(OutreachEvent).where(OutreachEvent.contact_id == citizen.id)
        )
        assert event is not None and event.ref == ref and event.team_id == team_id


@pytest.mark.parametrize("command", ["/gioithieu", "/ghinhan", "/cuatoi", "/phatsong"])
async def test_team_commands_refuse_a_citizen_politely(talk: Talk, command: str) -> None:
    await talk.say(command)
    assert "chỉ dành cho thành viên" in talk.text()


async def test_joining_shows_the_team_commands_in_the_chat_menu(core: Core, talk: Talk) -> None:
    menus: list[tuple[str, list[tuple[str, str]]]] = []

    async def set_commands(chat_id: str, extra: list[tuple[str, str]]) -> bool:
        menus.append((chat_id, list(extra)))
        return True

    core.services["console_set_commands"] = set_commands
    _, code = await make_team(core)
    await talk.say(f"/start join_{code}")
    assert menus and menus[0][0] == talk.user
    assert [c for c, _ in menus[0][1]] == ["gioithieu", "ghinhan", "cuatoi", "phatsong", "thongke"]


async def test_two_people_racing_for_the_last_use_of_an_invite_cannot_both_join(
    core: Core,
) -> None:
    _, code = await make_team(core, max_uses=1)
    async with core.sessions() as session, session.begin():
        first, _ = await contacts.get_or_create(session, "console", "a", "a")
        second, _ = await contacts.get_or_create(session, "console", "b", "b")
        one = await teams.join(session, first, code, utcnow())
        two = await teams.join(session, second, code, utcnow() + timedelta(seconds=1))
    assert (one.result, two.result) == ("joined", "used_up")
    async with core.sessions() as session:
        invite = await session.get(InviteCode, code)
        assert invite is not None and invite.uses == 1
        assert len(list(await session.scalars(select(Role)))) == 1

"""A citizen finds the menu, opens a guide and walks through it."""

from __future__ import annotations

import pytest

from tests.support.talk import Talk


async def test_start_shows_the_vietnamese_main_menu_with_buttons(talk: Talk) -> None:
    replies = await talk.say("/start")
    assert "Xin chào" in replies[0].text
    labels = [b.label for b in replies[0].buttons]
    assert any("VNeID" in label for label in labels)
    assert any("Cổng Dịch vụ công" in label for label in labels)


async def test_typing_a_number_presses_that_menu_button(talk: Talk) -> None:
    menu = await talk.say("/start")
    first = menu[0].buttons[0]
    replies = await talk.say("1")
    assert replies[0].topic == f"{first.payload}:1"
    assert "Bước 1/" in replies[0].text


async def test_a_guide_goes_forward_and_back_and_ends_with_links(talk: Talk, content) -> None:
    guide = content.guides["vneid-muc-2"]
    await talk.press("guide:vneid-muc-2")
    assert talk.last[0].topic == "guide:vneid-muc-2:1"
    await talk.press_label("Tiếp")
    assert "Bước 2/" in talk.last[0].text
    await talk.press_label("Quay lại")
    assert "Bước 1/" in talk.last[0].text
    for _ in range(len(guide.steps) - 1):
        await talk.press_label("Tiếp")
    last = talk.last[0]
    assert f"Bước {len(guide.steps)}/{len(guide.steps)}" in last.text
    assert not any("Tiếp" in b.label for b in last.buttons)
    assert any(b.payload == "guide:dang-nhap-cong-dvc" for b in last.buttons)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/lenhla", "chưa biết lệnh này"),
        ("asdfgh qwerty", "chỉ giúp được về thủ tục hành chính"),
        ("menu", "Xin chào"),
        ("Xin chào", "Xin chào"),
        ("/start !!bad code!!", "Mã trong đường link không đúng"),
        ("/start zz_unknown", "Mã trong đường link không đúng"),
    ],
)
async def test_anything_else_gets_a_polite_vietnamese_answer_and_the_menu(
    talk: Talk, text: str, expected: str
) -> None:
    replies = await talk.say(text)
    assert expected in replies[0].text
    assert replies[0].buttons, "the menu comes with the answer"


async def test_an_old_button_for_missing_content_is_answered_politely(talk: Talk) -> None:
    replies = await talk.press("guide:no-such-guide:3")
    assert "Nút này đã cũ" in replies[0].text
    replies = await talk.press("nosuchaction:1")
    assert "Nút này đã cũ" in replies[0].text


async def test_help_lists_every_citizen_command(talk: Talk) -> None:
    from handlers.registry import ROUTERS
    from handlers.teams import MEMBER_COMMANDS, OFFICER_COMMANDS

    await talk.say("/help")
    text = talk.text()
    staff = {*MEMBER_COMMANDS, *OFFICER_COMMANDS, "bangdieukhien"}
    aliases = {"trogiup", "cancel", "privacy", "tim", "search", "diachi", "start", "hoi_can_bo"}
    commands = {c for router in ROUTERS for c in router.commands} - staff - aliases
    missing = sorted(c for c in commands if f"/{c} " not in text and f"/{c}\n" not in text)
    assert missing == [], missing
    for command in ("/danhgia", "/noio", "/hoicanbo", "/xoadulieu", "/riengtu", "/dunglai"):
        assert command in text

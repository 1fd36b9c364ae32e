"""/phatsong can send a procedure card from the catalogue; the card's button opens it."""

from __future__ import annotations

from bot.core import Core
from tests.support.broadcasting import add_people
from tests.support.talk import Talk
from tests.support.teams import join_team


async def test_a_member_broadcasts_a_procedure_card_found_by_name(core: Core, talk: Talk) -> None:
    await join_team(core, talk)
    await add_people(core.sessions, 3, commune="18562", first_chat=900)
    await talk.say("/phatsong")
    await talk.press_label("Một thủ tục")
    await talk.say("thủ tục không có thật xyz")
    assert "không tìm thấy" in talk.text()
    await talk.say("khai sinh")
    await talk.press("cast:proc:1.001193")
    await talk.press_label("xã, phường")
    await talk.press_label("Gửi ngay")
    card = talk.last[1]
    assert card.text.startswith("📌 Thủ tục: Đăng ký khai sinh")
    assert card.buttons[0].payload == "proc:1.001193"
    await talk.press_label("Gửi")
    assert "tới 3 người" in talk.text()
    await talk.press("proc:1.001193")  # what a recipient gets when pressing the card's button
    assert "Đăng ký khai sinh" in talk.text()

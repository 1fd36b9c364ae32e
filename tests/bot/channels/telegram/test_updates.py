"""Translating Telegram updates into neutral Incoming messages."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from telegram import Update

from bot.channels.telegram.updates import message_id, to_incoming
from tests.bot.channels.telegram.conftest import fixture


def update(name: str, **changes: Any) -> Update:
    data = copy.deepcopy(fixture(name))
    data["message"].update(changes)
    return Update.de_json(data, None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/start", "/start"),
        ("/start ref_TX7K2M", "/start ref_TX7K2M"),
        ("/start@dvc_test_bot ref_TX7K2M", "/start ref_TX7K2M"),
        ("/START@DVC_TEST_BOT", "/start"),
        ("/start " + "a" * 64, "/start " + "a" * 64),
        ("/start " + "a" * 65, "/start"),
        ("/start mã-sai!", "/start"),
        ("/start ref_1 ref_2", "/start"),
        ("/help@dvc_test_bot", "/help"),
        ("/help@other_bot", ""),
        ("xin chào", "xin chào"),
    ],
)
def test_commands_are_normalised_and_start_codes_validated(text: str, expected: str) -> None:
    incoming = to_incoming(update("start_command", text=text), "dvc_test_bot")
    assert incoming is not None
    assert incoming.text == expected


def test_a_message_becomes_an_incoming_with_the_person_and_a_stable_id() -> None:
    incoming = to_incoming(Update.de_json(fixture("message_text"), None))  # type: ignore[arg-type]
    assert incoming is not None
    assert incoming.channel == "telegram"
    assert incoming.user_key == incoming.chat_id == "5512340001"
    assert incoming.display_name == "Lan Nguyễn"
    assert incoming.locale == "vi"
    assert incoming.message_id == "m5512340001:1201"
    assert incoming.timestamp.tzinfo is not None


def test_an_edit_is_a_new_message_with_its_own_id() -> None:
    edited = Update.de_json(fixture("edited_message"), None)  # type: ignore[arg-type]
    original = Update.de_json(fixture("message_text"), None)  # type: ignore[arg-type]
    assert message_id(edited) != message_id(original)
    incoming = to_incoming(edited)
    assert incoming is not None and incoming.text == "đăng ký thường trú"


def test_a_button_press_carries_its_payload() -> None:
    incoming = to_incoming(Update.de_json(fixture("callback_query"), None))  # type: ignore[arg-type]
    assert incoming is not None
    assert incoming.payload == "guide:vneid-muc-2"
    assert incoming.message_id == "c2367501273459812345"


@pytest.mark.parametrize(("name", "text"), [("photo", "lỗi này là sao ạ"), ("sticker", "")])
def test_media_is_read_as_its_caption(name: str, text: str) -> None:
    incoming = to_incoming(Update.de_json(fixture(name), None))  # type: ignore[arg-type]
    assert incoming is not None and incoming.text == text


def test_group_chatter_and_membership_changes_are_not_for_the_core() -> None:
    group = Update.de_json(fixture("group_message"), None)  # type: ignore[arg-type]
    member = Update.de_json(fixture("my_chat_member_kicked"), None)  # type: ignore[arg-type]
    assert to_incoming(group) is None
    assert to_incoming(member) is None

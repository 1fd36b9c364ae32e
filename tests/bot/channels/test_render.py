"""Buttons as numbered text: one count runs through all the messages of an answer."""

from __future__ import annotations

from bot.channels.render import as_texts, first_numbers
from bot.channels.zalo.render import Rendering, render
from bot.core import offered_buttons
from handlers.types import Button, Reply

CARD = Reply(text="card", buttons=(Button("a", payload="x:1"), Button("b", url="https://e.vn")))
MORE = Reply(text="more", buttons=(Button("c", payload="x:3"), Button("d", payload="x:4")))


def test_two_messages_with_buttons_never_share_a_number() -> None:
    first, second = as_texts([CARD, MORE])
    assert "[1] a" in first and "[2] b: https://e.vn" in first
    assert "[3] c" in second and "[4] d" in second
    assert [b["payload"] for b in offered_buttons([CARD, MORE])] == ["x:1", "", "x:3", "x:4"]


def test_a_message_asking_for_a_typed_number_is_not_numbered() -> None:
    ask = Reply(text="Gõ một số", buttons=(Button("Bỏ qua", payload="skip"),), numbered=False)
    assert first_numbers([CARD, Reply(text="plain"), ask]) == [1, None, None]
    assert "• Bỏ qua" in as_texts([CARD, ask])[1]
    # typed, "1" is an answer there; the label still presses its button
    assert offered_buttons([CARD, ask]) == [
        {"payload": "skip", "label": "Bỏ qua", "numbered": False}
    ]


def test_zalo_overflow_numbers_follow_the_earlier_messages() -> None:
    many = Reply(text="x", buttons=tuple(Button(str(i), payload=f"p:{i}") for i in range(4)))
    [part] = render(many, Rendering(max_buttons=2), start=3)
    assert "[5] 2" in part.message["text"] and "[6] 3" in part.message["text"]

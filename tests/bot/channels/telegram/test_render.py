"""Replies as Telegram sees them: escaped, split under the limit, keyboards laid out."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.channels.telegram.render import MAX_TEXT, render, split_text, utf16_len
from handlers.types import Attachment, Button, Reply
from tests.support.fake_telegram import html_problem, visible_text


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("a < b & c > d", "a &lt; b &amp; c &gt; d"),
        ("<b>không in đậm</b>", "&lt;b&gt;không in đậm&lt;/b&gt;"),
        ('"trích dẫn"', '"trích dẫn"'),
        ("&amp;", "&amp;amp;"),
    ],
)
def test_user_and_content_text_is_escaped(text: str, escaped: str) -> None:
    [call] = render("1", Reply(text=text))
    assert call.params["text"] == escaped
    assert call.params["parse_mode"] == "HTML"
    assert html_problem(escaped) is None


def test_a_long_guide_is_split_at_paragraphs_and_buttons_go_under_the_last_part() -> None:
    paragraph = "Bước này rất dài. " * 100  # ~1,800 characters
    text = "\n\n".join([paragraph.strip()] * 5)
    calls = render("1", Reply(text=text, buttons=(Button("Tiếp ▶", payload="guide:x:2"),)))
    assert len(calls) == 3
    assert all(utf16_len(c.params["text"]) <= MAX_TEXT for c in calls)
    assert all(c.params["text"].endswith("dài.") for c in calls)
    assert "reply_markup" not in calls[0].params
    assert calls[-1].params["reply_markup"].inline_keyboard[0][0].callback_data == "guide:x:2"


@given(st.text(alphabet=st.sampled_from(["a", " ", "\n", "😀", "đ", "<", "&"]), max_size=9000))
def test_splitting_never_loses_words_or_exceeds_the_limit(text: str) -> None:
    pieces = split_text(text)
    assert all(utf16_len(p) <= MAX_TEXT for p in pieces)
    assert "".join(text.split()) == "".join("".join(pieces).split())


def test_escaping_never_pushes_a_piece_over_the_limit() -> None:
    text = "&" * 5000
    calls = render("1", Reply(text=text))
    assert len(calls) == 2
    for call in calls:
        assert utf16_len(visible_text(call.params["text"], "HTML")) <= MAX_TEXT


def test_short_buttons_share_a_row_and_long_ones_get_their_own() -> None:
    buttons = (
        Button("🔐 Đăng nhập Cổng Dịch vụ công", payload="guide:a"),
        Button("◀ Quay lại", payload="guide:a:1"),
        Button("Tiếp ▶", payload="guide:a:3"),
        Button("Cổng DVC", url="https://dichvucong.gov.vn"),
    )
    [call] = render("1", Reply(text="x", buttons=buttons))
    rows = call.params["reply_markup"].inline_keyboard
    assert [[k.text for k in row] for row in rows] == [
        ["🔐 Đăng nhập Cổng Dịch vụ công"],
        ["◀ Quay lại", "Tiếp ▶"],
        ["Cổng DVC"],
    ]
    assert rows[2][0].url == "https://dichvucong.gov.vn"


def test_an_image_carries_a_short_text_as_its_caption() -> None:
    image = Attachment("qr.png", b"png", "image/png")
    [call] = render("1", Reply(text="Mã QR <của tổ>", image=image))
    assert call.method == "sendPhoto"
    assert call.params["caption"] == "Mã QR &lt;của tổ&gt;"


def test_an_image_with_a_long_text_is_followed_by_the_text() -> None:
    image = Attachment("qr.png", b"png", "image/png")
    calls = render("1", Reply(text="x" * 2000, image=image, buttons=(Button("OK", payload="ok"),)))
    assert [c.method for c in calls] == ["sendPhoto", "sendMessage"]
    assert "caption" not in calls[0].params
    assert "reply_markup" in calls[1].params

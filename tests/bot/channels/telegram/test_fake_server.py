"""The fake Bot API server behaves like Telegram where our tests depend on it."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Bot
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)

from tests.support.fake_telegram import FakeTelegram


async def test_get_updates_holds_until_an_update_arrives_and_honours_the_offset(
    tg: FakeTelegram,
) -> None:
    async with Bot("123:abc", base_url=tg.base_url) as bot:
        polling = asyncio.create_task(bot.get_updates(timeout=30))
        await asyncio.sleep(0.2)
        assert not polling.done(), "an empty long poll waits instead of answering []"
        update_id = tg.queue_update(tg.message(42, "xin chào"))
        [update] = await asyncio.wait_for(polling, 10)
        assert update.update_id == update_id and update.message.text == "xin chào"
        assert await bot.get_updates(offset=update_id + 1, timeout=0) == ()


async def test_get_updates_conflicts_with_a_webhook(tg: FakeTelegram) -> None:
    async with Bot("123:abc", base_url=tg.base_url) as bot:
        await bot.set_webhook("https://bot.example.vn/hook", secret_token="s")
        with pytest.raises(Conflict):
            await bot.get_updates(timeout=0)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (403, Forbidden),
        (429, RetryAfter),
        (400, BadRequest),
        (500, NetworkError),
        ("drop", NetworkError),
    ],
)
async def test_injected_failures_reach_the_client_as_telegram_raises_them(
    tg: FakeTelegram, status: int | str, error: type[Exception]
) -> None:
    tg.fail_next("sendMessage", status)
    async with Bot("123:abc", base_url=tg.base_url) as bot:
        with pytest.raises(error):
            await bot.send_message(42, "x")
        assert (await bot.send_message(42, "y")).text == "y"


async def test_html_mistakes_are_refused_like_telegram_does(tg: FakeTelegram) -> None:
    async with Bot("123:abc", base_url=tg.base_url) as bot:
        for text in ("a < b", "<b>unclosed", "<script>x</script>", "AT&T", "x" * 4097):
            with pytest.raises(BadRequest):
                await bot.send_message(42, text, parse_mode="HTML")
        sent = await bot.send_message(
            42, "<b>đậm</b> &lt;ok&gt; &amp; " + "😀" * 2000, parse_mode="HTML"
        )
        assert sent.text.startswith("đậm <ok> &")


async def test_a_wrong_token_is_unauthorized(tg: FakeTelegram) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("999:nope", base_url=tg.base_url):
            pass

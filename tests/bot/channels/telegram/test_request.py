"""PTB on aiohttp: Bot API calls arrive as PTB's own client sends them, and failures are PTB's."""

from __future__ import annotations

import pytest
from telegram import Bot
from telegram.error import NetworkError, RetryAfter, TelegramError, TimedOut

from bot.channels.telegram.prepared import prepare
from bot.channels.telegram.render import Outgoing
from bot.channels.telegram.request import AiohttpRequest
from tests.support.fake_telegram import FakeTelegram
from tests.support.process import free_port

TOKEN = "123:abc"


async def test_messages_and_photos_reach_the_bot_api_in_its_wire_format() -> None:
    tg = FakeTelegram(TOKEN)
    async with tg, Bot(TOKEN, base_url=tg.base_url, request=AiohttpRequest()) as bot:
        sent = await bot.send_message(42, "<b>Xin chào</b> bạn", parse_mode="HTML")
        await bot.send_photo(42, photo=b"\x89PNG\r\n\x1a\n fake", caption="Mã QR")
    assert sent.text == "Xin chào bạn" and sent.chat.id == 42
    message, photo = [c for c in tg.calls if c.method in ("sendMessage", "sendPhoto")]
    assert message.params["chat_id"] == "42" and message.params["parse_mode"] == "HTML"
    assert photo.params["caption"] == "Mã QR"
    assert photo.files["photo"].data.startswith(b"\x89PNG")


async def test_a_slow_answer_is_a_timeout_and_a_dropped_connection_a_network_error() -> None:
    async with FakeTelegram(TOKEN) as tg:
        request = AiohttpRequest(read_timeout=0.2)
        async with Bot(TOKEN, base_url=tg.base_url, request=request) as bot:
            tg.slow("sendMessage", 1.0)
            with pytest.raises(TimedOut):
                await bot.send_message(42, "xin chào")
            tg.fail_next("sendMessage", "drop")
            with pytest.raises(NetworkError):
                await bot.send_message(42, "xin chào")
            assert (await bot.send_message(42, "lần nữa")).text == "lần nữa"  # still usable


async def test_an_unreachable_server_is_a_network_error() -> None:
    url = f"http://127.0.0.1:{free_port()}/bot"  # nothing listens there
    bot = Bot(TOKEN, base_url=url, request=AiohttpRequest())
    await bot.request.initialize()
    try:
        with pytest.raises(NetworkError):
            await bot.send_message(42, "xin chào")
    finally:
        await bot.request.shutdown()


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 429, 500, 502, "drop"])
async def test_a_prepared_form_fails_with_the_error_ptb_raises_for_the_same_answer(
    status: int | str,
) -> None:
    async with FakeTelegram(TOKEN) as tg:
        request = AiohttpRequest()
        async with Bot(TOKEN, base_url=tg.base_url, request=request) as bot:
            tg.fail_next("sendMessage", status, retry_after=3 if status == 429 else None)
            with pytest.raises(TelegramError) as by_ptb:
                await bot.send_message(42, "a")
            call = prepare(bot.base_url, Outgoing("sendMessage", {"text": "a"}), {})
            assert call is not None
            tg.fail_next("sendMessage", status, retry_after=3 if status == 429 else None)
            with pytest.raises(TelegramError) as prepared:
                await request.post_form(call.url, call.form("42"))
            await request.post_form(call.url, call.form("42"))  # and then a success
    assert type(prepared.value) is type(by_ptb.value)
    assert str(prepared.value) == str(by_ptb.value)
    if isinstance(by_ptb.value, RetryAfter):
        assert isinstance(prepared.value, RetryAfter)
        assert prepared.value.retry_after == by_ptb.value.retry_after
    sent = tg.calls_to("sendMessage")
    assert [c.params for c in sent if c.status == 200] == [{"chat_id": "42", "text": "a"}]

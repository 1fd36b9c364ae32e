"""Citizens on Telegram, end to end over long polling: PTB, the core and storage for real."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from storage.models import Contact, OutreachEvent
from tests.bot.channels.telegram.conftest import Dvcbot
from tests.support.fake_telegram import FakeTelegram


async def contact(bot: Dvcbot, user_id: int) -> Contact | None:
    async with bot.runtime.sessions() as session:
        return await session.scalar(
            select(Contact).where(
                Contact.channel == "telegram", Contact.platform_user_id == str(user_id)
            )
        )


async def test_start_shows_the_menu_keyboard_and_a_press_opens_the_guide(
    polling: Dvcbot, tg: FakeTelegram
) -> None:
    tg.queue_update(tg.message(42, "/start"))
    [menu] = await tg.wait_for("sendMessage")
    assert menu.chat_id == "42"
    assert menu.params["parse_mode"] == "HTML"
    assert "Xin chào" in menu.text
    labels = [b["text"] for b in menu.buttons]
    assert "🪪 Tài khoản VNeID mức 2" in labels

    vneid = next(b for b in menu.buttons if "VNeID" in b["text"])
    update = tg.callback(42, vneid["callback_data"])
    tg.queue_update(update)
    [answer] = await tg.wait_for("answerCallbackQuery")
    assert answer.params["callback_query_id"] == update["callback_query"]["id"]
    guide = (await tg.wait_for("sendMessage", 2))[-1]
    assert "Bước 1/" in guide.text
    assert any("Tiếp" in b["text"] for b in guide.buttons)


async def test_command_menu_is_set_in_vietnamese_on_start(
    polling: Dvcbot, tg: FakeTelegram
) -> None:
    [call] = tg.calls_to("setMyCommands")
    commands = {c["command"]: c["description"] for c in call.params["commands"]}
    assert set(commands) == {"start", "menu", "help", "hoicanbo", "huy"}
    assert commands["huy"] == "Dừng việc đang làm"
    assert polling.runtime.services["telegram_username"] == tg.bot_username


async def test_deep_link_start_carries_the_code_into_the_first_contact(
    polling: Dvcbot, tg: FakeTelegram
) -> None:
    tg.queue_update(tg.message(7, "/start ref_TX7K2M"))
    await tg.wait_for("sendMessage")
    async with polling.runtime.sessions() as session:
        event = await session.scalar(select(OutreachEvent))
    assert event is not None and event.kind == "first_contact"
    assert event.ref == "ref_TX7K2M"


async def test_a_malformed_start_code_is_ignored_and_the_menu_shown(
    polling: Dvcbot, tg: FakeTelegram
) -> None:
    tg.queue_update(tg.message(7, "/start <script>alert(1)</script>"))
    [menu] = await tg.wait_for("sendMessage")
    assert "Xin chào" in menu.text
    async with polling.runtime.sessions() as session:
        event = await session.scalar(select(OutreachEvent))
    assert event is not None and event.ref is None


async def test_the_same_update_delivered_twice_is_answered_once(
    polling: Dvcbot, tg: FakeTelegram
) -> None:
    update = tg.message(42, "/menu")
    tg.queue_update(update)
    await tg.wait_for("sendMessage")
    tg.queue_update(update)  # same update_id, e.g. after a crash before the offset was confirmed
    tg.queue_update(tg.message(42, "/help"))
    await tg.wait_for("sendMessage", 2)
    await asyncio.sleep(0.3)
    assert len(tg.calls_to("sendMessage")) == 2


async def test_a_person_who_blocked_the_bot_is_marked_unreachable_until_they_return(
    polling: Dvcbot, tg: FakeTelegram
) -> None:
    tg.queue_update(tg.message(42, "/start"))
    await tg.wait_for("sendMessage")
    tg.queue_update(tg.my_chat_member(42, "kicked"))
    await wait_until(lambda: reachable(polling, 42), False)
    tg.queue_update(tg.my_chat_member(42, "member"))
    await wait_until(lambda: reachable(polling, 42), True)

    tg.fail_next("sendMessage", 403)  # blocked between their message and our answer
    tg.queue_update(tg.message(42, "/help"))
    await tg.wait_for("sendMessage", 2)
    await wait_until(lambda: reachable(polling, 42), False)


async def test_a_429_waits_retry_after_and_the_answer_still_arrives(
    polling: Dvcbot, tg: FakeTelegram
) -> None:
    tg.fail_next("sendMessage", 429, retry_after=1)
    tg.queue_update(tg.message(42, "/start"))
    calls = await tg.wait_for("sendMessage", 2)
    assert [c.status for c in calls] == [429, 200]
    assert calls[1].at - calls[0].at >= 1.0


async def test_network_errors_are_retried_with_backoff(polling: Dvcbot, tg: FakeTelegram) -> None:
    tg.fail_next("sendMessage", "drop")
    tg.fail_next("sendMessage", 500)
    tg.queue_update(tg.message(42, "/start"))
    calls = await tg.wait_for("sendMessage", 3)
    assert [c.status for c in calls] == [0, 500, 200]
    assert "Xin chào" in calls[-1].text


async def test_one_failing_update_does_not_stop_the_others(
    polling: Dvcbot, tg: FakeTelegram
) -> None:
    tg.fail_next("sendMessage", 400, description="Bad Request: chat not found")
    tg.queue_update(tg.message(1, "/start"))
    tg.queue_update(tg.message(2, "/start"))
    await tg.wait_for("sendMessage", where=lambda c: c.status == 200)
    tg.queue_update(tg.message(3, "/start"))
    sent = await tg.wait_for("sendMessage", 2, where=lambda c: c.status == 200)
    assert len(sent) == 2


async def test_messages_from_one_person_are_answered_in_order_while_others_write(
    polling: Dvcbot, tg: FakeTelegram
) -> None:
    script = ["/start", "1", "1", "/menu", "2", "/help"]
    tg.slow("sendMessage", 0.5)  # the first answer is slow to leave; the next must wait for it
    for index, text in enumerate(script):
        tg.queue_update(tg.message(100, text))
        tg.queue_update(tg.message(200 + index, "/start"))
    await tg.wait_for("sendMessage", 2 * len(script), timeout=30)
    ours = [c.text for c in tg.calls_to("sendMessage") if c.chat_id == "100"]
    assert "Xin chào" in ours[0]
    assert "Bước 1/" in ours[1]
    assert "Bước 2/" in ours[2]
    assert "Xin chào" in ours[3]
    assert "VNeID" in ours[4]
    assert "/huy" in ours[5]


async def reachable(bot: Dvcbot, user_id: int) -> bool:
    found = await contact(bot, user_id)
    assert found is not None
    return found.unreachable_at is None


async def wait_until(probe, expected: object, tries: int = 100) -> None:  # type: ignore[no-untyped-def]
    for _ in range(tries):
        if await probe() == expected:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never became {expected!r}")

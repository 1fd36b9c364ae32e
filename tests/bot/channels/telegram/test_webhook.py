"""The webhook route: secret checked, bad bodies refused fast, real update payloads answered."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import pytest
from sqlalchemy import select

from storage.models import Contact, Interaction
from tests.bot.channels.telegram.conftest import SECRET, Dvcbot, fixture
from tests.support.fake_telegram import FakeTelegram

FIXTURES = [
    "message_text",
    "start_command",
    "start_deep_link",
    "edited_message",
    "callback_query",
    "my_chat_member_kicked",
    "photo",
    "sticker",
    "group_message",
]


async def test_start_registers_the_webhook_with_its_secret(
    webhook: Dvcbot, tg: FakeTelegram
) -> None:
    assert tg.webhook["url"] == webhook.webhook_url
    assert tg.webhook["secret_token"] == SECRET
    assert "my_chat_member" in tg.webhook["allowed_updates"]
    assert tg.calls_to("getUpdates") == []


async def test_start_through_the_webhook_is_answered_with_the_menu(
    webhook: Dvcbot, tg: FakeTelegram
) -> None:
    tg.queue_update(tg.message(42, "/start"))  # the fake POSTs it to our route
    [menu] = await tg.wait_for("sendMessage")
    assert "Xin chào" in menu.text
    assert len(menu.buttons) >= 2


@pytest.mark.parametrize("backend", ["sqlite"])  # the route, not storage, is under test
@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x", SECRET[:-1]])
async def test_a_missing_or_wrong_secret_is_refused(
    webhook: Dvcbot, tg: FakeTelegram, secret: str | None
) -> None:
    status, _ = await webhook.post(fixture("start_command"), secret=secret)
    assert status == 403
    assert tg.calls_to("sendMessage") == []


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[1, 2]",
        b'{"message": {"text": "no update id"}}',
        b'{"update_id": "7"}',
        b'{"update_id": 7, "message": {"message_id": "x"}}',
    ],
)
async def test_a_malformed_body_is_refused_with_400(webhook: Dvcbot, body: bytes) -> None:
    status, _ = await webhook.post(body)
    assert status == 400


@pytest.mark.parametrize("name", FIXTURES)
async def test_every_recorded_update_is_accepted_without_error(
    webhook: Dvcbot, tg: FakeTelegram, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    status, _ = await webhook.post(fixture(name))
    assert status == 200
    if name in ("my_chat_member_kicked", "group_message"):
        await webhook.post(fixture("start_command"))  # something to wait for
    await tg.wait_for("sendMessage")
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []
    assert all(c.status == 200 for c in tg.calls)


async def test_a_photo_with_a_caption_is_read_as_its_caption_and_a_sticker_gets_the_menu(
    webhook: Dvcbot, tg: FakeTelegram
) -> None:
    await webhook.post(fixture("sticker"))
    [answer] = await tg.wait_for("sendMessage")
    assert "Bạn chưa gõ gì" in answer.text
    assert answer.buttons
    async with webhook.runtime.sessions() as session:
        kinds = (await session.scalars(select(Interaction.kind))).all()
    assert kinds == ["text"]


async def test_the_same_update_posted_twice_is_handled_once(
    webhook: Dvcbot, tg: FakeTelegram
) -> None:
    first = await webhook.post(fixture("start_command"))
    second = await webhook.post(fixture("start_command"))
    assert first[0] == second[0] == 200
    await tg.wait_for("sendMessage")
    await webhook.post(fixture("message_text"))
    await tg.wait_for("sendMessage", 2)
    assert len(tg.calls_to("sendMessage")) == 2


async def test_a_redelivery_to_another_instance_is_still_handled_once(
    webhook: Dvcbot, tg: FakeTelegram
) -> None:
    """Once handled, the inbox row is gone: the core's de-duplication by message id (in the
    shared database) still catches a late redelivery, on this instance or another."""
    await webhook.post(fixture("start_command"))
    await tg.wait_for("sendMessage")
    await webhook.post(fixture("start_command"))
    await webhook.post(fixture("message_text"))
    await tg.wait_for("sendMessage", 2)
    assert len(tg.calls_to("sendMessage")) == 2


async def test_blocking_the_bot_marks_the_contact_unreachable(
    webhook: Dvcbot, tg: FakeTelegram
) -> None:
    await webhook.post(fixture("message_text"))
    await tg.wait_for("sendMessage")
    status, _ = await webhook.post(fixture("my_chat_member_kicked"))
    assert status == 200
    for _ in range(100):
        async with webhook.runtime.sessions() as session:
            person = await session.scalar(select(Contact))
        assert person is not None
        if person.unreachable_at is not None:
            break
        await asyncio.sleep(0.05)
    assert person.unreachable_at is not None


async def test_healthz_reports_the_telegram_channel(webhook: Dvcbot) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{webhook.port}/healthz") as response,
    ):
        body = await response.json()
    assert "telegram" in body["channels"]
    assert body["telegram"] == {"mode": "webhook", "running": True, "username": "dvc_test_bot"}

"""Telegram updates acknowledged (a 200, or the polling offset moved past them) and then
left unhandled by a dying process are answered by the next one, once."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.inbox.plugin import INBOX
from storage.models import InboxItem, Interaction
from tests.bot.channels.telegram.conftest import SECRET, Dvcbot, fixture, serve, settings_for
from tests.support.fake_telegram import FakeTelegram


async def count(bot: Dvcbot, model: type) -> int:
    async with bot.runtime.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_webhook_update_acknowledged_before_a_crash_is_answered_after_the_restart(
    database_url: str, tg: FakeTelegram, webhook: Dvcbot
) -> None:
    await crash_and_restart(database_url, tg, webhook, "webhook")


async def test_a_polled_update_acknowledged_before_a_crash_is_answered_after_the_restart(
    database_url: str, tg: FakeTelegram, polling: Dvcbot
) -> None:
    await crash_and_restart(database_url, tg, polling, "polling")


async def crash_and_restart(database_url: str, tg: FakeTelegram, bot: Dvcbot, mode: str) -> None:
    await bot.app[INBOX].worker.stop()  # the process is about to die: nothing gets handled
    if mode == "webhook":
        status, _ = await bot.post(fixture("start_command"))
        assert status == 200
    else:
        tg.queue_update(fixture("start_command"))
        for _ in range(200):  # stored, and the next getUpdates acknowledged it
            if await count(bot, InboxItem) and not tg.updates:
                break
            await asyncio.sleep(0.02)
        assert tg.updates == [], "Telegram was told the update arrived"
    assert await count(bot, InboxItem) == 1
    assert tg.calls_to("sendMessage") == []
    await bot.server.close()

    extra = {}
    if mode == "webhook":
        extra = dict(
            telegram_mode="webhook",
            telegram_webhook_url=bot.webhook_url,
            telegram_webhook_secret=SECRET,
        )
    app, server = await serve(settings_for(database_url, tg, **extra), bot.port)
    try:
        restarted = Dvcbot(app, server, bot.port)
        [menu] = await tg.wait_for("sendMessage")
        assert "Xin chào" in menu.text
        await app[INBOX].worker.drain()
        assert await count(restarted, InboxItem) == 0
        assert await count(restarted, Interaction) == 1
        await asyncio.sleep(0.2)
        assert len(tg.calls_to("sendMessage")) == 1
    finally:
        await server.close()

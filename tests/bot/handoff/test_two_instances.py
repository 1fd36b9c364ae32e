"""Two dvcbot instances on one database behind a load balancer (Telegram webhook): officers are
notified once per ticket, and two officers pressing "Nhận xử lý" at once on different instances
never both get the ticket."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import aiohttp
from sqlalchemy import select

from storage import db
from storage.models import Ticket
from tests.bot.channels.telegram.conftest import SECRET, serve, settings_for
from tests.support.fake_telegram import FakeTelegram
from tests.support.officers import PROVINCE, person
from tests.support.process import free_port

ADMIN, OFFICER = 900, 902
CITIZENS = range(9100, 9110)


async def test_two_instances_notify_once_and_assign_once(
    database_url: str, sessions: db.SessionFactory, tg: FakeTelegram
) -> None:
    await person(sessions, str(ADMIN), "admin", channel="telegram")
    await person(sessions, str(OFFICER), "officer", province=PROVINCE, channel="telegram")
    servers, urls = [], []
    for _ in range(2):
        port = free_port()
        url = f"http://127.0.0.1:{port}/telegram/webhook"
        settings = settings_for(
            database_url, tg, telegram_mode="webhook", telegram_webhook_url=url,
            telegram_webhook_secret=SECRET,
        )  # fmt: skip
        servers.append((await serve(settings, port))[1])
        urls.append(url)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    ids = iter(range(1, 10_000))

    async with aiohttp.ClientSession() as http:

        async def post(instance: int, update: dict[str, Any]) -> None:
            body = json.dumps({"update_id": next(ids), **update})
            async with http.post(urls[instance], data=body, headers=headers) as response:
                assert response.status == 200

        try:
            for n, chat in enumerate(CITIZENS):
                await post(n % 2, tg.message(chat, f"/hoicanbo Câu hỏi số {n} về hộ tịch"))
            await tg.wait_for(
                "sendMessage", count=len(CITIZENS), where=lambda c: "xã/phường nào" in c.text
            )
            for n, chat in enumerate(CITIZENS):  # the answer reaches the other instance
                await post((n + 1) % 2, tg.callback(chat, "ask:c:-"))
            for chat in (ADMIN, OFFICER):
                await tg.wait_for(
                    "sendMessage", count=len(CITIZENS), timeout=30,
                    where=lambda c, chat=chat: c.chat_id == str(chat) and "Yêu cầu mới" in c.text,
                )  # fmt: skip
            await asyncio.sleep(1.5)  # both workers had time to send anything twice
            for chat in (ADMIN, OFFICER):
                codes = [
                    re.search(r"#(\w{6})", c.text).group(1)  # type: ignore[union-attr]
                    for c in tg.sent()
                    if c.chat_id == str(chat) and "Yêu cầu mới" in c.text
                ]
                assert len(codes) == len(set(codes)) == len(CITIZENS)

            async with sessions() as session:
                tickets = list(await session.scalars(select(Ticket)))
            await asyncio.gather(
                *(post(0, tg.callback(ADMIN, f"tk:take:{t.id}")) for t in tickets),
                *(post(1, tg.callback(OFFICER, f"tk:take:{t.id}")) for t in tickets),
            )
            took = await tg.wait_for(
                "sendMessage", count=len(CITIZENS), timeout=30,
                where=lambda c: "Bạn đã nhận xử lý" in c.text,
            )  # fmt: skip
            refused = await tg.wait_for(
                "sendMessage", count=len(CITIZENS), timeout=30,
                where=lambda c: "đã có cán bộ" in c.text,
            )  # fmt: skip
            assert len(took) == len(refused) == len(CITIZENS)
            async with sessions() as session:
                holders = [t.assignee_id for t in await session.scalars(select(Ticket))]
            assert None not in holders
        finally:
            for server in servers:
                await server.close()

"""A real dvcbot app (create_app, real sockets) wired to a local fake Zalo."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.channels.zalo.plugin import ZALO, ZaloService
from bot.config import Settings, load_settings
from bot.inbox.plugin import INBOX
from bot.runtime import Runtime
from bot.web.app import create_app
from bot.web.keys import RUNTIME
from storage import contacts
from storage.models import Contact
from tests.support.fake_zalo import (
    APP_ID,
    APP_SECRET,
    OA_SECRET,
    USER_ID,
    FakeZalo,
    event,
    signed,
)

_ids = itertools.count(1)


def zalo_settings(database_url: str, fake: FakeZalo, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "zalo_app_id": APP_ID,
        "zalo_app_secret": APP_SECRET,
        "zalo_oa_secret": OA_SECRET,
        "zalo_access_token": fake.access_token,
        "zalo_refresh_token": fake.refresh_token,
        "zalo_api_url": fake.url,
        "zalo_oauth_url": fake.url,
    }
    return load_settings(**{**values, **extra})


@dataclass
class ZaloApp:
    """The app under test, seen from Zalo's side: post webhook events, read what came back."""

    client: TestClient[web.Request, web.Application]
    app: web.Application
    fake: FakeZalo

    @property
    def service(self) -> ZaloService:
        return self.app[ZALO]

    @property
    def runtime(self) -> Runtime:
        return self.app[RUNTIME]

    async def post(
        self, payload: dict[str, Any], *, secret: str = OA_SECRET
    ) -> aiohttp.ClientResponse:
        body, headers = signed(payload, secret)
        return await self.client.post("/zalo/webhook", data=body, headers=headers)

    async def deliver(self, payload: dict[str, Any]) -> list[dict[str, Any]]:
        """Post a signed event, wait until it is handled; the messages it caused at the fake."""
        before = len(self.fake.delivered())
        response = await self.post(payload)
        assert response.status == 200, await response.text()
        await self.drain()
        return self.fake.delivered()[before:]

    async def say(self, text: str, user: str = USER_ID) -> list[dict[str, Any]]:
        return await self.deliver(event("user_send_text", text=text, msg_id=next_id(), user=user))

    async def drain(self) -> None:
        await self.app[INBOX].worker.drain()

    async def contact(self, user: str = USER_ID) -> Contact | None:
        async with self.runtime.sessions() as session:
            return await contacts.get(session, "zalo", user)

    async def count(self, model: type[Any]) -> int:
        async with self.runtime.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def next_id() -> str:
    return f"msg{next(_ids):06d}"


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeZalo]:
    server = FakeZalo()
    await server.start()
    yield server
    await server.close()


async def start_app(settings: Settings, fake: FakeZalo) -> ZaloApp:
    client: TestClient[web.Request, web.Application] = TestClient(TestServer(create_app(settings)))
    await client.start_server()
    return ZaloApp(client, client.app, fake)  # type: ignore[arg-type]


@pytest_asyncio.fixture
async def zalo(database_url: str, fake: FakeZalo) -> AsyncIterator[ZaloApp]:
    running = await start_app(zalo_settings(database_url, fake), fake)
    yield running
    await running.client.close()

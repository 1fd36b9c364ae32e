"""The OA's tokens rotate safely: refreshed once when expired or close to expiry, never twice
with the same single-use refresh token (not even by two instances), saved before use, and a
refused refresh is loud and not retried in a loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import aiohttp
import pytest
import pytest_asyncio

from bot.channels.zalo.client import ZaloClient
from bot.channels.zalo.tokens import KEY, TokenError, ZaloTokens
from handlers.types import utcnow
from storage import app_state, db
from tests.bot.channels.zalo.conftest import ZaloApp, next_id, start_app, zalo_settings
from tests.support.fake_zalo import APP_ID, APP_SECRET, FakeZalo, event


async def stored_tokens(sessions: db.SessionFactory) -> dict:
    async with sessions() as session:
        value = await app_state.get(session, KEY)
    assert value is not None
    return value


async def test_an_expired_token_is_refreshed_once_and_the_message_delivered(
    zalo: ZaloApp,
) -> None:
    zalo.fake.expire_access_token()
    [reply] = await zalo.say("menu")
    assert "dvcbot" in reply["text"]
    [refresh] = zalo.fake.refreshes
    assert refresh.headers["secret_key"] == APP_SECRET
    assert refresh.body == {
        "refresh_token": "refresh-0",
        "app_id": APP_ID,
        "grant_type": "refresh_token",
    }
    refused, accepted = zalo.fake.messages
    assert refused.answer["error"] == -220
    assert accepted.headers["access_token"] == zalo.fake.access_token != "access-0"
    stored = await stored_tokens(zalo.runtime.sessions)
    assert stored["access_token"] == zalo.fake.access_token
    assert stored["refresh_token"] == zalo.fake.refresh_token


async def test_concurrent_expiries_refresh_once(zalo: ZaloApp) -> None:
    zalo.fake.expire_access_token()
    zalo.fake.refresh_delay = 0.3
    users = [f"user-{n}" for n in range(4)]
    for user in users:
        await zalo.post(event("user_send_text", text="menu", msg_id=next_id(), user=user))
    await zalo.drain()
    assert len(zalo.fake.refreshes) == 1
    assert all(len(zalo.fake.delivered(user)) == 1 for user in users)


async def test_two_instances_refresh_with_the_single_use_token_once(
    database_url: str, fake: FakeZalo
) -> None:
    settings = zalo_settings(database_url, fake)
    first = await start_app(settings, fake)
    second = await start_app(settings, fake)
    try:
        fake.expire_access_token()
        fake.refresh_delay = 0.3
        await asyncio.gather(
            first.post(event("user_send_text", text="menu", msg_id=next_id(), user="a")),
            second.post(event("user_send_text", text="menu", msg_id=next_id(), user="b")),
        )
        await asyncio.gather(first.drain(), second.drain())
        assert [r.answer.get("access_token") is not None for r in fake.refreshes] == [True]
        assert len(fake.delivered("a")) == 1 and len(fake.delivered("b")) == 1
        # Either instance's inbox worker may have answered either event (a shared inbox).
        assert fake.access_token in (first.service.tokens.current, second.service.tokens.current)
    finally:
        await first.client.close()
        await second.client.close()


async def test_a_refused_refresh_is_loud_in_healthz_and_never_retried_in_a_loop(
    zalo: ZaloApp, caplog: pytest.LogCaptureFixture
) -> None:
    zalo.fake.refresh_tokens.clear()  # the OA's authorisation was revoked
    zalo.fake.expire_access_token()
    assert await zalo.say("menu") == []
    health = await (await zalo.client.get("/healthz")).json()
    assert health["zalo"]["status"] == "error"
    assert "Invalid refresh token" in health["zalo"]["error"]
    assert any(
        r.levelno == logging.CRITICAL and "DVCBOT_ZALO_REFRESH_TOKEN" in r.getMessage()
        for r in caplog.records
    )
    assert await zalo.say("menu") == []
    assert len(zalo.fake.refreshes) == 1


async def test_an_unreachable_token_endpoint_is_tried_again_later_not_at_once(
    zalo: ZaloApp,
) -> None:
    zalo.fake.oauth_status = 503
    zalo.fake.expire_access_token()
    assert await zalo.say("menu") == []
    assert await zalo.say("menu") == []
    assert len(zalo.fake.refreshes) == 1
    health = await (await zalo.client.get("/healthz")).json()
    assert "HTTP 503" in health["zalo"]["error"]


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def tokens_for(
    http: aiohttp.ClientSession,
    sessions: db.SessionFactory,
    fake: FakeZalo,
    clock: Clock,
    *,
    access: str = "access-0",
    refresh: str = "refresh-0",
) -> ZaloTokens:
    client = ZaloClient(
        http, app_id=APP_ID, app_secret=APP_SECRET, api_url=fake.url, oauth_url=fake.url
    )
    return ZaloTokens(client, sessions, access_token=access, refresh_token=refresh, clock=clock)


async def test_a_token_close_to_expiry_is_refreshed_before_use(
    http: aiohttp.ClientSession, sessions: db.SessionFactory, fake: FakeZalo
) -> None:
    clock = Clock()
    tokens = tokens_for(http, sessions, fake, clock)
    await tokens.load()
    assert await tokens.access_token() == "access-0"  # expiry unknown: used until Zalo objects
    await tokens.refresh("access-0")
    assert tokens.health()["token_expires_at"] == (clock.now + timedelta(hours=25)).isoformat()
    clock.now += timedelta(hours=22)
    assert await tokens.access_token() == fake.access_token  # still 3 h left: no refresh
    assert len(fake.refreshes) == 1
    clock.now += timedelta(hours=1, minutes=30)
    assert await tokens.access_token() == fake.access_token
    assert len(fake.refreshes) == 2


async def test_a_restart_keeps_rotated_tokens_and_new_settings_replace_them(
    http: aiohttp.ClientSession, sessions: db.SessionFactory, fake: FakeZalo
) -> None:
    clock = Clock()
    first = tokens_for(http, sessions, fake, clock)
    await first.load()
    rotated = await first.refresh("access-0")
    restarted = tokens_for(http, sessions, fake, clock)
    await restarted.load()
    assert restarted.current == rotated  # not the spent pair from the settings
    reauthorised = tokens_for(http, sessions, fake, clock, access="access-new", refresh="rt-new")
    await reauthorised.load()
    assert reauthorised.current == "access-new"
    assert (await stored_tokens(sessions))["refresh_token"] == "rt-new"
    lagging = tokens_for(http, sessions, fake, clock)  # an instance still on the old settings
    await lagging.load()
    assert lagging.current == "access-new"  # it adopts the store, never brings back a spent pair
    assert (await stored_tokens(sessions))["refresh_token"] == "rt-new"


async def test_a_stale_caller_adopts_the_token_another_refreshed(
    http: aiohttp.ClientSession, sessions: db.SessionFactory, fake: FakeZalo
) -> None:
    clock = Clock()
    one, other = tokens_for(http, sessions, fake, clock), tokens_for(http, sessions, fake, clock)
    await one.load()
    await other.load()
    fresh = await one.refresh("access-0")
    assert await other.refresh("access-0") == fresh
    assert len(fake.refreshes) == 1
    fake.refresh_tokens.clear()
    fake.expire_access_token()
    with pytest.raises(TokenError):
        await other.refresh(fresh)
    assert other.health()["status"] == "error"


async def test_the_upkeep_loop_refreshes_ahead_of_expiry_without_traffic(
    http: aiohttp.ClientSession, sessions: db.SessionFactory, fake: FakeZalo
) -> None:
    clock = Clock()
    tokens = tokens_for(http, sessions, fake, clock)
    await tokens.load()
    await tokens.refresh("access-0")
    clock.now += timedelta(hours=24)
    upkeep = asyncio.create_task(tokens.keep_fresh(interval=0.01))
    try:
        await fake.wait_for_refreshes(2)
    finally:
        upkeep.cancel()
        await tokens.close()  # a refresh in flight finishes even though its caller is gone
    assert tokens.current == fake.access_token
    assert not tokens.due()
    assert (await stored_tokens(sessions))["access_token"] == fake.access_token


async def test_a_refresh_outlives_its_cancelled_caller(
    http: aiohttp.ClientSession, sessions: db.SessionFactory, fake: FakeZalo
) -> None:
    tokens = tokens_for(http, sessions, fake, Clock())
    await tokens.load()
    fake.refresh_delay = 0.2
    caller = asyncio.create_task(tokens.refresh("access-0"))
    await fake.wait_for_refreshes(1)  # Zalo has the refresh token: it is spent now
    caller.cancel()
    await tokens.close()
    assert caller.cancelled()
    assert tokens.current == fake.access_token == "access-1"
    assert (await stored_tokens(sessions))["refresh_token"] == fake.refresh_token

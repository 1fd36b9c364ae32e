"""DVCBOT_ZALO_* settings: all-or-nothing, secrets hidden, and the disputed signing key chosen."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.config import ConfigError, load_settings
from bot.web.app import create_app
from tests.bot.channels.zalo.conftest import start_app, zalo_settings
from tests.support.fake_zalo import APP_SECRET, OA_SECRET, FakeZalo, event, signed


def test_a_partly_configured_zalo_names_every_missing_variable() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(zalo_app_id="123", zalo_access_token="a")
    message = str(caught.value)
    for name in ("APP_SECRET", "OA_SECRET", "REFRESH_TOKEN"):
        assert f"DVCBOT_ZALO_{name}" in message
    assert "DVCBOT_ZALO_APP_ID" not in message.split("also set", 1)[1]


def test_secrets_stay_out_of_reprs() -> None:
    settings = load_settings(
        zalo_app_id="123",
        zalo_app_secret="app-secret-value",
        zalo_oa_secret="oa-secret-value",
        zalo_access_token="access-value",
        zalo_refresh_token="refresh-value",
    )
    assert settings.zalo_enabled
    shown = repr(settings)
    assert not any(s in shown for s in ("secret-value", "access-value", "refresh-value"))


async def test_without_zalo_settings_there_is_no_webhook(database_url: str) -> None:
    app = create_app(load_settings(database_url=database_url))
    async with TestClient(TestServer(app)) as client:
        response = await client.post("/zalo/webhook", data=b"{}")
        assert response.status == 404
        health = await (await client.get("/healthz")).json()
        assert "zalo" not in health and "zalo" not in health["channels"]


async def test_the_app_secret_can_be_the_signing_key(database_url: str, fake: FakeZalo) -> None:
    settings = zalo_settings(
        database_url, fake, zalo_signature_key="app_secret", zalo_oa_secret=None
    )
    running = await start_app(settings, fake)
    try:
        body, headers = signed(event("user_send_text", text="menu"), OA_SECRET)
        response = await running.client.post("/zalo/webhook", data=body, headers=headers)
        assert response.status == 401
        body, headers = signed(event("user_send_text", text="menu"), APP_SECRET)
        response = await running.client.post("/zalo/webhook", data=body, headers=headers)
        assert response.status == 200
        await running.drain()
        assert len(fake.delivered()) == 1
    finally:
        await running.client.close()


def test_zalo_addresses_must_be_http_urls() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(zalo_api_url="openapi.zalo.me")
    assert "DVCBOT_ZALO_API_URL" in str(caught.value)
    assert (
        load_settings(zalo_oauth_url="http://127.0.0.1:9/").zalo_oauth_url == "http://127.0.0.1:9"
    )

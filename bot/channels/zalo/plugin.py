"""The Zalo plugin: the webhook route, and the client, tokens and channel living with the app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import aiohttp
from aiohttp import web
from pydantic import SecretStr

from bot.channels.zalo.channel import ZaloChannel
from bot.channels.zalo.client import ZaloClient
from bot.channels.zalo.events import CHANNEL
from bot.channels.zalo.inbox import ZaloEventHandler
from bot.channels.zalo.render import Rendering
from bot.channels.zalo.tokens import ZaloTokens
from bot.channels.zalo.webhook import ZaloWebhook
from bot.config import Settings
from bot.i18n import _
from bot.inbox.plugin import INBOX
from bot.web.keys import HTTP, RUNTIME, SETTINGS
from bot.web.plugins import Plugin
from handlers.routing import button_actions
from storage.db import SessionFactory

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/zalo/webhook"


@dataclass
class ZaloService:
    """Everything the Zalo channel runs on, kept on the app under `ZALO`."""

    client: ZaloClient
    tokens: ZaloTokens
    channel: ZaloChannel
    webhook: ZaloWebhook


ZALO = web.AppKey("zalo", ZaloService)


def secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value is not None else ""


def signing_key(settings: Settings) -> str:
    if settings.zalo_signature_key == "app_secret":
        return secret(settings.zalo_app_secret)
    return secret(settings.zalo_oa_secret)


async def receive(request: web.Request) -> web.Response:
    """The webhook route; 503 until the channel has started."""
    service = request.app.get(ZALO)
    if service is None:
        return web.json_response({"ok": False, "error": "starting"}, status=503)
    return await service.webhook(request)


def setup(app: web.Application, settings: Settings) -> None:
    app.router.add_post(WEBHOOK_PATH, receive, name="zalo-webhook")


def build_client(http: aiohttp.ClientSession, settings: Settings) -> ZaloClient:
    assert settings.zalo_app_id is not None
    return ZaloClient(
        http,
        app_id=settings.zalo_app_id,
        app_secret=secret(settings.zalo_app_secret),
        api_url=settings.zalo_api_url,
        oauth_url=settings.zalo_oauth_url,
    )


async def load_tokens(
    client: ZaloClient, sessions: SessionFactory, settings: Settings
) -> ZaloTokens:
    tokens = ZaloTokens(
        client,
        sessions,
        access_token=secret(settings.zalo_access_token),
        refresh_token=secret(settings.zalo_refresh_token),
    )
    await tokens.load()
    return tokens


async def lifecycle(app: web.Application) -> AsyncIterator[None]:
    settings, runtime = app[SETTINGS], app[RUNTIME]
    assert settings.zalo_app_id is not None
    client = build_client(app[HTTP], settings)
    tokens = await load_tokens(client, runtime.sessions, settings)
    rendering = Rendering(
        button_type=settings.zalo_button_type,
        max_buttons=settings.zalo_max_buttons,
        payload_prefix=settings.zalo_payload_prefix,
    )
    channel = ZaloChannel(
        client,
        tokens,
        runtime.sessions,
        rendering=rendering,
        window=timedelta(hours=settings.zalo_proactive_window_hours),
    )
    handler = ZaloEventHandler(
        runtime.core,
        channel,
        payload_prefix=settings.zalo_payload_prefix,
        known_actions=button_actions(runtime.core.routers),
    )
    inbox = app[INBOX]
    webhook = ZaloWebhook(
        inbox.writer,
        app_id=settings.zalo_app_id,
        secret=signing_key(settings),
        max_age=settings.zalo_webhook_max_age,
    )
    app[ZALO] = ZaloService(client, tokens, channel, webhook)
    runtime.channels[CHANNEL] = channel
    health = runtime.services.setdefault("health", {})
    health["zalo"] = lambda: {**tokens.health(), "webhook": webhook.health()}
    inbox.worker.register(CHANNEL, handler)
    upkeep = asyncio.create_task(tokens.keep_fresh(), name="zalo-token-upkeep")
    try:
        yield
    finally:
        await inbox.worker.unregister(CHANNEL)
        upkeep.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await upkeep
        await tokens.close()
        runtime.channels.pop(CHANNEL, None)
        health.pop("zalo", None)


def describe(settings: Settings) -> str:
    return _("Zalo Official Account (webhook {url})").format(url=settings.base_url + WEBHOOK_PATH)


def plugin() -> Plugin:
    return Plugin(
        name=CHANNEL,
        enabled=lambda settings: settings.zalo_enabled,
        how_to_enable=lambda: _(
            "Zalo Official Account. To turn it on, set DVCBOT_ZALO_APP_ID, "
            "DVCBOT_ZALO_APP_SECRET, DVCBOT_ZALO_OA_SECRET, DVCBOT_ZALO_ACCESS_TOKEN and "
            "DVCBOT_ZALO_REFRESH_TOKEN (see README, Zalo)"
        ),
        setup=setup,
        lifecycle=lifecycle,
        describe=describe,
    )

"""Mounting Telegram on the web app: the webhook route and the plugin that runs the bot."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.error import InvalidToken

from bot.channels.telegram.channel import CHANNEL
from bot.channels.telegram.service import TelegramService
from bot.channels.telegram.updates import inbox_item
from bot.config import Settings
from bot.i18n import _
from bot.inbox.plugin import INBOX
from bot.web.keys import RUNTIME, SETTINGS
from bot.web.plugins import Plugin, StartupError

logger = logging.getLogger(__name__)

TELEGRAM = web.AppKey("telegram", TelegramService)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_PATH = "/telegram/webhook"


def webhook_path(settings: Settings) -> str:
    """The route's path: the path of DVCBOT_TELEGRAM_WEBHOOK_URL."""
    url = settings.telegram_webhook_url
    return (urlsplit(url).path if url else "") or DEFAULT_PATH


async def receive_update(request: web.Request) -> web.Response:
    """Telegram's POST: secret checked in constant time, body parsed, update stored in the
    inbox, then 200 (a 500 when it could not be stored: Telegram sends it again)."""
    service = request.app.get(TELEGRAM)
    secret = request.app[SETTINGS].telegram_webhook_secret
    if service is None or not service.running or secret is None:
        return web.Response(status=503, text="telegram is not running")
    given = request.headers.get(SECRET_HEADER, "").encode()
    if not hmac.compare_digest(given, secret.get_secret_value().encode()):
        logger.warning("telegram webhook call with a wrong or missing secret")
        return web.Response(status=403, text="forbidden")
    if (request.content_length or 0) > request.client_max_size:
        raise web.HTTPRequestEntityTooLarge(
            max_size=request.client_max_size, actual_size=request.content_length or 0
        )
    body = await request.read()  # over the app's limit: 413 from aiohttp, not "malformed"
    try:
        raw = body.decode()
        data = json.loads(raw)
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            raise ValueError("not an update")
        update = Update.de_json(data, service.application.bot)
    except Exception:  # any malformed body; PTB's parser raises many kinds
        logger.warning("malformed telegram webhook body rejected")
        return web.Response(status=400, text="malformed update")
    try:
        [new] = await service.inbox.writer.store([inbox_item(update, raw)])
    except Exception:
        return web.Response(status=500, text="not stored; send it again")
    if not new:
        logger.info("telegram update %s delivered again, skipped", update.update_id)
    return web.Response(text="ok")


def setup(app: web.Application, settings: Settings) -> None:
    if settings.telegram_mode == "webhook":
        app.router.add_post(webhook_path(settings), receive_update, name="telegram-webhook")


async def lifecycle(app: web.Application) -> AsyncIterator[None]:
    runtime = app[RUNTIME]
    service = TelegramService(app[SETTINGS], runtime, app[INBOX])
    try:
        await service.start()
    except InvalidToken:
        await service.stop()
        raise StartupError(
            _("Telegram refused DVCBOT_TELEGRAM_TOKEN; check the token from @BotFather.")
        ) from None
    app[TELEGRAM] = service
    runtime.channels[CHANNEL] = service.channel
    runtime.services["telegram_username"] = service.username
    runtime.services["telegram_set_commands"] = service.channel.set_commands
    runtime.services.setdefault("health", {})[CHANNEL] = service.health
    try:
        yield
    finally:
        runtime.channels.pop(CHANNEL, None)
        await service.stop()


def describe(settings: Settings) -> str:
    if settings.telegram_mode == "webhook":
        return _("Telegram (webhook at {path})").format(path=webhook_path(settings))
    return _("Telegram (long polling)")


def plugin() -> Plugin:
    return Plugin(
        name=CHANNEL,
        enabled=lambda settings: settings.telegram_token is not None,
        how_to_enable=lambda: _(
            "Telegram. To turn it on, set DVCBOT_TELEGRAM_TOKEN (from @BotFather) and "
            "DVCBOT_TELEGRAM_USERNAME (for t.me links)"
        ),
        setup=setup,
        lifecycle=lifecycle,
        describe=describe,
    )

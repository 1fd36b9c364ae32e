"""The PTB Application: built from settings, started and stopped with the web app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder

from bot.broadcast.config import in_flight_limit
from bot.channels.shared_rate import shared_rate
from bot.channels.telegram.channel import CHANNEL, TelegramChannel
from bot.channels.telegram.limits import RateLimiter
from bot.channels.telegram.ordering import PerChatOrder
from bot.channels.telegram.polling import Poller
from bot.channels.telegram.request import AiohttpRequest
from bot.channels.telegram.updates import ALLOWED_UPDATES, UpdateHandler, chat_key
from bot.config import Settings
from bot.inbox.plugin import Inbox
from bot.runtime import Runtime

logger = logging.getLogger(__name__)

START_RETRIES = (1.0, 2.0, 4.0, 8.0)  # backoff when the Bot API is unreachable at start-up


def build_application(
    settings: Settings, *, webhook: bool | None = None, networking: str = "aiohttp"
) -> Application:
    """The PTB Application for our settings: rate limited, concurrent, per-chat ordered;
    without an Updater in webhook mode (updates come through our aiohttp route). Its
    networking runs on aiohttp; `networking="httpx"` keeps PTB's default (for comparisons)."""
    assert settings.telegram_token is not None
    builder: ApplicationBuilder = (
        Application.builder()
        .token(settings.telegram_token.get_secret_value())
        .base_url(settings.telegram_api_url)
        .base_file_url(settings.telegram_file_url)
        .rate_limiter(RateLimiter(overall_max_rate=settings.telegram_max_rate, max_retries=3))
        .concurrent_updates(PerChatOrder(chat_key))
        .job_queue(None)
    )
    if networking == "httpx":
        builder = builder.connection_pool_size(64)
    else:
        # Enough connections for every broadcast message the sender may keep in flight.
        in_flight = in_flight_limit(settings.telegram_rate, settings.broadcast_max_in_flight)
        pool = max(64, in_flight + 16)
        builder = builder.request(AiohttpRequest(pool_size=pool)).get_updates_request(
            AiohttpRequest()
        )
    if webhook if webhook is not None else settings.telegram_mode == "webhook":
        builder = builder.updater(None)
    return builder.build()


class TelegramService:
    """Owns the Application, the channel and the handler; `start()` / `stop()` around serving.

    Updates never go through PTB's update queue: the webhook route and the poller store them
    in the inbox, whose worker hands them to `handler` in order per chat."""

    def __init__(self, settings: Settings, runtime: Runtime, inbox: Inbox) -> None:
        self.settings = settings
        self.inbox = inbox
        self.application = build_application(settings)
        self.channel = TelegramChannel(
            self.application.bot,
            runtime.sessions,
            runtime.content,
            paid_broadcast=settings.telegram_paid_broadcast,
            reply_rate=shared_rate(runtime.engine, "telegram", settings.telegram_max_rate),
        )
        self.handler = UpdateHandler(runtime.core, self.channel)
        self.poller: Poller | None = None
        self._polling: asyncio.Task[None] | None = None
        self.username: str | None = settings.telegram_username

    @property
    def webhook(self) -> bool:
        return self.application.updater is None

    @property
    def running(self) -> bool:
        return self.application.running

    async def start(self) -> None:
        await self._initialize()
        self.username = self.settings.telegram_username or self.application.bot.username
        self.handler.bot_username = self.username
        try:
            await self.channel.set_default_commands()
        except TelegramError as error:
            logger.warning("could not set the Telegram command menu: %s", error)
        await self.application.start()
        self.inbox.worker.register(CHANNEL, self.handler)
        if self.application.updater is not None:
            self.poller = Poller(self.application.bot, self.inbox.writer)
            self._polling = asyncio.create_task(self.poller.run(), name="telegram-polling")
            logger.info("telegram polling started")
        else:
            await self.register_webhook()

    async def _initialize(self) -> None:
        for pause in (*START_RETRIES, None):
            try:
                await self.application.initialize()
                return
            except InvalidToken:
                raise
            except NetworkError as error:
                if pause is None:
                    raise
                logger.warning("Telegram Bot API unreachable (%s); retrying", error)
                await asyncio.sleep(pause)

    async def register_webhook(self) -> None:
        """Point Telegram at our route (idempotent, so every instance may do it)."""
        url = self.settings.telegram_webhook_url
        secret = self.settings.telegram_webhook_secret
        assert url is not None and secret is not None
        try:
            await self.application.bot.set_webhook(
                url, secret_token=secret.get_secret_value(), allowed_updates=ALLOWED_UPDATES
            )
            logger.info("telegram webhook registered")
        except TelegramError as error:
            logger.error("could not register the Telegram webhook: %s", error)

    async def stop(self) -> None:
        if self._polling is not None:
            self._polling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._polling
            self._polling = None
        await self.inbox.worker.unregister(CHANNEL)
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
        if self.channel.reply_rate is not None:
            await self.channel.reply_rate.close()

    def health(self) -> dict[str, Any]:
        return {
            "mode": "webhook" if self.webhook else "polling",
            "running": self.running,
            "username": self.username,
        }

"""The broadcast sender as a background task of `dvcbot serve` (always on)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

from aiohttp import web

from bot.broadcast.config import SenderConfig
from bot.broadcast.sender import Sender
from bot.config import Settings
from bot.i18n import _, number
from bot.web.keys import RUNTIME
from bot.web.plugins import Plugin
from handlers.schedule import QuietHours

logger = logging.getLogger(__name__)


def sender_config(settings: Settings) -> SenderConfig:
    window_hours = getattr(settings, "zalo_proactive_window_hours", 168)
    return SenderConfig(
        rates={"telegram": settings.telegram_rate, "zalo": settings.zalo_rate},
        quiet=QuietHours.parse(settings.broadcast_quiet_hours),
        max_attempts=settings.broadcast_max_attempts,
        retry_seconds=settings.broadcast_retry_seconds,
        max_in_flight=settings.broadcast_max_in_flight,
        zalo_window=timedelta(hours=window_hours),
    )


async def lifecycle(app: web.Application) -> AsyncIterator[None]:
    runtime = app[RUNTIME]
    sender = Sender(
        runtime.engine, runtime.channels, runtime.content, sender_config(runtime.settings)
    )
    runtime.services.setdefault("health", {})["broadcast"] = sender.health
    runtime.services["broadcast_sender"] = sender
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop), name="broadcast-sender")
    yield
    stop.set()
    try:
        await asyncio.wait_for(task, timeout=10)
    except TimeoutError:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def describe(settings: Settings) -> str:
    """The sender, with the pace of each channel it sends on (none until one is turned on)."""
    rates = []
    if settings.telegram_token is not None:
        rates.append(_("Telegram {rate}/s").format(rate=number(settings.telegram_rate)))
    if settings.zalo_enabled:
        rates.append(_("Zalo {rate}/s").format(rate=number(settings.zalo_rate)))
    if not rates:
        return _("broadcast sender (waiting: it sends on Telegram and Zalo, both off)")
    return _("broadcast sender ({rates})").format(rates=", ".join(rates))


PLUGIN = Plugin(name="broadcast", enabled=lambda s: True, lifecycle=lifecycle, describe=describe)

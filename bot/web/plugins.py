"""Parts mounted on the web app when configured (channels, web chat, dashboard)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from aiohttp import web

from bot.config import Settings


class StartupError(Exception):
    """A plugin cannot start (e.g. a token the platform refuses); `dvcbot serve` prints the
    message and exits with status 1."""


@dataclass(frozen=True)
class Plugin:
    """A feature that adds routes and a cleanup context to the app when `enabled` says so.

    `setup` runs while the app is built (routes); `lifecycle` runs after the runtime is open,
    in the order plugins are listed, and is torn down in reverse.
    """

    name: str
    enabled: Callable[[Settings], bool]
    setup: Callable[[web.Application, Settings], None] | None = None
    lifecycle: Callable[[web.Application], AsyncIterator[None]] | None = None
    describe: Callable[[Settings], str] | None = None
    # When off: what it is and how to turn it on ("Telegram: set DVCBOT_TELEGRAM_TOKEN").
    how_to_enable: Callable[[], str] | None = None


def registered() -> list[Plugin]:
    """Every plugin, in start-up order. Feature modules add theirs here."""
    # Imported here: feature modules import Plugin from this module.
    from bot.broadcast.plugin import PLUGIN as broadcast  # last: sends through the channels
    from bot.channels import webchat as chat
    from bot.channels.telegram import web as telegram  # imports this module
    from bot.channels.zalo.plugin import plugin as zalo  # imported here: it imports this module
    from bot.dashboard import inbox
    from bot.dashboard import web as dashboard
    from bot.handoff.worker import PLUGIN as notices  # after the channels: sends through them
    from bot.inbox.plugin import PLUGIN as durable_inbox  # before the channels storing into it
    from bot.privacy import PLUGIN as retention

    return [
        chat.plugin(),
        dashboard.plugin(),
        inbox.PLUGIN,
        durable_inbox,
        telegram.plugin(),
        zalo(),
        notices,
        broadcast,
        retention,
    ]

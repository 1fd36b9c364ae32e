"""Long polling that acknowledges nothing it has not stored: the offset moves past a batch of
updates only after the inbox committed it, so a crash makes Telegram deliver them again."""

from __future__ import annotations

import asyncio
import json
import logging

from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError, TimedOut

from bot.channels.telegram.updates import ALLOWED_UPDATES, inbox_item
from bot.inbox.writer import GroupWriter

logger = logging.getLogger(__name__)

LONG_POLL = 10  # seconds Telegram holds a getUpdates open when nothing is waiting
PAUSES = (0.5, 1.0, 2.0, 5.0, 10.0)  # after consecutive failures (network, database)


class Poller:
    """getUpdates → store the batch → next getUpdates with the offset past it."""

    def __init__(self, bot: Bot, writer: GroupWriter, *, long_poll: float = LONG_POLL) -> None:
        self.bot = bot
        self.writer = writer
        self.long_poll = long_poll
        self.offset: int | None = None
        self.failures = 0
        self.stored = 0

    async def run(self) -> None:
        await self.bot.delete_webhook()  # getUpdates is refused while a webhook is set
        while True:
            try:
                await self.poll_once()
                self.failures = 0
            except asyncio.CancelledError:
                raise
            except InvalidToken:
                logger.error("Telegram refused the token; polling stopped")
                return
            except TimedOut:
                continue  # a long poll that outlived its read timeout: just ask again
            except (Conflict, NetworkError, TelegramError) as error:
                await self._pause(f"getUpdates failed: {error}")
            except Exception:
                logger.exception("storing polled updates failed")
                await self._pause("updates not stored; they will be fetched again")

    async def poll_once(self) -> int:
        """One round trip; returns how many updates were stored (new ones)."""
        updates = await self.bot.get_updates(
            offset=self.offset,
            timeout=int(self.long_poll),
            allowed_updates=ALLOWED_UPDATES,
            read_timeout=self.long_poll + 10,
        )
        if not updates:
            return 0
        items = [inbox_item(u, json.dumps(u.to_dict(), ensure_ascii=False)) for u in updates]
        new = sum(await self.writer.store(items))
        # Only now is the batch safe: the next call's offset acknowledges it.
        self.offset = max(u.update_id for u in updates if isinstance(u, Update)) + 1
        self.stored += new
        return new

    async def _pause(self, reason: str) -> None:
        pause = PAUSES[min(self.failures, len(PAUSES) - 1)]
        self.failures += 1
        logger.warning("%s; retrying in %.1f s", reason, pause)
        await asyncio.sleep(pause)

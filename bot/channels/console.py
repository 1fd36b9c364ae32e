"""Console channel: `dvcbot chat` reads lines from stdin and prints replies to stdout."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from typing import TextIO

from bot.channels.base import DeliveryResult, DeliveryStatus
from bot.channels.render import as_texts
from bot.core import Core
from bot.handoff.pickup import pending_replies
from handlers.types import Incoming, Reply

CHANNEL = "console"


class ConsoleChannel:
    """Prints replies; numbers typed by the person press the numbered buttons (via the core)."""

    name = CHANNEL

    def __init__(self, out: TextIO = sys.stdout) -> None:
        self.out = out

    async def send(self, chat_id: str, replies: Sequence[Reply]) -> DeliveryResult:
        for text in as_texts(replies):
            self.out.write(text + "\n\n")
        self.out.flush()
        return DeliveryResult(DeliveryStatus.SENT)


async def run(core: Core, user: str, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> None:
    """Talk to the bot until end of input."""
    channel = ConsoleChannel(out)
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, stdin.readline)
        if not line:
            return
        text = line.rstrip("\r\n")
        if not text.strip():
            continue
        replies = await core.handle(
            Incoming(channel=CHANNEL, user_key=user, chat_id=user, text=text)
        )
        # An officer's answer (Hỏi cán bộ) that came meanwhile shows before the new replies.
        waiting = await pending_replies(core.sessions, CHANNEL, user, now=core.clock.now())
        await channel.send(user, [*waiting, *replies])

"""Pacing: an even per-channel rate, pauses after a 429, and one message a second per chat."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict

# Send slightly under the configured rate so a platform counting whole seconds never sees
# rate + 1 messages in one window.
HEADROOM = 0.98


class Pacer:
    """Hands out send slots 1/rate apart (no bursts); `pause` holds every slot until it ends."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / (rate * HEADROOM)
        self._next = 0.0
        self._paused_until = 0.0

    async def wait(self) -> None:
        while True:
            now = time.monotonic()
            if self._paused_until > now:
                await asyncio.sleep(self._paused_until - now)
                continue
            slot = max(now, self._next)
            self._next = slot + self.interval
            if slot > now:
                await asyncio.sleep(slot - now)
            if time.monotonic() >= self._paused_until:
                return  # no 429 arrived while we waited for the slot

    async def hold(self) -> None:
        """Wait out a pause that began after this caller got its slot."""
        left = self._paused_until - time.monotonic()
        while left > 0:  # a later 429 may extend the pause while we sleep
            await asyncio.sleep(left)
            left = self._paused_until - time.monotonic()

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)


class ChatSpacing:
    """Remembers when each chat last got a message, so no chat gets two within `interval`."""

    def __init__(self, interval: float = 1.0, size: int = 100_000) -> None:
        self.interval = interval
        self.size = size
        self._last: OrderedDict[tuple[str, str], float] = OrderedDict()

    def wait_needed(self, channel: str, chat_id: str) -> float:
        last = self._last.get((channel, chat_id))
        if last is None:
            return 0.0
        return max(0.0, last + self.interval - time.monotonic())

    def sent(self, channel: str, chat_id: str) -> None:
        key = (channel, chat_id)
        self._last[key] = time.monotonic()
        self._last.move_to_end(key)
        while len(self._last) > self.size:
            self._last.popitem(last=False)

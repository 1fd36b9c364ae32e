"""Pacing: an even per-channel rate, pauses after a 429, and one message a second per chat."""

from __future__ import annotations

import asyncio
import collections
import math
import time
from collections import OrderedDict

# Slots are spaced for slightly under the configured rate, and a one-second window at the
# moment of sending guards the rest: however late commits or a busy machine delay some
# sends, no one-second window ever holds more than the configured rate.
HEADROOM = 0.97
MAX_LAG = 0.05  # seconds of schedule a late sender may make up (the window still holds)


class Pacer:
    """Hands out send slots 1/rate apart (no bursts); `pause` holds every slot until it ends."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / (rate * HEADROOM)
        self.window_limit = max(1, math.floor(rate * HEADROOM))
        self._next = 0.0
        self._paused_until = 0.0
        self._recent: collections.deque[float] = collections.deque()

    async def take(self) -> None:
        """Wait until a message may go out now, and count it."""
        await self._slot()
        await self._hold()

    async def _slot(self) -> None:
        """Wait for this sender's next slot."""
        while True:
            now = time.monotonic()
            if self._paused_until > now:
                await asyncio.sleep(self._paused_until - now)
                continue
            slot = max(now - MAX_LAG, self._next)
            self._next = slot + self.interval
            if slot > now:
                await asyncio.sleep(slot - now)
            if time.monotonic() >= self._paused_until:
                return  # no 429 arrived while we waited for the slot

    async def _hold(self) -> None:
        """Just before sending: wait out a pause (a 429 that came meanwhile) and keep the last
        second's sends under the rate; then count this send."""
        while True:
            now = time.monotonic()
            while self._recent and self._recent[0] <= now - 1.0:
                self._recent.popleft()
            wait = self._paused_until - now
            if len(self._recent) >= self.window_limit:
                wait = max(wait, self._recent[0] + 1.0 - now)
            if wait <= 0:
                self._recent.append(now)
                return
            await asyncio.sleep(wait)

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

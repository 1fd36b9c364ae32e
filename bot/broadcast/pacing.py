"""Pacing: an even rate held at the platform's end, 429 pauses, one message a second per chat."""

from __future__ import annotations

import asyncio
import collections
import math
import time
from collections import OrderedDict

# Slots are spaced for slightly under the configured rate, and a window guards the rest: the
# platform counts a message when it arrives, and arrivals move with the network's jitter, so
# no more than the rate may leave in any window of one second plus the spread of the way
# there. A message's way there is taken as half its round trip (only round trips can be
# measured): the spread of one leg is estimated as half the spread of recent round trips.
HEADROOM = 0.97
MARGIN = 0.01  # seconds: the local timers' and the client's own unevenness
MAX_SPREAD = 0.5  # seconds: beyond this, the network is too erratic to pace by; stay at it
MAX_LAG = 0.05  # seconds of schedule a late sender may make up (the window still holds)
TRIPS = 200  # round trips kept to estimate the spread
SPREAD_EVERY = 16  # recompute the spread every this many round trips


class Pacer:
    """Hands out send slots 1/rate apart (no bursts); `pause` holds every slot until it ends."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / (rate * HEADROOM)
        self.window_limit = max(1, math.floor(rate))  # what the platform allows in one second
        self.window = 1.0 + MARGIN  # seconds over which at most window_limit may leave
        self._next = 0.0
        self._paused_until = 0.0
        self._recent: collections.deque[float] = collections.deque()
        self._trips: collections.deque[float] = collections.deque(maxlen=TRIPS)
        self._unseen = 0

    def observe(self, round_trip: float) -> None:
        """A message's round trip (sent to answered), for the spread of arrivals."""
        self._trips.append(round_trip)
        self._unseen += 1
        if self._unseen >= SPREAD_EVERY and len(self._trips) >= SPREAD_EVERY:
            self._unseen = 0
            trips = sorted(self._trips)
            cut = len(trips) // 100  # the extreme 1 % each side: a pause, not the network
            spread = trips[-1 - cut] - trips[cut]
            self.window = 1.0 + MARGIN + min(MAX_SPREAD, spread / 2)

    @property
    def spread(self) -> float:
        """The one-way spread the window allows for, in seconds."""
        return self.window - 1.0 - MARGIN

    def seed(self, ages: list[float]) -> None:
        """Count sends made `ages` seconds ago (by a previous leader) in the window."""
        now = time.monotonic()
        self._recent.extend(sorted(now - age for age in ages if age < self.window))

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
            while self._recent and self._recent[0] <= now - self.window:
                self._recent.popleft()
            wait = self._paused_until - now
            if len(self._recent) >= self.window_limit:
                wait = max(wait, self._recent[-self.window_limit] + self.window - now)
            if wait <= 0:
                self._recent.append(now)
                return
            await asyncio.sleep(wait)

    def pause(self, seconds: float) -> None:
        """A 429: this channel sends nothing more until `seconds` have passed (the messages
        already on their way are not affected, and other channels go on)."""
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

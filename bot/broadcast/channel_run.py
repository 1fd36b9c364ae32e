"""One channel's sending run: its queue of claimed deliveries and the workers that empty it."""

from __future__ import annotations

import asyncio
import collections
import math
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from bot.broadcast.config import STAFF_HEADROOM
from bot.broadcast.recorder import Recorder
from storage.deliveries import Claimed

Worker = Callable[["ChannelRun"], Coroutine[Any, Any, None]]
SETTLED = 32  # latencies observed before the sender judges whether it can reach the rate


class Staffing:
    """How many workers a channel needs: Little's law (rate × time per message, with
    headroom), so no more messages are in flight when a crash comes than the rate needs."""

    def __init__(self) -> None:
        self._latencies: collections.deque[float] = collections.deque([0.005], maxlen=64)

    def observe(self, seconds: float) -> None:
        """A message took `seconds` to send and record."""
        self._latencies.append(seconds)

    def latency(self) -> float:
        """Seconds per message (send and record): the median of the recent ones, which
        follows the platform's round trip without chasing a single slow answer."""
        recent = sorted(self._latencies)
        return recent[len(recent) // 2]

    @property
    def settled(self) -> bool:
        """Enough messages seen for `latency` to mean something."""
        return len(self._latencies) >= SETTLED

    def needed(self, rate: float) -> int:
        """Workers that keep `rate` a second going: rate × time per message, with headroom."""
        return max(1, math.ceil(rate * self.latency() * STAFF_HEADROOM))

    def in_flight(self, rate: float) -> int:
        """Messages on their way at `rate` (rate × round trip): what a crash could repeat."""
        return max(1, math.ceil(rate * self.latency()))

    def workers(self, rate: float, max_in_flight: int) -> int:
        return min(max_in_flight, self.needed(rate))


@dataclass
class ChannelRun:
    """One channel's sending while there is something due: its queue, workers and recorder."""

    channel: str
    rate: float
    recorder: Recorder
    queue: asyncio.Queue[Claimed | None] = field(default_factory=asyncio.Queue)
    workers: list[asyncio.Task[None]] = field(default_factory=list)
    chats: set[str] = field(default_factory=set)  # chats with a message queued or in flight
    surplus: int = 0  # workers that should leave
    abandoned: list[int] = field(default_factory=list)  # marked in flight, never sent
    held_back: bool = False  # the operator was told the in-flight limit holds the rate down

    def staff(self, wanted: int, worker: Worker) -> None:
        """Start workers up to `wanted`; surplus workers leave after their current message."""
        for task in [t for t in self.workers if t.done()]:
            self.workers.remove(task)
            task.result()  # a surplus worker left; one that failed raises its error here
        self.surplus = max(0, len(self.workers) - wanted)
        while len(self.workers) < wanted:
            self.workers.append(asyncio.create_task(worker(self)))

    async def next(self, sent: Claimed | None) -> Claimed | None:
        """Record `sent` and mark the next queued delivery in flight, in one commit; None
        when the run is over. A sent message is recorded at once, even if none is queued."""
        while True:
            if sent is not None and (self.queue.empty() or self.surplus):
                await self.recorder.advance(sent.id, None)
                sent = None
            if self.surplus:
                self.surplus -= 1
                return None
            following = await self.queue.get()
            if following is None:
                if sent is not None:
                    await self.recorder.advance(sent.id, None)
                return None
            marked = await self.recorder.advance(sent.id if sent else None, following.id)
            sent = None
            if marked:
                return following
            self.chats.discard(following.chat_id)  # cancelled while queued: skip it

    async def wind_down(
        self, *, stopping: bool, give_back: Callable[[list[int], list[int]], Awaitable[None]]
    ) -> None:
        """Let the workers send what is queued (or, when stopping, failing or no longer the
        leader, give it back, with what workers marked in flight but did not send)."""
        try:
            unsent = []
            failed = any(t.done() and not t.cancelled() and t.exception() for t in self.workers)
            if stopping or failed:
                while not self.queue.empty():
                    item = self.queue.get_nowait()
                    if item is not None:
                        unsent.append(item.id)
            for _ in self.workers:
                self.queue.put_nowait(None)
            outcomes = await asyncio.gather(*self.workers, return_exceptions=True)
            if unsent or self.abandoned:
                await give_back(unsent, self.abandoned)
            for outcome in outcomes:
                if isinstance(outcome, BaseException):
                    raise outcome
        finally:
            for task in self.workers:
                task.cancel()
            await self.recorder.close()

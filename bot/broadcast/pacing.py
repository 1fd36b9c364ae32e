"""Pacing: an even rate held at the platform's end, 429 pauses, one message a second per chat."""

from __future__ import annotations

import asyncio
import bisect
import collections
import math
import time
from collections import OrderedDict
from collections.abc import Callable

# Slots are spaced for slightly under the configured rate, and a window at the platform's end
# guards the rest. The platform counts a message when it arrives, which the sender never
# sees: it only knows that a message left at `s` and its answer came back at `r`. So the
# window is kept over bounds that hold whatever the network does:
#   a message sent now arrives at the earliest at now + d_in (the shortest way there), and
#   an earlier one arrived at the latest at r - d_out (the shortest way back),
# so an earlier message can share a one-second window with the new one only if
# r > now - 1 + d_in + d_out, or if it has no answer yet. Keeping fewer than the rate of those
# lets no window ever hold more than the rate, with any jitter and no assumption about how a
# round trip splits between the two ways. d_in + d_out is at least the shortest pair of ways
# of two *different* messages, which can be a little shorter than the shortest round trip
# seen (one message's two ways): hence a margin. At 30/s and 100-150 ms round trips the
# window spans about 1.035 s.
# The shortest is taken over the last SHORTEST_SECONDS, not over the last few hundred
# messages: a round trip is measured by this process, and when the machine is busy the
# event loop reads every answer late for a while, so each trip of such a spell is longer
# than the network's; a minimum over a fraction of a second (200 messages at 1,000/s)
# then exceeded the network's shortest, and the window let 429s through.
HEADROOM = 0.97
MARGIN = 0.005  # seconds taken off the shortest round trip seen, plus MARGIN_SHARE of it
MARGIN_SHARE = 0.05
SHORTEST_SECONDS = 10.0  # how long a shortest round trip is remembered
MAX_LAG = 0.25  # seconds of schedule a late (descheduled) sender may make up: the window holds
POLL = 0.005  # seconds between looks while every place in the window waits for an answer


class Pacer:
    """Hands out send slots 1/rate apart (no bursts), never more than the rate in any second
    at the platform's end; `pause` holds every slot until it ends.

    Every `take()` must be followed by `done(sent)`: when the answer came, or when the
    message was not sent after all."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / (rate * HEADROOM)
        self.window_limit = max(1, math.floor(rate))  # what the platform allows in one second
        self._next = 0.0
        self._paused_until = 0.0
        self._answers: collections.deque[float] = collections.deque()  # answer times, in order
        self._pending = 0  # taken, not answered yet: arrival unknown
        # (answer time, round trip), round trips rising: the first is the shortest of the
        # last SHORTEST_SECONDS (a sliding-window minimum). Empty: no message is assumed to
        # take time.
        self._trips: collections.deque[tuple[float, float]] = collections.deque()

    async def take(self) -> float:
        """Wait until a message may go out now, and count it; returns the time it left."""
        await self._slot()
        return await self._hold()

    def done(self, sent: float, *, answered: bool = True) -> None:
        """The message taken at `sent` was answered now (or, not `answered`, never sent)."""
        self._pending -= 1
        if not answered:
            return
        now = time.monotonic()
        trip = now - sent
        trips = self._trips
        while trips and trips[-1][1] >= trip:
            trips.pop()
        trips.append((now, trip))
        while trips[0][0] < now - SHORTEST_SECONDS:
            trips.popleft()
        answers = self._answers
        while answers and answers[0] <= now - 1.0:  # out of every window (replies come when
            answers.popleft()  # no broadcast is sending: this keeps the deque short)
        if answers and now < answers[-1]:  # behind a seeded one (a takeover)
            bisect.insort(answers, now)
        else:
            answers.append(now)

    def shortest(self) -> float:
        """The shortest round trip of the last SHORTEST_SECONDS (0 before any answer)."""
        return self._trips[0][1] if self._trips else 0.0

    async def outside(self) -> Callable[[bool], None]:
        """A message this pacer did not schedule (a reply to someone who wrote) shares the
        platform's window: it goes as soon as the window has room, before the next slot of
        ours, and is counted like ours. Call the result when its answer came (or with False:
        it was never sent)."""
        sent = await self._hold()
        return lambda answered: self.done(sent, answered=answered)

    def seed(self, answered_ago: list[float], in_flight: int) -> None:
        """Count a previous leader's messages: answered that many seconds ago, or still in
        flight (their arrival unknown: counted as answered a second from now)."""
        now = time.monotonic()
        seeded = [now - ago for ago in answered_ago] + [now + 1.0] * in_flight
        self._answers = collections.deque(sorted([*self._answers, *seeded]))

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

    async def _hold(self) -> float:
        """Just before sending: wait out a pause (a 429 that came meanwhile) and until fewer
        than the rate can share the new message's second at the platform; count it."""
        while True:
            now = time.monotonic()
            reach = now - 1.0 + max(0.0, self.shortest() * (1 - MARGIN_SHARE) - MARGIN)
            while self._answers and self._answers[0] <= reach:
                self._answers.popleft()
            wait = self._paused_until - now
            room = self.window_limit - self._pending
            if room <= 0:
                wait = max(wait, POLL)  # wait for an answer
            elif len(self._answers) >= room:
                wait = max(wait, self._answers[-room] - reach)
            if wait <= 0:
                self._pending += 1
                return now
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

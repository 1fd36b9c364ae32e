"""The sender: claims due deliveries, sends them at each channel's rate, records every outcome.

Each delivery is committed as `in_flight` before its message goes out and as its final state
right after, so after `kill -9` only the messages that were in flight at that moment (at most
one per worker; one at Telegram's default rate) can be sent twice, and nothing is missed.
Workers are sized by Little's law (rate × time per message), so there are no more in-flight
messages than the rate needs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import socket
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.broadcast.leader import Leadership
from bot.broadcast.pacing import ChatSpacing, Pacer
from bot.broadcast.recorder import Recorder, recorder_for
from bot.channels.base import Channel, DeliveryResult, DeliveryStatus
from handlers import broadcast_message
from handlers.content import Content
from handlers.schedule import QuietHours
from handlers.types import Reply, utcnow
from storage import broadcasts, db
from storage.broadcasts import Claimed, DState
from storage.models import Contact

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass
class SenderConfig:
    rates: dict[str, float]
    quiet: QuietHours | None = None
    max_attempts: int = 5
    retry_seconds: float = 5.0
    max_in_flight: int = 1
    zalo_window: timedelta = timedelta(days=7)
    chat_interval: float = 1.0
    poll_seconds: float = 1.0
    progress_steps: int = 4  # tell the author at 25 %, 50 %, 75 % and the end
    batch_seconds: float = 2.0  # claim this many seconds of sending at a time


@dataclass
class Counters:
    """What this process did, for /healthz and the benchmark."""

    sent: int = 0
    rate_limited: int = 0
    failed: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)
    send_seconds: float = 0.0  # time spent waiting for the platform
    record_seconds: float = 0.0  # time spent recording outcomes


def instance_id() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Sender:
    def __init__(
        self,
        engine: AsyncEngine,
        channels: Mapping[str, Channel],
        content: Content,
        config: SenderConfig,
        *,
        clock: Clock = utcnow,
        instance: str | None = None,
    ) -> None:
        self.engine = engine
        self.sessions = db.session_factory(engine)
        self.channels = channels
        self.content = content
        self.config = config
        self.clock = clock
        self.instance = instance or instance_id()
        self.leadership = Leadership(engine)
        self.pacers: dict[str, Pacer] = {}
        self.spacing = ChatSpacing(config.chat_interval)
        self.counters = Counters()
        self.leader = False
        self._messages: dict[int, Reply] = {}
        self._latency = 0.005  # seconds per send, smoothed; sizes the worker pool

    def pacer(self, channel: str) -> Pacer:
        if channel not in self.pacers:
            self.pacers[channel] = Pacer(self.config.rates.get(channel, 1.0))
        return self.pacers[channel]

    # -- the loop -------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Send until `stop` is set; only the leader sends, the others wait to take over."""
        try:
            while not stop.is_set():
                handled = 0
                try:
                    handled = await self.step()
                except Exception:
                    logger.exception("broadcast sender cycle failed; retrying")
                    await asyncio.sleep(self.config.poll_seconds)
                if not handled:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), self.config.poll_seconds)
        finally:
            await self.leadership.release()

    async def step(self) -> int:
        if not self.leader:
            self.leader = await self.leadership.acquire()
            if not self.leader:
                return 0
            async with self.sessions() as session, session.begin():
                counts = await broadcasts.recover(session)
            if any(counts.values()):
                logger.info(
                    "resumed broadcasts: %d claimed and %d in-flight deliveries given back",
                    counts["claimed"],
                    counts["in_flight"],
                )
        elif not await self.leadership.alive():
            self.leader = False
            return 0
        return await self.run_once()

    async def run_once(self) -> int:
        """One cycle: start due broadcasts, send a batch per channel, finish and report."""
        now = self.clock()
        quiet = self.config.quiet is not None and self.config.quiet.contains(now)
        async with self.sessions() as session, session.begin():
            await broadcasts.start_due(session, now, quiet=quiet)
            active = await broadcasts.sending(session)
        ids = [b.id for b in active if not (quiet and b.quiet_hours)]
        for b in active:
            if b.id not in self._messages:
                self._messages[b.id] = broadcast_message.from_dict(b.message)
        handled = 0
        if ids:
            results = await asyncio.gather(
                *(self._send_channel(name, ids) for name in self.channels)
            )
            handled = sum(results)
        await self._finish_and_report()
        return handled

    # -- sending --------------------------------------------------------------------------

    async def _send_channel(self, channel: str, broadcast_ids: list[int]) -> int:
        rate = self.config.rates.get(channel, 1.0)
        batch = max(10, min(2000, math.ceil(rate * self.config.batch_seconds)))
        now = self.clock()
        async with self.sessions() as session, session.begin():
            claimed = await broadcasts.claim(
                session,
                instance=self.instance,
                channel=channel,
                broadcast_ids=broadcast_ids,
                limit=batch,
                now=now,
            )
            sendable = await self._screen(session, claimed, now)
        if not sendable:
            return len(claimed)
        queue: asyncio.Queue[Claimed] = asyncio.Queue()
        for item in sendable:
            queue.put_nowait(item)
        # Little's law: just enough workers to keep up with the rate, so as few messages as
        # possible are in flight when a crash comes (one worker at Telegram's 30/s).
        workers = max(1, min(self.config.max_in_flight, math.ceil(rate * self._latency)))
        recorder = recorder_for(self.engine)
        try:
            await asyncio.gather(*(self._worker(channel, queue, recorder) for _ in range(workers)))
        finally:
            await recorder.close()
        return len(claimed)

    async def _screen(
        self, session: db.DbSession, claimed: list[Claimed], now: datetime
    ) -> list[Claimed]:
        """Settle, without sending, the deliveries that must not or cannot be sent now."""
        sendable = []
        in_batch: set[str] = set()
        for item in claimed:
            if not item.subscribed:
                await broadcasts.finish(session, item.id, DState.OPTED_OUT, now=now)
            elif item.unreachable:
                await broadcasts.finish(session, item.id, DState.BLOCKED, now=now)
            elif item.channel == "zalo" and now - item.last_seen_at > self.config.zalo_window:
                await broadcasts.finish(session, item.id, DState.OUTSIDE_WINDOW, now=now)
                await self._mark_contact(session, item.contact_id, outside_window_at=now)
            elif item.chat_id in in_batch:  # two broadcasts for one chat: one now, one later
                later = now + timedelta(seconds=self.config.chat_interval)
                await broadcasts.release(session, item.id, later)
            elif (wait := self.spacing.wait_needed(item.channel, item.chat_id)) > 0:
                await broadcasts.release(session, item.id, now + timedelta(seconds=wait))
            else:
                in_batch.add(item.chat_id)
                sendable.append(item)
        return sendable

    async def _worker(
        self, channel: str, queue: asyncio.Queue[Claimed], recorder: Recorder
    ) -> None:
        """Send queued deliveries one at a time.

        One commit (shared with the other workers', see recorder.py) records a message as sent
        the moment the platform answers and marks the next message in flight (before it waits
        for its slot). So a crash leaves at
        most this worker's one message sent-but-unrecorded, and a message marked in flight
        but not yet sent is simply sent after the restart. Other outcomes (rare) take a
        normal transaction.
        """
        target = self.channels[channel]
        pacer = self.pacer(channel)
        item = await self._advance(recorder, None, queue)
        while item is not None:
            await pacer.wait()
            await pacer.hold()
            started = time.monotonic()
            try:
                result = await target.send(item.chat_id, [self._messages[item.broadcast_id]])
            except Exception as exc:  # a channel must not raise; never lose the row if it does
                logger.exception("channel %s raised while sending", channel)
                result = DeliveryResult(DeliveryStatus.FAILED_TRANSIENT, error=type(exc).__name__)
            self.spacing.sent(channel, item.chat_id)
            self.counters.send_seconds += time.monotonic() - started
            if result.status is DeliveryStatus.RATE_LIMITED:
                pacer.pause(result.retry_after or 1.0)
            if result.ok:
                self._count_sent(item.channel)
                item = await self._advance(recorder, item, queue)
            else:
                async with self.sessions() as session, session.begin():
                    await self._record(session, item, result)
                item = await self._advance(recorder, None, queue)
            finished = time.monotonic()
            self.counters.record_seconds += finished - started
            self._latency = 0.9 * self._latency + 0.1 * (finished - started)

    async def _advance(
        self, recorder: Recorder, sent: Claimed | None, queue: asyncio.Queue[Claimed]
    ) -> Claimed | None:
        """Record `sent` and mark the next queued delivery in flight, in one commit."""
        while True:
            following = None if queue.empty() else queue.get_nowait()
            marked = await recorder.advance(
                sent.id if sent else None, following.id if following else None
            )
            sent = None
            if following is None or marked:
                return following
            # cancelled while queued: skip it

    def _count_sent(self, channel: str) -> None:
        self.counters.sent += 1
        self.counters.by_channel[channel] = self.counters.by_channel.get(channel, 0) + 1

    async def _record(self, session: db.DbSession, item: Claimed, result: DeliveryResult) -> None:
        """Any outcome but SENT (which takes the one-statement hot path)."""
        now = self.clock()
        status = result.status
        attempts = item.attempts + 1
        if status is DeliveryStatus.BLOCKED:
            await broadcasts.finish(session, item.id, DState.BLOCKED, now=now, error=result.error)
            await self._mark_contact(session, item.contact_id, unreachable_at=now)
        elif status is DeliveryStatus.OUTSIDE_WINDOW:
            await broadcasts.finish(
                session, item.id, DState.OUTSIDE_WINDOW, now=now, error=result.error
            )
            await self._mark_contact(session, item.contact_id, outside_window_at=now)
        elif status is DeliveryStatus.RATE_LIMITED:
            self.counters.rate_limited += 1
            when = now + timedelta(seconds=result.retry_after or 1.0)
            await broadcasts.retry_at(
                session, item.id, when, error="rate limited", count_attempt=False
            )
        elif status is DeliveryStatus.FAILED_TRANSIENT and attempts < self.config.max_attempts:
            delay = self.config.retry_seconds * 2 ** (attempts - 1)
            await broadcasts.retry_at(
                session, item.id, now + timedelta(seconds=delay), error=result.error
            )
        else:
            self.counters.failed += 1
            await broadcasts.finish(session, item.id, DState.FAILED, now=now, error=result.error)

    @staticmethod
    async def _mark_contact(session: db.DbSession, contact_id: int, **values: datetime) -> None:
        await session.execute(update(Contact).where(Contact.id == contact_id).values(**values))

    # -- progress -------------------------------------------------------------------------

    async def _finish_and_report(self) -> None:
        now = self.clock()
        async with self.sessions() as session, session.begin():
            finished = set(await broadcasts.complete_finished(session, now))
            active = await broadcasts.sending(session)
            reports: list[tuple[Contact, str]] = []
            for b in [*active, *[await broadcasts.get(session, i) for i in finished]]:
                if b is None or b.author_id is None or b.total == 0:
                    continue
                done = await broadcasts.settled(session, b.id)
                step = self.config.progress_steps
                reached = done * step // b.total
                if b.id in finished:
                    stats = await broadcasts.stats(session, b.id)
                    text = self.content.messages(
                        "broadcast.summary",
                        id=b.id,
                        total=b.total,
                        sent=stats.get(DState.SENT),
                        failed=stats.get(DState.FAILED),
                        blocked=stats.get(DState.BLOCKED) + stats.get(DState.OPTED_OUT),
                        outside=stats.get(DState.OUTSIDE_WINDOW),
                    )
                    b.progress_reported = step
                elif 0 < reached < step and reached > b.progress_reported:
                    text = self.content.messages(
                        "broadcast.progress", id=b.id, done=done, total=b.total
                    )
                    b.progress_reported = reached
                else:
                    continue
                author = await session.get(Contact, b.author_id)
                if author is not None:
                    reports.append((author, text))
        for bid in finished:
            self._messages.pop(bid, None)
        for author, text in reports:
            channel = self.channels.get(author.channel)
            if channel is None:
                continue
            pacer = self.pacer(author.channel)
            await pacer.wait()
            await pacer.hold()  # progress counts against the channel's rate like any message
            result = await channel.send(author.chat_id, [Reply(text=text)])
            if not result.ok:
                logger.info("could not tell a broadcast author: %s", result.status)

    def health(self) -> dict[str, object]:
        return {
            "leader": self.leader,
            "sent": self.counters.sent,
            "rate_limited": self.counters.rate_limited,
            "failed": self.counters.failed,
        }

"""The sender: claims due deliveries, sends them at each channel's rate, records every outcome.

Each delivery is committed as `in_flight` before its message goes out and as its final state
right after, so after `kill -9` only the messages that were in flight at that moment (at most
one per worker; one at Telegram's default rate) can be sent twice, and nothing is missed.
Workers are sized by Little's law (rate × time per message), so there are no more in-flight
messages than the rate needs. Each channel's workers are fed without pause: the next batch is
claimed while the previous one is still being sent, and authors' progress is checked alongside.
"""

from __future__ import annotations

import asyncio
import collections
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
from storage import broadcasts, db, deliveries
from storage.deliveries import Claimed, DState
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
    batch_seconds: float = 0.5  # claim this many seconds of sending at a time
    report_seconds: float = 2.0  # how often authors' progress is checked while sending


@dataclass
class Counters:
    """What this process did, for /healthz and the benchmark."""

    sent: int = 0
    rate_limited: int = 0
    failed: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)
    send_seconds: float = 0.0  # time spent waiting for the platform
    record_seconds: float = 0.0  # time spent recording outcomes


@dataclass
class _ChannelRun:
    """One channel's sending while there is something due: its queue, workers and recorder."""

    channel: str
    rate: float
    recorder: Recorder
    queue: asyncio.Queue[Claimed | None] = field(default_factory=asyncio.Queue)
    workers: list[asyncio.Task[None]] = field(default_factory=list)
    chats: set[str] = field(default_factory=set)  # chats with a message queued or in flight
    surplus: int = 0  # workers that should leave


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
        self._latencies: collections.deque[float] = collections.deque([0.005], maxlen=64)
        self._stop: asyncio.Event | None = None

    def pacer(self, channel: str) -> Pacer:
        if channel not in self.pacers:
            self.pacers[channel] = Pacer(self.config.rates.get(channel, 1.0))
        return self.pacers[channel]

    # -- the loop -------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Send until `stop` is set; only the leader sends, the others wait to take over."""
        self._stop = stop
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
                later = self.clock() + timedelta(seconds=self.config.chat_interval)
                counts = await deliveries.recover(session, resend_after=later)
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
        """Send what is due on every channel, reporting progress to authors along the way."""
        handled = 0
        if await self._eligible():
            sent = asyncio.Event()
            reporter = asyncio.create_task(self._report_until(sent), name="broadcast-progress")
            try:
                results = await asyncio.gather(
                    *(self._send_channel(name) for name in self.channels)
                )
            finally:
                sent.set()
                await reporter
            handled = sum(results)
        await self._finish_and_report()
        return handled

    async def _eligible(self) -> list[int]:
        """Start due broadcasts; the ids of those that may send now (quiet hours hold some)."""
        now = self.clock()
        quiet = self.config.quiet is not None and self.config.quiet.contains(now)
        async with self.sessions() as session, session.begin():
            await broadcasts.start_due(session, now, quiet=quiet)
            active = await broadcasts.sending(session)
        for b in active:
            if b.id not in self._messages:
                self._messages[b.id] = broadcast_message.from_dict(b.message)
        return [b.id for b in active if not (quiet and b.quiet_hours)]

    async def _report_until(self, done: asyncio.Event) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), self.config.report_seconds)
            if done.is_set():
                return
            try:
                await self._finish_and_report()
            except Exception:
                logger.exception("broadcast progress report failed; retrying")

    def _latency(self) -> float:
        """Seconds per message (send and record) when nothing queues: a low quantile of the
        recent ones, because on a busy machine or platform the slow ones mostly waited for
        CPU, and more workers would only wait longer and leave more in flight in a crash."""
        recent = sorted(self._latencies)
        return recent[len(recent) // 5]

    def _stopping(self) -> bool:
        return self._stop is not None and self._stop.is_set()

    # -- sending --------------------------------------------------------------------------

    async def _send_channel(self, channel: str) -> int:
        """Keep `channel`'s workers fed until nothing is due: the next batch is claimed while
        the previous one is still being sent, so sending never pauses."""
        rate = self.config.rates.get(channel, 1.0)
        # Small batches: taking one costs the event loop a pause that grows with its size.
        batch = max(10, min(1000, math.ceil(rate * self.config.batch_seconds)))
        run = _ChannelRun(channel, rate, recorder_for(self.engine))
        handled = 0
        try:
            while not self._stopping():
                if not await self.leadership.alive():
                    self.leader = False
                    break
                # Seen at every batch: new broadcasts, cancellations, the start of quiet hours.
                ids = await self._eligible()
                count, sendable = await self._claim(run, ids, batch)
                if not count:
                    break
                handled += count
                for item in sendable:
                    run.queue.put_nowait(item)
                await self._until_low(run, low=batch // 2)
        finally:
            await self._wind_down(run)
        return handled

    async def _claim(
        self, run: _ChannelRun, broadcast_ids: list[int], limit: int
    ) -> tuple[int, list[Claimed]]:
        now = self.clock()
        claimed = await run.recorder.claim(
            self.sessions,
            instance=self.instance,
            channel=run.channel,
            broadcast_ids=broadcast_ids,
            limit=limit,
            now=now,
        )
        if not claimed:
            return 0, []
        async with self.sessions() as session, session.begin():
            sendable = await self._screen(session, claimed, now, run.chats)
        return len(claimed), sendable

    async def _until_low(self, run: _ChannelRun, low: int) -> None:
        """Wait until the queue runs low, keeping as many workers as the rate needs."""
        while True:
            self._staff(run)
            if run.queue.qsize() <= low or self._stopping():
                return
            await asyncio.wait(run.workers, timeout=0.05, return_when=asyncio.FIRST_COMPLETED)

    def _staff(self, run: _ChannelRun) -> None:
        """Little's law: rate × time per message workers, so as few messages as possible are
        in flight when a crash comes (one at Telegram's 30/s). Surplus workers leave after
        their current message."""
        for task in [t for t in run.workers if t.done()]:
            run.workers.remove(task)
            task.result()  # a surplus worker left; one that failed raises its error here
        wanted = max(1, min(self.config.max_in_flight, math.ceil(run.rate * self._latency())))
        run.surplus = max(0, len(run.workers) - wanted)
        while len(run.workers) < wanted:
            run.workers.append(asyncio.create_task(self._worker(run)))

    async def _wind_down(self, run: _ChannelRun) -> None:
        """Let the workers send what is queued (or, when stopping or failing, give it back)."""
        try:
            unsent = []
            failed = any(t.done() and not t.cancelled() and t.exception() for t in run.workers)
            if self._stopping() or failed:
                while not run.queue.empty():
                    item = run.queue.get_nowait()
                    if item is not None:
                        unsent.append(item.id)
            for _ in run.workers:
                run.queue.put_nowait(None)
            outcomes = await asyncio.gather(*run.workers, return_exceptions=True)
            if unsent:
                async with self.sessions() as session, session.begin():
                    await deliveries.release(session, unsent, self.clock())
            for outcome in outcomes:
                if isinstance(outcome, BaseException):
                    raise outcome
        finally:
            for task in run.workers:
                task.cancel()
            await run.recorder.close()

    async def _screen(
        self, session: db.DbSession, claimed: list[Claimed], now: datetime, queued: set[str]
    ) -> list[Claimed]:
        """Settle, without sending, the deliveries that must not or cannot be sent now.

        `queued` holds the chats with a message already on its way; one for the same chat
        (another broadcast) waits for a later batch."""
        sendable = []
        for item in claimed:
            if not item.subscribed:
                await deliveries.finish(session, item.id, DState.OPTED_OUT, now=now)
            elif item.unreachable:
                await deliveries.finish(session, item.id, DState.BLOCKED, now=now)
            elif item.channel == "zalo" and now - item.last_seen_at > self.config.zalo_window:
                await deliveries.finish(session, item.id, DState.OUTSIDE_WINDOW, now=now)
                await self._mark_contact(session, item.contact_id, outside_window_at=now)
            elif item.chat_id in queued:
                later = now + timedelta(seconds=self.config.chat_interval)
                await deliveries.release(session, [item.id], later)
            elif (wait := self.spacing.wait_needed(item.channel, item.chat_id)) > 0:
                await deliveries.release(session, [item.id], now + timedelta(seconds=wait))
            else:
                queued.add(item.chat_id)
                sendable.append(item)
        return sendable

    async def _worker(self, run: _ChannelRun) -> None:
        """Send queued deliveries one at a time.

        One commit records a message as sent the moment the platform answers and marks the
        next message in flight (before it waits for its slot). So a crash leaves at most
        this worker's one message sent-but-unrecorded, and a message marked in flight but
        not yet sent is simply sent after the restart. Other outcomes (rare) take a normal
        transaction.
        """
        channel = run.channel
        target = self.channels[channel]
        pacer = self.pacer(channel)
        item = await self._next(run, None)
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
            run.chats.discard(item.chat_id)  # from now on the spacing keeps this chat waiting
            self.counters.send_seconds += time.monotonic() - started
            if result.status is DeliveryStatus.RATE_LIMITED:
                pacer.pause(result.retry_after or 1.0)
            if result.ok:
                self._count_sent(item.channel)
                item = await self._next(run, item)
            else:
                async with self.sessions() as session, session.begin():
                    await self._record(session, item, result)
                item = await self._next(run, None)
            finished = time.monotonic()
            self.counters.record_seconds += finished - started
            self._latencies.append(finished - started)

    async def _next(self, run: _ChannelRun, sent: Claimed | None) -> Claimed | None:
        """Record `sent` and mark the next queued delivery in flight, in one commit; None
        when the run is over. A sent message is recorded at once, even if none is queued."""
        while True:
            if sent is not None and (run.queue.empty() or run.surplus):
                await run.recorder.advance(sent.id, None)
                sent = None
            if run.surplus:
                run.surplus -= 1
                return None
            following = await run.queue.get()
            if following is None:
                if sent is not None:
                    await run.recorder.advance(sent.id, None)
                return None
            marked = await run.recorder.advance(sent.id if sent else None, following.id)
            sent = None
            if marked:
                return following
            run.chats.discard(following.chat_id)  # cancelled while queued: skip it

    def _count_sent(self, channel: str) -> None:
        self.counters.sent += 1
        self.counters.by_channel[channel] = self.counters.by_channel.get(channel, 0) + 1

    async def _record(self, session: db.DbSession, item: Claimed, result: DeliveryResult) -> None:
        """Any outcome but SENT (which takes the one-statement hot path)."""
        now = self.clock()
        status = result.status
        attempts = item.attempts + 1
        if status is DeliveryStatus.BLOCKED:
            await deliveries.finish(session, item.id, DState.BLOCKED, now=now, error=result.error)
            await self._mark_contact(session, item.contact_id, unreachable_at=now)
        elif status is DeliveryStatus.OUTSIDE_WINDOW:
            await deliveries.finish(
                session, item.id, DState.OUTSIDE_WINDOW, now=now, error=result.error
            )
            await self._mark_contact(session, item.contact_id, outside_window_at=now)
        elif status is DeliveryStatus.RATE_LIMITED:
            self.counters.rate_limited += 1
            when = now + timedelta(seconds=result.retry_after or 1.0)
            await deliveries.retry_at(
                session, item.id, when, error="rate limited", count_attempt=False
            )
        elif status is DeliveryStatus.FAILED_TRANSIENT and attempts < self.config.max_attempts:
            delay = self.config.retry_seconds * 2 ** (attempts - 1)
            await deliveries.retry_at(
                session, item.id, now + timedelta(seconds=delay), error=result.error
            )
        else:
            self.counters.failed += 1
            await deliveries.finish(session, item.id, DState.FAILED, now=now, error=result.error)

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

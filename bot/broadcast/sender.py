"""The sender: claims due deliveries, sends them at each channel's rate, records every outcome.

Each delivery is committed as `in_flight` before its message goes out and as its final state
right after, so after `kill -9` only the messages that were in flight at that moment (at most
one per worker: rate × round trip, e.g. 4 at 30/s and 125 ms) can be sent twice, and nothing
is missed. Workers are sized by Little's law from the measured round trip (rate × time per
message, with headroom; at most DVCBOT_BROADCAST_MAX_IN_FLIGHT), so there are no more in-flight
messages than the rate needs. Each channel's workers are fed without pause: the next batch is
claimed while the previous one is still being sent, and authors' progress is checked alongside.

Only the leader sends (bot/broadcast/leader.py), and it checks that it still is before every
cycle, every batch and (in memory, kept current by the lock connection's listener) every
message; every write is fenced by its epoch, so a leader that lost its lock changes nothing.

Its parts: `channel_run` (a channel's queue and workers), `outcomes` (deliveries not simply
sent), `progress` (reports to authors), `recorder` (the hot path's commits).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import os
import socket
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.broadcast import worker
from bot.broadcast.channel_run import ChannelRun, Staffing
from bot.broadcast.config import Counters, SenderConfig, in_flight_limit
from bot.broadcast.leader import Leadership
from bot.broadcast.outcomes import Outcomes
from bot.broadcast.pacing import ChatSpacing, Pacer
from bot.broadcast.progress import ProgressReporter
from bot.broadcast.recorder import recorder_for
from bot.channels.base import Channel
from handlers import broadcast_message
from handlers.content import Content
from handlers.types import Reply, utcnow
from storage import broadcasts, db, deliveries, fencing
from storage.deliveries import Claimed
from storage.fencing import Fence, Fenced

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]


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
        self.leadership = Leadership(engine, self.instance)
        self.pacers: dict[str, Pacer] = {}
        self.spacing = ChatSpacing(config.chat_interval)
        self.counters = Counters()
        self.leader = False
        self.outcomes = Outcomes(config, self.spacing, self.counters)
        self.staffing: dict[str, Staffing] = {name: Staffing() for name in channels}
        self.runs: dict[str, ChannelRun] = {}
        self.progress = ProgressReporter(self.sessions, channels, content, config, self.pacer)
        self.messages: dict[int, Reply] = {}
        self._stop: asyncio.Event | None = None
        self._failed = False  # the last cycle failed: give back its rows first
        self._rest_until = 0.0  # monotonic time before which this instance leaves the lock
        for name, channel in channels.items():
            if hasattr(channel, "replying"):  # its replies share the platform's window
                channel.replying = functools.partial(self._replying, name)

    @property
    def fence(self) -> Fence:
        """This leader's fence; `Fenced` when it no longer leads (stop writing at once)."""
        fence = self.leadership.fence
        if fence is None:
            raise Fenced("this instance no longer holds the sender lock")
        return fence

    def pacer(self, channel: str) -> Pacer:
        if channel not in self.pacers:
            self.pacers[channel] = Pacer(self.config.rates.get(channel, 1.0))
        return self.pacers[channel]

    def _replying(self, channel: str) -> Callable[[], None]:
        """A reply on `channel` goes out now: its pacer counts it until it is answered, so
        broadcasts and replies together stay within the platform's window."""
        pacer = self.pacer(channel)
        return functools.partial(pacer.done, pacer.count())

    # -- the loop -------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Send until `stop` is set; only the leader sends, the others wait to take over."""
        self._stop = stop
        try:
            while not stop.is_set():
                handled = 0
                try:
                    handled = await self.step()
                except Fenced as lost:
                    logger.warning("stopped sending broadcasts: %s", lost)
                    self._lost_leadership()
                    await self.leadership.release()
                except Exception:
                    logger.exception("broadcast sender cycle failed; retrying")
                    # The next cycle gives back what this one left claimed or in flight (if
                    # this instance still holds the lock), instead of leaving it until the
                    # process ends.
                    self._failed = True
                if not handled:  # nothing sent, or a failure: wait a poll (or for `stop`)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), self.config.poll_seconds)
        finally:
            await self.leadership.release()

    async def step(self) -> int:
        """One cycle: check the lock (take it when free), then send what is due."""
        if self.leader and not await self.leadership.verify():
            self._lost_leadership()
        if not self.leader:
            if time.monotonic() < self._rest_until:
                return 0
            fence = await self.leadership.acquire(self.clock())
            if fence is None:
                return 0
            await self._take_over(fence)
            self.leader = True
        elif self._failed:
            async with self.sessions() as session, session.begin():
                counts = await deliveries.recover(session, self.fence, own=True)
            self._log_given_back("after a failed cycle", counts)
        self._failed = False
        return await self.run_once()

    def _lost_leadership(self) -> None:
        """No longer the sender: leave the lock to the others for two polls (a standby then
        takes over, rather than this instance, whose database connections just failed)."""
        self.leader = False
        self._rest_until = time.monotonic() + 2 * self.config.poll_seconds

    async def _take_over(self, fence: Fence) -> None:
        """A new epoch: give back what earlier leaders left claimed or in flight, and start
        each pacer from the sends of the last moments, so the rate holds across a handover."""
        now = self.clock()
        self.pacers.clear()
        async with self.sessions() as session, session.begin():
            for name in self.channels:
                pacer = self.pacer(name)
                since = now - timedelta(seconds=2.0)
                times, in_flight = await deliveries.recent_sends(session, name, since)
                read = self.clock()  # ages as of now, not of the query's start
                pacer.seed([(read - t).total_seconds() for t in times], in_flight)
            later = now + timedelta(seconds=self.config.chat_interval)
            counts = await deliveries.recover(session, fence, own=False, resend_after=later)
        self._log_given_back(f"taking over (epoch {fence.epoch})", counts)

    @staticmethod
    def _log_given_back(when: str, counts: dict[str, int]) -> None:
        if any(counts.values()):
            logger.info(
                "%s: %d claimed and %d in-flight deliveries given back",
                when,
                counts["claimed"],
                counts["in_flight"],
            )

    async def run_once(self) -> int:
        """Send what is due on every channel, reporting progress to authors along the way."""
        handled = 0
        if await self._eligible():
            sent = asyncio.Event()
            reporter = asyncio.create_task(self._report_until(sent), name="broadcast-progress")
            try:
                # Every channel winds down before a failure of one goes up, so that nothing
                # is still sending when the next cycle gives back what was left in flight.
                results = await asyncio.gather(
                    *(self._send_channel(name) for name in self.channels), return_exceptions=True
                )
            finally:
                sent.set()
                await reporter
            for result in results:
                if isinstance(result, BaseException):
                    raise result
                handled += result
            await self._report_in_flight()  # nothing in flight now
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
            if b.id not in self.messages:
                self.messages[b.id] = broadcast_message.from_dict(b.message)
        return [b.id for b in active if not (quiet and b.quiet_hours)]

    async def _report_until(self, done: asyncio.Event) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), self.config.report_seconds)
            if done.is_set():
                return
            try:
                await self._finish_and_report()
                await self._report_in_flight()
            except Exception:
                logger.exception("broadcast progress report failed; retrying")

    def _stopping(self) -> bool:
        return self._stop is not None and self._stop.is_set()

    # -- sending --------------------------------------------------------------------------

    async def _send_channel(self, channel: str) -> int:
        """Keep `channel`'s workers fed until nothing is due: the next batch is claimed while
        the previous one is still being sent, so sending never pauses."""
        rate = self.config.rates.get(channel, 1.0)
        # Small batches: taking one costs the event loop a pause that grows with its size.
        batch = max(10, min(1000, math.ceil(rate * self.config.batch_seconds)))
        fence = self.fence
        recorder = recorder_for(self.engine, self.sessions, fence=fence, channel=channel)
        run = self.runs[channel] = ChannelRun(channel, rate, recorder)
        handled = 0
        try:
            while not self._stopping():
                if not await self.leadership.verify():
                    self._lost_leadership()
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
            stopping = self._stopping() or not self.leadership.held
            try:
                await run.wind_down(
                    stopping=stopping, give_back=functools.partial(self._give_back, fence)
                )
            finally:
                self.runs.pop(channel, None)
        return handled

    async def _claim(
        self, run: ChannelRun, broadcast_ids: list[int], limit: int
    ) -> tuple[int, list[Claimed]]:
        now = self.clock()
        claimed = await run.recorder.claim(broadcast_ids, limit, now)
        if not claimed:
            return 0, []
        async with self.sessions() as session, session.begin():
            sendable = await self.outcomes.screen(session, self.fence, claimed, now, run.chats)
        return len(claimed), sendable

    async def _until_low(self, run: ChannelRun, low: int) -> None:
        """Wait until the queue runs low, keeping as many workers as the rate needs."""
        limit = in_flight_limit(run.rate, self.config.max_in_flight)
        while True:
            run.staff(
                self.staffing[run.channel].workers(run.rate, limit),
                functools.partial(worker.work, self),
            )
            if run.queue.qsize() <= low or self._stopping():
                return
            await asyncio.wait(run.workers, timeout=0.05, return_when=asyncio.FIRST_COMPLETED)

    async def _give_back(self, fence: Fence, unsent: list[int], abandoned: list[int]) -> None:
        """Queued deliveries, and those marked in flight but never sent, back to pending:
        unless another leader took over, which gives them back itself."""
        try:
            async with self.sessions() as session, session.begin():
                await deliveries.release(
                    session, fence, unsent + abandoned, self.clock(), unsent_in_flight=True
                )
        except Fenced:
            logger.info("%d unsent deliveries left to the new leader", len(unsent + abandoned))

    # -- progress -------------------------------------------------------------------------

    async def _finish_and_report(self) -> None:
        finished, reports = await self.progress.finish(self.clock())
        for bid in finished:
            self.messages.pop(bid, None)
        await self.progress.tell(reports)

    def in_flight(self) -> tuple[int, int | None]:
        """Messages on their way now (workers sending, all channels) and the slowest
        channel's recent round trip in ms: a crash now could repeat that many messages."""
        workers = sum(len(run.workers) for run in self.runs.values())
        trips = [s.latency() for s in self.staffing.values() if s.settled]
        return workers, round(max(trips) * 1000) if trips else None

    async def _report_in_flight(self) -> None:
        """Tell `dvcbot broadcast show` what is in flight (the leader's row)."""
        fence = self.leadership.fence
        if fence is None:
            return
        workers, trip = self.in_flight()
        async with self.sessions() as session, session.begin():
            await fencing.report(
                session, fence, in_flight=workers, round_trip_ms=trip, now=self.clock()
            )

    def health(self) -> dict[str, object]:
        fence = self.leadership.fence
        return {
            "leader": self.leader,
            "epoch": fence.epoch if fence else None,
            "in_flight": self.in_flight()[0],
            "sent": self.counters.sent,
            "rate_limited": self.counters.rate_limited,
            "failed": self.counters.failed,
        }

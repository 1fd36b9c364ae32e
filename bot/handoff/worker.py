"""The notice worker of `dvcbot serve`: sends tickets' notices through the channel senders
(each claimed by one instance), reloads learned phrasings into the search index when another
instance saved one, and empties old closed tickets' texts."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator
from datetime import timedelta

from aiohttp import web

from bot.channels.base import DeliveryStatus
from bot.handoff import learning
from bot.runtime import Runtime
from bot.web.keys import RUNTIME
from bot.web.plugins import Plugin
from handlers.broadcast_message import from_dict
from storage import notices, tickets

logger = logging.getLogger(__name__)

POLL = 0.5  # seconds between looks when nobody woke the worker
RETRIES_AFTER_WAKE = (0.01, 0.03, 0.1, 0.3)  # the waker's transaction may not have committed yet
RETRY_SECONDS = 10.0
MAX_ATTEMPTS = 5
HOUSEKEEPING = 3600.0


class NoticeWorker:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.instance = f"notices-{secrets.token_hex(4)}"
        self.event = asyncio.Event()
        self.sent = 0
        self._housekept = 0.0

    def wake(self) -> None:
        self.event.set()

    async def _wait(self, seconds: float) -> bool:
        """Wait for a wake or `seconds`; True when woken."""
        woken = False
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.event.wait(), seconds)
            woken = True
        self.event.clear()
        return woken

    async def run(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            woken = await self._wait(POLL)
            try:
                sent = await self.cycle()
                # A handler wakes us before its transaction commits: look again shortly (a
                # new wake cuts the pause short).
                for pause in RETRIES_AFTER_WAKE if woken and not sent else ():
                    await self._wait(pause)
                    if await self.cycle():
                        break
                await learning.refresh(self.runtime)
                if loop.time() - self._housekept > HOUSEKEEPING:
                    self._housekept = loop.time()
                    await self.redact()
            except Exception:
                logger.exception("notice worker cycle failed")
                await asyncio.sleep(POLL)

    async def cycle(self) -> int:
        """Claim and send what is due; returns how many were handled."""
        channels = sorted(self.runtime.channels)
        now = self.runtime.clock.now()
        async with self.runtime.sessions() as session, session.begin():
            claimed = await notices.claim(session, channels, self.instance, now=now)
        for notice in claimed:
            channel = self.runtime.channels[notice.channel]
            result = await channel.send(notice.chat_id, [from_dict(notice.message)])
            done = self.runtime.clock.now()
            retry = None
            if result.status is DeliveryStatus.RATE_LIMITED or (
                result.status is DeliveryStatus.FAILED_TRANSIENT
                and notice.attempts + 1 < MAX_ATTEMPTS
            ):
                retry = done + timedelta(seconds=result.retry_after or RETRY_SECONDS)
            async with self.runtime.sessions() as session, session.begin():
                await notices.finish(
                    session,
                    notice.id,
                    sent=result.ok,
                    now=done,
                    error=None if result.ok else result.status.value,
                    retry_at=retry,
                )
            self.sent += int(result.ok)
        return len(claimed)

    async def redact(self) -> None:
        days = self.runtime.settings.ticket_retention_days
        now = self.runtime.clock.now()
        async with self.runtime.sessions() as session, session.begin():
            count = await tickets.redact_closed(session, before=now - timedelta(days=days), now=now)
        if count:
            logger.info("emptied the texts of %d tickets closed over %d days ago", count, days)

    def health(self) -> dict[str, object]:
        return {"sent": self.sent}


async def lifecycle(app: web.Application) -> AsyncIterator[None]:
    runtime = app[RUNTIME]
    worker = NoticeWorker(runtime)
    runtime.services["notices_wake"] = worker.wake
    runtime.services.setdefault("health", {})["notices"] = worker.health
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop), name="notice-worker")
    yield
    stop.set()
    worker.wake()
    try:
        await asyncio.wait_for(task, timeout=10)
    except TimeoutError:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


PLUGIN = Plugin(name="notices", enabled=lambda s: True, lifecycle=lifecycle)

"""`ZaloChannel`: sends replies as customer-service messages and classifies what happened."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from bot.channels.base import DeliveryResult, DeliveryStatus
from bot.channels.render import first_numbers
from bot.channels.zalo.client import ZaloClient
from bot.channels.zalo.errors import Outcome, ZaloApiError, ZaloTransportError
from bot.channels.zalo.events import CHANNEL
from bot.channels.zalo.render import Part, Rendering, media, render
from bot.channels.zalo.tokens import TokenError, ZaloTokens
from handlers.types import Reply, utcnow
from storage import contacts
from storage.db import SessionFactory

logger = logging.getLogger(__name__)

SENT = DeliveryResult(DeliveryStatus.SENT)
PATIENT_RETRIES = 3  # a reply to a person waits out this many rate-limit or network hiccups


class Backoff:
    """After a rate-limit answer every send of this process waits; the pause doubles while
    Zalo keeps refusing and resets after a success."""

    def __init__(self, first: float = 5.0, longest: float = 60.0) -> None:
        self.first, self.longest = first, longest
        self.delay = 0.0
        self.until = 0.0

    def remaining(self) -> float:
        return max(0.0, self.until - time.monotonic())

    def hit(self) -> float:
        self.delay = min(self.longest, self.delay * 2 if self.delay else self.first)
        self.until = time.monotonic() + self.delay
        return self.delay

    def reset(self) -> None:
        self.delay = 0.0


class ZaloChannel:
    """`send` is for proactive messages (broadcasts): it respects the messaging window.
    `reply` answers a person who just wrote, waiting out short rate limits."""

    name = CHANNEL

    def __init__(
        self,
        client: ZaloClient,
        tokens: ZaloTokens,
        sessions: SessionFactory,
        *,
        rendering: Rendering | None = None,
        window: timedelta = timedelta(days=7),
        backoff: Backoff | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.client = client
        self.tokens = tokens
        self.sessions = sessions
        self.rendering = rendering or Rendering()
        self.window = window
        self.backoff = backoff or Backoff()
        self.clock = clock

    async def send(self, chat_id: str, replies: Sequence[Reply]) -> DeliveryResult:
        refused = await self._outside_reach(chat_id)
        if refused is not None:
            return refused
        if (wait := self.backoff.remaining()) > 0:
            return DeliveryResult(DeliveryStatus.RATE_LIMITED, retry_after=wait)
        return await self._deliver(chat_id, replies, patient=False)

    async def reply(self, chat_id: str, replies: Sequence[Reply]) -> DeliveryResult:
        return await self._deliver(chat_id, replies, patient=True)

    async def _outside_reach(self, chat_id: str) -> DeliveryResult | None:
        """Refuse without calling Zalo when the person is known to be out of reach."""
        async with self.sessions() as session, session.begin():
            contact = await contacts.get(session, CHANNEL, chat_id)
            if contact is None:
                return None
            if contact.unreachable_at is not None:
                return DeliveryResult(DeliveryStatus.BLOCKED, error="contact unreachable")
            if contact.outside_window_at is not None:
                return DeliveryResult(DeliveryStatus.OUTSIDE_WINDOW, error="outside window")
            if contact.last_seen_at < self.clock() - self.window:
                await contacts.mark_outside_window(session, contact, at=self.clock())
                return DeliveryResult(DeliveryStatus.OUTSIDE_WINDOW, error="last seen too long ago")
        return None

    async def _deliver(
        self, user_id: str, replies: Sequence[Reply], *, patient: bool
    ) -> DeliveryResult:
        for reply, start in zip(replies, first_numbers(replies), strict=True):
            for part in render(reply, self.rendering, start):
                result = await self._send_part(user_id, part, patient=patient)
                if result.ok:
                    continue
                if part.upload is not None and result.status is DeliveryStatus.FAILED_PERMANENT:
                    name = part.upload[1].filename
                    logger.warning("Zalo attachment %s skipped: %s", name, result.error)
                    continue
                await self._remember(user_id, result)
                return result
        return SENT

    async def _send_part(self, user_id: str, part: Part, *, patient: bool) -> DeliveryResult:
        refreshed = False
        attempts = 0
        while True:
            if (wait := self.backoff.remaining()) > 0:
                if not patient:
                    return DeliveryResult(DeliveryStatus.RATE_LIMITED, retry_after=wait)
                await asyncio.sleep(wait)
            token = await self.tokens.access_token()
            try:
                message = part.message
                if part.upload is not None:
                    kind, attachment = part.upload
                    message = media(kind, await self.client.upload(token, kind, attachment))
                await self.client.send_message(token, user_id, message)
            except ZaloApiError as exc:
                outcome = exc.outcome
                if outcome is Outcome.REFRESH and not refreshed:
                    refreshed = True
                    try:
                        await self.tokens.refresh(token)
                    except TokenError as failure:
                        return DeliveryResult(DeliveryStatus.FAILED_TRANSIENT, error=str(failure))
                    continue
                if outcome is Outcome.RATE_LIMITED:
                    delay = self.backoff.hit()
                    logger.warning("Zalo rate limit (%s); sends pause %.1f s", exc.code, delay)
                    if patient and attempts < PATIENT_RETRIES:
                        attempts += 1
                        continue
                    return DeliveryResult(
                        DeliveryStatus.RATE_LIMITED, retry_after=delay, error=str(exc)
                    )
                return self._classify(exc)
            except ZaloTransportError as exc:
                logger.warning("Zalo send failed: %s", exc)
                if patient and attempts < PATIENT_RETRIES:
                    attempts += 1
                    await asyncio.sleep(self.backoff.first * attempts / 5)
                    continue
                return DeliveryResult(DeliveryStatus.FAILED_TRANSIENT, error=str(exc))
            self.backoff.reset()
            return SENT

    @staticmethod
    def _classify(exc: ZaloApiError) -> DeliveryResult:
        outcome = exc.outcome
        if outcome is Outcome.OUTSIDE_WINDOW:
            return DeliveryResult(DeliveryStatus.OUTSIDE_WINDOW, error=str(exc))
        if outcome is Outcome.UNREACHABLE:
            return DeliveryResult(DeliveryStatus.BLOCKED, error=str(exc))
        if outcome is Outcome.REFRESH:
            logger.error("Zalo refused the freshly refreshed token: %s", exc)
            return DeliveryResult(DeliveryStatus.FAILED_TRANSIENT, error=str(exc))
        logger.warning("Zalo refused a message: %s", exc)
        return DeliveryResult(DeliveryStatus.FAILED_PERMANENT, error=str(exc))

    async def _remember(self, user_id: str, result: DeliveryResult) -> None:
        """Mark the contact so nothing proactive is tried again until they write."""
        if result.status not in (DeliveryStatus.OUTSIDE_WINDOW, DeliveryStatus.BLOCKED):
            return
        logger.info("Zalo contact is %s", result.status.value)
        async with self.sessions() as session, session.begin():
            contact = await contacts.get(session, CHANNEL, user_id)
            if contact is None:
                return
            if result.status is DeliveryStatus.OUTSIDE_WINDOW:
                await contacts.mark_outside_window(session, contact, at=self.clock())
            else:
                await contacts.mark_unreachable(session, contact, at=self.clock())

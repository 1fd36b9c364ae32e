"""Deliveries settled off the hot path: held back before sending, or not sent after trying."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.broadcast.config import Counters, SenderConfig
from bot.broadcast.pacing import ChatSpacing
from bot.channels.base import DeliveryResult, DeliveryStatus
from storage import contacts, db, deliveries
from storage.deliveries import Claimed, DState
from storage.fencing import Fence


@dataclass
class Outcomes:
    """What becomes of a delivery that is not simply sent: opted out, blocked, outside the
    window, held back for its chat, retried or failed."""

    config: SenderConfig
    spacing: ChatSpacing
    counters: Counters

    async def screen(
        self,
        session: db.DbSession,
        fence: Fence,
        claimed: list[Claimed],
        now: datetime,
        queued: set[str],
    ) -> list[Claimed]:
        """Settle, without sending, the deliveries that must not or cannot be sent now.

        `queued` holds the chats with a message already on its way; one for the same chat
        (another broadcast) waits for a later batch."""
        sendable = []
        for item in claimed:
            if not item.subscribed:
                await deliveries.finish(session, fence, item.id, DState.OPTED_OUT, now=now)
            elif item.unreachable:
                await deliveries.finish(session, fence, item.id, DState.BLOCKED, now=now)
            elif item.channel == "zalo" and now - item.last_seen_at > self.config.zalo_window:
                await deliveries.finish(session, fence, item.id, DState.OUTSIDE_WINDOW, now=now)
                await contacts.mark_by_id(session, item.contact_id, outside_window_at=now)
            elif item.chat_id in queued:
                later = now + timedelta(seconds=self.config.chat_interval)
                await deliveries.release(session, fence, [item.id], later)
            elif (wait := self.spacing.wait_needed(item.channel, item.chat_id)) > 0:
                await deliveries.release(session, fence, [item.id], now + timedelta(seconds=wait))
            else:
                queued.add(item.chat_id)
                sendable.append(item)
        return sendable

    async def record(
        self,
        session: db.DbSession,
        fence: Fence,
        item: Claimed,
        result: DeliveryResult,
        now: datetime,
    ) -> None:
        """Any outcome but SENT (which takes the one-statement hot path)."""
        status = result.status
        attempts = item.attempts + 1
        if status is DeliveryStatus.BLOCKED:
            await deliveries.finish(
                session, fence, item.id, DState.BLOCKED, now=now, error=result.error
            )
            await contacts.mark_by_id(session, item.contact_id, unreachable_at=now)
        elif status is DeliveryStatus.OUTSIDE_WINDOW:
            await deliveries.finish(
                session, fence, item.id, DState.OUTSIDE_WINDOW, now=now, error=result.error
            )
            await contacts.mark_by_id(session, item.contact_id, outside_window_at=now)
        elif status is DeliveryStatus.RATE_LIMITED:
            self.counters.rate_limited += 1
            when = now + timedelta(seconds=result.retry_after or 1.0)
            await deliveries.retry_at(
                session, fence, item.id, when, error="rate limited", count_attempt=False
            )
        elif status is DeliveryStatus.FAILED_TRANSIENT and attempts < self.config.max_attempts:
            delay = self.config.retry_seconds * 2 ** (attempts - 1)
            await deliveries.retry_at(
                session, fence, item.id, now + timedelta(seconds=delay), error=result.error
            )
        else:
            self.counters.failed += 1
            await deliveries.finish(
                session, fence, item.id, DState.FAILED, now=now, error=result.error
            )

"""A channel's workers: each paces, sends, records, and stops the moment leadership is lost."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from bot.broadcast.channel_run import SETTLED, ChannelRun, Staffing
from bot.broadcast.config import in_flight_limit
from bot.broadcast.pacing import Pacer
from bot.channels.base import Channel, DeliveryResult, DeliveryStatus
from storage.deliveries import Claimed
from storage.fencing import Fenced

if TYPE_CHECKING:
    from bot.broadcast.sender import Sender

logger = logging.getLogger("bot.broadcast.sender")  # one logger for the sender's messages


def warn_if_held_back(sender: Sender, run: ChannelRun) -> None:
    """Tell the operator, once a run, when the in-flight limit keeps the rate out of reach
    (one message in flight and a 100 ms round trip make 10 a second, not 30)."""
    staffing = sender.staffing[run.channel]
    needed = staffing.needed(run.rate)
    limit = in_flight_limit(run.rate, sender.config.max_in_flight)
    if run.held_back or not staffing.settled or needed <= limit:
        return
    run.held_back = True
    logger.warning(
        "%s broadcasts cannot reach %g/s: a message takes %.0f ms and at most %d may be in "
        "flight; DVCBOT_BROADCAST_MAX_IN_FLIGHT=%d would reach it, and a crash could then "
        "repeat that many messages",
        run.channel,
        run.rate,
        staffing.latency() * 1000,
        limit,
        needed,
    )


async def work(sender: Sender, run: ChannelRun) -> None:
    """Send queued deliveries one at a time.

    One commit records a message as sent the moment the platform answers and marks the
    next message in flight (before it waits for its slot); the recorder shares that commit
    among the workers whose answers came within the same few milliseconds (recorder.py).
    So a crash leaves at most this worker's one message sent-but-unrecorded, and a message
    marked in flight but not yet sent is simply sent after the restart. Other outcomes
    (rare) take a normal transaction. Right before each send the worker checks that this
    instance still leads; when it no longer does, it stops and its message is given back
    unsent.
    """
    channel = run.channel
    target = sender.channels[channel]
    pacer = sender.pacer(channel)
    staffing = sender.staffing[channel]
    try:
        item = await run.next(None)
        while item is not None:
            left = await pacer.take()
            if not sender.leadership.held:
                pacer.done(left, answered=False)
                run.abandoned.append(item.id)
                return
            item = await send_one(sender, run, target, pacer, staffing, item, left)
    except Fenced as lost:
        sender.leadership.lose(str(lost))
    except Exception:
        if sender.leadership.held:
            raise
        # The lock's connection died with the others: the new leader takes it from here.


async def send_one(
    sender: Sender,
    run: ChannelRun,
    target: Channel,
    pacer: Pacer,
    staffing: Staffing,
    item: Claimed,
    started: float,
) -> Claimed | None:
    """Send `item` (its slot taken at `started`), record its outcome, and take the next
    one (None: no more)."""
    channel = run.channel
    try:
        result = await target.send(item.chat_id, [sender.messages[item.broadcast_id]])
    except Exception as exc:  # a channel must not raise; never lose the row if it does
        logger.exception("channel %s raised while sending", channel)
        result = DeliveryResult(DeliveryStatus.FAILED_TRANSIENT, error=type(exc).__name__)
    finally:
        pacer.done(started)
    answered = time.monotonic()
    sender.spacing.sent(channel, item.chat_id)
    run.chats.discard(item.chat_id)  # from now on the spacing keeps this chat waiting
    sender.counters.send_seconds += answered - started
    if result.status is DeliveryStatus.RATE_LIMITED:
        pacer.pause(result.retry_after or 1.0)
    if result.ok:
        count_sent(sender, item.channel)
        following = await run.next(item)
    else:
        async with sender.sessions() as session, session.begin():
            await sender.outcomes.record(session, sender.fence, item, result, sender.clock())
        following = await run.next(None)
    finished = time.monotonic()
    sender.counters.record_seconds += finished - started
    staffing.observe(finished - started)
    if sender.counters.sent % SETTLED == 0:
        warn_if_held_back(sender, run)
    return following


def count_sent(sender: Sender, channel: str) -> None:
    sender.counters.sent += 1
    sender.counters.by_channel[channel] = sender.counters.by_channel.get(channel, 0) + 1

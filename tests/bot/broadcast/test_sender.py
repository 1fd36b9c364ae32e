"""The sender against the fake Telegram Bot API through the real TelegramChannel."""

from __future__ import annotations

import asyncio
import math
import re
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from bot.channels.base import DeliveryResult, DeliveryStatus
from handlers.content import Content
from handlers.schedule import QuietHours
from handlers.types import Reply
from storage import broadcasts, deliveries, deliveries_sqlite, events
from storage.deliveries import DState
from storage.events import EventKind
from storage.models import Broadcast, Contact, Delivery
from tests.support.broadcasting import (
    add_people,
    create_broadcast,
    drain,
    make_sender,
    sent_chats,
    telegram_channel,
)
from tests.support.process import run_dvcbot


async def states(sessions, broadcast_id: int) -> Counter[str]:
    async with sessions() as session:
        rows = await session.scalars(
            select(Delivery.state).where(Delivery.broadcast_id == broadcast_id)
        )
        return Counter(rows)


async def test_a_broadcast_reaches_every_commune_subscriber_once_and_no_one_else(
    engine, sessions, content: Content, tg
) -> None:
    await add_people(sessions, 30, first_chat=1000)
    await add_people(sessions, 10, commune="99999", first_chat=5000)
    await add_people(sessions, 5, channel="console", first_chat=7000)  # cannot be messaged first
    broadcast_id = await create_broadcast(sessions, content)
    async with telegram_channel(tg, sessions, content) as channel:
        await drain(make_sender(engine, {"telegram": channel}, content))
    chats = sent_chats(tg)
    assert sorted(chats) == [str(1000 + i) for i in range(30)]
    assert "Tài khoản định danh điện tử VNeID mức 2" in tg.calls_to("sendMessage")[0].text
    assert tg.calls_to("sendMessage")[0].buttons[0]["callback_data"] == "guide:vneid-muc-2:1"
    assert await states(sessions, broadcast_id) == {"sent": 30}
    async with sessions() as session:
        assert (await session.get(Broadcast, broadcast_id)).state == "done"


async def test_opted_out_and_blocked_people_get_nothing_now_or_later(
    engine, sessions, content: Content, tg
) -> None:
    ids = await add_people(sessions, 6, first_chat=2000)
    async with sessions() as session, session.begin():
        await session.execute(update(Contact).where(Contact.id == ids[0]).values(subscribed=False))
    first = await create_broadcast(sessions, content)
    async with sessions() as session, session.begin():  # opts out after the broadcast was made
        await session.execute(update(Contact).where(Contact.id == ids[1]).values(subscribed=False))
    tg.block(2002)
    async with telegram_channel(tg, sessions, content) as channel:
        sender = make_sender(engine, {"telegram": channel}, content)
        await drain(sender)
        assert await states(sessions, first) == {"sent": 3, "opted_out": 1, "blocked": 1}
        second = await create_broadcast(sessions, content)
        await drain(sender)
    delivered = Counter(sent_chats(tg))
    assert set(delivered) == {"2003", "2004", "2005"}
    assert all(n == 2 for n in delivered.values())
    assert await states(sessions, second) == {"sent": 3}  # the blocked one is not even a recipient
    async with sessions() as session:
        blocked = await session.get(Contact, ids[2])
        assert blocked is not None and blocked.unreachable_at is not None


async def test_a_429_slows_the_sender_and_loses_nothing(
    engine, sessions, content: Content, tg
) -> None:
    await add_people(sessions, 12, first_chat=3000)
    broadcast_id = await create_broadcast(sessions, content)
    tg.fail_next("sendMessage", 429, retry_after=1)
    async with telegram_channel(tg, sessions, content) as channel:
        # At 20/s one worker sends, so no other request is already on its way at the 429.
        sender = make_sender(engine, {"telegram": channel}, content, rates={"telegram": 20.0})
        await drain(sender)
    calls = tg.calls_to("sendMessage")
    limited = next(c for c in calls if c.status == 429)
    after = [c for c in calls if c.at > limited.at]
    assert after and min(c.at for c in after) >= limited.at + 0.95, "waited retry_after"
    assert Counter(sent_chats(tg)) == {str(3000 + i): 1 for i in range(12)}
    assert sender.counters.rate_limited == 1
    assert await states(sessions, broadcast_id) == {"sent": 12}


async def test_server_errors_are_retried_and_a_lasting_failure_is_given_up(
    engine, sessions, content: Content, tg
) -> None:
    await add_people(sessions, 1, first_chat=4000)
    first = await create_broadcast(sessions, content)
    tg.fail_next("sendMessage", 500, times=2)
    async with telegram_channel(tg, sessions, content) as channel:
        sender = make_sender(engine, {"telegram": channel}, content, max_attempts=3)
        await drain(sender)
        assert await states(sessions, first) == {"sent": 1}
        tg.fail_next("sendMessage", 500, times=10)
        second = await create_broadcast(sessions, content)
        await drain(sender)
    assert await states(sessions, second) == {"failed": 1}
    assert len([c for c in tg.calls_to("sendMessage") if c.status == 500]) == 2 + 3


async def test_cancel_stops_a_running_broadcast(engine, sessions, content: Content, tg) -> None:
    await add_people(sessions, 60, first_chat=6000)
    broadcast_id = await create_broadcast(sessions, content)
    async with telegram_channel(tg, sessions, content) as channel:
        sender = make_sender(engine, {"telegram": channel}, content, rates={"telegram": 20.0})
        stop = asyncio.Event()
        task = asyncio.create_task(sender.run(stop))
        await tg.wait_for("sendMessage", count=5, timeout=20)
        async with sessions() as session, session.begin():
            assert await broadcasts.cancel(session, broadcast_id, actor="test")
        sent_at_cancel = len(sent_chats(tg))
        await asyncio.sleep(0.5)
        stop.set()
        await task
    assert len(sent_chats(tg)) <= sent_at_cancel + 1, "at most the message in flight"
    final = await states(sessions, broadcast_id)
    assert final["sent"] + final["cancelled"] == 60 and final["cancelled"] >= 50


async def test_a_chat_never_gets_two_messages_within_a_second(
    engine, sessions, content: Content, tg
) -> None:
    await add_people(sessions, 3, first_chat=7100)
    await create_broadcast(sessions, content)
    await create_broadcast(sessions, content, guide="dang-nhap-cong-dvc")
    async with telegram_channel(tg, sessions, content) as channel:
        await drain(make_sender(engine, {"telegram": channel}, content))
    for chat in ("7100", "7101", "7102"):
        times = sorted(c.at for c in tg.calls_to("sendMessage") if c.chat_id == chat)
        assert len(times) == 2 and times[1] - times[0] >= 1.0


class ZaloPlatform:
    """Stands in for the Zalo OA API (the Zalo adapter is another issue): records sends."""

    name = "zalo"

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, chat_id: str, replies: list[Reply]) -> DeliveryResult:
        self.sent.append(chat_id)
        return DeliveryResult(DeliveryStatus.SENT)


async def test_zalo_followers_silent_for_over_7_days_are_outside_the_window(
    engine, sessions, content: Content
) -> None:
    await add_people(sessions, 2, channel="zalo", first_chat=8000)
    old = datetime.now(UTC) - timedelta(days=8)
    await add_people(
        sessions,
        1,
        channel="zalo",
        first_chat=8100,
    )
    async with sessions() as session, session.begin():
        await session.execute(
            update(Contact).where(Contact.chat_id == "8100").values(last_seen_at=old)
        )
    broadcast_id = await create_broadcast(sessions, content)
    zalo = ZaloPlatform()
    await drain(make_sender(engine, {"zalo": zalo}, content))
    assert sorted(zalo.sent) == ["8000", "8001"]
    assert await states(sessions, broadcast_id) == {"sent": 2, "outside_window": 1}
    async with sessions() as session:
        silent = await session.scalar(select(Contact).where(Contact.chat_id == "8100"))
        assert silent is not None and silent.outside_window_at is not None


async def test_nothing_is_sent_in_quiet_hours_and_it_starts_after(
    engine, sessions, content: Content, tg
) -> None:
    await add_people(sessions, 2, first_chat=8200)
    night = datetime(2026, 11, 29, 16, 0, tzinfo=UTC)  # 23:00 in Vietnam
    # Scheduled for that night by the sender's own clock, never the machine's date.
    broadcast_id = await create_broadcast(sessions, content, send_at=night)
    clock = {"now": night}
    async with telegram_channel(tg, sessions, content) as channel:
        sender = make_sender(
            engine, {"telegram": channel}, content, quiet=QuietHours.parse("21:00-07:00")
        )
        sender.clock = lambda: clock["now"]
        for _ in range(3):
            await sender.step()
        assert sent_chats(tg) == []
        clock["now"] = datetime(2026, 11, 30, 0, 5, tzinfo=UTC)  # 07:05 in Vietnam
        await drain(sender)
    assert sorted(sent_chats(tg)) == ["8200", "8201"]
    assert await states(sessions, broadcast_id) == {"sent": 2}


async def test_the_author_gets_progress_and_a_summary_and_statistics_count_engagement(
    engine, sessions, content: Content, tg
) -> None:
    author = (await add_people(sessions, 1, commune="other", first_chat=1))[0]
    ids = await add_people(sessions, 40, first_chat=8300)
    broadcast_id = await create_broadcast(sessions, content, author_id=author)
    async with telegram_channel(tg, sessions, content) as channel:
        sender = make_sender(
            engine, {"telegram": channel}, content, rates={"telegram": 20.0}, report_seconds=0.5
        )
        await drain(sender)
    to_author = [c.text for c in tg.calls_to("sendMessage") if c.chat_id == "1"]
    assert any("đã xử lý" in text for text in to_author)
    assert "40/40 người đã nhận" in to_author[-1]
    async with sessions() as session, session.begin():
        for contact_id in ids[:3]:
            contact = await session.get(Contact, contact_id)
            await events.record(session, EventKind.GUIDE_STARTED, contact, ref="vneid-muc-2")
        await events.record(session, EventKind.SURVEY_COMPLETED, contact)
    async with sessions() as session:
        stats = await broadcasts.stats(session, broadcast_id)
    assert stats.get(DState.SENT) == 40
    assert stats.opened_guide == 3
    assert stats.took_survey == 1


async def test_paid_broadcasts_go_past_telegrams_free_30_a_second_without_a_429(
    engine, sessions, content: Content, tg
) -> None:
    # As Telegram: 30/s for ordinary messages, a higher limit for allow_paid_broadcast ones.
    tg.rate_limit(per_second=30, per_chat_per_second=1, paid_per_second=200)
    await add_people(sessions, 120, first_chat=9000)
    broadcast_id = await create_broadcast(sessions, content)
    async with telegram_channel(tg, sessions, content, rate=200, paid=True) as channel:
        sender = make_sender(engine, {"telegram": channel}, content, rates={"telegram": 200.0})
        await drain(sender)
        assert Counter(sent_chats(tg)) == {str(9000 + i): 1 for i in range(120)}
        await channel.reply("8999", [Reply("Cảm ơn bạn!")])  # an answer is never a paid one
    *broadcast, answer = tg.calls_to("sendMessage")
    assert tg.rejected == 0
    assert all(c.params.get("allow_paid_broadcast") == "true" for c in broadcast)
    assert "allow_paid_broadcast" not in answer.params
    assert await states(sessions, broadcast_id) == {"sent": 120}


async def test_without_paid_broadcasts_the_fake_holds_the_sender_to_30_a_second(
    engine, sessions, content: Content, tg
) -> None:
    tg.rate_limit(per_second=30, per_chat_per_second=1, paid_per_second=200)
    await add_people(sessions, 40, first_chat=9500)
    broadcast_id = await create_broadcast(sessions, content)
    async with telegram_channel(tg, sessions, content) as channel:  # paid broadcasts off
        sender = make_sender(engine, {"telegram": channel}, content, rates={"telegram": 200.0})
        await drain(sender)
    assert tg.rejected > 0  # so the test above passed for the paid limit, not a lax fake
    assert Counter(sent_chats(tg)) == {str(9500 + i): 1 for i in range(40)}
    assert await states(sessions, broadcast_id) == {"sent": 40}


async def test_after_a_database_error_mid_broadcast_the_sender_carries_on_and_misses_nobody(
    engine, sessions, content: Content, tg, backend: str, monkeypatch
) -> None:
    await add_people(sessions, 20, first_chat=9700)
    broadcast_id = await create_broadcast(sessions, content)
    recorded = 0
    in_flight_then = 0  # messages on their way when the database went away

    def lost_once() -> None:
        nonlocal recorded, in_flight_then
        recorded += 1
        if recorded == 8:  # the database goes away while the eighth message is recorded
            in_flight_then = sender.in_flight()[0]
            raise ConnectionError("database connection lost")

    if backend == "sqlite":
        real_sync = deliveries_sqlite.sent_and_next

        def failing_sync(*args, **kwargs):
            lost_once()
            return real_sync(*args, **kwargs)

        monkeypatch.setattr(deliveries_sqlite, "sent_and_next", failing_sync)
    else:
        real_async = deliveries.sent_and_next

        async def failing_async(*args, **kwargs):
            lost_once()
            return await real_async(*args, **kwargs)

        monkeypatch.setattr(deliveries, "sent_and_next", failing_async)
    async with telegram_channel(tg, sessions, content) as channel:
        sender = make_sender(engine, {"telegram": channel}, content, rates={"telegram": 50.0})
        stop = asyncio.Event()
        running = asyncio.create_task(sender.run(stop))
        try:
            for _ in range(300):  # the process keeps running: no restart brings the rows back
                async with sessions() as session:
                    done = (await session.get(Broadcast, broadcast_id)).state == "done"
                if done:
                    break
                await asyncio.sleep(0.05)
        finally:
            stop.set()
            await running
    assert done, await states(sessions, broadcast_id)
    delivered = Counter(sent_chats(tg))
    assert set(delivered) == {str(9700 + i) for i in range(20)}
    # at most the messages in flight then, sent again: the failed commit held one outcome per
    # worker at most (each waits for its outcome to be recorded before sending the next)
    assert in_flight_then >= 1
    assert sum(delivered.values()) - 20 <= in_flight_then
    assert await states(sessions, broadcast_id) == {"sent": 20}


async def test_the_operator_is_told_when_a_low_in_flight_limit_cannot_reach_the_rate(
    engine, sessions, content: Content, tg, caplog
) -> None:
    await add_people(sessions, 40, first_chat=9800)
    await create_broadcast(sessions, content)
    tg.slow("sendMessage", 0.02, times=40)  # a far-away Telegram: 20 ms a message
    async with telegram_channel(tg, sessions, content) as channel:
        sender = make_sender(
            engine, {"telegram": channel}, content, rates={"telegram": 200.0}, max_in_flight=1
        )
        with caplog.at_level("WARNING", logger="bot.broadcast.sender"):
            await drain(sender)
    [warning] = [r.getMessage() for r in caplog.records if "cannot reach" in r.getMessage()]
    assert "telegram broadcasts cannot reach 200/s" in warning
    assert "DVCBOT_BROADCAST_MAX_IN_FLIGHT=" in warning
    assert Counter(sent_chats(tg)) == {str(9800 + i): 1 for i in range(40)}


async def test_broadcast_show_tells_how_many_messages_a_crash_could_repeat(
    engine, sessions, content: Content, tg, database_url: str, tmp_path
) -> None:
    await add_people(sessions, 40, first_chat=9900)
    broadcast_id = await create_broadcast(sessions, content)
    tg.network(0.05, 0.02)  # a Telegram 50-70 ms away
    async with telegram_channel(tg, sessions, content) as channel:
        sender = make_sender(engine, {"telegram": channel}, content, rates={"telegram": 100.0})
        await drain(sender)
    shown = run_dvcbot(
        ["broadcast", "show", str(broadcast_id)],
        tmp_path,
        DVCBOT_DATABASE_URL=database_url,
        DVCBOT_TELEGRAM_RATE="30",
        DVCBOT_UI_LANG="en",
    )
    assert shown.returncode == 0, shown.stderr
    assert f"Sender: {sender.instance} (takeover 1); 0 messages in flight now" in shown.stdout
    trip = re.search(r"30/s × (\d+) ms ≈ (\d+)", shown.stdout)
    assert trip, shown.stdout
    assert 50 <= int(trip.group(1)) < 500 and int(trip.group(2)) == math.ceil(
        30 * int(trip.group(1)) / 1000
    )


async def test_answers_to_citizens_during_a_broadcast_share_the_30_a_second_without_a_429(
    engine, sessions, content: Content, tg
) -> None:
    # Telegram's 30 messages/s is the bot's, replies and broadcasts together.
    tg.rate_limit(per_second=30)
    await add_people(sessions, 90, first_chat=9800)
    broadcast_id = await create_broadcast(sessions, content)
    async with telegram_channel(tg, sessions, content) as channel:
        sender = make_sender(engine, {"telegram": channel}, content, rates={"telegram": 30.0})

        async def citizens_write() -> None:
            for n in range(40):  # 20 answers a second while the broadcast goes out
                await channel.reply(str(9700 + n), [Reply("Cảm ơn bạn!")])
                await asyncio.sleep(0.05)

        await asyncio.gather(drain(sender), citizens_write())
    assert [c.chat_id for c in tg.calls if c.status == 429] == []
    assert Counter(sent_chats(tg)) == {
        **{str(9800 + i): 1 for i in range(90)},
        **{str(9700 + n): 1 for n in range(40)},
    }
    assert await states(sessions, broadcast_id) == {"sent": 90}

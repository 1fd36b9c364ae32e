"""Replies from two instances on one PostgreSQL share the bot's outgoing rate (issue 21)."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from bot.channels.shared_rate import SharedRate
from handlers.types import Reply
from storage import db
from tests.support.broadcasting import telegram_channel
from tests.support.fake_telegram import FakeTelegram

pytestmark = pytest.mark.parametrize(
    "backend", [pytest.param("postgres", marks=pytest.mark.postgres)]
)

RATE = 20


async def test_two_instances_answering_at_once_stay_within_the_bots_limit_together(
    database_url: str, content
) -> None:
    engines = [db.create_engine(database_url) for _ in range(2)]
    async with FakeTelegram() as tg:
        tg.rate_limit(per_second=RATE)  # for the bot: both instances count together
        try:
            async with (
                telegram_channel(tg, db.session_factory(engines[0]), content) as a,
                telegram_channel(tg, db.session_factory(engines[1]), content) as b,
            ):
                for channel, engine in ((a, engines[0]), (b, engines[1])):
                    channel.reply_rate = SharedRate(engine, "telegram", RATE)
                started = time.monotonic()
                results = await asyncio.gather(
                    *(
                        channel.reply(str(7000 + i), [Reply(f"Câu trả lời {i}")])
                        for i in range(25)
                        for channel in (a, b)
                    )
                )
                elapsed = time.monotonic() - started
                for channel in (a, b):
                    await channel.reply_rate.close()
        finally:
            for engine in engines:
                await engine.dispose()
    assert all(r.ok for r in results)
    assert len(tg.sent()) == 50
    # Each at its own 20/s, the two would take ~25 429s; shared, the slots are even and a
    # stray one can only come from a busy machine waking a sender late.
    assert tg.rejected <= 1, "never more than the bot's limit in any second"
    assert elapsed >= (50 - 1) / RATE, "paced as one, not as two"


async def test_the_slots_of_all_instances_are_spaced_by_the_database_clock(
    database_url: str,
) -> None:
    engines = [db.create_engine(database_url) for _ in range(3)]
    rates = [SharedRate(engine, "replies", RATE) for engine in engines]
    try:
        reserved = await asyncio.gather(*(rates[i % 3].take_slot() for i in range(30)))
    finally:
        for rate in rates:
            await rate.close()
        for engine in engines:
            await engine.dispose()
    slots = sorted(slot for slot, _now in reserved)
    gaps = [b - a for a, b in itertools.pairwise(slots)]
    assert min(gaps) >= rates[0].interval * 0.999, "one slot per interval, whoever asked"

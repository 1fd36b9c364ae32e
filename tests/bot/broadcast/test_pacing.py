"""The pacer's bound on the platform's window rests on the shortest round trip seen."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.broadcast import pacing
from bot.broadcast.pacing import Pacer


async def answer(pacer: Pacer, trip: float) -> None:
    """Take a slot and have its message answered now, as if `trip` seconds after it left."""
    await pacer.take()
    pacer.done(time.monotonic() - trip)


async def test_a_short_round_trip_is_remembered_through_a_spell_of_slow_ones() -> None:
    # A busy machine reads every answer late for a while: a thousand slow trips in a row
    # (a second at 1,000/s) must not make the pacer believe the network got slower.
    pacer = Pacer(1000)
    await answer(pacer, 0.1)
    for _ in range(1000):
        await answer(pacer, 0.15)
    assert pacer.shortest() == pytest.approx(0.1, abs=0.005)


async def test_the_shortest_round_trip_is_forgotten_after_a_while(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pacing, "SHORTEST_SECONDS", 0.05)
    pacer = Pacer(1000)
    assert pacer.shortest() == 0.0
    await answer(pacer, 0.1)
    await answer(pacer, 0.3)
    assert pacer.shortest() == pytest.approx(0.1, abs=0.005)
    await asyncio.sleep(0.06)
    await answer(pacer, 0.2)
    assert pacer.shortest() == pytest.approx(0.2, abs=0.005)


async def test_replies_on_the_channel_take_their_place_in_the_platforms_second() -> None:
    # Replies and free-rate broadcasts share Telegram's 30/s: five replies answered just now
    # leave no room for a broadcast message at 5/s until their second has passed.
    pacer = Pacer(5)
    for _ in range(5):
        (await pacer.outside())(True)
    started = time.monotonic()
    await pacer.take()
    assert time.monotonic() - started >= 0.9


async def test_replies_while_nothing_is_broadcast_leave_nothing_behind() -> None:
    pacer = Pacer(30)
    for _ in range(3):
        (await pacer.outside())(True)
    await asyncio.sleep(1.01)
    (await pacer.outside())(True)
    assert len(pacer._answers) == 1  # the reply of the last second only

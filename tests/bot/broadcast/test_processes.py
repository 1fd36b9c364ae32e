"""Real `dvcbot serve` processes: kill -9 and resume, and two instances on PostgreSQL."""

from __future__ import annotations

import asyncio
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from handlers.content import Content
from storage.models import Broadcast, Delivery
from tests.support.broadcasting import add_people, create_broadcast, sent_chats
from tests.support.fake_telegram import FakeTelegram
from tests.support.process import free_port, start_dvcbot


def serve(tmp_path: Path, database_url: str, tg: FakeTelegram, rate: int) -> subprocess.Popen[str]:
    return start_dvcbot(
        ["serve"],
        tmp_path,
        DVCBOT_DATABASE_URL=database_url,
        DVCBOT_TELEGRAM_TOKEN=tg.token,
        DVCBOT_TELEGRAM_API_URL=tg.base_url,
        DVCBOT_TELEGRAM_RATE=str(rate),
        DVCBOT_BROADCAST_QUIET_HOURS="",
        DVCBOT_LOG_LEVEL="WARNING",
        DVCBOT_WEB_PORT=str(free_port()),
    )


async def wait_until_done(sessions, broadcast_id: int, procs, limit: float = 90) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while loop.time() < deadline:
        for proc in procs:
            assert proc.poll() is None, proc.communicate()[1][-2000:]
        async with sessions() as session:
            state = await session.scalar(
                select(Broadcast.state).where(Broadcast.id == broadcast_id)
            )
        if state == "done":
            return
        await asyncio.sleep(0.2)
    raise AssertionError("the broadcast did not finish")


def stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


async def in_flight(sessions) -> int:
    """Deliveries in flight: after a kill, the most a restart may send twice."""
    async with sessions() as session:
        return len(
            list(await session.scalars(select(Delivery.id).where(Delivery.state == "in_flight")))
        )


async def test_after_kill_9_a_restart_misses_nobody_and_repeats_only_what_was_in_flight(
    database_url: str, sessions, content: Content, tmp_path: Path
) -> None:
    await add_people(sessions, 120, first_chat=10_000)
    broadcast_id = await create_broadcast(sessions, content)
    async with FakeTelegram() as tg:
        first = serve(tmp_path, database_url, tg, rate=30)
        try:
            await tg.wait_for("sendMessage", count=60, timeout=60)
            first.kill()  # SIGKILL: no clean-up at all
            first.wait(timeout=10)
        finally:
            stop(first)
        before = len(sent_chats(tg))
        assert before < 120, "killed before the end"
        on_their_way = await in_flight(sessions)
        assert on_their_way <= 2, "rate × round trip (30/s × a few ms), with headroom"
        second = serve(tmp_path, database_url, tg, rate=30)
        try:
            await wait_until_done(sessions, broadcast_id, [second])
        finally:
            stop(second)
    delivered = Counter(sent_chats(tg))
    assert set(delivered) == {str(10_000 + i) for i in range(120)}, "nobody missed"
    assert sum(delivered.values()) - 120 <= on_their_way, "at most those in flight again"


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_two_instances_on_postgresql_send_each_message_once_within_the_rate(
    database_url: str, sessions, content: Content, tmp_path: Path
) -> None:
    await add_people(sessions, 90, first_chat=20_000)
    broadcast_id = await create_broadcast(sessions, content)
    async with FakeTelegram() as tg:
        tg.rate_limit(per_second=30, per_chat_per_second=1)
        procs = [serve(tmp_path, database_url, tg, rate=30) for _ in range(2)]
        try:
            await wait_until_done(sessions, broadcast_id, procs)
        finally:
            for proc in procs:
                stop(proc)
    delivered = Counter(sent_chats(tg))
    assert delivered == {str(20_000 + i): 1 for i in range(90)}
    assert tg.rejected == 0, "the two instances together stayed within 30 messages/s"

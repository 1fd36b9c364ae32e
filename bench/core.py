"""Benchmark: messages per second through the real core on SQLite, against a bare-SQL floor.

Run: python bench/core.py [--messages 2000] [--users 50]
The floor is the cheapest thing one message could cost here: one transaction inserting one row.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text

from bot.config import BUNDLED_CONTENT
from bot.content import load_or_raise
from bot.core import Core
from handlers.registry import ROUTERS
from handlers.routing import button_actions
from handlers.types import Incoming
from storage import db

SCRIPT = ["/start", "1", "Tiếp", "menu", "2", "cái gì đó không rõ"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(messages: int, users: int) -> None:
    folder = Path(tempfile.mkdtemp())
    url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    await db.upgrade(url)
    engine = db.create_engine(url)
    sessions = db.session_factory(engine)
    content = load_or_raise(BUNDLED_CONTENT, known_actions=button_actions(ROUTERS))
    core = Core(sessions, content)

    latencies: list[float] = []
    cpu = time.process_time()  # all threads, so the aiosqlite worker is counted too
    start = time.perf_counter()
    for i in range(messages):
        user = f"u{i % users}"
        t0 = time.perf_counter()
        await core.handle(
            Incoming(
                "bench", user, user, text=SCRIPT[(i // users) % len(SCRIPT)], message_id=str(i)
            )
        )
        latencies.append(time.perf_counter() - t0)
    core_elapsed = time.perf_counter() - start
    core_cpu = time.process_time() - cpu

    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE floor (id INTEGER PRIMARY KEY, v TEXT)"))
    floor: list[float] = []
    start = time.perf_counter()
    for i in range(messages):
        t0 = time.perf_counter()
        async with sessions() as session, session.begin():
            await session.execute(text("INSERT INTO floor (v) VALUES (:v)"), {"v": str(i)})
        floor.append(time.perf_counter() - t0)
    floor_elapsed = time.perf_counter() - start
    await engine.dispose()

    core_rate, floor_rate = messages / core_elapsed, messages / floor_elapsed
    print(
        f"core : {core_rate:8.0f} msg/s  p50 {statistics.median(latencies) * 1000:6.2f} ms  "
        f"p99 {percentile(latencies, 0.99) * 1000:6.2f} ms"
    )
    print(
        f"floor: {floor_rate:8.0f} tx/s   p50 {statistics.median(floor) * 1000:6.2f} ms  "
        f"p99 {percentile(floor, 0.99) * 1000:6.2f} ms"
    )
    print(f"ratio core/floor throughput: {core_rate / floor_rate:.2f}")
    print(f"core CPU per message: {core_cpu / messages * 1000:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--users", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(run(args.messages, args.users))


if __name__ == "__main__":
    main()

"""Benchmark: Telegram updates per second through the webhook route, against a bare-PTB floor.

Run: python bench/updates.py [--updates 2000] [--users 50]

Both sides are served by the same aiohttp webhook route (`bot/channels/telegram/web.py`) with
the same PTB Application builder (per-chat ordering, rate limiter with the overall limit off,
so the limiter is not what is measured), replying to the same local fake Bot API server
(`tests/support/fake_telegram.py`) over real sockets:

- dvcbot: the full path, route -> PTB -> our handler -> core -> storage (SQLite) -> reply.
- floor:  the same route and PTB, with a bare echo handler (`send_message(chat, text)`): the
          least a PTB webhook bot can cost here.

`--users` citizens write concurrently; each sends its next message when the answer to the
previous one arrives (a closed loop), so latency is per update, end to end (POST -> reply seen
by the fake server). The script of messages walks the menu and a guide like a real person.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
from aiohttp import web
from telegram import Update
from telegram.ext import TypeHandler

from bot.channels.telegram.service import build_application
from bot.channels.telegram.web import TELEGRAM, receive_update
from bot.config import Settings
from bot.web.app import create_app
from bot.web.keys import SETTINGS
from tests.support.fake_telegram import Call, FakeTelegram
from tests.support.process import free_port

SECRET = "bench-secret"
TOKEN = "123:abc"
SCRIPT = ["/start", "1", "1", "/menu", "2", "cái gì đó không rõ"]
PATH = "/telegram/webhook"
UPDATE_IDS = itertools.count(1)  # unique across runs: a repeated id is skipped as a duplicate


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class EchoService:
    """The floor: PTB's Application with one handler that echoes the text back."""

    def __init__(self, settings: Settings) -> None:
        self.application = build_application(settings, webhook=True)

        async def echo(update: object, _context: Any) -> None:
            assert isinstance(update, Update)
            message = update.effective_message
            if message is not None and message.text:
                await message.get_bot().send_message(message.chat_id, message.text)

        self.application.add_handler(TypeHandler(Update, echo))

    @property
    def running(self) -> bool:
        return self.application.running


def floor_app(settings: Settings) -> web.Application:
    app = web.Application()
    app[SETTINGS] = settings
    service = EchoService(settings)

    async def lifecycle(app: web.Application) -> Any:
        async with service.application:
            await service.application.start()
            app[TELEGRAM] = service  # type: ignore[assignment]
            yield
            await service.application.stop()

    app.cleanup_ctx.append(lifecycle)
    app.router.add_post(PATH, receive_update)
    return app


async def drive(tg: FakeTelegram, url: str, updates: int, users: int) -> tuple[float, list[float]]:
    """Closed loop: each user posts its next update once the previous one was answered."""
    waiting: dict[str, asyncio.Future[None]] = {}

    def on_call(call: Call) -> None:
        future = waiting.pop(call.chat_id or "", None)
        if call.method == "sendMessage" and future is not None and not future.done():
            future.set_result(None)

    tg.listeners.append(on_call)
    latencies: list[float] = []
    per_user = updates // users
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    loop = asyncio.get_running_loop()

    async def user(number: int, session: aiohttp.ClientSession) -> None:
        chat = 10_000 + number
        for step in range(per_user):
            update = tg.message(chat, SCRIPT[step % len(SCRIPT)])
            update["update_id"] = next(UPDATE_IDS)
            done = loop.create_future()
            waiting[str(chat)] = done
            t0 = time.perf_counter()
            async with session.post(url, json=update, headers=headers) as response:
                assert response.status == 200, response.status
            await asyncio.wait_for(done, 60)
            latencies.append(time.perf_counter() - t0)

    connector = aiohttp.TCPConnector(limit=users)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.perf_counter()
        await asyncio.gather(*(user(n, session) for n in range(users)))
        elapsed = time.perf_counter() - start
    tg.listeners.remove(on_call)
    return elapsed, latencies


async def measure(
    name: str, make_app: Callable[[Settings], web.Application], updates: int, users: int
) -> tuple[float, list[float]]:
    folder = Path(tempfile.mkdtemp())
    async with FakeTelegram(TOKEN) as tg:
        port = free_port()
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{folder / 'bench.db'}",
            telegram_token=TOKEN,
            telegram_api_url=tg.base_url,
            telegram_mode="webhook",
            telegram_webhook_url=f"http://127.0.0.1:{port}{PATH}",
            telegram_webhook_secret=SECRET,
            telegram_max_rate=0,
            log_level="WARNING",
        )
        app = make_app(settings)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", port)
        await site.start()
        try:
            await drive(tg, settings.telegram_webhook_url or "", users, users)  # warm-up
            elapsed, latencies = await drive(
                tg, settings.telegram_webhook_url or "", updates, users
            )
        finally:
            await runner.cleanup()
    rate = len(latencies) / elapsed
    print(
        f"{name:6}: {rate:8.0f} updates/s  p50 {statistics.median(latencies) * 1000:7.2f} ms  "
        f"p99 {percentile(latencies, 0.99) * 1000:7.2f} ms",
        flush=True,
    )
    return rate, latencies


async def run(updates: int, users: int) -> None:
    logging.basicConfig(level=logging.WARNING)
    dvcbot_rate, _ = await measure("dvcbot", create_app, updates, users)
    floor_rate, _ = await measure("floor", floor_app, updates, users)
    print(f"ratio dvcbot/floor throughput: {dvcbot_rate / floor_rate:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--users", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(run(args.updates, args.users))


if __name__ == "__main__":
    main()

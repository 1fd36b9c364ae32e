"""Benchmark: Telegram updates per second through the webhook route, against a bare-PTB floor.

Run: python bench/updates.py [--updates 2000] [--users 50] [--baseline SRC]
     python bench/updates.py --kill [--updates 2000] [--users 50]

The bot runs in its own process, as in production; this process plays Telegram: the local fake
Bot API server (`tests/support/fake_telegram.py`) that receives the replies, and the citizens
whose updates are POSTed to the webhook, over real sockets on 127.0.0.1.

- dvcbot: `python -m bot serve` in webhook mode: route -> PTB -> our handler -> core ->
          storage (SQLite) -> reply.
- floor:  the same aiohttp webhook route and the same PTB Application builder (per-chat
          ordering, rate limiter, PTB's networking on aiohttp), served the same way, with a
          bare echo handler (`send_message(chat, text)`): the least a PTB webhook bot can
          cost here.
- httpx:  the same floor on PTB's default networking (httpx), as PTB ships: what the floor
          was before dvcbot moved PTB onto aiohttp.

Both run with the overall rate limit off (`DVCBOT_TELEGRAM_MAX_RATE=0`), so the limiter is not
what is measured. `--users` citizens write concurrently; each sends its next message when the
answer to the previous one arrives (a closed loop), so latency is per update, end to end
(POST -> reply received by the fake server). The messages walk the menu and a guide.
"bot CPU" is the bot process's own CPU time per update (all its threads), which a busy shared
machine disturbs far less than wall-clock figures.

`--baseline SRC` also measures the dvcbot of another source tree (e.g. `git archive main`
unpacked in /tmp) in the same run, for before/after figures on one machine at one time.

`--kill`: a burst of updates (each citizen sends the next one once the previous was
acknowledged), the bot killed with SIGKILL once 40% were acknowledged, restarted, and sent what
it had not acknowledged (as Telegram does); then every update acknowledged must be answered,
and none twice (see bench/crash.py).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp
import crash  # bench/crash.py
from aiohttp import web
from telegram import Update
from telegram.ext import TypeHandler

from bot import logs
from bot.channels.telegram.service import build_application
from bot.channels.telegram.web import SECRET_HEADER, TELEGRAM, webhook_path
from bot.config import Settings
from bot.web.keys import SETTINGS
from tests.support.fake_telegram import Call, FakeTelegram
from tests.support.process import free_port

REPO = Path(__file__).resolve().parent.parent
SELF = str(Path(__file__).resolve())
SECRET = "bench-secret"
TOKEN = "123:abc"
SCRIPT = ["/start", "1", "1", "/menu", "2", "cái gì đó không rõ"]
UPDATE_IDS = itertools.count(1)  # unique across runs: a repeated id is skipped as a duplicate


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# ---- the floor bot (runs in a child process) ---------------------------------------------------


class EchoService:
    """PTB's Application with one handler that echoes the text back: from our builder
    (networking on aiohttp), or with PTB's default networking (httpx)."""

    def __init__(self, settings: Settings, transport: str) -> None:
        self.application = build_application(settings, webhook=True, networking=transport)

        async def echo(update: object, _context: Any) -> None:
            assert isinstance(update, Update)
            message = update.effective_message
            if message is not None and message.text:
                await message.get_bot().send_message(message.chat_id, message.text)

        self.application.add_handler(TypeHandler(Update, echo))

    @property
    def running(self) -> bool:
        return self.application.running


async def queue_update(request: web.Request) -> web.Response:
    """The floor's webhook route: secret checked, update parsed and queued for PTB, 200."""
    service = request.app[TELEGRAM]
    if request.headers.get(SECRET_HEADER) != SECRET:
        return web.Response(status=403)
    update = Update.de_json(await request.json(), service.application.bot)
    await service.application.update_queue.put(update)
    return web.Response(text="ok")


def serve_floor(transport: str) -> None:
    settings = Settings()
    logs.configure(settings.log_level)
    app = web.Application()
    app[SETTINGS] = settings
    service = EchoService(settings, transport)

    async def lifecycle(app: web.Application) -> Any:
        async with service.application:
            await service.application.start()
            app[TELEGRAM] = service  # type: ignore[assignment]
            yield
            await service.application.stop()

    app.cleanup_ctx.append(lifecycle)
    app.router.add_post(webhook_path(settings), queue_update)
    web.run_app(app, host=settings.web_host, port=settings.web_port, print=None)


# ---- the harness: fake Telegram and the citizens -----------------------------------------------


async def drive(tg: FakeTelegram, url: str, updates: int, users: int) -> tuple[float, list[float]]:
    """Closed loop: each user posts its next update once the previous one was answered."""
    waiting: dict[str, asyncio.Future[None]] = {}

    def on_call(call: Call) -> None:
        future = waiting.pop(call.chat_id or "", None)
        if call.method == "sendMessage" and future is not None and not future.done():
            future.set_result(None)

    tg.listeners.append(on_call)
    latencies: list[float] = []
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    loop = asyncio.get_running_loop()

    async def user(number: int, session: aiohttp.ClientSession) -> None:
        chat = 10_000 + number
        for step in range(updates // users):
            update = tg.message(chat, SCRIPT[step % len(SCRIPT)])
            update["update_id"] = next(UPDATE_IDS)
            done = loop.create_future()
            waiting[str(chat)] = done
            t0 = time.perf_counter()
            async with session.post(url, json=update, headers=headers) as response:
                assert response.status == 200, response.status
            await asyncio.wait_for(done, 60)
            latencies.append(time.perf_counter() - t0)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=users)) as session:
        start = time.perf_counter()
        await asyncio.gather(*(user(n, session) for n in range(users)))
        elapsed = time.perf_counter() - start
    tg.listeners.remove(on_call)
    return elapsed, latencies


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its threads so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bot_env(folder: Path, port: int, tg: FakeTelegram, repo: Path = REPO) -> dict[str, str]:
    url = f"http://127.0.0.1:{port}/telegram/webhook"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DVCBOT_")}
    env.update(
        PYTHONPATH=str(repo),
        DVCBOT_DATABASE_URL=os.environ.get(
            "BENCH_DATABASE_URL", f"sqlite+aiosqlite:///{folder / 'bench.db'}"
        ),
        DVCBOT_WEB_PORT=str(port),
        DVCBOT_TELEGRAM_TOKEN=TOKEN,
        DVCBOT_TELEGRAM_API_URL=tg.base_url,
        DVCBOT_TELEGRAM_MODE="webhook",
        DVCBOT_TELEGRAM_WEBHOOK_URL=url,
        DVCBOT_TELEGRAM_WEBHOOK_SECRET=SECRET,
        DVCBOT_TELEGRAM_MAX_RATE="0",
    )
    return env


async def measure(
    name: str, command: list[str], updates: int, users: int, repo: Path = REPO
) -> float:
    folder = Path(tempfile.mkdtemp())
    async with FakeTelegram(TOKEN) as tg:
        port = free_port()
        url = f"http://127.0.0.1:{port}/telegram/webhook"
        proc = await asyncio.create_subprocess_exec(
            *command, cwd=folder, env=bot_env(folder, port, tg, repo),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        try:
            await crash.wait_listening(port, proc)
            await drive(tg, url, users, users)  # warm-up: first contacts, connections
            cpu = cpu_seconds(proc.pid)
            elapsed, latencies = await drive(tg, url, updates, users)
            cpu = cpu_seconds(proc.pid) - cpu
        finally:
            proc.terminate()
            await proc.wait()
    rate = len(latencies) / elapsed
    print(
        f"{name:6}: {rate:8.0f} updates/s  p50 {statistics.median(latencies) * 1000:7.2f} ms  "
        f"p99 {percentile(latencies, 0.99) * 1000:7.2f} ms  "
        f"bot CPU {cpu / len(latencies) * 1000:5.2f} ms/update",
        flush=True,
    )
    return rate


async def run(updates: int, users: int, baseline: Path | None) -> None:
    python = sys.executable
    if baseline is not None:
        await measure("main", [python, "-m", "bot", "serve"], updates, users, baseline)
    dvcbot = await measure("dvcbot", [python, "-m", "bot", "serve"], updates, users)
    floor = await measure("floor", [python, SELF, "--floor", "aiohttp"], updates, users)
    httpx = await measure("httpx", [python, SELF, "--floor", "httpx"], updates, users)
    print(f"ratio dvcbot/floor throughput: {dvcbot / floor:.2f}")
    print(f"ratio dvcbot/floor on PTB's default networking (httpx): {dvcbot / httpx:.2f}")


async def kill_run(updates: int, users: int) -> None:
    """The --kill run: see the module docstring."""
    folder = Path(tempfile.mkdtemp())
    steps = updates // users
    async with FakeTelegram(TOKEN) as tg:
        port = free_port()
        url = f"http://127.0.0.1:{port}/telegram/webhook"
        env = bot_env(folder, port, tg)
        log = open(folder / "bot.log", "ab")  # noqa: SIM115, ASYNC230 - both processes append

        async def start() -> asyncio.subprocess.Process:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "serve", cwd=folder, env=env,
                stdout=log, stderr=log,
            )  # fmt: skip
            await crash.wait_listening(port, proc)
            return proc

        texts: dict[str, list[str]] = {}
        tg.listeners.append(
            lambda call: (
                texts.setdefault(call.chat_id or "", []).append(call.text)
                if call.method.startswith("send")
                else None
            )
        )
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        connector = aiohttp.TCPConnector(limit=users + 1, force_close=True)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def post(user: int, step: int) -> bool:
                update = tg.message(10_000 + user, SCRIPT[step % len(SCRIPT)])
                update["update_id"] = 1 + user * steps + step  # the same id when resent
                update["message"]["message_id"] = step + 1
                timeout = aiohttp.ClientTimeout(total=30)
                async with session.post(url, json=update, headers=headers, timeout=timeout) as r:
                    return r.status == 200

            def replies(user: int) -> list[str]:
                return texts.get(str(10_000 + user), [])

            proc = await start()
            expected = await crash.calibrate(post, replies, users, steps)  # one extra chat
            os.kill(proc.pid, 15)
            await proc.wait()
            outcome, proc = await crash.burst_kill_restart(
                post, replies, list(range(users)), steps, expected, start=start
            )
            proc.terminate()
            await proc.wait()
    crash.report("telegram webhook", outcome)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument(
        "--floor", choices=("aiohttp", "httpx"), help="serve a floor bot (internal)"
    )
    parser.add_argument("--baseline", type=Path, help="also measure this source tree's dvcbot")
    parser.add_argument("--kill", action="store_true", help="kill -9 mid-burst, restart, count")
    args = parser.parse_args()
    if args.floor:
        serve_floor(args.floor)
    elif args.kill:
        asyncio.run(kill_run(args.updates, args.users))
    else:
        asyncio.run(run(args.updates, args.users, args.baseline))


if __name__ == "__main__":
    main()

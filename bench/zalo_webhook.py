"""Benchmark: Zalo webhook acknowledgement latency under load, and events handled per second.

Run: python bench/zalo_webhook.py [--events 1000] [--users 50]
     python bench/zalo_webhook.py --kill [--events 1000] [--users 50]
Signed `user_send_text` events are posted one after another over loopback to the real app
(create_app, SQLite) whose Zalo API is the local fake; replies go to the fake. The floor is a bare
aiohttp route answering 200 on the same machine; Zalo's own limit is 2 s per acknowledgement.

`--kill`: `dvcbot serve` in its own process gets a burst (each person's next event once the
previous one was acknowledged), is killed with SIGKILL once 40% were acknowledged, restarted,
and sent what it had not acknowledged; then every event acknowledged must be answered, and
none twice (see bench/crash.py).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp
import crash  # bench/crash.py
from aiohttp import web

from bot.config import load_settings
from bot.web.app import create_app
from tests.support.fake_zalo import APP_ID, APP_SECRET, OA_SECRET, FakeZalo, event, signed
from tests.support.process import free_port

REPO = Path(__file__).resolve().parent.parent

TEXTS = ["menu", "#guide:vneid-muc-2", "#guide:vneid-muc-2:2", "2", "xin chao"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


async def post_all(http: aiohttp.ClientSession, url: str, bodies: list[tuple]) -> list[float]:
    latencies = []
    for body, headers in bodies:
        t0 = time.perf_counter()
        async with http.post(url, data=body, headers=headers) as response:
            assert response.status == 200, response.status
            await response.read()
        latencies.append(time.perf_counter() - t0)
    return latencies


async def run(events: int, users: int) -> None:
    fake = FakeZalo()
    await fake.start()
    folder = Path(tempfile.mkdtemp())
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{folder / 'bench.db'}",
        zalo_app_id=APP_ID,
        zalo_app_secret=APP_SECRET,
        zalo_oa_secret=OA_SECRET,
        zalo_access_token=fake.access_token,
        zalo_refresh_token=fake.refresh_token,
        zalo_api_url=fake.url,
        zalo_oauth_url=fake.url,
    )
    bodies = [
        signed(
            event(
                "user_send_text",
                text=TEXTS[(i // users) % len(TEXTS)],
                msg_id=f"bench{i}",
                user=f"u{i % users}",
            )
        )
        for i in range(events)
    ]
    runner, base = await serve(create_app(settings))
    async with aiohttp.ClientSession() as http:
        start = time.perf_counter()
        acks = await post_all(http, base + "/zalo/webhook", bodies)
        await fake.wait_for(events, within=600)
        handled = time.perf_counter() - start
    await runner.cleanup()

    floor_app = web.Application()

    async def ok(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"ok": True})

    floor_app.router.add_post("/", ok)
    floor_runner, floor_base = await serve(floor_app)
    async with aiohttp.ClientSession() as http:
        floor = await post_all(http, floor_base + "/", bodies)
    await floor_runner.cleanup()
    await fake.close()

    print(
        f"webhook ack: p50 {statistics.median(acks) * 1000:6.2f} ms  "
        f"p99 {percentile(acks, 0.99) * 1000:6.2f} ms  max {max(acks) * 1000:6.2f} ms"
    )
    print(
        f"floor ack  : p50 {statistics.median(floor) * 1000:6.2f} ms  "
        f"p99 {percentile(floor, 0.99) * 1000:6.2f} ms"
    )
    print(f"handled    : {events / handled:6.0f} events/s end to end (reply at the fake)")
    print(f"ratio ack p99 / Zalo's 2 s limit: {percentile(acks, 0.99) / 2:.4f}")


async def kill_run(events: int, users: int) -> None:
    """The --kill run: see the module docstring."""
    fake = FakeZalo()
    await fake.start()
    folder = Path(tempfile.mkdtemp())
    steps = events // users
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DVCBOT_")}
    env.update(
        PYTHONPATH=str(REPO),
        DVCBOT_DATABASE_URL=os.environ.get(
            "BENCH_DATABASE_URL", f"sqlite+aiosqlite:///{folder / 'bench.db'}"
        ),
        DVCBOT_WEB_PORT=str(port),
        DVCBOT_ZALO_APP_ID=APP_ID,
        DVCBOT_ZALO_APP_SECRET=APP_SECRET,
        DVCBOT_ZALO_OA_SECRET=OA_SECRET,
        DVCBOT_ZALO_ACCESS_TOKEN=fake.access_token,
        DVCBOT_ZALO_REFRESH_TOKEN=fake.refresh_token,
        DVCBOT_ZALO_API_URL=fake.url,
        DVCBOT_ZALO_OAUTH_URL=fake.url,
    )
    log = open(folder / "bot.log", "ab")  # noqa: SIM115, ASYNC230 - both processes append

    async def start() -> asyncio.subprocess.Process:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "serve", cwd=folder, env=env, stdout=log, stderr=log
        )
        await crash.wait_listening(port, proc)
        return proc

    url = f"http://127.0.0.1:{port}/zalo/webhook"
    connector = aiohttp.TCPConnector(limit=users + 1, force_close=True)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def post(user: int, step: int) -> bool:
            text = TEXTS[step % len(TEXTS)]
            body, headers = signed(
                event("user_send_text", text=text, msg_id=f"k{user}:{step}", user=f"u{user}")
            )
            timeout = aiohttp.ClientTimeout(total=30)
            async with http.post(url, data=body, headers=headers, timeout=timeout) as response:
                return response.status == 200

        def replies(user: int) -> list[str]:
            return fake.texts(f"u{user}")

        proc = await start()
        expected = await crash.calibrate(post, replies, users, steps)  # one extra person
        proc.terminate()
        await proc.wait()
        outcome, proc = await crash.burst_kill_restart(
            post, replies, list(range(users)), steps, expected, start=start
        )
        proc.terminate()
        await proc.wait()
    await fake.close()
    crash.report("zalo webhook", outcome)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--kill", action="store_true", help="kill -9 mid-burst, restart, count")
    args = parser.parse_args()
    if args.kill:
        asyncio.run(kill_run(args.events, args.users))
    else:
        asyncio.run(run(args.events, args.users))


if __name__ == "__main__":
    main()

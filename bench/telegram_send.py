"""Benchmark: the cost of one broadcast send through TelegramChannel, against a bare aiohttp call.

Run: python bench/telegram_send.py [--calls 3000] [--channel ptb,wire]

The fake Bot API server runs in a subprocess, so the client's CPU (this process) and the
server's (read from /proc) are measured apart. Each call sends the same guide message with
two buttons to a new chat, one at a time, as the broadcast sender does with one message in
flight: wall time per call is then client + server + loopback, the least time a message can
take when only one may be unrecorded at once. `ptb` is the production TelegramChannel (PTB on
aiohttp, paid broadcast on); `wire` the bench-only bare aiohttp client of bench/broadcast.py.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp

from bench.broadcast import WireChannel
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.service import build_application
from bot.config import BUNDLED_CONTENT, load_settings
from bot.content import load_or_raise
from handlers.types import Button, Reply
from tests.support.fake_telegram import FakeTelegram

GUIDE = Reply(
    "Tài khoản định danh điện tử VNeID mức 2\n"
    + "Hướng dẫn đăng ký tài khoản định danh điện tử mức 2 trên ứng dụng VNeID. " * 3,
    buttons=(Button("Xem hướng dẫn", "guide:vneid-muc-2:1"), Button("Hủy nhận tin", "unsub")),
)
WARM_UP = 200


async def serve_fake() -> None:
    """The subprocess: the fake server, printing its URL, until killed."""
    gc.disable()  # as in bench/broadcast.py: no collection pauses inside the measurement
    async with FakeTelegram(check_html=False) as tg:
        print(tg.base_url, flush=True)
        await asyncio.Event().wait()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(kind: str, url: str, calls: int, server_pid: int) -> dict[str, Any]:
    settings = load_settings(
        telegram_token="123:abc",
        telegram_api_url=url,
        telegram_rate=1000,
        telegram_paid_broadcast=True,
    )
    application = build_application(settings, webhook=True)
    await application.bot.initialize()
    content = load_or_raise(BUNDLED_CONTENT)
    async with aiohttp.ClientSession() as http:
        channel: Any = (
            TelegramChannel(application.bot, None, content, paid_broadcast=True)  # type: ignore[arg-type]
            if kind == "ptb"
            else WireChannel(http, url, "123:abc", paid=True)
        )
        for i in range(WARM_UP):
            await channel.send(str(1_000_000 + i), [GUIDE])
        gc.collect()
        gc.freeze()
        server_before, cpu_before = cpu_seconds(server_pid), time.process_time()
        started = time.perf_counter()
        for i in range(calls):
            result = await channel.send(str(2_000_000 + i), [GUIDE])
            assert result.ok, result
        wall = time.perf_counter() - started
        cpu, server = time.process_time() - cpu_before, cpu_seconds(server_pid) - server_before
    await application.bot.shutdown()
    return {
        "channel": kind,
        "calls": calls,
        "wall_us_per_call": round(wall / calls * 1e6),
        "client_cpu_us_per_call": round(cpu / calls * 1e6),
        "server_cpu_us_per_call": round(server / calls * 1e6),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--channel", default="ptb,wire", help="comma-separated: ptb, wire")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve_fake())
        return
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])},
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        for kind in args.channel.split(","):
            print(json.dumps(asyncio.run(measure(kind, url, args.calls, server.pid))))
    finally:
        server.kill()
        server.wait()


if __name__ == "__main__":
    main()

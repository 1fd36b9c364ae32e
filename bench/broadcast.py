"""Benchmark: the broadcast sender against the rate-enforcing fake Telegram server.

Run: python bench/broadcast.py [--subscribers 2000 --rate 30] [--rtt 0.1 --jitter 0.05]
                               [--channel ptb|wire] [--in-flight N] [--kill]

The fake Bot API server runs in this process and enforces `--rate` messages per second with
real 429 answers (sliding one-second window over the calls' arrival). With `--rtt` and
`--jitter` it stands as far away as a real Telegram: each call's round trip is a random time
in [rtt, rtt + jitter], half of it before the call arrives (and is counted), half after.
The sender runs in a subprocess (its own core), as `dvcbot serve` runs it, with the product's
settings unless `--in-flight` sets DVCBOT_BROADCAST_MAX_IN_FLIGHT. Figures: achieved rate ÷
configured rate (goal ≥ 0.95) with the number of 429s (goal 0); with --kill, the sender is
killed with SIGKILL at 50 %, the deliveries then in flight are counted (what a restart may
repeat), it is restarted, and misses and duplicates are counted (goal 0 misses, duplicates ≤
that in-flight count). Above Telegram's free 30/s
the sender sends paid broadcasts (DVCBOT_TELEGRAM_PAID_BROADCAST) and the fake holds those to
`--rate` and every other message to 30/s, as Telegram does.

`--channel ptb` sends through the production TelegramChannel (python-telegram-bot on aiohttp);
`--channel wire` through a minimal aiohttp client of the same Bot API call, which measures the
engine without the client library's cost.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
from sqlalchemy import func, select

from bot.broadcast.config import SenderConfig
from bot.broadcast.sender import Sender
from bot.channels.base import DeliveryResult, DeliveryStatus
from bot.config import BUNDLED_CONTENT, FREE_RATE, load_settings
from bot.content import load_or_raise
from handlers.types import Reply
from storage import broadcasts, db
from storage.deliveries import DState
from storage.models import Delivery
from tests.support.broadcasting import add_people, create_broadcast
from tests.support.fake_telegram import FakeTelegram


class WireChannel:
    """The Bot API sendMessage call over a bare aiohttp session (bench only)."""

    name = "telegram"

    def __init__(
        self, http: aiohttp.ClientSession, base_url: str, token: str, *, paid: bool
    ) -> None:
        self.http, self.url = http, f"{base_url}{token}/sendMessage"
        self.extra = {"allow_paid_broadcast": "true"} if paid else {}

    async def send(self, chat_id: str, replies: Sequence[Reply]) -> DeliveryResult:
        for reply in replies:
            form: dict[str, Any] = {"chat_id": chat_id, "text": reply.text, **self.extra}
            if reply.buttons:
                keyboard = [[{"text": b.label, "callback_data": b.payload}] for b in reply.buttons]
                form["reply_markup"] = json.dumps({"inline_keyboard": keyboard})
            try:
                async with self.http.post(self.url, data=form) as response:
                    body = await response.json(content_type=None)
            except aiohttp.ClientError as error:
                return DeliveryResult(DeliveryStatus.FAILED_TRANSIENT, error=str(error))
            if response.status == 429:
                retry = float(body.get("parameters", {}).get("retry_after", 1))
                return DeliveryResult(DeliveryStatus.RATE_LIMITED, retry_after=retry)
            if response.status == 403:
                return DeliveryResult(DeliveryStatus.BLOCKED)
            if response.status >= 500:
                return DeliveryResult(DeliveryStatus.FAILED_TRANSIENT)
            if response.status != 200:
                return DeliveryResult(DeliveryStatus.FAILED_PERMANENT, error=str(body))
        return DeliveryResult(DeliveryStatus.SENT)


async def run_sender(args: argparse.Namespace) -> dict[str, float]:
    """The subprocess: send until no broadcast is open."""
    engine = db.create_engine(args.database_url)
    content = load_or_raise(BUNDLED_CONTENT)
    config = SenderConfig(
        rates={"telegram": args.rate}, quiet=None, max_in_flight=args.in_flight, poll_seconds=0.2
    )  # as `dvcbot serve` builds it (bot/broadcast/plugin.py), bar quiet hours and the poll
    paid = args.rate > FREE_RATE
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=256)) as http:
        if args.channel == "wire":
            channel: Any = WireChannel(http, args.api_url, "123:abc", paid=paid)
            application = None
        else:
            from bot.channels.telegram.channel import TelegramChannel
            from bot.channels.telegram.service import build_application

            settings = load_settings(
                telegram_token="123:abc",
                telegram_api_url=args.api_url,
                telegram_rate=args.rate,
                telegram_paid_broadcast=paid,
            )
            application = build_application(settings, webhook=True)
            await application.bot.initialize()
            channel = TelegramChannel(
                application.bot, db.session_factory(engine), content, paid_broadcast=paid
            )
        sender = Sender(engine, {"telegram": channel}, content, config)
        gc.freeze()  # as `dvcbot serve` does once started
        started = cpu_seconds(resource.RUSAGE_SELF)  # imports, content, client: once a process
        while True:
            await sender.step()
            async with sender.sessions() as session:
                recent = await broadcasts.recent(session, 5)
            if recent and all(b.state == "done" for b in recent):
                break
        if application is not None:
            await application.bot.shutdown()
        c = sender.counters
        own = {
            "startup_cpu_s": started,
            "sending_cpu_s": cpu_seconds(resource.RUSAGE_SELF) - started,
            "sent": c.sent,
        }
        if c.sent:
            print(
                json.dumps(
                    {
                        "send_ms": round(c.send_seconds / c.sent * 1000, 1),
                        "send_and_record_ms": round(c.record_seconds / c.sent * 1000, 1),
                    }
                ),
                file=sys.stderr,
            )
    await engine.dispose()
    return own


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def start_sender(
    args: argparse.Namespace, url: str, api_url: str, stats: Path
) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, __file__, "--sender", "--database-url", url, "--api-url", api_url,
        "--rate", str(args.rate), "--channel", args.channel, "--stats", str(stats),
    ]  # fmt: skip
    if args.in_flight is not None:
        command += ["--in-flight", str(args.in_flight)]
    return subprocess.Popen(
        command, env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    )


async def wait(proc: subprocess.Popen[bytes], calls: Counter[str], until: int | None) -> None:
    while proc.poll() is None:
        if until is not None and calls["sendMessage"] >= until:
            return
        await asyncio.sleep(0.01)
    if proc.returncode:
        raise SystemExit(f"sender exited with {proc.returncode}")


async def scenario(args: argparse.Namespace, kill: bool) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp())
    url = args.database_url or f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    await db.upgrade(url)
    engine = db.create_engine(url)
    sessions = db.session_factory(engine)
    content = load_or_raise(BUNDLED_CONTENT)
    await add_people(sessions, args.subscribers, first_chat=1_000_000)
    await create_broadcast(sessions, content)
    await engine.dispose()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    own_before = resource.getrusage(resource.RUSAGE_SELF)
    # The fake server must not pause: full garbage collections over the calls it records
    # stopped it for 70-130 ms at a time, gaps that counted against the sender.
    gc.disable()
    async with FakeTelegram(check_html=False) as tg:
        tg.network(args.rtt, args.jitter)
        paid = args.rate > FREE_RATE  # as in run_sender: Telegram's limits for each kind
        tg.rate_limit(
            per_second=min(args.rate, FREE_RATE),
            per_chat_per_second=1,
            paid_per_second=args.rate if paid else None,
        )
        calls: Counter[str] = Counter()  # counted as answered: the fake's call list is long
        tg.listeners.append(lambda call: calls.update((call.method,)))
        stats = folder / "sender.json"  # the last sender's own figures
        proc = start_sender(args, url, tg.base_url, stats)
        killed_at = in_flight_at_kill = None
        if kill:
            await wait(proc, calls, args.subscribers // 2)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            killed_at = calls["sendMessage"]
            in_flight_at_kill = await in_flight(url)
            proc = start_sender(args, url, tg.base_url, stats)
        await wait(proc, calls, None)
        sent = [c for c in tg.calls_to("sendMessage") if c.status == 200]
    gc.enable()
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    own_after = resource.getrusage(resource.RUSAGE_SELF)
    fake_cpu = sum(getattr(own_after, f) - getattr(own_before, f) for f in ("ru_utime", "ru_stime"))
    cpu = sum(getattr(cpu_after, f) - getattr(cpu_before, f) for f in ("ru_utime", "ru_stime"))
    chats = Counter(c.chat_id for c in sent)
    times = sorted(c.at for c in sent)
    # Achieved rate while sending: messages over the span from the first to the last one,
    # leaving out the pause of a kill and restart.
    span = times[-1] - times[0]
    gaps = sorted((b - a for a, b in itertools.pairwise(times)), reverse=True)
    if kill:
        span -= gaps[0]
    achieved = (len(sent) - 1) / span if span > 0 else float("nan")
    return {
        "subscribers": args.subscribers,
        "rate": args.rate,
        "channel": args.channel,
        "in_flight": args.in_flight,
        "achieved": round(achieved, 1),
        "ratio": round(achieved / args.rate, 3),
        "429s": tg.rejected,
        "rtt": args.rtt,
        "jitter": args.jitter,
        "killed_after": killed_at,
        "in_flight_at_kill": in_flight_at_kill,
        "misses": args.subscribers - len(chats),
        "duplicates": sum(chats.values()) - len(chats),
        # CPU of the sender process(es) per message: robust on a busy machine, and
        # 1000 / this = the messages per second one free core could send.
        "sender_cpu_ms_per_msg": round(cpu / max(1, len(sent)) * 1000, 2),
        # The same without starting the process (imports, content: ~1.5 s once; the last
        # sender's own figures, so after --kill only the restarted one's).
        "sending_cpu_ms_per_msg": None,
        "sender_startup_cpu_s": None,
        "stats": stats,
        "fake_cpu_ms_per_msg": round(fake_cpu / max(1, len(sent)) * 1000, 2),  # this process
        "longest_gaps_s": [round(g, 3) for g in gaps[:3]],  # the first is the kill's, if any
        "load_average": round(os.getloadavg()[0], 1),
    }


async def in_flight(url: str) -> int:
    """Deliveries left in flight by the killed sender: the most a restart can send twice."""
    engine = db.create_engine(url)
    try:
        async with db.session_factory(engine)() as session:
            return int(
                await session.scalar(
                    select(func.count())
                    .select_from(Delivery)
                    .where(Delivery.state == DState.IN_FLIGHT.value)
                )
                or 0
            )
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=30.0)
    parser.add_argument("--channel", choices=["ptb", "wire"], default="ptb")
    parser.add_argument(
        "--in-flight", type=int, help="DVCBOT_BROADCAST_MAX_IN_FLIGHT (default: the product's)"
    )
    parser.add_argument("--rtt", type=float, default=0.0, help="the fake's round trip, seconds")
    parser.add_argument("--jitter", type=float, default=0.0, help="random extra, seconds")
    parser.add_argument("--kill", action="store_true", help="kill -9 at 50 %% and restart")
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--sender", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    parser.add_argument("--stats", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sender:
        own = asyncio.run(run_sender(args))
        if args.stats:
            Path(args.stats).write_text(json.dumps(own))
        return
    started = time.monotonic()
    result = asyncio.run(scenario(args, args.kill))
    stats = result.pop("stats")
    own = json.loads(stats.read_text()) if stats.exists() else {}
    if own.get("sent"):
        result["sending_cpu_ms_per_msg"] = round(own["sending_cpu_s"] / own["sent"] * 1000, 2)
        result["sender_startup_cpu_s"] = round(own["startup_cpu_s"], 2)
    result["wall_s"] = round(time.monotonic() - started, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()

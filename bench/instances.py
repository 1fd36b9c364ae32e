"""Benchmark: two `dvcbot serve` instances on one PostgreSQL, against the rate-enforcing fake.

Run: python bench/instances.py --database-url postgresql+asyncpg://postgres@127.0.0.1/postgres
                               [--recipients 1500 --rate 30 --rtt 0.1 --jitter 0.05]
                               [--scenario kill9 terminate ordering] [--chats 100]

A fresh database is created on that server (and dropped at the end). The fake Bot API server
runs in this process with Telegram's limits (`--rate`/s per bot, 1/s per chat, real 429s) and
stands `--rtt`/`--jitter` away (tests/support/fake_telegram.py); each instance calls it
through its own prefix, so every call says which instance made it. Scenarios:

- kill9: a broadcast to `--recipients`; at 40 % the leader (the sender lock's holder) is
  killed with SIGKILL; the other takes over; the killed one is restarted afterwards.
- terminate: the same, but every PostgreSQL backend of the leader is terminated
  (pg_terminate_backend) at 40 %, the way a network cut or a database restart ends them:
  the process lives on and must stop sending at once.
- ordering: `--chats` people each send /dunglai, /batdau, /dunglai, /batdau, posted to the
  instances' webhooks in turn (A, B, A, B), each right after the previous was acknowledged, so
  a message usually reaches one instance while the other still handles the one before. In
  order, every chat gets "Đã dừng", "Đã bật lại", "Đã dừng", "Đã bật lại"; handled out of order
  or in parallel, it gets a swapped pair or an "already stopped/on" answer. Reports the chats
  whose replies came in another order (goal 0).

Each reports misses (goal 0), duplicates and the deliveries in flight at the failover (goal:
duplicates ≤ in flight), 429s (goal 0), the pause the handover cost and the old leader's
sends that started after the failover (goal 0 for terminate).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from bot.config import BUNDLED_CONTENT
from bot.content import load_or_raise
from storage import db
from storage.broadcasts import Audience, Target
from storage.models import Broadcast, Delivery, SenderLeader
from tests.support.broadcasting import add_people, create_broadcast
from tests.support.fake_telegram import FakeTelegram
from tests.support.process import free_port, start_dvcbot

NAMES = ("A", "B")


class Cluster:
    """Two `dvcbot serve` processes on one database and one fake Telegram."""

    def __init__(self, url: str, tg: FakeTelegram, folder: Path, rate: float) -> None:
        self.url, self.tg, self.folder, self.rate = url, tg, folder, rate
        self.procs: dict[str, subprocess.Popen[str]] = {}
        self.ports: dict[str, int] = {}

    def start(self, name: str) -> None:
        env = {
            "DVCBOT_DATABASE_URL": self.url,
            "DVCBOT_TELEGRAM_TOKEN": self.tg.token,
            "DVCBOT_TELEGRAM_API_URL": self.tg.base_url_for(name),
            "DVCBOT_TELEGRAM_MODE": "webhook",
            "DVCBOT_TELEGRAM_WEBHOOK_URL": "https://example.invalid/telegram/webhook",
            "DVCBOT_TELEGRAM_WEBHOOK_SECRET": "bench-secret",
            "DVCBOT_TELEGRAM_RATE": str(self.rate),
            "DVCBOT_BROADCAST_QUIET_HOURS": "",
            "DVCBOT_LOG_LEVEL": "WARNING",
            "DVCBOT_WEB_PORT": str(port := free_port()),
        }
        self.ports[name] = port
        workdir = self.folder / name
        workdir.mkdir(exist_ok=True)
        self.procs[name] = start_dvcbot(["serve"], workdir, **env)

    def which(self, pid: int) -> str:
        return next(name for name, proc in self.procs.items() if proc.pid == pid)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.communicate(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.communicate()


async def scalar(url: str, query: Any, params: dict[str, Any] | None = None) -> Any:
    engine = db.create_engine(url)
    try:
        async with engine.connect() as conn:
            value = await conn.scalar(query, params or {})
            await conn.commit()
            return value
    finally:
        await engine.dispose()


async def leader_pid(url: str) -> int | None:
    """The OS pid of the sender lock's holder (its instance id is host:pid:random)."""
    instance = await scalar(url, select(SenderLeader.instance).where(SenderLeader.id == 1))
    return int(instance.split(":")[1]) if instance else None


async def in_flight(url: str) -> int:
    return int(
        await scalar(
            url,
            select(func.count()).select_from(Delivery).where(Delivery.state == "in_flight"),
        )
    )


async def kill9(cluster: Cluster, name: str) -> None:
    cluster.procs[name].send_signal(signal.SIGKILL)
    cluster.procs[name].wait()


async def terminate(cluster: Cluster, name: str) -> None:
    """pg_terminate_backend every connection of that instance (see storage/db.py)."""
    ended = await scalar(
        cluster.url,
        text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = :app"
        ),
        {"app": f"dvcbot:{cluster.procs[name].pid}"},
    )
    assert ended, "no backend of the leader found"


Failover = Callable[[Cluster, str], Awaitable[None]]
SCENARIOS: dict[str, Failover] = {
    "kill9": kill9,
    "terminate": terminate,
}
ORDERING = "ordering"  # not a failover: handled by chat_order() below
SEQUENCE = ("/dunglai", "/batdau", "/dunglai", "/batdau")
# What each reply says, by message.yaml's subscription texts: in order, stop/resume alternate.
MARKERS = {
    "Đã dừng.": "stopped",
    "Đã bật lại.": "resumed",
    "đã tắt thông báo từ trước": "already stopped",
    "đang nhận thông báo rồi": "already on",
}


async def chat_order(cluster: Cluster, args: argparse.Namespace, first_chat: int) -> dict[str, Any]:
    """Issue 21, item 4: each chat's messages alternate between the instances."""
    import aiohttp

    tg = cluster.tg
    chats = [first_chat + i for i in range(args.chats)]
    headers = {
        "Content-Type": "application/json",
        "X-Telegram-Bot-Api-Secret-Token": "bench-secret",
    }
    statuses: Counter[int] = Counter()

    async def person(session: aiohttp.ClientSession, chat: int) -> None:
        for i, text_ in enumerate(SEQUENCE):
            name = NAMES[i % 2]
            update = {**tg.message(chat, text_), "update_id": chat * 10 + i}
            url = f"http://127.0.0.1:{cluster.ports[name]}/telegram/webhook"
            async with session.post(url, data=json.dumps(update), headers=headers) as response:
                statuses[response.status] += 1

    started = time.monotonic()
    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(person(session, chat) for chat in chats))
    posted = time.monotonic() - started

    def said(chat: int) -> list[str]:
        kinds = []
        for call in tg.calls_to("sendMessage"):
            if call.chat_id == str(chat) and call.status == 200:
                kinds += [kind for marker, kind in MARKERS.items() if marker in (call.text or "")]
        return kinds

    expected = ["stopped", "resumed", "stopped", "resumed"]
    for _ in range(int((60 + args.chats) / 0.2)):  # until every chat has its 4 answers
        if all(len(said(c)) >= len(expected) for c in chats):
            break
        await asyncio.sleep(0.2)
    replies = {c: said(c) for c in chats}
    wrong = {c: r for c, r in replies.items() if r != expected}
    return {
        "scenario": ORDERING,
        "chats": args.chats,
        "messages": args.chats * len(SEQUENCE),
        "acknowledged": dict(statuses),
        "post_seconds": round(posted, 2),
        "chats_in_order": args.chats - len(wrong),
        "chats_out_of_order": len(wrong),
        "examples_out_of_order": dict(list(wrong.items())[:3]),
        "all_replies_in_s": round(time.monotonic() - started, 2),
    }


async def broadcast_with_failover(
    cluster: Cluster, args: argparse.Namespace, scenario: str, first_chat: int
) -> dict[str, Any]:
    sessions = db.session_factory(engine := db.create_engine(cluster.url))
    content = load_or_raise(BUNDLED_CONTENT)
    await add_people(sessions, args.recipients, commune=f"b{first_chat}", first_chat=first_chat)
    target = Target(Audience.COMMUNE, commune_code=f"b{first_chat}")
    broadcast_id = await create_broadcast(sessions, content, target=target)
    tg = cluster.tg
    ours = lambda c: c.method == "sendMessage" and int(c.chat_id or 0) >= first_chat  # noqa: E731
    rejected_before = tg.rejected
    answered = asyncio.Event()
    count = 0

    def listen(call: Any) -> None:
        nonlocal count
        count += ours(call) and call.status == 200
        if count >= args.recipients * 0.4:
            answered.set()

    tg.listeners.append(listen)
    await answered.wait()
    tg.listeners.remove(listen)
    pid = await leader_pid(cluster.url)
    assert pid is not None
    old = cluster.which(pid)
    await SCENARIOS[scenario](cluster, old)
    failed_over = time.monotonic()
    at_failover = await in_flight(cluster.url)
    deadline = time.monotonic() + args.recipients / args.rate * 3 + 60
    while True:
        async with sessions() as session:
            state = await session.scalar(
                select(Broadcast.state).where(Broadcast.id == broadcast_id)
            )
        if state == "done":
            break
        assert time.monotonic() < deadline, "the broadcast did not finish"
        await asyncio.sleep(0.2)
    await engine.dispose()
    sent = [c for c in tg.calls if ours(c) and c.status == 200]
    chats = Counter(c.chat_id for c in sent)
    after = sorted(c.at for c in sent if c.at > failed_over)
    new = [c for c in sent if c.via != old]
    first_new = min((c.at for c in new if c.at > failed_over), default=None)
    return {
        "scenario": scenario,
        "recipients": args.recipients,
        "old_leader": old,
        "sent_before_failover": sum(1 for c in sent if c.at <= failed_over),
        "in_flight_at_failover": at_failover,
        "misses": args.recipients - len(chats),
        "duplicates": sum(chats.values()) - len(chats),
        "429s": tg.rejected - rejected_before,
        "429s_at": [  # which instance, seconds after the failover
            (c.via, round(c.at - failed_over, 3)) for c in tg.calls if ours(c) and c.status == 429
        ],
        # Sends by the old leader after the failover, beyond those already on their way
        # (it may lead again later, in a new epoch, if the other could not take over first).
        "old_leader_sends_after_failover": sum(
            1
            for c in sent
            if c.via == old
            and failed_over + args.rtt + args.jitter < c.at < (first_new or float("inf"))
        ),
        "taken_over_by_the_other": bool(first_new),
        "handover_pause_s": round(first_new - failed_over, 3) if first_new else None,
        "achieved_per_s": round((len(after) - 1) / (after[-1] - after[0]), 1)
        if len(after) > 1
        else None,
    }


async def main_async(args: argparse.Namespace) -> list[dict[str, Any]]:
    server = make_url(args.database_url)
    name = f"dvcbot_bench_{os.getpid()}"
    admin = server.set(database="postgres").render_as_string(hide_password=False)
    url = server.set(database=name).render_as_string(hide_password=False)
    await scalar_autocommit(admin, f'CREATE DATABASE "{name}"')
    results = []
    try:
        await db.upgrade(url)
        async with FakeTelegram(check_html=False) as tg:
            tg.rate_limit(per_second=args.rate, per_chat_per_second=1)
            tg.network(args.rtt, args.jitter)
            cluster = Cluster(url, tg, Path(tempfile.mkdtemp()), args.rate)
            try:
                for n in NAMES:
                    cluster.start(n)
                await asyncio.sleep(args.startup)
                for i, scenario in enumerate(args.scenario):
                    if scenario == ORDERING:
                        result = await chat_order(cluster, args, first_chat=1_000_000 * (i + 1))
                        result["load_average"] = os.getloadavg()[0]
                        print(json.dumps(result, ensure_ascii=False), flush=True)
                        results.append(result)
                        continue
                    result = await broadcast_with_failover(
                        cluster, args, scenario, first_chat=1_000_000 * (i + 1)
                    )
                    result["load_average"] = os.getloadavg()[0]
                    print(json.dumps(result), flush=True)
                    results.append(result)
                    if cluster.procs[result["old_leader"]].poll() is not None:
                        cluster.start(result["old_leader"])  # back to two instances
                        await asyncio.sleep(args.startup)
            finally:
                cluster.stop()
    finally:
        await scalar_autocommit(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return results


async def scalar_autocommit(url: str, statement: str) -> None:
    engine = db.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="any database on the server")
    parser.add_argument("--recipients", type=int, default=1500)
    parser.add_argument("--rate", type=float, default=30.0)
    parser.add_argument("--rtt", type=float, default=0.1)
    parser.add_argument("--jitter", type=float, default=0.05)
    parser.add_argument("--startup", type=float, default=15.0, help="seconds to let serve start")
    parser.add_argument("--chats", type=int, default=100, help="ordering: chats")
    parser.add_argument(
        "--scenario",
        nargs="+",
        choices=[*sorted(SCENARIOS), ORDERING],
        default=["kill9", "terminate", ORDERING],
    )
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()

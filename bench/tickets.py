"""Benchmark: Hỏi cán bộ end to end in one process against the local fake Bot API.

Run: python bench/tickets.py [--tickets 1000] [--inbox 10000] [--database-url URL]
Citizens on Telegram open tickets with /hoicanbo (long polling from the fake); an admin answers
half of them in the dashboard inbox (HTTP POST) and half by replying to the notification on
Telegram, `--rate` replies a second in all (Telegram's 30 messages/s per bot holds). Reported:
p50/p99 from the officer's reply (the POST sent, or the reply update handed to the fake) to the
answer's sendMessage arriving at the fake, the process CPU per answer (robust to a loaded
machine), then the inbox page's p50 with `--inbox` tickets in the database.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp.test_utils import TestClient, TestServer

from bot.config import load_settings
from bot.web.app import create_app
from storage import contacts, dashboard, db, roles
from storage.models import Ticket, utcnow
from tests.support.fake_telegram import Call, FakeTelegram

ADMIN = 7_000_000
CITIZEN0 = 8_000_000
COMMUNE, PROVINCE = "18754", "42"


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def prepare(url: str, count: int) -> str:
    engine = db.create_engine(url)
    async with db.session_factory(engine)() as session, session.begin():
        admin, _ = await contacts.get_or_create(session, "telegram", str(ADMIN), str(ADMIN))
        await roles.grant(session, admin.id, "admin", actor="bench")
        for n in range(count):
            who = str(CITIZEN0 + n)
            citizen, _ = await contacts.get_or_create(session, "telegram", who, who)
            citizen.province_code, citizen.commune_code = PROVINCE, COMMUNE
        link = await dashboard.issue_link(
            session, admin.id, secret="bench", base_url="", now=utcnow()
        )
    await engine.dispose()
    return link.split("t=", 1)[1]


async def add_tickets(url: str, count: int) -> None:
    engine = db.create_engine(url)
    now = utcnow()
    async with db.session_factory(engine)() as session, session.begin():
        for n in range(count):
            session.add(
                Ticket(
                    code=f"B{n:05d}", channel="telegram", province_code=PROVINCE,
                    commune_code=COMMUNE, state="open" if n % 3 else "closed",
                    question=f"Câu hỏi số {n} về thủ tục", opened_at=now, updated_at=now,
                )
            )  # fmt: skip
    await engine.dispose()


async def run(count: int, inbox: int, url: str | None, rate: float) -> None:
    folder = Path(tempfile.mkdtemp())
    url = url or f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    await db.upgrade(url)
    token = await prepare(url, count)
    arrived: dict[str, float] = {}
    notified: dict[str, Call] = {}
    code_of: dict[str, str] = {}

    def seen(call: Call) -> None:
        if call.method != "sendMessage" or call.status != 200:
            return
        if call.chat_id == str(ADMIN) and (found := re.search(r"#([A-Z2-9]{6})", call.text)):
            notified[found.group(1)] = call
        elif "Cán bộ trả lời" in call.text:
            arrived[call.chat_id or ""] = time.perf_counter()
        elif (found := re.search(r"Mã yêu cầu: #([A-Z2-9]{6})", call.text)) and call.chat_id:
            code_of[call.chat_id] = found.group(1)

    async with FakeTelegram() as tg:
        tg.listeners.append(seen)
        settings = load_settings(
            database_url=url, secret="bench", telegram_token=tg.token,
            telegram_api_url=tg.base_url, telegram_username=tg.bot_username, log_level="WARNING",
        )  # fmt: skip
        app = create_app(settings)
        async with TestClient(TestServer(app)) as client:
            t0 = time.perf_counter()
            for n in range(count):
                tg.queue_update(tg.message(CITIZEN0 + n, f"/hoicanbo Câu hỏi thứ {n} của tôi"))
            while len(notified) < count or len(code_of) < count:  # noqa: ASYNC110 - polls the fake
                await asyncio.sleep(0.05)
            print(f"load : {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
            print(f"open : {count} tickets opened and notified in {time.perf_counter() - t0:.1f} s")

            await client.post("/dashboard/login", data={"t": token}, allow_redirects=False)
            page = await (await client.get("/dashboard/hoidap")).text()
            csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
            engine = db.create_engine(url)
            async with db.session_factory(engine)() as session:
                from sqlalchemy import select

                ids = dict((await session.execute(select(Ticket.code, Ticket.id))).all())
            await engine.dispose()
            started: dict[str, float] = {}
            cpu0 = time.process_time()
            chats = [str(CITIZEN0 + n) for n in range(count)]
            for index, chat in enumerate(chats):
                code = code_of[chat]
                started[chat] = time.perf_counter()
                if index % 2:
                    tg.queue_update(tg.message(ADMIN, f"Trả lời {index}", reply_to=notified[code]))
                else:
                    await client.post(
                        f"/dashboard/hoidap/{ids[code]}",
                        data={"csrf": csrf, "action": "reply", "text": f"Trả lời {index}"},
                        allow_redirects=False,
                    )
                await asyncio.sleep(max(0.0, started[chat] + 1 / rate - time.perf_counter()))
            deadline = time.perf_counter() + 120
            while len(arrived) < count and time.perf_counter() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            web = [
                arrived[c] - started[c] for i, c in enumerate(chats) if not i % 2 and c in arrived
            ]
            tele = [arrived[c] - started[c] for i, c in enumerate(chats) if i % 2 and c in arrived]
            cpu = (time.process_time() - cpu0) / count * 1000
            print(f"reply: {len(arrived)}/{count} answers reached the fake")
            print(f"  process CPU per answer (server, fake and client together): {cpu:.1f} ms")
            print(f"  dashboard → citizen: p50 {p(web, 0.5):.1f} ms, p99 {p(web, 0.99):.1f} ms")
            print(
                f"  telegram reply → citizen: p50 {p(tele, 0.5):.1f} ms, p99 {p(tele, 0.99):.1f} ms"
            )

            await add_tickets(url, inbox)
            times: list[float] = []
            for folder_name in ("open", "closed", "all") * 7:
                t0 = time.perf_counter()
                response = await client.get(f"/dashboard/hoidap?folder={folder_name}")
                await response.read()
                times.append(time.perf_counter() - t0)
            print(
                f"inbox: {inbox + count} tickets, page p50 {p(times, 0.5):.1f} ms, "
                f"p99 {p(times, 0.99):.1f} ms"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--inbox", type=int, default=10_000)
    parser.add_argument("--database-url")
    parser.add_argument("--rate", type=float, default=20.0, help="officers' replies per second")
    args = parser.parse_args()
    asyncio.run(run(args.tickets, args.inbox, args.database_url, args.rate))


if __name__ == "__main__":
    main()

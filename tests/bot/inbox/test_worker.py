"""The durable inbox: stored updates survive a crash, a poison update is set aside, one chat's
updates are handled one at a time and in order even when two instances share the database."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.core import Core
from bot.inbox.worker import InboxWorker, WorkerSettings
from bot.inbox.writer import GroupWriter
from handlers.content import Content
from handlers.context import Context
from handlers.routing import Router
from handlers.types import Incoming, Reply
from storage import db, inbox
from storage.inbox import NewItem
from storage.models import InboxItem, Interaction
from tests.support.process import run_dvcbot

CHANNEL = "test"
ENGLISH = {"DVCBOT_UI_LANG": "en"}
POSTGRES_ONLY = pytest.mark.parametrize(
    "backend", [pytest.param("postgres", marks=pytest.mark.postgres)]
)


@dataclass
class Recorder:
    """A channel for the test: each stored update is a text message from a chat; what the core
    handled and what was sent are recorded, and overlapping work on one chat is counted."""

    core: Core
    delay: float = 0.0
    handled: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    sent: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    busy: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    overlaps: int = 0
    hold_sends: asyncio.Event | None = None
    sends_before_hold: int = 0

    async def handle(self, session: AsyncSession, item: InboxItem) -> list[Reply]:
        data = json.loads(item.payload or "{}")
        chat = item.chat_key
        self.busy[chat] += 1
        self.overlaps += self.busy[chat] > 1
        try:
            if data["text"] == "boom":
                raise RuntimeError("this update always fails")
            incoming = Incoming(CHANNEL, chat, chat, text=data["text"], message_id=data["id"])
            replies = await self.core.handle_in(session, incoming)
            await asyncio.sleep(self.delay)
            self.handled[chat].append(data["text"])
            return replies
        finally:
            self.busy[chat] -= 1

    async def send(self, chat_key: str, replies: list[Reply]) -> None:
        if self.hold_sends is not None and self.sends_before_hold <= 0:
            await self.hold_sends.wait()
        self.sends_before_hold -= 1
        self.sent[chat_key].extend(reply.text for reply in replies)

    def failure_reply(self) -> list[Reply]:
        return [Reply(text="trục trặc", topic="error")]


@dataclass
class Instance:
    engine: AsyncEngine
    sessions: db.SessionFactory
    writer: GroupWriter
    worker: InboxWorker

    async def store(self, chat: str, text: str, key: str) -> bool:
        payload = json.dumps({"text": text, "id": key})
        [new] = await self.writer.store([NewItem(CHANNEL, key, chat, payload)])
        return new

    async def close(self) -> None:
        await self.worker.stop()
        await self.writer.close()
        await self.engine.dispose()


async def instance(url: str, recorder: Recorder | None, **settings: float) -> Instance:
    """One app instance's inbox (writer and worker) on the database; working when given a
    channel, or only storing (an instance whose worker has not got to the rows yet)."""
    engine = db.create_engine(url)
    sessions = db.session_factory(engine)
    writer = GroupWriter(sessions)
    worker = InboxWorker(engine, sessions, writer, settings=WorkerSettings(**settings))  # type: ignore[arg-type]
    writer.on_stored = worker.stored_for
    writer.start()
    if recorder is not None:
        worker.register(CHANNEL, recorder)
        worker.start()
    return Instance(engine, sessions, writer, worker)


@pytest_asyncio.fixture
async def closing() -> AsyncIterator[list[Instance]]:
    started: list[Instance] = []
    yield started
    for one in started:
        await one.close()


def core_for(url_sessions: db.SessionFactory, content: Content) -> Core:
    return Core(url_sessions, content, settings={}, services={"secret": "s"})


def two_part_core(sessions: db.SessionFactory, content: Content) -> Core:
    """A core whose one command answers with two messages."""
    router = Router("two")

    @router.command("two")
    async def answer_twice(_msg: Incoming, _ctx: Context) -> list[Reply]:
        return [Reply(text="một"), Reply(text="hai")]

    return Core(sessions, content, routers=[router], settings={}, services={"secret": "s"})


async def rows(one: Instance) -> dict[str, int]:
    async with one.sessions() as session:
        return await inbox.counts(session)


async def interactions(one: Instance) -> int:
    async with one.sessions() as session:
        return int(await session.scalar(select(func.count(Interaction.id))) or 0)


async def test_updates_stored_before_a_crash_are_answered_after_the_restart(
    database_url: str, sessions: db.SessionFactory, content: Content, closing: list[Instance]
) -> None:
    # Stored and acknowledged, then the process died before its worker got to them.
    crashed = await instance(database_url, None)
    closing.append(crashed)
    for n in range(5):
        assert await crashed.store("chat-1", f"tin {n}", f"m{n}")
    await crashed.close()
    closing.remove(crashed)

    recorder = Recorder(core_for(sessions, content))
    restarted = await instance(database_url, recorder)
    closing.append(restarted)
    await restarted.worker.drain()
    assert recorder.handled["chat-1"] == [f"tin {n}" for n in range(5)]
    assert len(recorder.sent["chat-1"]) == 5
    assert await rows(restarted) == {}, "handled rows are deleted"


async def test_replies_not_yet_sent_at_a_crash_are_sent_after_it_and_not_handled_twice(
    database_url: str, sessions: db.SessionFactory, content: Content, closing: list[Instance]
) -> None:
    # The platform takes the first message of the reply, then hangs; the process dies.
    stuck = Recorder(two_part_core(sessions, content), hold_sends=asyncio.Event())
    stuck.sends_before_hold = 1
    first = await instance(database_url, stuck)
    closing.append(first)
    await first.store("chat-1", "/two", "m1")
    for _ in range(200):
        if stuck.sent["chat-1"] and await rows(first) == {inbox.ANSWERED: 1}:
            break
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.1)
    assert await rows(first) == {inbox.ANSWERED: 1}
    await first.close()  # killed mid-send: the worker task is cancelled
    closing.remove(first)

    recorder = Recorder(two_part_core(sessions, content))
    second = await instance(database_url, recorder)
    closing.append(second)
    await second.worker.drain()
    assert [text.split("\n")[0] for text in stuck.sent["chat-1"]] == ["một"]  # + privacy notice
    assert recorder.sent["chat-1"] == ["hai"], "the rest is sent, and nothing twice"
    assert recorder.handled["chat-1"] == [], "the core does not run again"
    assert await interactions(second) == 1
    assert second.worker.health()["resent_after_restart"] == 1


async def test_a_poison_update_is_set_aside_after_n_tries_and_its_chat_goes_on(
    database_url: str,
    sessions: db.SessionFactory,
    content: Content,
    closing: list[Instance],
    tmp_path: Path,
) -> None:
    recorder = Recorder(core_for(sessions, content))
    one = await instance(database_url, recorder, max_attempts=3, retry_seconds=0.01)
    closing.append(one)
    await one.store("chat-1", "boom", "m1")
    await one.store("chat-1", "menu", "m2")
    await one.store("chat-2", "menu", "m3")
    await one.worker.drain()
    assert recorder.handled == {"chat-1": ["menu"], "chat-2": ["menu"]}
    assert recorder.sent["chat-1"][0] == "trục trặc", "the person hears something went wrong"
    [aside] = [r for r in await failed(one)]
    assert aside.attempts == 3 and "this update always fails" in (aside.error or "")
    assert aside.payload is not None, "kept for a retry"
    await one.worker.stop()
    one.worker._counted_at = 0.0
    await one.worker._count()
    assert one.worker.health()["failed"] == 1
    assert one.worker.health()["set_aside"] == 1

    listed = await asyncio.to_thread(
        run_dvcbot, ["inbox", "list"], tmp_path, DVCBOT_DATABASE_URL=database_url, **ENGLISH
    )
    assert listed.returncode == 0, listed.stderr
    assert "set aside: 1" in listed.stdout and "this update always fails" in listed.stdout
    again = await asyncio.to_thread(
        run_dvcbot,
        ["inbox", "retry", str(aside.id)],
        tmp_path,
        DVCBOT_DATABASE_URL=database_url,
        **ENGLISH,
    )
    assert "1 update(s) put back in line" in again.stdout
    assert await rows(one) == {inbox.PENDING: 1}
    dropped = await asyncio.to_thread(
        run_dvcbot,
        ["inbox", "drop", str(aside.id)],
        tmp_path,
        DVCBOT_DATABASE_URL=database_url,
        **ENGLISH,
    )
    assert "0 update(s) deleted" in dropped.stdout, "only set-aside rows can be dropped"


async def failed(one: Instance) -> list[InboxItem]:
    async with one.sessions() as session:
        return await inbox.set_aside(session)


async def test_a_repeated_update_id_is_stored_once(
    database_url: str, closing: list[Instance]
) -> None:
    one = await instance(database_url, None)
    other = await instance(database_url, None)
    closing.extend([one, other])
    payload = json.dumps({"text": "menu", "id": "m1"})
    item = NewItem(CHANNEL, "m1", "chat-1", payload)
    assert await one.writer.store([item, item]) == [True, False]
    assert await asyncio.gather(one.store("chat-1", "menu", "m1"), other.store("c", "x", "m1")) == [
        False,
        False,
    ]
    assert await rows(one) == {inbox.PENDING: 1}


@POSTGRES_ONLY
async def test_one_chat_alternating_between_two_instances_is_handled_in_order(
    database_url: str, sessions: db.SessionFactory, content: Content, closing: list[Instance]
) -> None:
    recorder = Recorder(core_for(sessions, content), delay=0.03)  # shared: sees both instances
    a = await instance(database_url, recorder, poll_seconds=0.05)
    b = await instance(database_url, recorder, poll_seconds=0.05)
    closing.extend([a, b])
    texts = ["/start", "menu", "vneid", "/help", "cccd", "menu"]

    async def person(n: int) -> None:
        for step, text in enumerate(texts):
            # Each message after the previous one was acknowledged, alternately by A and B.
            await (a if step % 2 == 0 else b).store(f"chat-{n}", text, f"m{n}:{step}")

    await asyncio.gather(*(person(n) for n in range(10)))
    await asyncio.gather(a.worker.drain(), b.worker.drain())
    assert recorder.overlaps == 0, "two instances worked one chat at the same time"
    for n in range(10):
        assert recorder.handled[f"chat-{n}"] == texts
    assert a.worker.counts.handled > 0 and b.worker.counts.handled > 0
    assert a.worker.counts.handled + b.worker.counts.handled == 60

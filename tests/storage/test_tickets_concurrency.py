"""Two instances on one database: a ticket is taken by one officer only, and each notice is
claimed (so sent) by one instance only."""

from __future__ import annotations

import asyncio

from storage import db, notices, tickets
from storage.clock import FixedClock
from storage.models import Contact
from tests.support.officers import person


async def test_two_instances_never_both_assign_or_both_send(database_url: str) -> None:
    engines = [db.create_engine(database_url) for _ in range(2)]
    first, second = (db.session_factory(e) for e in engines)
    try:
        citizen = await person(first, "citizen")
        officers = [await person(first, f"officer-{i}", "admin") for i in range(2)]
        now = FixedClock().now()
        async with first() as session, session.begin():
            contact = await session.get(Contact, citizen)
            ticket = await tickets.create(session, contact, "Câu hỏi", now=now)
            for index in range(40):
                notices.add(
                    session, channel="telegram", chat_id=str(index), message={"text": "x"},
                    now=now, ticket_id=ticket.id,
                )  # fmt: skip
            ticket_id = ticket.id

        async def take(sessions: db.SessionFactory, officer: int) -> bool:
            async with sessions() as session, session.begin():
                found = await tickets.get(session, ticket_id)
                assert found is not None
                return await tickets.take(session, found, officer, f"officer {officer}", now=now)

        won = await asyncio.gather(take(first, officers[0]), take(second, officers[1]))
        assert sorted(won) == [False, True]

        async def claim(sessions: db.SessionFactory, name: str) -> list[int]:
            got: list[int] = []
            for _ in range(8):
                async with sessions() as session, session.begin():
                    rows = await notices.claim(session, ["telegram"], name, now=now, limit=5)
                got.extend(r.id for r in rows)
                await asyncio.sleep(0)
            return got

        a, b = await asyncio.gather(claim(first, "a"), claim(second, "b"))
        assert not set(a) & set(b)
        assert len(a) + len(b) == 40
    finally:
        for engine in engines:
            await engine.dispose()

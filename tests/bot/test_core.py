"""The core: one interaction per message, duplicates once, state survives, errors are polite."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select, update

from bot.core import Core
from handlers.routing import Router
from handlers.types import Incoming
from storage import db
from storage.models import Contact, Interaction, OutreachEvent, utcnow
from tests.support.talk import Talk


async def count(sessions: db.SessionFactory, model: type, *where: object) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def test_every_handled_message_records_exactly_one_interaction(talk: Talk, sessions) -> None:
    await talk.say("/start")
    await talk.say("1")
    await talk.press("menu")
    await talk.say("không hiểu gì cả")
    async with sessions() as session:
        rows = (await session.scalars(select(Interaction).order_by(Interaction.id))).all()
    assert [r.kind for r in rows] == ["command", "button", "button", "text"]
    assert rows[0].shown == "menu"
    assert rows[1].shown == "guide:dang-nhap-cong-dvc:1"
    assert all(r.contact_id is not None for r in rows)


async def test_a_redelivered_message_is_handled_once(talk: Talk, sessions) -> None:
    first = await talk.say("/start", message_id="42")
    again = await talk.say("/start", message_id="42")
    assert first and again == []
    assert await count(sessions, Interaction) == 1


async def test_concurrent_duplicates_are_handled_once(core: Core, sessions) -> None:
    msgs = [
        Incoming("telegram", f"u{i % 3}", f"u{i % 3}", text="/start", message_id="7")
        for i in range(6)
    ]
    results = await asyncio.gather(*(core.handle(m) for m in msgs))
    assert sum(1 for r in results if r) == 1
    assert await count(sessions, Interaction) == 1


async def test_first_contact_is_recorded_once_with_the_start_code(talk: Talk, sessions) -> None:
    await talk.say("/start ref_abc123")
    await talk.say("/start")
    assert await count(sessions, Contact) == 1
    async with sessions() as session:
        events = (
            await session.scalars(
                select(OutreachEvent).where(OutreachEvent.kind == "first_contact")
            )
        ).all()
    assert [e.ref for e in events] == ["ref_abc123"]


async def test_last_seen_is_kept_to_the_minute_and_a_blocked_person_is_back_at_once(
    talk: Talk, sessions
) -> None:
    async def contact() -> Contact:
        async with sessions() as session:
            found = await session.scalar(select(Contact))
            assert found is not None
            return found

    await talk.say("/start")
    first = (await contact()).last_seen_at
    await talk.say("1")
    assert (await contact()).last_seen_at == first  # a conversation does not rewrite the row

    earlier = utcnow() - timedelta(minutes=2)
    async with sessions() as session, session.begin():
        await session.execute(update(Contact).values(last_seen_at=earlier, unreachable_at=earlier))
    await talk.say("menu")
    seen = await contact()
    assert seen.last_seen_at > earlier + timedelta(minutes=1)
    assert seen.unreachable_at is None

    async with sessions() as session, session.begin():
        await session.execute(update(Contact).values(unreachable_at=utcnow()))
    await talk.say("menu")  # within the minute: still marked reachable again
    assert (await contact()).unreachable_at is None


async def test_state_lives_in_storage_so_a_restarted_core_continues(sessions, content) -> None:
    before = Talk(Core(sessions, content))
    await before.say("/start")
    after = Talk(Core(sessions, content))  # a new process, same database
    replies = await after.say("2")
    assert replies[0].topic == "guide:vneid-muc-2:1"


async def test_a_failing_handler_gives_a_polite_error_and_loses_nothing(sessions, content) -> None:
    broken = Router("broken")

    @broken.command("hong")
    async def explode(msg, ctx):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    core = Core(sessions, content, routers=[broken])
    talk = Talk(core)
    replies = await talk.say("/hong")
    assert "trục trặc" in replies[0].text
    replies = await talk.say("/start")  # the next message still works
    assert "Xin chào" in replies[0].text


async def test_bad_input_never_breaks_the_bot(talk: Talk) -> None:
    for text in [
        "",
        "\x00\x07\x1b[31m",
        "😀😀😀",
        "a" * 10_000,
        "Привет 你好 مرحبا",
        "\u0301\u0301",
    ]:
        replies = await talk.say(text)
        assert replies and replies[0].text
        assert "trục trặc" not in replies[0].text


async def test_numbers_press_buttons_only_when_buttons_were_offered(talk: Talk) -> None:
    replies = await talk.say("7")
    assert "chỉ giúp được" in replies[0].text  # nothing offered yet: it is just text
    await talk.say("/start")
    replies = await talk.say("9")  # out of range
    assert "chỉ giúp được" in replies[0].text

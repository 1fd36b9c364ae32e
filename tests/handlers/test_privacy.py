"""Privacy: the first-contact notice, erasing one's data, stopping and resuming messages."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from storage import stats
from storage.models import Contact, ConversationState, Interaction, OutreachEvent
from storage.pseudonym import pseudonym
from tests.support.talk import Talk


async def count(sessions, model, *where) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def test_a_new_person_sees_the_notice_once_and_can_read_more(talk: Talk) -> None:
    first = await talk.say("/start")
    assert "🔒" in first[0].text and "/xoadulieu" in first[0].text
    await talk.press_label("Tìm hiểu thêm")
    assert "Nghị định 13/2023" in talk.text()
    again = await talk.say("/start")
    assert "🔒" not in again[0].text


async def funnel(sessions) -> tuple[int, ...]:
    now = stats.datetime.now(stats.UTC)
    async with sessions() as session:
        [row] = await stats.funnel(session, start=now - timedelta(days=1), end=now + timedelta(1))
    return row.reached, row.engaged, row.guided, row.surveyed, row.satisfied


async def test_erasing_needs_confirmation_and_keeps_the_anonymous_records(
    talk: Talk, sessions
) -> None:
    await talk.say("/start")
    await talk.say("/dunglai")
    await talk.press("guide:vneid-muc-2")
    before = await funnel(sessions)
    assert before == (1, 1, 0, 0, 0)
    await talk.say("/xoadulieu")
    await talk.press_label("Không, giữ lại")
    assert await count(sessions, Contact) == 1
    await talk.say("/xoadulieu")
    old_yes = next(b.payload for b in talk.last[0].buttons if "Xoá" in b.label)
    await talk.press(old_yes)
    assert "Đã xoá" in talk.text()
    assert await count(sessions, Contact) == 0
    assert await count(sessions, ConversationState) == 0
    assert await count(sessions, Interaction) == 7, "interactions stay, detached"
    assert await count(sessions, Interaction, Interaction.contact_id.is_not(None)) == 0
    async with sessions() as session:
        subjects = set((await session.scalars(select(OutreachEvent.subject))).all())
    assert len(subjects) == 1 and next(iter(subjects)) < 0, "one opaque person, no contact"
    assert await funnel(sessions) == before, "published figures do not change"

    await talk.press(old_yes)  # the old button, now from a brand-new contact: erases nothing
    assert "giữ nguyên" in talk.text()
    assert await count(sessions, Contact) == 1


async def test_dunglai_stops_proactive_messages_and_batdau_resumes(talk: Talk, sessions) -> None:
    await talk.say("/dunglai")
    assert "🔕" in talk.text()
    await talk.say("/dunglai")
    assert "từ trước" in talk.text()
    async with sessions() as session:
        assert (await session.scalar(select(Contact.subscribed))) is False
    await talk.say("/batdau")
    assert "🔔" in talk.text()
    async with sessions() as session:
        assert (await session.scalar(select(Contact.subscribed))) is True
        kinds = (await session.scalars(select(OutreachEvent.kind).order_by(OutreachEvent.id))).all()
    assert kinds == ["first_contact", "unsubscribed", "subscribed"]


def test_pseudonyms_are_stable_keyed_and_reveal_nothing() -> None:
    one = pseudonym("secret-a", 42)
    assert one == pseudonym("secret-a", 42)
    assert one.startswith("p-") and len(one) == 18 and "42" not in one[2:4]
    assert one != pseudonym("secret-b", 42), "another deployment cannot link it"
    assert one != pseudonym("secret-a", 43)
    assert one != pseudonym("secret-a", 42, purpose="export-2026-11")

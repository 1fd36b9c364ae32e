"""Contacts repository: find or create the person behind a message; never commits."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Executable, bindparam, exists, false, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import insert_for
from storage.models import Contact, ConversationState, Interaction, utcnow

SEEN_PRECISION = timedelta(minutes=1)  # how stale last_seen_at may be


async def get_or_create(
    session: AsyncSession,
    channel: str,
    platform_user_id: str,
    chat_id: str,
    *,
    display_name: str | None = None,
    locale: str | None = None,
    seen_at: datetime | None = None,
) -> tuple[Contact, bool]:
    """The contact for (channel, user), created if new; returns (contact, created).

    Uses INSERT ... ON CONFLICT DO NOTHING so two instances racing on a first message agree.
    """
    seen = seen_at or utcnow()
    found = await get(session, channel, platform_user_id)
    if found is not None:
        touch(found, chat_id, display_name=display_name, seen_at=seen)
        return found, False
    insert = insert_for(session)
    values = dict(
        channel=channel,
        platform_user_id=platform_user_id,
        chat_id=chat_id,
        display_name=display_name,
        locale=locale,
        subscribed=True,
        created_at=seen,
        last_seen_at=seen,
    )
    result = await session.execute(
        insert(Contact).values(**values).on_conflict_do_nothing().returning(Contact.id)
    )
    created = result.scalar_one_or_none() is not None
    contact = await get(session, channel, platform_user_id)
    assert contact is not None
    return contact, created


def touch(contact: Contact, chat_id: str, *, display_name: str | None, seen_at: datetime) -> None:
    """They wrote to us: note when (to the minute) and where, and that they are reachable again.

    Within a minute of the last note nothing is written, so a conversation does not rewrite the
    contact row on every message; `last_seen_at` may then lag by up to a minute, which only makes
    time windows (Zalo's 7 days) close that much earlier, never later.
    """
    if seen_at - contact.last_seen_at >= SEEN_PRECISION:
        contact.last_seen_at = seen_at
    contact.chat_id = chat_id
    if display_name:
        contact.display_name = display_name
    if contact.unreachable_at is not None:
        contact.unreachable_at = None  # they wrote to us, so they are back
    if contact.outside_window_at is not None:
        contact.outside_window_at = None


def _message_lookup(with_message_id: bool) -> Executable:
    """The contact, their state and the duplicate check, built once with bound parameters."""
    seen = (
        exists().where(
            Interaction.channel == bindparam("channel"),
            Interaction.platform_message_id == bindparam("message_id"),
        )
        if with_message_id
        else false()
    )
    return (
        select(Contact, ConversationState, seen.label("seen"))
        .outerjoin(ConversationState, ConversationState.contact_id == Contact.id)
        .where(
            Contact.channel == bindparam("channel"), Contact.platform_user_id == bindparam("user")
        )
    )


# Built once: composing the expression costs more than running it on a hot path.
_LOOKUP = {True: _message_lookup(True), False: _message_lookup(False)}


async def find_for_message(
    session: AsyncSession, channel: str, platform_user_id: str, message_id: str | None
) -> tuple[Contact | None, ConversationState | None, bool]:
    """In one round trip, what every incoming message needs: the contact, their conversation
    state, and whether this platform message id was handled already (False when there is no
    contact yet: ask `interactions.seen` then)."""
    params = {"channel": channel, "user": platform_user_id, "message_id": message_id}
    row = (await session.execute(_LOOKUP[message_id is not None], params)).first()
    if row is None:
        return None, None, False
    return row[0], row[1], bool(row[2])


async def get(session: AsyncSession, channel: str, platform_user_id: str) -> Contact | None:
    return await session.scalar(
        select(Contact).where(
            Contact.channel == channel, Contact.platform_user_id == platform_user_id
        )
    )


async def mark_unreachable(
    session: AsyncSession, contact: Contact, at: datetime | None = None
) -> None:
    """The person blocked the bot or left: send nothing proactive until they write again."""
    contact.unreachable_at = at or utcnow()


async def mark_outside_window(
    session: AsyncSession, contact: Contact, at: datetime | None = None
) -> None:
    """The channel's messaging window closed (Zalo's 7 days): wait until they write again."""
    contact.outside_window_at = at or utcnow()


async def mark_by_id(
    session: AsyncSession,
    contact_id: int,
    *,
    unreachable_at: datetime | None = None,
    outside_window_at: datetime | None = None,
) -> None:
    """As `mark_unreachable` / `mark_outside_window`, for a contact known only by id (one
    UPDATE, nothing loaded): the broadcast sender learns of blocks from its deliveries."""
    values = {
        name: at
        for name, at in (
            ("unreachable_at", unreachable_at),
            ("outside_window_at", outside_window_at),
        )
        if at is not None
    }
    if values:
        await session.execute(
            update(Contact)
            .where(Contact.id == contact_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )


async def delete(session: AsyncSession, contact: Contact) -> None:
    """Remove the person's personal data; their interactions and answers stay, detached."""
    await session.delete(contact)
    await session.flush()


async def set_reachable_by_chat(
    session: AsyncSession,
    channel: str,
    chat_id: str,
    reachable: bool,
    at: datetime | None = None,
) -> int:
    """Mark every contact of this chat (un)reachable in one statement; returns how many changed.

    For channel adapters that learn of a block from a failed send or a platform event and only
    know the chat.
    """
    condition = (
        Contact.unreachable_at.is_(None) if not reachable else Contact.unreachable_at.is_not(None)
    )
    result = await session.execute(
        update(Contact)
        .where(Contact.channel == channel, Contact.chat_id == chat_id, condition)
        .values(unreachable_at=None if reachable else (at or utcnow()))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def is_erased(contact: Contact) -> bool:
    """True once the contact was deleted in this session (the person erased their data)."""
    state = inspect(contact)
    return bool(state.deleted or state.was_deleted)

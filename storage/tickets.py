"""Tickets repository: a citizen's question for an officer, its lines, and who holds it."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Contact, Notice, Ticket, TicketMessage

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone
CODE_LENGTH = 6


class State(StrEnum):
    OPEN = "open"  # waiting for an officer
    TAKEN = "taken"  # an officer has it, no answer yet
    ANSWERED = "answered"  # an officer answered; the citizen may write again
    CLOSED = "closed"


class Author(StrEnum):
    CITIZEN = "citizen"
    OFFICER = "officer"
    NOTE = "note"  # internal: officers only
    BOT = "bot"  # what the bot said before the ticket, for context


LIVE = (State.OPEN, State.TAKEN, State.ANSWERED)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


async def get(session: AsyncSession, ticket_id: int) -> Ticket | None:
    return await session.get(Ticket, ticket_id)


async def by_code(session: AsyncSession, code: str) -> Ticket | None:
    return await session.scalar(select(Ticket).where(Ticket.code == code.upper()))


async def live_of(session: AsyncSession, contact_id: int) -> Ticket | None:
    """The person's newest ticket that is not closed."""
    return await session.scalar(
        select(Ticket)
        .where(Ticket.contact_id == contact_id, Ticket.state.in_([str(s) for s in LIVE]))
        .order_by(Ticket.opened_at.desc(), Ticket.id.desc())
        .limit(1)
    )


async def count_opened(
    session: AsyncSession, contact_id: int, *, since: datetime | None = None, live: bool = False
) -> int:
    query = select(func.count()).select_from(Ticket).where(Ticket.contact_id == contact_id)
    if since is not None:
        query = query.where(Ticket.opened_at >= since)
    if live:
        query = query.where(Ticket.state.in_([str(s) for s in LIVE]))
    return int(await session.scalar(query) or 0)


async def create(
    session: AsyncSession, contact: Contact, question: str, *, now: datetime
) -> Ticket:
    """Open a ticket with the person's place and first question; the code is unique."""
    code = new_code()
    while await by_code(session, code) is not None:
        code = new_code()
    ticket = Ticket(
        code=code,
        contact_id=contact.id,
        channel=contact.channel,
        province_code=contact.province_code,
        commune_code=contact.commune_code,
        state=State.OPEN,
        question=question,
        opened_at=now,
        updated_at=now,
    )
    session.add(ticket)
    await session.flush()
    await add_line(session, ticket, Author.CITIZEN, question, now=now, author_id=contact.id)
    return ticket


async def add_line(
    session: AsyncSession,
    ticket: Ticket,
    author: Author,
    text: str,
    *,
    now: datetime,
    author_id: int | None = None,
    label: str | None = None,
    delivered: bool = True,
) -> TicketMessage:
    line = TicketMessage(
        ticket_id=ticket.id,
        author=str(author),
        author_id=author_id,
        author_label=label,
        text=text,
        created_at=now,
        delivered_at=now if delivered else None,
    )
    session.add(line)
    if author is not Author.NOTE:
        ticket.updated_at = now
    await session.flush()
    return line


async def lines(session: AsyncSession, ticket_id: int) -> list[TicketMessage]:
    rows = await session.scalars(
        select(TicketMessage)
        .where(TicketMessage.ticket_id == ticket_id)
        .order_by(TicketMessage.created_at, TicketMessage.id)
    )
    return list(rows)


async def take(
    session: AsyncSession, ticket: Ticket, officer_id: int, label: str, *, now: datetime
) -> bool:
    """Make `officer_id` the ticket's holder unless another officer already holds it.

    One conditional UPDATE, so of two officers (or two instances) pressing at once exactly
    one wins; the loser reads the winner from the refreshed ticket.
    """
    result = await session.execute(
        update(Ticket)
        .where(
            Ticket.id == ticket.id,
            Ticket.state != State.CLOSED,
            or_(Ticket.assignee_id.is_(None), Ticket.assignee_id == officer_id),
        )
        .values(
            assignee_id=officer_id,
            assignee_label=label,
            taken_at=func.coalesce(Ticket.taken_at, now),
            state=func.coalesce(func.nullif(Ticket.state, str(State.OPEN)), str(State.TAKEN)),
        )
        .execution_options(synchronize_session=False)
    )
    await session.refresh(ticket)
    return bool(getattr(result, "rowcount", 0))


async def assign(
    session: AsyncSession, ticket: Ticket, officer_id: int | None, label: str | None
) -> None:
    """Hand the ticket to `officer_id` (None: back to the queue), whoever held it."""
    ticket.assignee_id, ticket.assignee_label = officer_id, label
    if ticket.state in (State.OPEN, State.TAKEN):
        ticket.state = State.TAKEN if officer_id is not None else State.OPEN
    await session.flush()


async def record_answer(
    session: AsyncSession,
    ticket: Ticket,
    officer_id: int,
    label: str,
    text: str,
    *,
    now: datetime,
    delivered: bool,
) -> TicketMessage:
    line = await add_line(
        session,
        ticket,
        Author.OFFICER,
        text,
        now=now,
        author_id=officer_id,
        label=label,
        delivered=delivered,
    )
    if ticket.first_answer_at is None:
        ticket.first_answer_at = now
    if ticket.state != State.CLOSED:
        ticket.state = State.ANSWERED
    await session.flush()
    return line


async def close(session: AsyncSession, ticket: Ticket, *, now: datetime) -> bool:
    """Close the ticket; False when it was already closed."""
    result = await session.execute(
        update(Ticket)
        .where(Ticket.id == ticket.id, Ticket.state != State.CLOSED)
        .values(state=str(State.CLOSED), closed_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(ticket)
    return bool(getattr(result, "rowcount", 0))


async def rate(session: AsyncSession, ticket: Ticket, rating: int) -> bool:
    """The citizen's 1–3 rating of a closed ticket; only the first counts."""
    if ticket.state != State.CLOSED or ticket.rating is not None:
        return False
    ticket.rating = rating
    await session.flush()
    return True


async def undelivered(session: AsyncSession, contact_id: int) -> list[TicketMessage]:
    """Officers' answers to this person not yet shown (web chat and console pick them up)."""
    rows = await session.scalars(
        select(TicketMessage)
        .join(Ticket, Ticket.id == TicketMessage.ticket_id)
        .where(
            Ticket.contact_id == contact_id,
            TicketMessage.author == Author.OFFICER,
            TicketMessage.delivered_at.is_(None),
        )
        .order_by(TicketMessage.created_at, TicketMessage.id)
    )
    return list(rows)


async def mark_delivered(
    session: AsyncSession, line_ids: Sequence[int], *, now: datetime
) -> list[int]:
    """Mark lines shown; returns those this call marked (another request may race it)."""
    done: list[int] = []
    for line_id in line_ids:
        result = await session.execute(
            update(TicketMessage)
            .where(TicketMessage.id == line_id, TicketMessage.delivered_at.is_(None))
            .values(delivered_at=now)
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0):
            done.append(line_id)
    return done


async def erase_of(session: AsyncSession, contact_id: int, *, now: datetime) -> None:
    """/xoadulieu: the person's tickets lose every text and their link to the person; the
    bare times stay for the counts (as survey answers do)."""
    # As an officer: their name goes from the lines and tickets they handled.
    await session.execute(
        update(TicketMessage)
        .where(TicketMessage.author_id == contact_id)
        .values(author_label=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(Ticket)
        .where(Ticket.assignee_id == contact_id)
        .values(assignee_label=None)
        .execution_options(synchronize_session=False)
    )
    ids = list(await session.scalars(select(Ticket.id).where(Ticket.contact_id == contact_id)))
    if not ids:
        return
    await session.execute(delete(TicketMessage).where(TicketMessage.ticket_id.in_(ids)))
    await session.execute(delete(Notice).where(Notice.ticket_id.in_(ids)))  # texts sent
    await session.execute(
        update(Ticket)
        .where(Ticket.id.in_(ids))
        .values(
            contact_id=None,
            question="",
            state=str(State.CLOSED),
            closed_at=func.coalesce(Ticket.closed_at, now),
            redacted_at=now,
        )
        .execution_options(synchronize_session=False)
    )


async def redact_closed(session: AsyncSession, *, before: datetime, now: datetime) -> int:
    """Empty the texts of tickets closed before `before`; returns how many."""
    ids = list(
        await session.scalars(
            select(Ticket.id).where(
                Ticket.state == State.CLOSED,
                Ticket.closed_at < before,
                Ticket.redacted_at.is_(None),
            )
        )
    )
    if ids:
        await session.execute(delete(TicketMessage).where(TicketMessage.ticket_id.in_(ids)))
        await session.execute(delete(Notice).where(Notice.ticket_id.in_(ids)))
        await session.execute(
            update(Ticket)
            .where(Ticket.id.in_(ids))
            .values(question="", redacted_at=now)
            .execution_options(synchronize_session=False)
        )
    return len(ids)

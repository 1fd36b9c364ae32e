"""Ticket actions shared by the citizen's and officers' handlers and the dashboard inbox:
open, notify the officers in scope, answer, close; every message out becomes a stored notice."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from handlers import places
from handlers.broadcast_message import to_dict
from handlers.payload import pack
from handlers.types import Button, Reply
from storage import notices, tickets
from storage.access import Scope
from storage.db import DbSession
from storage.models import Contact, Ticket
from storage.tickets import Author, State

Texts = Callable[..., str]  # content.messages: key, **values -> text
CODE_IN_TEXT = re.compile(r"#([A-HJ-NP-Z2-9]{6})\b")
UNSAFE_LINK = re.compile(r"\b(?!https://)[a-z][a-z0-9+.-]{1,20}:(?://)?[^\s]+", re.IGNORECASE)
DEFAULT_MAX_TEXT = 1000
ZALO_WINDOW_HOURS = 168


@dataclass(frozen=True)
class Outcome:
    """What an officer's action did: `ok`, and the text to show the officer."""

    ok: bool
    text: str


def setting(settings: Mapping[str, Any], name: str, default: Any) -> Any:
    value = settings.get(name)
    return default if value is None else value


def cut(t: Texts, text: str, settings: Mapping[str, Any]) -> str:
    """Long texts are cut, with a note saying so."""
    limit = int(setting(settings, "handoff_max_text", DEFAULT_MAX_TEXT))
    text = text.strip()
    return text if len(text) <= limit else text[:limit].rstrip() + "\n" + t("handoff.cut")


def safe_answer(t: Texts, text: str) -> str:
    """An officer's answer as plain text: links other than https:// are taken out."""
    return UNSAFE_LINK.sub(t("handoff.link_removed"), text.strip())


def place_label(ticket: Ticket) -> str:
    commune = places.commune(ticket.commune_code)
    province = places.province(ticket.province_code)
    if commune and province:
        return f"{commune.name}, {province.name}"
    return commune.name if commune else province.name if province else "—"


def covers(scope: Scope, ticket: Ticket) -> bool:
    """May this officer see the ticket? Admins all; a commune officer their commune; a
    provincial officer their province and tickets of people who gave no place."""
    if scope.everything:
        return True
    if scope.commune:
        return ticket.commune_code == scope.commune
    return ticket.province_code in (scope.province, None)


def outside_window(contact: Contact | None, now: datetime, settings: Mapping[str, Any]) -> bool:
    """Zalo lets an OA write to a person only within 7 days of their last message."""
    if contact is None or contact.channel != "zalo":
        return False
    hours = int(setting(settings, "zalo_proactive_window_hours", ZALO_WINDOW_HOURS))
    return now - contact.last_seen_at > timedelta(hours=hours)


def officer_buttons(t: Texts, ticket: Ticket, base_url: str | None) -> tuple[Button, ...]:
    buttons = [
        Button(t("handoff.officer_take"), payload=pack("tk", "take", ticket.id)),
        Button(t("handoff.officer_reply"), payload=pack("tk", "reply", ticket.id)),
    ]
    if base_url and base_url.startswith("https://"):
        buttons.append(
            Button(t("handoff.officer_open"), url=f"{base_url}/dashboard/hoidap/{ticket.id}")
        )
    return tuple(buttons)


def notify(
    session: DbSession,
    officers: list[Contact],
    ticket: Ticket,
    reply: Reply,
    *,
    now: datetime,
) -> int:
    """Queue `reply` to each officer's own chat; the notice worker sends it once."""
    for officer in officers:
        notices.add(
            session,
            channel=officer.channel,
            chat_id=officer.chat_id,
            message=to_dict(reply),
            now=now,
            ticket_id=ticket.id,
            contact_id=officer.id,
        )
    return len(officers)


def new_ticket_notice(
    t: Texts, ticket: Ticket, citizen: Contact | None, settings: Mapping[str, Any], base_url: str
) -> Reply:
    text = t(
        "handoff.officer_new",
        code=ticket.code,
        place=place_label(ticket),
        channel=ticket.channel,
        question=ticket.question,
    )
    if outside_window(citizen, ticket.opened_at, settings):
        text += "\n\n" + t("handoff.officer_window")
    if not base_url.startswith("https://"):
        text += "\n\n" + t("handoff.officer_dashboard", url=f"{base_url}/dashboard/hoidap")
    return Reply(text=text, buttons=officer_buttons(t, ticket, base_url), topic="ticket:notify")


def to_citizen(
    session: DbSession, ticket: Ticket, citizen: Contact, reply: Reply, now: datetime
) -> None:
    """Queue a message to the citizen on their channel (web and console pick it up)."""
    notices.add(
        session,
        channel=citizen.channel,
        chat_id=citizen.chat_id,
        message=to_dict(reply),
        now=now,
        ticket_id=ticket.id,
        contact_id=citizen.id,
    )


def rating_question(t: Texts, ticket: Ticket) -> Reply:
    buttons = tuple(
        Button(t(f"handoff.rate_{level}"), payload=pack("tkr", ticket.id, level))
        for level in (3, 2, 1)
    )
    return Reply(
        text=t("handoff.rate_question", code=ticket.code),
        buttons=buttons,
        topic="ticket:rate",
        numbered=True,
    )


def officer_label(officer: Contact) -> str:
    return officer.display_name or f"Cán bộ #{officer.id}"


async def take(
    session: DbSession, t: Texts, ticket: Ticket, officer: Contact, *, now: datetime
) -> Outcome:
    if ticket.state == State.CLOSED:
        return Outcome(False, t("handoff.officer_closed", code=ticket.code))
    if await tickets.take(session, ticket, officer.id, officer_label(officer), now=now):
        return Outcome(True, t("handoff.officer_took", code=ticket.code))
    return Outcome(
        False, t("handoff.officer_taken_by", code=ticket.code, who=ticket.assignee_label or "—")
    )


async def answer(
    session: DbSession,
    t: Texts,
    settings: Mapping[str, Any],
    ticket: Ticket,
    officer: Contact,
    text: str,
    *,
    now: datetime,
) -> Outcome:
    """An officer's answer: to the ticket and, as a notice, to the citizen on their channel."""
    text = safe_answer(t, cut(t, text, settings))
    if not text:
        return Outcome(False, t("handoff.officer_empty"))
    taken = await take(session, t, ticket, officer, now=now)
    if not taken.ok:
        return taken
    citizen = await session.get(Contact, ticket.contact_id) if ticket.contact_id else None
    if citizen is None:
        return Outcome(False, t("handoff.officer_gone", code=ticket.code))
    if outside_window(citizen, now, settings):
        return Outcome(False, t("handoff.officer_window"))
    await tickets.record_answer(
        session, ticket, officer.id, officer_label(officer), text, now=now, delivered=True
    )
    reply = Reply(
        text=t("handoff.answer", code=ticket.code, text=text),
        buttons=(Button(t("handoff.done_button"), payload=pack("ask", "end")),),
        topic="ticket:answer",
    )
    to_citizen(session, ticket, citizen, reply, now)
    return Outcome(True, t("handoff.officer_sent", code=ticket.code))


async def close(
    session: DbSession, t: Texts, ticket: Ticket, *, now: datetime, by_citizen: bool = False
) -> bool:
    """Close the ticket; the citizen gets the rating question when an officer had answered."""
    if not await tickets.close(session, ticket, now=now):
        return False
    if ticket.first_answer_at is not None and not by_citizen and ticket.contact_id is not None:
        citizen = await session.get(Contact, ticket.contact_id)
        if citizen is not None:
            text = t("handoff.closed_by_officer", code=ticket.code)
            to_citizen(session, ticket, citizen, Reply(text=text), now)
            to_citizen(session, ticket, citizen, rating_question(t, ticket), now)
    await tickets.add_line(session, ticket, Author.BOT, t("handoff.closed_line"), now=now)
    return True

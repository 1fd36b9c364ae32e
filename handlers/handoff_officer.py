"""Officers answer tickets from their own chat: take one, reply to its notification (Telegram)
or press "Trả lời" and type (Zalo and every channel), close it."""

from __future__ import annotations

from handlers import menu, tickets
from handlers.context import Context
from handlers.payload import pack, parse
from handlers.routing import Router
from handlers.types import Button, Incoming, Reply
from storage import tickets as ticket_store
from storage.access import officer_scope
from storage.models import Ticket

router = Router("handoff_officer")
FLOW = "ticket_answer"


async def _ticket_in_scope(ctx: Context, ticket: Ticket | None) -> Ticket | None:
    if ticket is None:
        return None
    scope = await officer_scope(ctx.session, ctx.contact.id)
    return ticket if scope is not None and tickets.covers(scope, ticket) else None


async def _by_id(ctx: Context, value: str) -> Ticket | None:
    found = await ticket_store.get(ctx.session, int(value)) if value.isdigit() else None
    return await _ticket_in_scope(ctx, found)


def _wake(ctx: Context) -> None:
    wake = ctx.services.get("notices_wake")
    if callable(wake):
        wake()


def _done(ctx: Context, text: str, ticket: Ticket | None = None) -> list[Reply]:
    buttons: list[Button] = []
    if ticket is not None and ticket.state != ticket_store.State.CLOSED:
        buttons.append(
            Button(ctx.t("handoff.officer_close"), payload=pack("tk", "close", ticket.id))
        )
    buttons.append(menu.menu_button(ctx))
    return [Reply(text=text, buttons=tuple(buttons), topic="ticket:officer")]


@router.button("tk")
async def ticket_button(msg: Incoming, ctx: Context) -> list[Reply]:
    """`tk:take|reply|close:<id>` on an officer's notification."""
    payload = parse(msg.payload or "")
    ticket = await _by_id(ctx, payload.arg(1))
    if ticket is None:
        return menu.stale_button_replies(ctx)
    action = payload.arg(0)
    if action == "close":
        closed = await tickets.close(ctx.session, ctx.t, ticket, now=ctx.now)
        _wake(ctx)
        key = "handoff.officer_closed_now" if closed else "handoff.officer_closed"
        return _done(ctx, ctx.t(key, code=ticket.code))
    outcome = await tickets.take(ctx.session, ctx.t, ticket, ctx.contact, now=ctx.now)
    if not outcome.ok or action != "reply":
        return _done(ctx, outcome.text, ticket)
    citizen = (
        await ctx.session.get(type(ctx.contact), ticket.contact_id) if ticket.contact_id else None
    )
    if tickets.outside_window(citizen, ctx.now, ctx.settings):
        return _done(ctx, ctx.t("handoff.officer_window"), ticket)
    ctx.conversation.start(FLOW, "text", ticket=ticket.id)
    return [
        Reply(
            text=ctx.t("handoff.officer_type", code=ticket.code, question=ticket.question),
            topic="ticket:officer_type",
            numbered=False,
        )
    ]


async def _answer(ctx: Context, ticket: Ticket, text: str) -> list[Reply]:
    outcome = await tickets.answer(
        ctx.session, ctx.t, ctx.settings, ticket, ctx.contact, text, now=ctx.now
    )
    if outcome.ok:
        _wake(ctx)
    return _done(ctx, outcome.text, ticket)


@router.flow(FLOW)
async def typed_answer(msg: Incoming, ctx: Context) -> list[Reply]:
    """The answer typed after pressing "Trả lời"."""
    ticket = await _by_id(ctx, str(ctx.conversation.data.get("ticket", "")))
    ctx.conversation.end()
    if ticket is None:
        return menu.stale_button_replies(ctx)
    return await _answer(ctx, ticket, msg.text)


@router.text
async def reply_to_notification(msg: Incoming, ctx: Context) -> list[Reply] | None:
    """A Telegram reply to a ticket's notification is the officer's answer to the citizen."""
    if not msg.quoted or not msg.text.strip():
        return None
    found = tickets.CODE_IN_TEXT.search(msg.quoted)
    if found is None:
        return None
    ticket = await _ticket_in_scope(ctx, await ticket_store.by_code(ctx.session, found.group(1)))
    if ticket is None:
        return None
    return await _answer(ctx, ticket, msg.text)

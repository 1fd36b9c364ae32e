"""Hỏi cán bộ: a citizen opens a ticket; while it is open their free text goes to the officer.

Flow (persisted as conversation `handoff`): /hoicanbo [question] | menu "Hỏi cán bộ" | the
offer after two unanswered questions | "gặp cán bộ" → question? → commune? → ticket + code.
"""

from __future__ import annotations

from datetime import timedelta

from handlers import menu, places, tickets
from handlers.context import Context
from handlers.payload import pack, parse
from handlers.routing import Router
from handlers.text import fold
from handlers.types import Button, Incoming, Reply
from handlers.workhours import expectation
from storage import tickets as ticket_store
from storage.models import Ticket
from storage.ticket_inbox import officers_covering
from storage.tickets import Author

router = Router("handoff")
FLOW = "handoff"
WANTS_PERSON = (
    "gap can bo", "hoi can bo", "noi chuyen voi nguoi that", "gap nguoi that", "nguoi that",
    "gap nhan vien", "noi chuyen voi can bo", "cho toi gap can bo",
)  # fmt: skip


def ask_button(ctx: Context, last: bool = False) -> Button:
    return Button(ctx.t("handoff.ask_button"), payload=pack("ask", "last") if last else "ask")


def remember_miss(ctx: Context, text: str) -> Button | None:
    """Search found nothing: count it; on the second miss in a row, offer an officer."""
    data = ctx.conversation.data
    data["misses"] = int(data.get("misses", 0)) + 1
    if text.strip():
        data["asked"] = text.strip()[:500]
    return ask_button(ctx, last=True) if data["misses"] >= 2 else None


def forget_misses(ctx: Context) -> None:
    ctx.conversation.data.pop("misses", None)


def _ticket_buttons(ctx: Context) -> tuple[Button, ...]:
    return (
        Button(ctx.t("handoff.show_button"), payload=pack("ask", "show")),
        Button(ctx.t("handoff.end_button"), payload=pack("ask", "end")),
        menu.menu_button(ctx),
    )


def show(ctx: Context, ticket: Ticket, intro: str | None = None) -> list[Reply]:
    state = ctx.t(f"handoff.state_{ticket.state}")
    text = ctx.t("handoff.show", code=ticket.code, state=state, question=ticket.question)
    return [
        Reply(
            text=f"{intro}\n\n{text}" if intro else text,
            buttons=_ticket_buttons(ctx),
            topic="ticket:show",
        )
    ]


async def start(ctx: Context, question: str | None) -> list[Reply]:
    """Open a ticket (or show the open one); ask for what is missing first."""
    live = await ticket_store.live_of(ctx.session, ctx.contact.id)
    if live is not None:
        return show(ctx, live, ctx.t("handoff.already_open"))
    limit = int(tickets.setting(ctx.settings, "handoff_max_per_day", 5))
    since = ctx.now - timedelta(days=1)
    if await ticket_store.count_opened(ctx.session, ctx.contact.id, since=since) >= limit:
        return [Reply(text=ctx.t("handoff.too_many"), buttons=(menu.menu_button(ctx),))]
    if not question:
        ctx.conversation.start(FLOW, "question")
        return [
            Reply(
                text=ctx.t("handoff.ask_question"),
                buttons=(
                    Button(ctx.t("handoff.other_help"), payload="guide:noi-ho-tro"),
                    menu.menu_button(ctx),
                ),
                topic="ticket:ask",
                numbered=False,
            )
        ]
    return await _with_place(ctx, question)


async def _with_place(ctx: Context, question: str) -> list[Reply]:
    question = tickets.cut(ctx.t, question, ctx.settings)
    if ctx.contact.commune_code is None:
        ctx.conversation.start(FLOW, "commune", question=question)
        return [
            Reply(
                text=ctx.t("handoff.ask_commune"),
                buttons=(Button(ctx.t("handoff.skip_commune"), payload=pack("ask", "c", "-")),),
                topic="ticket:commune",
            )
        ]
    return await _open(ctx, question)


async def _open(ctx: Context, question: str) -> list[Reply]:
    ctx.conversation.end()
    ticket = await ticket_store.create(ctx.session, ctx.contact, question, now=ctx.now)
    officers = await officers_covering(ctx.session, ticket.province_code, ticket.commune_code)
    base_url = str(ctx.services.get("base_url") or "")
    notice = tickets.new_ticket_notice(ctx.t, ticket, ctx.contact, ctx.settings, base_url)
    tickets.notify(
        ctx.session, [o for o in officers if o.id != ctx.contact.id], ticket, notice, now=ctx.now
    )
    wake = ctx.services.get("notices_wake")
    if callable(wake):
        wake()
    text = ctx.t("handoff.opened", code=ticket.code, when=expectation(ctx.t, ctx.settings, ctx.now))
    return [Reply(text=text, buttons=_ticket_buttons(ctx), topic=f"ticket:opened:{ticket.code}")]


@router.command("hoicanbo", "hoi_can_bo")
async def ask_officer(msg: Incoming, ctx: Context) -> list[Reply]:
    """/hoicanbo [câu hỏi]: ask a person; with a question, in one go."""
    ctx.conversation.end()
    return await start(ctx, msg.args or None)


@router.button("ask")
async def ask_button_pressed(msg: Incoming, ctx: Context) -> list[Reply]:
    """`ask` (menu), `ask:last` (the offer), `ask:c:<code>|-`, `ask:show`, `ask:end`."""
    payload = parse(msg.payload or "ask")
    what = payload.arg(0)
    if what == "show":
        live = await ticket_store.live_of(ctx.session, ctx.contact.id)
        return show(ctx, live) if live else menu.menu_replies(ctx, ctx.t("handoff.none_open"))
    if what == "end":
        return await end(ctx)
    if what == "c" and ctx.conversation.flow == FLOW:
        question = str(ctx.conversation.data.get("question", ""))
        code = payload.arg(1)
        if (commune := places.commune(code)) is not None:
            ctx.contact.commune_code, ctx.contact.province_code = (
                commune.code,
                commune.province_code,
            )
        return await _open(ctx, question)
    asked = ctx.conversation.data.get("asked") if what == "last" else None
    ctx.conversation.end()
    return await start(ctx, str(asked) if asked else None)


@router.command("huy", "cancel")
async def cancel(msg: Incoming, ctx: Context) -> list[Reply]:
    """/huy closes an open ticket; otherwise it stops the current flow as usual."""
    if ctx.conversation.flow is None and await ticket_store.live_of(ctx.session, ctx.contact.id):
        return await end(ctx)
    return await menu.cancel_flow(msg, ctx)


async def end(ctx: Context) -> list[Reply]:
    live = await ticket_store.live_of(ctx.session, ctx.contact.id)
    if live is None:
        return menu.menu_replies(ctx, ctx.t("handoff.none_open"))
    answered = live.first_answer_at is not None
    await tickets.close(ctx.session, ctx.t, live, now=ctx.now, by_citizen=True)
    replies = [Reply(text=ctx.t("handoff.closed", code=live.code), topic="ticket:closed")]
    if answered:
        replies.append(tickets.rating_question(ctx.t, live))
    else:
        replies[0] = Reply(
            text=replies[0].text, buttons=(menu.menu_button(ctx),), topic="ticket:closed"
        )
    return replies


@router.button("tkr")
async def rate(msg: Incoming, ctx: Context) -> list[Reply]:
    """`tkr:<ticket>:<1-3>`: the one rating question after a ticket is closed."""
    payload = parse(msg.payload or "")
    ticket = (
        await ticket_store.get(ctx.session, int(payload.arg(0) or 0))
        if payload.arg(0).isdigit()
        else None
    )
    level = payload.arg(1)
    if ticket is None or ticket.contact_id != ctx.contact.id or level not in ("1", "2", "3"):
        return menu.stale_button_replies(ctx)
    if not await ticket_store.rate(ctx.session, ticket, int(level)):
        return [Reply(text=ctx.t("handoff.rated_already"), buttons=(menu.menu_button(ctx),))]
    return [
        Reply(text=ctx.t("handoff.rated"), buttons=(menu.menu_button(ctx),), topic="ticket:rated")
    ]


@router.flow(FLOW)
async def typed(msg: Incoming, ctx: Context) -> list[Reply]:
    """The question, or the commune's name, typed during the flow."""
    if ctx.conversation.step == "commune":
        found = places.find_communes(msg.text, None)
        buttons = [Button(p.name, payload=pack("ask", "c", p.code)) for p in found]
        buttons.append(Button(ctx.t("handoff.skip_commune"), payload=pack("ask", "c", "-")))
        key = "handoff.pick_commune" if found else "handoff.commune_not_found"
        return [Reply(text=ctx.t(key), buttons=tuple(buttons), topic="ticket:commune")]
    if not msg.text.strip():
        return await start(ctx, None)
    return await _with_place(ctx, msg.text)


@router.text
async def while_open(msg: Incoming, ctx: Context) -> list[Reply] | None:
    """While a ticket is open the person's words go to it; "gặp cán bộ" opens one."""
    if not msg.text.strip():
        return None
    live = await ticket_store.live_of(ctx.session, ctx.contact.id)
    if live is None:
        folded = fold(msg.text)
        if any(phrase in folded for phrase in WANTS_PERSON) and len(folded.split()) <= 12:
            asked = ctx.conversation.data.get("asked")
            return await start(ctx, str(asked) if asked else None)
        return None
    text = tickets.cut(ctx.t, msg.text, ctx.settings)
    await ticket_store.add_line(
        ctx.session, live, Author.CITIZEN, text, now=ctx.now, author_id=ctx.contact.id
    )
    if live.state == ticket_store.State.ANSWERED:
        live.state = ticket_store.State.TAKEN if live.assignee_id else ticket_store.State.OPEN
    if live.assignee_id is not None:
        holder = await ctx.session.get(type(ctx.contact), live.assignee_id)
        if holder is not None:
            follow = Reply(
                text=ctx.t("handoff.officer_more", code=live.code, text=text), topic="ticket:more"
            )
            tickets.notify(ctx.session, [holder], live, follow, now=ctx.now)
            wake = ctx.services.get("notices_wake")
            if callable(wake):
                wake()
    return [
        Reply(
            text=ctx.t("handoff.added", code=live.code),
            buttons=_ticket_buttons(ctx),
            topic="ticket:added",
        )
    ]

"""Privacy and consent: the first-contact notice, /riengtu, /xoadulieu (erase), /dunglai, /batdau.

Erasing deletes the contact (platform ids, name, place, conversation state) and every text the
person typed; interactions, outreach events and survey responses stay as anonymous counts,
detached, so published figures do not change. docs/privacy.md lists every stored field.
"""

from __future__ import annotations

import dataclasses

from handlers.content import Content
from handlers.context import Context
from handlers.menu import menu_button
from handlers.payload import pack, parse
from handlers.questionnaire import QuestionType, Surveys
from handlers.routing import Router
from handlers.types import Button, Incoming, Reply
from storage import events, privacy, tickets
from storage.events import EventKind
from storage.pseudonym import keyed_hash

router = Router("privacy")
DEFAULT_RETENTION_DAYS = 90  # bot.config's text_retention_days


def with_first_contact_notice(ctx: Context, replies: list[Reply]) -> list[Reply]:
    """The short notice and a 'read more' button, added to the first reply to a new person."""
    if not replies or "privacy.notice" not in ctx.content.messages:
        return replies
    first = replies[0]
    noticed = dataclasses.replace(
        first,
        text=f"{first.text}\n{ctx.t('privacy.notice')}" if first.text else ctx.t("privacy.notice"),
        buttons=(*first.buttons, Button(ctx.t("privacy.more_button"), payload="privacy")),
    )
    return [noticed, *replies[1:]]


@router.button("privacy")
@router.command("riengtu", "privacy")
async def explain_privacy(msg: Incoming, ctx: Context) -> list[Reply]:
    days = ctx.settings.get("text_retention_days", DEFAULT_RETENTION_DAYS)
    return [
        Reply(
            text=ctx.t("privacy.details", days=days),
            buttons=(menu_button(ctx),),
            topic="privacy",
        )
    ]


def erase_nonce(ctx: Context) -> str:
    """Names this contact for the confirm button. Not the bare id: SQLite may hand a deleted
    contact's id to the next new one, and an old button must never erase a newcomer."""
    contact = ctx.contact
    seed = f"{contact.id}:{contact.created_at.isoformat()}:{contact.platform_user_id}"
    return keyed_hash(str(ctx.services.get("secret", "")), "erase", seed, 16)


@router.command("xoadulieu")
async def ask_to_erase(msg: Incoming, ctx: Context) -> list[Reply]:
    """Confirmation first; the yes button names this contact, so an old button erases nothing."""
    return [
        Reply(
            text=ctx.t("privacy.erase_confirm"),
            buttons=(
                Button(ctx.t("privacy.erase_yes"), payload=pack("erase", "yes", erase_nonce(ctx))),
                Button(ctx.t("privacy.erase_no"), payload=pack("erase", "no")),
            ),
            topic="privacy:erase-confirm",
        )
    ]


@router.button("erase")
async def erase(msg: Incoming, ctx: Context) -> list[Reply]:
    payload = parse(msg.payload or "")
    if payload.arg(0) != "yes" or payload.arg(1) != erase_nonce(ctx):
        return [
            Reply(
                text=ctx.t("privacy.erase_cancelled"),
                buttons=(menu_button(ctx),),
                topic="privacy:erase-cancelled",
            )
        ]
    await tickets.erase_of(ctx.session, ctx.contact.id, now=ctx.now)  # their Hỏi cán bộ texts
    await privacy.erase_contact(
        ctx.session, ctx.contact, typed_answers=typed_questions(ctx.content)
    )
    ctx.conversation.end()
    return [Reply(text=ctx.t("privacy.erased"), topic="privacy:erased")]


def typed_questions(content: Content) -> dict[str, set[str]]:
    """Survey id -> the ids of its questions answered in free text (erased, and expired)."""
    found = content.extra.get("surveys")
    if not isinstance(found, Surveys):
        return {}
    return {
        survey.id: {q.id for q in survey.questions if q.type is QuestionType.TEXT}
        for survey in found.by_id.values()
    }


@router.command("dunglai")
async def stop_messages(msg: Incoming, ctx: Context) -> list[Reply]:
    """Stop every proactive message (broadcasts, reminders) until /batdau."""
    if not ctx.contact.subscribed:
        text = ctx.t("subscription.already_stopped")
    else:
        ctx.contact.subscribed = False
        await events.record(ctx.session, EventKind.UNSUBSCRIBED, ctx.contact, at=ctx.now)
        text = ctx.t("subscription.stopped")
    return [Reply(text=text, buttons=(menu_button(ctx),), topic="subscription:off")]


@router.command("batdau")
async def resume_messages(msg: Incoming, ctx: Context) -> list[Reply]:
    if ctx.contact.subscribed:
        text = ctx.t("subscription.already_on")
    else:
        ctx.contact.subscribed = True
        await events.record(ctx.session, EventKind.SUBSCRIBED, ctx.contact, at=ctx.now)
        text = ctx.t("subscription.resumed")
    return [Reply(text=text, buttons=(menu_button(ctx),), topic="subscription:on")]

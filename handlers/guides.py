"""Guides: one step per message with 'Tiếp' / 'Quay lại' buttons; start and completion recorded."""

from __future__ import annotations

from handlers.content import Guide
from handlers.context import Context
from handlers.menu import link_button, menu_button, stale_button_replies
from handlers.payload import pack, parse
from handlers.routing import Router
from handlers.statements import today_of, unverified
from handlers.types import Button, Incoming, Reply
from storage import events
from storage.events import EventKind

router = Router("guides")


def guide_step_reply(ctx: Context, guide: Guide, number: int) -> Reply:
    """Step `number` (1-based) of the steps of `guide` still true today, with navigation."""
    steps = guide.steps_on(today_of(ctx))
    if not steps:
        return Reply(text=ctx.t("guide.outdated", title=guide.title), buttons=(menu_button(ctx),))
    total = len(steps)
    number = min(max(number, 1), total)
    step = steps[number - 1]
    step_title = ctx.t("procedure.unverified", value=step.title) if step.uncertain else step.title
    text = ctx.t(
        "guide.step",
        title=guide.title,
        number=number,
        total=total,
        step_title=step_title,
        body=step.body,
    )
    if number == 1 and guide.summary:
        text = f"{guide.title}\n\n{guide.summary}\n\n" + ctx.t(
            "guide.step_only", number=number, total=total, step_title=step_title, body=step.body
        )
    text = unverified(ctx, text, step.uncertain)
    buttons: list[Button] = []
    if number > 1:
        buttons.append(Button(ctx.t("guide.back"), payload=pack("guide", guide.id, number - 1)))
    if number < total:
        buttons.append(Button(ctx.t("guide.next"), payload=pack("guide", guide.id, number + 1)))
    else:
        text = f"{text}\n\n{ctx.t('guide.done')}"
        buttons.extend(link_button(link) for link in guide.links)
        buttons.append(Button(ctx.t("survey.rate_button"), payload="rate"))
    buttons.append(menu_button(ctx))
    return Reply(text=text, buttons=tuple(buttons), topic=f"guide:{guide.id}:{number}")


async def open_guide(ctx: Context, guide: Guide, number: int = 1) -> list[Reply]:
    """Show a guide step and record the start (step 1) or completion (last step)."""
    total = len(guide.steps_on(today_of(ctx)))
    if total == 0:
        return [guide_step_reply(ctx, guide, number)]
    number = min(max(number, 1), total)
    if number == 1:
        await events.record(
            ctx.session, EventKind.GUIDE_STARTED, ctx.contact, ref=guide.id, at=ctx.now
        )
    if number == total:
        await events.record(
            ctx.session, EventKind.GUIDE_COMPLETED, ctx.contact, ref=guide.id, at=ctx.now
        )
    return [guide_step_reply(ctx, guide, number)]


@router.button("guide")
async def show_guide(msg: Incoming, ctx: Context) -> list[Reply]:
    payload = parse(msg.payload or "")
    guide = ctx.content.guides.get(payload.arg(0))
    if guide is None:
        return stale_button_replies(ctx)
    try:
        number = int(payload.arg(1, "1"))
    except ValueError:
        number = 1
    return await open_guide(ctx, guide, number)

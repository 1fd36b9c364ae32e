"""FAQ answers: the question, a short answer and the buttons the answer points to."""

from __future__ import annotations

from handlers.catalog import Faq
from handlers.context import Context
from handlers.menu import link_button, menu_button, stale_button_replies
from handlers.payload import parse
from handlers.procedures import catalog_of
from handlers.routing import Router
from handlers.types import Incoming, Reply

router = Router("faq")


def show_faq(ctx: Context, faq: Faq) -> list[Reply]:
    buttons = [link_button(link) for link in faq.links]
    buttons.append(menu_button(ctx))
    return [
        Reply(
            text=ctx.t("faq.answer", question=faq.question, answer=faq.answer),
            buttons=tuple(buttons),
            topic=f"faq:{faq.id}",
        )
    ]


@router.button("faq")
async def open_faq(msg: Incoming, ctx: Context) -> list[Reply]:
    faq = catalog_of(ctx).faqs.get(parse(msg.payload or "").arg(0))
    if faq is None:
        return stale_button_replies(ctx)
    return show_faq(ctx, faq)

"""FAQ answers: the question, a short answer and the buttons the answer points to."""

from __future__ import annotations

from handlers.catalog import Faq
from handlers.context import Context
from handlers.menu import link_button
from handlers.payload import parse
from handlers.procedures import catalog_of
from handlers.routing import Router
from handlers.types import Button, Incoming, Reply

router = Router("faq")


def show_faq(ctx: Context, faq: Faq) -> list[Reply]:
    buttons = [link_button(link) for link in faq.links]
    buttons.append(Button(ctx.t("common.menu"), payload="menu"))
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
        return [
            Reply(
                text=ctx.t("fallback.stale_button"),
                buttons=(Button(ctx.t("common.menu"), payload="menu"),),
            )
        ]
    return show_faq(ctx, faq)

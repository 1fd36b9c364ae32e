"""FAQ answers: the question, a short answer and the buttons the answer points to."""

from __future__ import annotations

from handlers.catalog import Faq
from handlers.context import Context
from handlers.menu import link_button, menu_button, stale_button_replies
from handlers.payload import parse
from handlers.procedures import catalog_of, show_procedure
from handlers.routing import Router
from handlers.statements import benefit_line, person_province, today_of, unverified
from handlers.types import Incoming, Reply

router = Router("faq")


async def show_faq(ctx: Context, faq: Faq) -> list[Reply]:
    """The answer as it may be shown today. An answer past its valid_until is never shown:
    the card of the procedure it is about (with the live fee) is, or a short apology."""
    today = today_of(ctx)
    catalog = catalog_of(ctx)
    if not faq.shown(today):
        procs = [catalog.procedures[c] for c in faq.procedures if c in catalog.procedures]
        proc = procs[0] if procs else None
        if proc is not None:
            return await show_procedure(ctx, proc)
        return [
            Reply(
                text=ctx.t("faq.expired", question=faq.question),
                buttons=(menu_button(ctx),),
                topic=f"faq:{faq.id}:expired",
            )
        ]
    answer = faq.answer
    if faq.uncertain:
        answer = ctx.t("procedure.unverified", value=answer)
    benefits = catalog.active_benefits(faq.benefit_ids, today, person_province(ctx))
    if benefits:
        lines = "\n".join(benefit_line(ctx, b) for b in benefits)
        answer = f"{answer}\n\n{ctx.t('faq.benefits')}\n{lines}"
    flagged = faq.uncertain or any(b.uncertain for b in benefits)
    buttons = [link_button(link) for link in faq.links]
    buttons.append(menu_button(ctx))
    return [
        Reply(
            text=unverified(
                ctx, ctx.t("faq.answer", question=faq.question, answer=answer), flagged
            ),
            buttons=tuple(buttons),
            topic=f"faq:{faq.id}",
        )
    ]


@router.button("faq")
async def open_faq(msg: Incoming, ctx: Context) -> list[Reply]:
    faq = catalog_of(ctx).faqs.get(parse(msg.payload or "").arg(0))
    if faq is None:
        return stale_button_replies(ctx)
    return await show_faq(ctx, faq)

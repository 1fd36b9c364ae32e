"""Thành phần hồ sơ: the papers a procedure needs, and what VNeID can show instead of paper."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.catalog import Procedure
from handlers.context import Context
from handlers.menu import menu_button, stale_button_replies
from handlers.payload import pack, parse
from handlers.procedures import catalog_of
from handlers.routing import Router
from handlers.statements import unverified
from handlers.text import fold
from handlers.types import Button, Incoming, Reply
from storage import events
from storage.events import EventKind

router = Router("documents")

# Folded words of a question about the papers to bring ("cần giấy tờ gì", "hồ sơ gồm những gì").
ASKS_FOR_PAPERS = (
    "giay to",
    "ho so gom",
    "ho so can",
    "can ho so",
    "thanh phan ho so",
    "can mang",
    "mang theo",
    "chuan bi gi",
    "can nhung gi",
    "giay gi",
)


def asks_for_papers(text: str) -> bool:
    """Whether a question asks what papers a procedure needs."""
    folded = fold(text)
    return any(words in folded for words in ASKS_FOR_PAPERS)


def documents_reply(ctx: Context, proc: Procedure) -> Reply:
    """The list of papers, flagged and closed with the check note when not verified."""
    unsure = proc.is_uncertain("documents")
    title = ctx.t("documents.title", name=proc.name)
    lines = [ctx.t("procedure.unverified", value=title) if unsure else title]
    lines.extend(ctx.t("documents.item", item=item) for item in proc.documents)
    text = unverified(ctx, "\n".join(lines), unsure)
    buttons = (
        Button(ctx.t("documents.card"), payload=pack("proc", proc.code)),
        menu_button(ctx),
    )
    return Reply(text=text, buttons=buttons, topic=f"docs:{proc.code}")


async def answer_papers(ctx: Context, codes: Sequence[str]) -> list[Reply] | None:
    """For "… cần giấy tờ gì": the papers of the first of `codes` (best first) that lists them."""
    procedures = catalog_of(ctx).procedures
    proc = next((procedures[c] for c in codes if c in procedures and procedures[c].documents), None)
    if proc is None:
        return None
    await events.record(
        ctx.session, EventKind.PROCEDURE_VIEWED, ctx.contact, ref=proc.code, at=ctx.now
    )
    return [documents_reply(ctx, proc)]


@router.button("docs")
async def open_documents(msg: Incoming, ctx: Context) -> list[Reply]:
    proc = catalog_of(ctx).procedures.get(parse(msg.payload or "").arg(0))
    if proc is None or not proc.documents:
        return stale_button_replies(ctx)
    return [documents_reply(ctx, proc)]

"""The last resort: a polite answer and the menu for anything no other handler took."""

from __future__ import annotations

from handlers.context import Context
from handlers.menu import menu_replies, short_menu
from handlers.types import Incoming, Kind, Reply


async def not_understood(msg: Incoming, ctx: Context) -> list[Reply]:
    ctx.conversation.end()
    if msg.kind is Kind.BUTTON:
        return menu_replies(ctx, ctx.t("fallback.stale_button"))
    if msg.kind is Kind.COMMAND:
        return menu_replies(ctx, ctx.t("fallback.unknown_command"))
    if not msg.text.strip():
        return menu_replies(ctx, ctx.t("fallback.empty"))
    return short_menu(ctx, ctx.t("fallback.not_understood"))

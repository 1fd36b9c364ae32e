"""The main menu, /start with deep-link codes, help and cancelling a flow."""

from __future__ import annotations

import re
from dataclasses import replace

from handlers.content import Link
from handlers.context import Context
from handlers.payload import parse
from handlers.routing import Router
from handlers.text import fold, label_key
from handlers.types import Button, Incoming, Reply

router = Router("menu")

START_CODE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# Words that ask for the menu itself; greetings get a short reply (handlers/dialogue.py).
GREETINGS = {"menu", "start", "bat dau", "trang chu", "menu chinh"}
SHORT_MENU = 3  # menu entries under a short answer, before the menu button


def menu_button(ctx: Context) -> Button:
    """The "back to the main menu" button every answer can end with."""
    return Button(ctx.t("common.menu"), payload="menu")


def stale_button_replies(ctx: Context) -> list[Reply]:
    """The answer to a button whose content or flow no longer exists."""
    return [Reply(text=ctx.t("fallback.stale_button"), buttons=(menu_button(ctx),))]


def link_button(link: Link) -> Button:
    if link.is_url:
        return Button(link.label, url=link.target)
    return Button(link.label, payload=link.target)


def menu_replies(ctx: Context, intro: str | None = None) -> list[Reply]:
    menu = ctx.content.menu
    text = f"{intro}\n\n{menu.text}" if intro else menu.text
    return [Reply(text=text, buttons=tuple(link_button(i) for i in menu.items), topic="menu")]


def short_menu(
    ctx: Context, text: str, lead: tuple[Button, ...] = (), topic: str = "menu:short"
) -> list[Reply]:
    """A short answer with at most four buttons: `lead`, the first menu entries, the menu."""
    room = max(0, SHORT_MENU - len(lead))
    entries = tuple(link_button(i) for i in ctx.content.menu.items[:room])
    buttons = (*lead[:SHORT_MENU], *entries, menu_button(ctx))
    return [Reply(text=text, buttons=buttons, topic=topic)]


@router.command("start")
async def start(msg: Incoming, ctx: Context) -> list[Reply]:
    """/start, optionally with a deep-link code from a t.me link or a QR code."""
    ctx.conversation.end()
    code = msg.args
    if not code:
        return menu_replies(ctx)
    if not START_CODE.match(code):
        return menu_replies(ctx, ctx.t("menu.bad_start_code"))
    # Imported here: the registry imports this module.
    from handlers.registry import ROUTERS
    from handlers.routing import deep_link_handler

    handler = deep_link_handler(ROUTERS, code)
    if handler is None:
        return menu_replies(ctx, ctx.t("menu.bad_start_code"))
    return await handler(msg, ctx)


def wants_back(ctx: Context, text: str) -> bool:
    """'ôi bấm nhầm, muốn sửa lại' / 'quay lại': the person wants the previous question again."""
    typed = f" {label_key(text)} "
    phrases = (label_key(p) for p in ctx.t("common.back_words").split("|"))
    return any(f" {phrase} " in typed for phrase in phrases if phrase)


@router.button("start")
async def press_start(msg: Incoming, ctx: Context) -> list[Reply]:
    """`start:<code>`: the web chat's "Start" button for a link `/chat?start=<code>`, served
    exactly as `/start <code>` from a t.me link."""
    code = parse(msg.payload or "").arg(0)
    return await start(replace(msg, text=f"/start {code}".strip(), payload=None), ctx)


@router.command("menu")
@router.button("menu")
async def show_menu(msg: Incoming, ctx: Context) -> list[Reply]:
    ctx.conversation.end()
    return menu_replies(ctx)


@router.command("help", "trogiup")
async def show_help(msg: Incoming, ctx: Context) -> list[Reply]:
    return [
        Reply(
            text=ctx.t("menu.help"),
            buttons=(menu_button(ctx),),
            topic="help",
        )
    ]


@router.command("huy", "cancel")
async def cancel_flow(msg: Incoming, ctx: Context) -> list[Reply]:
    had_flow = ctx.conversation.flow is not None
    ctx.conversation.end()
    intro = ctx.t("menu.cancelled") if had_flow else None
    return menu_replies(ctx, intro)


@router.text
async def greet(msg: Incoming, ctx: Context) -> list[Reply] | None:
    if fold(msg.text) in GREETINGS:
        return menu_replies(ctx)
    return None

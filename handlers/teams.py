"""Community teams: joining by invite link, referral links and QR codes, role checks."""

from __future__ import annotations

import io
import logging

import segno

from handlers.content import Content
from handlers.context import Context
from handlers.menu import menu_button, menu_replies
from handlers.routing import Router
from handlers.types import Attachment, Button, Incoming, Reply
from storage import roles, teams
from storage.models import Role, Team
from storage.roles import RoleName
from storage.teams import JoinResult

logger = logging.getLogger(__name__)

router = Router("teams")

# Commands shown in the chat's menu, by role (Telegram per-chat command scope).
MEMBER_COMMANDS = ("gioithieu", "ghinhan", "cuatoi", "phatsong", "thongke")
OFFICER_COMMANDS = ("phatsong", "thongke", "dashboard")


def menu_commands(content: Content, role_names: set[str]) -> list[tuple[str, str]]:
    """(command, description) pairs a person with these roles sees beyond the citizen menu."""
    commands: list[str] = []
    if RoleName.MEMBER in role_names:
        commands.extend(MEMBER_COMMANDS)
    if role_names & {RoleName.OFFICER, RoleName.ADMIN}:
        commands.extend(c for c in OFFICER_COMMANDS if c not in commands)
    return [(c, content.messages(f"teams.command_{c}")) for c in commands]


async def role_of(ctx: Context, *names: RoleName) -> Role | None:
    return await roles.has(ctx.session, ctx.contact.id, *names)


def refusal(ctx: Context, key: str = "teams.refused") -> list[Reply]:
    """The polite answer to someone without the role; the command is not even in their menu."""
    return [Reply(text=ctx.t(key), buttons=(menu_button(ctx),))]


async def team_of(ctx: Context) -> Team | None:
    return await teams.get(ctx.session, ctx.contact.team_id) if ctx.contact.team_id else None


async def refresh_menu(ctx: Context) -> None:
    """Show the chat the commands its roles allow (a no-op on channels without menus)."""
    set_commands = ctx.services.get(f"{ctx.contact.channel}_set_commands")
    if set_commands is None:
        return
    names = {r.role for r in await roles.of(ctx.session, ctx.contact.id)}
    extra = menu_commands(ctx.content, names)
    try:
        await set_commands(ctx.contact.chat_id, extra)
    except Exception:  # a menu is a convenience; never fail the join over it
        logger.warning("could not update a chat's command menu", exc_info=True)


@router.deep_link("join")
async def join_team(msg: Incoming, ctx: Context) -> list[Reply]:
    code = msg.args.split("_", 1)[1] if "_" in msg.args else ""
    joined = await teams.join(ctx.session, ctx.contact, code, ctx.now)
    name = joined.team.name if joined.team else ""
    if joined.result is JoinResult.JOINED:
        await refresh_menu(ctx)
        buttons = (
            Button(ctx.t("teams.command_gioithieu"), payload="gioithieu"),
            Button(ctx.t("teams.command_ghinhan"), payload="ghinhan"),
            menu_button(ctx),
        )
        return [Reply(text=ctx.t("teams.joined", team=name), buttons=buttons, topic="team:join")]
    key = {
        JoinResult.ALREADY: "teams.already",
        JoinResult.EXPIRED: "teams.invite_expired",
        JoinResult.USED_UP: "teams.invite_used_up",
    }.get(joined.result, "teams.invite_unknown")
    return menu_replies(ctx, ctx.t(key, team=name))


@router.deep_link("ref")
async def arrive_by_referral(msg: Incoming, ctx: Context) -> list[Reply]:
    code = msg.args.split("_", 1)[1] if "_" in msg.args else ""
    member = await teams.referrer(ctx.session, code) if code else None
    if member is None:
        return menu_replies(ctx, ctx.t("menu.bad_start_code"))
    await teams.attribute(ctx.session, ctx.contact, member)
    team = await teams.get(ctx.session, member.team_id) if member.team_id else None
    welcome = ctx.t("referral.welcome", team=team.name if team else "")
    return menu_replies(ctx, welcome)


def telegram_link(ctx: Context, start: str) -> str | None:
    username = ctx.services.get("telegram_username") or ctx.settings.get("telegram_username")
    return f"https://t.me/{str(username).lstrip('@')}?start={start}" if username else None


def webchat_link(ctx: Context, query: str) -> str | None:
    """The web chat with a query: `…/chat?ref=abc` (None without a web app)."""
    base = ctx.settings.get("base_url")
    return f"{str(base).rstrip('/')}/chat?{query}" if base else None


def referral_links(ctx: Context, code: str) -> list[tuple[str, str]]:
    """(channel, link) for every channel people can arrive by, the web chat always among them."""
    start = f"ref_{code}"
    links = []
    if link := telegram_link(ctx, start):
        links.append(("telegram", link))
    if link := webchat_link(ctx, f"ref={code}"):
        links.append(("web", link))
    return links


def qr_png(link: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=10, border=4)
    return buffer.getvalue()


@router.command("gioithieu")
@router.button("gioithieu")
async def show_referral(msg: Incoming, ctx: Context) -> list[Reply]:
    """A member's personal referral link and a QR code ready to print on a leaflet."""
    if await role_of(ctx, RoleName.MEMBER) is None:
        return refusal(ctx)
    team = await team_of(ctx)
    code = await teams.referral_code(ctx.session, ctx.contact)
    links = referral_links(ctx, code)
    count = await teams.referred_count(ctx.session, member_id=ctx.contact.id)
    if not links:
        return [Reply(text=ctx.t("referral.no_link"))]
    lines = [ctx.t(f"referral.on_{channel}", link=link) for channel, link in links]
    zalo = ctx.settings.get("zalo_oa_link")
    if zalo and ctx.settings.get("zalo_enabled", True):
        lines.append(ctx.t("referral.on_zalo", link=zalo, code=f"ref_{code}"))
    text = ctx.t("referral.links", team=team.name if team else "", links="\n\n".join(lines))
    replies = [Reply(text=f"{text}\n\n{ctx.t('referral.count', count=count)}")]
    for channel, link in links:  # a QR code per link, ready to print on a leaflet
        image = Attachment(f"gioithieu-dvcbot-{channel}.png", qr_png(link), "image/png")
        caption = ctx.t("referral.qr_caption", channel=ctx.t(f"referral.channel_{channel}"))
        replies.append(Reply(text=caption, image=image, topic=f"referral:{channel}"))
    return replies

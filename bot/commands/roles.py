"""`dvcbot roles`: grant and revoke team member, officer and admin roles (every change audited)."""

from __future__ import annotations

import argparse
import logging
import sys

from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands.common import run, setup
from bot.commands.places import check_place_arguments
from bot.i18n import _
from bot.runtime import Runtime, open_runtime
from handlers.teams import menu_commands
from storage import contacts, roles, teams
from storage.models import Contact, Team
from storage.roles import RoleName

logger = logging.getLogger(__name__)
ACTOR = "cli"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "roles", help=_("grant and revoke roles"), description=_("Roles beyond citizen.")
    )
    commands = parser.add_subparsers(title=_("commands"), metavar="COMMAND", required=True)
    descriptions = {
        "grant": _(
            "Gives a person (known by their channel and user id) a role: member of a "
            "community team (--team), officer of a commune or province (--commune, "
            "--province), or admin. Every change is recorded in the audit log."
        ),
        "revoke": _("Takes a role away from a person; the change is recorded in the audit log."),
    }
    for name, func, text in (
        ("grant", grant_role, _("give a person a role")),
        ("revoke", revoke_role, _("take a role away")),
    ):
        command = commands.add_parser(name, help=text, description=descriptions[name])
        command.add_argument("--channel", required=True, choices=["telegram", "zalo", "console"])
        command.add_argument("--user", required=True, help=_("the person's user id on the channel"))
        command.add_argument("--role", required=True, choices=[r.value for r in RoleName])
        if name == "grant":
            command.add_argument("--province", help=_("province code the role covers"))
            command.add_argument("--commune", help=_("commune or ward code the role covers"))
            command.add_argument("--team", type=int, help=_("team id (members)"))
        command.set_defaults(func=func)
    listing = commands.add_parser("list", help=_("list everyone with a role"))
    listing.set_defaults(func=list_roles)


async def refresh_menu(runtime: Runtime, contact: Contact) -> None:
    """Show a Telegram chat the commands its roles allow (per-chat command scope)."""
    settings = runtime.settings
    if contact.channel != "telegram" or settings.telegram_token is None:
        return
    from bot.channels.telegram.channel import TelegramChannel
    from bot.channels.telegram.service import build_application

    async with runtime.sessions() as session:
        names = {r.role for r in await roles.of(session, contact.id)}
    application = build_application(settings, webhook=True)
    try:
        await application.bot.initialize()
        channel = TelegramChannel(application.bot, runtime.sessions, runtime.content)
        if not await channel.set_commands(contact.chat_id, menu_commands(runtime.content, names)):
            print(_("Warning: Telegram did not accept the new command menu."))
        await application.bot.shutdown()
    except Exception as error:  # the role is saved; the menu is a convenience
        logger.warning("could not update the Telegram menu: %s", error)
        print(_("Warning: could not update the person's Telegram menu."))


def grant_role(args: argparse.Namespace) -> int:
    """Give a person (who has written to the bot before) a role."""
    settings = setup()
    if (refused := check_place_arguments(args)) is not None:
        print(refused, file=sys.stderr)
        return 2

    async def grant() -> int:
        async with open_runtime(settings) as runtime:
            async with runtime.sessions() as session, session.begin():
                contact = await contacts.get(session, args.channel, args.user)
                if contact is None:
                    print(
                        _("Nobody with that id has written to the bot on {channel} yet.").format(
                            channel=args.channel
                        )
                    )
                    return 1
                province, commune = args.province, args.commune
                if args.role == RoleName.MEMBER:
                    team = await find_team(session, args.team, commune)
                    if team is None:
                        print(
                            _(
                                "A member needs a team: give --team ID, or --commune with "
                                "exactly one team."
                            )
                        )
                        return 1
                    await teams.add_member(session, contact, team, actor=ACTOR)
                else:
                    await roles.grant(
                        session,
                        contact.id,
                        args.role,
                        actor=ACTOR,
                        province_code=province,
                        commune_code=commune,
                    )
            print(_("Granted {role} to contact {id}.").format(role=args.role, id=contact.id))
            await refresh_menu(runtime, contact)
        return 0

    return run(grant())


async def find_team(session: AsyncSession, team_id: int | None, commune: str | None) -> Team | None:
    if team_id is not None:
        return await teams.get(session, team_id)
    found = await teams.in_commune(session, commune) if commune else []
    return found[0] if len(found) == 1 else None


def revoke_role(args: argparse.Namespace) -> int:
    """Take a role away."""
    settings = setup()

    async def revoke() -> int:
        async with open_runtime(settings) as runtime:
            async with runtime.sessions() as session, session.begin():
                contact = await contacts.get(session, args.channel, args.user)
                removed = contact is not None and await roles.revoke(
                    session, contact.id, args.role, actor=ACTOR
                )
                if removed and contact is not None and args.role == RoleName.MEMBER:
                    contact.team_id = None
            if not removed or contact is None:
                print(_("That person does not have this role."))
                return 1
            print(_("Revoked {role} from contact {id}.").format(role=args.role, id=contact.id))
            await refresh_menu(runtime, contact)
        return 0

    return run(revoke())


def list_roles(args: argparse.Namespace) -> int:
    """Everyone with a role: contact id, channel, role, scope (no names or platform ids)."""
    settings = setup()

    async def listing() -> int:
        async with open_runtime(settings) as runtime, runtime.sessions() as session:
            for role, contact in await roles.holders(session):
                print(
                    f"contact:{contact.id}\t{contact.channel}\t{role.role}\t"
                    f"{role.province_code or '-'}\t{role.commune_code or '-'}\t"
                    f"team:{contact.team_id or '-'}"
                )
        return 0

    return run(listing())

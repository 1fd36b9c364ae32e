"""`dvcbot teams`: create community digital teams and invite links for their members."""

from __future__ import annotations

import argparse
import sys

from bot.commands.common import run, setup
from bot.commands.places import check_place_arguments
from bot.config import Settings
from bot.i18n import _
from bot.runtime import open_runtime
from storage import teams
from storage.models import InviteCode

ACTOR = "cli"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "teams", help=_("community digital teams"), description=_("Community digital teams.")
    )
    commands = parser.add_subparsers(title=_("commands"), metavar="COMMAND", required=True)
    create = commands.add_parser(
        "create", help=_("create a team and print its invite link for members")
    )
    create.add_argument("--province", required=True, help=_("province code"))
    create.add_argument("--commune", required=True, help=_("commune or ward code"))
    create.add_argument("--name", required=True, help=_("team name as citizens will see it"))
    invite_options(create)
    create.set_defaults(func=create_team)
    invite = commands.add_parser("invite", help=_("print a new invite link for a team"))
    invite.add_argument("team", type=int, help=_("team id"))
    invite_options(invite)
    invite.set_defaults(func=invite_team)
    listing = commands.add_parser("list", help=_("list teams with their members"))
    listing.set_defaults(func=list_teams)


def invite_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--days", type=int, default=teams.INVITE_DAYS, help=_("days the invite link works")
    )
    parser.add_argument(
        "--uses", type=int, default=teams.INVITE_USES, help=_("how many people may join with it")
    )


def invite_link(settings: Settings, invite: InviteCode) -> str:
    start = f"join_{invite.code}"
    if settings.telegram_username:
        return f"https://t.me/{settings.telegram_username.lstrip('@')}?start={start}"
    return _("/start {code} (set DVCBOT_TELEGRAM_USERNAME to get a t.me link)").format(code=start)


def print_invite(settings: Settings, invite: InviteCode) -> None:
    print(_("Invite link: {link}").format(link=invite_link(settings, invite)))
    web = f"{settings.base_url}/chat?start=join_{invite.code}"
    print(_("On the web chat: {link}").format(link=web))
    print(
        _("It works for {days} days and {uses} people.").format(
            days=(invite.expires_at - invite.created_at).days, uses=invite.max_uses
        )
    )


def create_team(args: argparse.Namespace) -> int:
    """Create a team and print its invite link."""
    settings = setup()
    if (refused := check_place_arguments(args)) is not None:
        print(refused, file=sys.stderr)
        return 2
    if args.days < 1 or args.uses < 1:
        print(_("--days and --uses must be at least 1."))
        return 2

    async def create() -> int:
        async with open_runtime(settings) as runtime:
            async with runtime.sessions() as session, session.begin():
                team = await teams.create(
                    session,
                    name=args.name.strip(),
                    province_code=args.province.strip(),
                    commune_code=args.commune.strip(),
                    actor=ACTOR,
                )
                invite = await teams.new_invite(
                    session, team, actor=ACTOR, days=args.days, max_uses=args.uses
                )
            print(_("Team {id} created: {name}").format(id=team.id, name=team.name))
            print_invite(settings, invite)
        return 0

    return run(create())


def invite_team(args: argparse.Namespace) -> int:
    """Print a new invite link for an existing team."""
    settings = setup()

    async def invite() -> int:
        async with open_runtime(settings) as runtime:
            async with runtime.sessions() as session, session.begin():
                team = await teams.get(session, args.team)
                if team is None:
                    print(_("No team {id}.").format(id=args.team))
                    return 1
                invite = await teams.new_invite(
                    session, team, actor=ACTOR, days=args.days, max_uses=args.uses
                )
            print_invite(settings, invite)
        return 0

    return run(invite())


def list_teams(args: argparse.Namespace) -> int:
    """Teams with their place and number of members."""
    settings = setup()

    async def listing() -> int:
        async with open_runtime(settings) as runtime, runtime.sessions() as session:
            for team in await teams.all_teams(session):
                members = await teams.members(session, team.id)
                print(
                    _(
                        "{id}\t{name}\tprovince {province}\tcommune {commune}\t{members} members"
                    ).format(
                        id=team.id,
                        name=team.name,
                        province=team.province_code,
                        commune=team.commune_code,
                        members=len(members),
                    )
                )
        return 0

    return run(listing())

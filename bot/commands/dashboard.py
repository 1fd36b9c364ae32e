"""`dvcbot dashboard link`: a one-time dashboard sign-in link for an officer (admins' CLI)."""

from __future__ import annotations

import argparse
import sys

from bot.commands.common import run, setup
from bot.i18n import _
from bot.runtime import open_runtime
from storage import contacts, dashboard
from storage.access import officer_scope


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("dashboard", help=_("officers' web dashboard"))
    commands = parser.add_subparsers(title=_("commands"), metavar="COMMAND", required=True)
    link = commands.add_parser(
        "link",
        help=_("print a one-time sign-in link (valid 10 minutes) for an officer"),
        description=_(
            "The person is identified by channel and platform user id and must hold the "
            "officer or admin role. The link is signed, works once and expires in 10 minutes."
        ),
    )
    link.add_argument("--channel", required=True, help=_("telegram, zalo, web or console"))
    link.add_argument("--user", required=True, help=_("the person's platform user id"))
    link.set_defaults(func=make_link)


def make_link(args: argparse.Namespace) -> int:
    settings = setup()

    async def go() -> str | None:
        async with (
            open_runtime(settings) as runtime,
            runtime.sessions() as session,
            session.begin(),
        ):
            contact = await contacts.get(session, args.channel, args.user)
            if contact is None or await officer_scope(session, contact.id) is None:
                return None
            return await dashboard.issue_link(
                session,
                contact.id,
                secret=runtime.secret,
                base_url=settings.base_url,
                now=runtime.clock.now(),
            )

    url = run(go())
    if url is None:
        print(
            _("No officer or admin with that channel and user id; grant the role first."),
            file=sys.stderr,
        )
        return 1
    print(url)
    return 0

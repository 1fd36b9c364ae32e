"""`dvcbot demo seed|clear`: clearly labelled synthetic figures for trying the dashboard."""

from __future__ import annotations

import argparse
import random
import sys

from bot.commands.common import run, setup
from bot.i18n import _
from bot.reports.labels import communes_of
from bot.runtime import open_runtime
from storage import demo


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo", help=_("add or remove synthetic demo figures for the dashboard")
    )
    commands = parser.add_subparsers(title=_("commands"), metavar="COMMAND", required=True)
    seed = commands.add_parser(
        "seed",
        help=_("fill an empty database with synthetic answers, outreach and teams"),
        description=_(
            "Everything created is marked as demo (channel 'demo') and removed by "
            "`dvcbot demo clear`. Refuses when demo data or real survey answers exist."
        ),
    )
    seed.add_argument(
        "--months",
        type=int,
        default=6,
        choices=range(1, 25),
        metavar="1-24",
        help=_("months of history, ending this month (default 6)"),
    )
    seed.add_argument(
        "--communes",
        type=int,
        default=20,
        choices=range(1, 70),
        metavar="1-69",
        help=_("how many communes of Hà Tĩnh (default 20)"),
    )
    seed.add_argument("--random-seed", type=int, default=None, help=_("for repeatable data"))
    seed.set_defaults(func=seed_demo)
    clear = commands.add_parser("clear", help=_("remove exactly the demo data"))
    clear.set_defaults(func=clear_demo)


def seed_demo(args: argparse.Namespace) -> int:
    settings = setup()

    async def go() -> demo.Seeded:
        async with (
            open_runtime(settings) as runtime,
            runtime.sessions() as session,
            session.begin(),
        ):
            return await demo.seed(
                session,
                places=communes_of(demo.PROVINCE)[: args.communes],
                months=args.months,
                now=runtime.clock.now(),
                rng=random.Random(args.random_seed),
            )

    try:
        seeded = run(go())
    except demo.DemoError as error:
        print(_("Not seeded: {reason}").format(reason=refusal(error)), file=sys.stderr)
        return 1
    print(
        _(
            "Demo data added: {communes} communes, {months} months, {contacts} people, "
            "{responses} survey answers, {events} events, {sessions} field sessions, "
            "{broadcasts} broadcasts."
        ).format(
            communes=seeded.communes,
            months=seeded.months,
            contacts=seeded.contacts,
            responses=seeded.responses,
            events=seeded.events,
            sessions=seeded.sessions,
            broadcasts=seeded.broadcasts,
        )
    )
    return 0


def refusal(error: demo.DemoError) -> str:
    """Why seeding was refused, and exactly what to do instead."""
    if error.reason == demo.DemoError.PRESENT:
        return _("this database already holds demo data. Remove it first with: dvcbot demo clear")
    return _(
        "this database already holds {count} real survey answers, and demo figures would be "
        "counted with them in every report. Try the demo on a database of its own, for "
        "example:\n"
        "  export DVCBOT_DATABASE_URL=sqlite+aiosqlite:///./dvcbot-demo.db\n"
        "  dvcbot demo seed && dvcbot serve\n"
        "and unset DVCBOT_DATABASE_URL afterwards to go back to the real data."
    ).format(count=error.count)


def clear_demo(args: argparse.Namespace) -> int:
    settings = setup()

    async def go() -> int:
        async with (
            open_runtime(settings) as runtime,
            runtime.sessions() as session,
            session.begin(),
        ):
            return await demo.clear(session)

    removed = run(go())
    print(_("Demo data removed ({count} demo people).").format(count=removed))
    return 0

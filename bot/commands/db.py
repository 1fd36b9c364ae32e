"""`dvcbot db`: apply or roll back schema migrations."""

from __future__ import annotations

import argparse

from bot.commands.common import setup
from bot.i18n import _
from storage import db


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "db", help=_("database migrations"), description=_("Database migrations.")
    )
    commands = parser.add_subparsers(title=_("commands"), metavar="COMMAND", required=True)
    upgrade = commands.add_parser(
        "upgrade", help=_("apply migrations up to REVISION (default: head)")
    )
    upgrade.add_argument("revision", nargs="?", default="head")
    upgrade.set_defaults(func=upgrade_db)
    downgrade = commands.add_parser("downgrade", help=_("roll back to REVISION (for example -1)"))
    downgrade.add_argument("revision")
    downgrade.set_defaults(func=downgrade_db)


def upgrade_db(args: argparse.Namespace) -> int:
    settings = setup()
    db.upgrade_sync(settings.database_url, args.revision)
    print(_("Database is at revision {revision}.").format(revision=args.revision))
    return 0


def downgrade_db(args: argparse.Namespace) -> int:
    settings = setup()
    db.downgrade_sync(settings.database_url, args.revision)
    print(_("Database rolled back to {revision}.").format(revision=args.revision))
    return 0

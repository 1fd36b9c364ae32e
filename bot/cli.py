"""The `dvcbot` command: one entry point, a short module per subcommand group."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot import i18n
from bot.commands import (
    broadcast,
    chat,
    content,
    dashboard,
    db,
    demo,
    health,
    places,
    privacy,
    report,
    roles,
    search,
    serve,
    teams,
    telegram,
    zalo,
)
from bot.config import ui_language
from bot.i18n import _

# Each module has `register(subparsers)`; its subcommands set `func(args) -> int`.
COMMAND_MODULES = [
    serve,
    chat,
    db,
    content,
    search,
    report,
    telegram,
    zalo,
    places,
    teams,
    roles,
    broadcast,
    dashboard,
    privacy,
    demo,
    health,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dvcbot",
        description=_("dvcbot: a chatbot that helps citizens use online public services."),
        epilog=_("Settings come from DVCBOT_* environment variables or a .env file; see README."),
    )
    subparsers = parser.add_subparsers(title=_("commands"), metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    i18n.set_language(ui_language())
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())

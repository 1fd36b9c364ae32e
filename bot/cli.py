"""The `dvcbot` command: one entry point, a short module per subcommand group."""

from __future__ import annotations

import os
import signal

# As a container's PID 1, SIGTERM's default action (exit) does not apply: until a command installs
# its own handler (imports, loading content), `docker stop` would wait 10 s and then SIGKILL.
if os.getpid() == 1:
    signal.signal(signal.SIGTERM, lambda signum, _frame: os._exit(128 + signum))

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
    inbox,
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
    inbox,
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
    describe_subcommands(parser)
    return parser


def describe_subcommands(parser: argparse.ArgumentParser) -> None:
    """A subcommand without a description of its own is described by its one-line help, so
    `dvcbot X Y --help` always says what Y does."""
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        helps = {choice.dest: choice.help for choice in action._choices_actions}
        for name, sub in action.choices.items():
            text = helps.get(name)
            if not sub.description and text:
                sub.description = text[:1].upper() + text[1:] + "."
            describe_subcommands(sub)


def main(argv: Sequence[str] | None = None) -> int:
    i18n.set_language(ui_language())
    i18n.translate_argparse()
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

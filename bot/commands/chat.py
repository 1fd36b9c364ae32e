"""`dvcbot chat`: talk to the bot in a terminal or through a pipe."""

from __future__ import annotations

import argparse
import os
import sys

from bot.channels import console
from bot.commands.common import run, setup
from bot.handoff import learning
from bot.i18n import _
from bot.runtime import open_runtime


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "chat",
        help=_("talk to the bot in this terminal (or through a pipe)"),
        description=_(
            "Reads lines from standard input and prints the bot's replies. Buttons are numbered; "
            "type the number to press one. End of input exits."
        ),
    )
    parser.add_argument(
        "--user", default="console", help=_("who you are to the bot (default: console)")
    )
    parser.set_defaults(func=chat)


def chat(args: argparse.Namespace) -> int:
    settings = setup()

    async def talk() -> None:
        async with open_runtime(settings) as runtime:
            await learning.refresh(runtime)  # what officers taught the bot (Hỏi cán bộ)
            await console.run(runtime.core, args.user, sys.stdin, sys.stdout)

    try:
        run(talk())
    except BrokenPipeError:
        # The reader went away (`dvcbot chat | head`): stop quietly, as shell tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0

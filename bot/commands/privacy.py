"""`dvcbot privacy expire`: delete typed texts past DVCBOT_TEXT_RETENTION_DAYS now."""

from __future__ import annotations

import argparse

from bot.commands.common import run, setup
from bot.i18n import _
from bot.privacy import expire
from bot.runtime import open_runtime


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("privacy", help=_("personal data: retention"))
    commands = parser.add_subparsers(title=_("commands"), metavar="COMMAND", required=True)
    run_now = commands.add_parser(
        "expire",
        help=_("delete typed texts older than DVCBOT_TEXT_RETENTION_DAYS now"),
        description=_(
            "Deletes the questions kept for content gaps, free survey answers and outreach "
            "notes older than DVCBOT_TEXT_RETENTION_DAYS (default 90); the counts stay. "
            "`dvcbot serve` does this every six hours."
        ),
    )
    run_now.set_defaults(func=expire_now)


def expire_now(args: argparse.Namespace) -> int:
    settings = setup()

    async def go() -> None:
        async with open_runtime(settings) as runtime:
            expired = await expire(runtime)
        print(
            _(
                "Deleted texts older than {days} days: {questions} questions, "
                "{answers} survey answers, {notes} outreach notes."
            ).format(
                days=settings.text_retention_days,
                questions=expired.questions,
                answers=expired.survey_answers,
                notes=expired.notes,
            )
        )

    run(go())
    return 0

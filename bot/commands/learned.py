"""`dvcbot content export-learned`: what officers taught the bot, as YAML to merge into content."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.commands.common import run, setup
from bot.handoff.learning import export
from bot.i18n import _
from storage import db, learned


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "export-learned",
        help=_("write officers' linked phrasings and draft FAQ as YAML"),
        description=_(
            "Write the questions officers linked to a guide, FAQ or procedure (as `examples` "
            "by reference) and the answers they saved as draft FAQ, as YAML to review and merge "
            "into content/vi/."
        ),
    )
    parser.add_argument("-o", "--output", type=Path, help=_("file to write (default: stdout)"))
    parser.set_defaults(func=export_learned)


def export_learned(args: argparse.Namespace) -> int:
    """Print (or write) the learned phrasings and draft FAQ."""
    settings = setup()

    async def read() -> str:
        if db.is_sqlite(settings.database_url):
            await db.upgrade(settings.database_url)
        engine = db.create_engine(settings.database_url)
        try:
            async with db.session_factory(engine)() as session:
                phrasings = await learned.all_of(session, learned.PHRASING)
                drafts = await learned.all_of(session, learned.FAQ_DRAFT)
                return export(phrasings, drafts)
        finally:
            await engine.dispose()

    text = run(read())
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0

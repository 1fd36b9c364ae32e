"""`dvcbot content`: check the Vietnamese content for problems."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from bot.commands.common import setup
from bot.content.loader import load_content
from bot.content.usage import scan
from bot.i18n import _
from handlers.catalog import Catalog
from handlers.registry import ROUTERS
from handlers.routing import button_actions


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "content", help=_("check and import content"), description=_("Content tools.")
    )
    commands = parser.add_subparsers(title=_("commands"), metavar="COMMAND", required=True)
    check = commands.add_parser(
        "check",
        help=_("validate every content file; prints file:line: problem"),
        description=_("Validate content; exit status 1 when there is any error."),
    )
    check.add_argument("--dir", type=Path, help=_("content folder (default: DVCBOT_CONTENT_DIR)"))
    check.set_defaults(func=check_content)


def check_content(args: argparse.Namespace) -> int:
    settings = setup()
    root = args.dir or settings.content_dir
    if not root.is_dir():
        print(_("No such content folder: {path}").format(path=root), file=sys.stderr)
        return 2
    content, problems = load_content(root, known_actions=button_actions(ROUTERS), usage=scan())
    for problem in problems:
        print(problem)
    errors = sum(1 for p in problems if p.severity == "error")
    print(
        _("{guides} guides checked: {errors} errors, {warnings} warnings.").format(
            guides=len(content.guides), errors=errors, warnings=len(problems) - errors
        ),
        file=sys.stderr,
    )
    catalog = content.extra.get("catalog")
    if isinstance(catalog, Catalog):
        today = date.today()
        print(
            _(
                "{procedures} procedures, {faqs} questions, {synonyms} synonyms, "
                "{benefits} fee benefits ({active} in force today)."
            ).format(
                procedures=len(catalog.procedures),
                faqs=len(catalog.faqs),
                synonyms=len(catalog.synonyms),
                benefits=len(catalog.benefits),
                active=sum(1 for b in catalog.benefits.values() if b.active(today)),
            ),
            file=sys.stderr,
        )
    return 1 if errors else 0

"""`dvcbot content`: check the Vietnamese content for problems."""

from __future__ import annotations

import argparse
import csv
import sys
from datetime import date
from pathlib import Path

from bot.commands import learned
from bot.commands.common import setup
from bot.content.importer import ImportFileError, import_procedures, parse_mapping
from bot.content.loader import load_content
from bot.content.usage import scan
from bot.i18n import _
from handlers.catalog import Catalog
from handlers.registry import ROUTERS
from handlers.routing import button_actions
from storage.clock import SYSTEM_CLOCK, vietnam_today


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
    check.add_argument(
        "--date",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help=_("check as on this day, e.g. whether the content still passes on 1 January"),
    )
    check.set_defaults(func=check_content)
    imports = commands.add_parser(
        "import-procedures",
        help=_("merge a procedure export (CSV or XLSX) into procedures.csv by code"),
        description=_(
            "Read an export of the national procedure database (CSV or XLSX with Vietnamese "
            "headers such as 'Mã thủ tục', 'Tên thủ tục', 'Cấp thực hiện', 'Mức độ') and merge "
            "it by code into procedures.csv. Rejected rows are listed with their line; the "
            "catalogue is replaced in one step, never half-written."
        ),
    )
    imports.add_argument("file", type=Path, help=_("the CSV or XLSX file to import"))
    imports.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="HEADER=FIELD",
        help=_("map another header to a procedures.csv column, e.g. 'Mã TTHC=code'"),
    )
    imports.add_argument(
        "--to",
        type=Path,
        help=_("catalogue to update (default: procedures.csv in the content folder)"),
    )
    imports.add_argument(
        "--dry-run", action="store_true", help=_("report what would change; write nothing")
    )
    imports.set_defaults(func=import_procedures_command)
    learned.register(commands)


def check_content(args: argparse.Namespace) -> int:
    settings = setup()
    root = args.dir or settings.content_dir
    if not root.is_dir():
        print(_("No such content folder: {path}").format(path=root), file=sys.stderr)
        return 2
    today = args.date or vietnam_today(SYSTEM_CLOCK)
    content, problems = load_content(
        root,
        known_actions=button_actions(ROUTERS),
        usage=scan(),
        today=today,
        province=settings.province,
    )
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


def import_procedures_command(args: argparse.Namespace) -> int:
    """Merge a procedure export into the catalogue; exit status 1 when any row was rejected."""
    settings = setup()
    target = args.to or settings.content_dir / "procedures.csv"
    if not args.file.is_file():
        print(_("No such file: {path}").format(path=args.file), file=sys.stderr)
        return 2
    try:
        mapping = parse_mapping(args.column)
    except ValueError as exc:
        print(_("Bad --column {value}: use HEADER=FIELD").format(value=exc), file=sys.stderr)
        return 2
    try:
        result = import_procedures(
            args.file, target, mapping, today=vietnam_today(SYSTEM_CLOCK), write=not args.dry_run
        )
    except (ImportFileError, OSError, UnicodeDecodeError, csv.Error) as exc:
        print(_("Cannot import {path}: {error}").format(path=args.file, error=exc), file=sys.stderr)
        return 2
    for rejected in result.rejected:
        print(
            _("{path}:{line}: rejected: {reason}").format(
                path=args.file, line=rejected.line, reason=rejected.reason
            )
        )
    summary = _("{added} added, {updated} updated, {rejected} rejected.").format(
        added=len(result.added), updated=len(result.updated), rejected=len(result.rejected)
    )
    if args.dry_run:
        summary = f"{summary} " + _("Dry run: nothing written.")
    print(summary, file=sys.stderr)
    return 1 if result.rejected else 0

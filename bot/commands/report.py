"""`dvcbot report`: the monthly report as XLSX or one table as CSV, the dashboard's same file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.commands.common import run, setup
from bot.dashboard import figures
from bot.i18n import _
from bot.reports import monthly, writer
from bot.reports.tables import find
from bot.runtime import open_runtime
from storage.access import Scope
from storage.models import utcnow
from storage.roles import RoleName


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help=_("write the monthly report (XLSX) or one of its tables (CSV)"),
        description=_(
            "Aggregates only. Without --commune or --province the report covers every place."
        ),
    )
    parser.add_argument(
        "--month", help=_("last month of the report, YYYY-MM (default: this month)")
    )
    parser.add_argument(
        "--months",
        type=int,
        default=1,
        choices=range(1, 37),
        metavar="1-36",
        help=_("how many months, ending with --month (default 1)"),
    )
    parser.add_argument("--province", help=_("province code"))
    parser.add_argument("--commune", help=_("commune code"))
    parser.add_argument("--channel", help=_("only this channel"))
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    parser.add_argument(
        "--table",
        default="satisfaction_by_commune",
        help=_("for CSV: which table (default satisfaction_by_commune)"),
    )
    parser.add_argument(
        "-o", "--output", type=Path, help=_("file to write (default: standard output for CSV)")
    )
    parser.set_defaults(func=report)


def report(args: argparse.Namespace) -> int:
    settings = setup()
    now = utcnow()
    params = {"to": args.month or "", "commune": args.commune or "", "channel": args.channel or ""}
    try:
        last = args.month or figures.stats.month_of(now)
        params["to"] = last
        params["from"] = figures.shift_month(last, -(args.months - 1))
        query = figures.parse_query(params, now)
    except ValueError as error:
        print(_("Bad option: {error}").format(error=error), file=sys.stderr)
        return 2
    scope = Scope(RoleName.ADMIN, args.province or None, None)

    async def go() -> bytes | None:
        async with open_runtime(settings) as runtime, runtime.sessions() as session:
            if args.format == "xlsx":
                return await monthly.workbook(session, scope, query, now)
            table = find(await monthly.report_tables(session, scope, query), args.table)
            return writer.csv_bytes(table) if table else None

    body = run(go())
    if body is None:
        print(_("No such table: {name}").format(name=args.table), file=sys.stderr)
        return 2
    if args.output is None and args.format == "xlsx":
        args.output = Path(f"dvcbot-report-{query.first}-{query.last}.xlsx")
    if args.output is None:
        sys.stdout.buffer.write(body)
        return 0
    args.output.write_bytes(body)
    print(_("Report written to {path}").format(path=args.output))
    return 0

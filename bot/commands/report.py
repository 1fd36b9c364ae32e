"""`dvcbot report`: the month's satisfaction rate (with its interval), funnel and content gaps."""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from bot.commands.common import run, setup
from bot.commands.places import check_place_arguments
from bot.config import Settings
from bot.content import ContentError
from bot.handoff import figures as handoff_figures
from bot.i18n import _
from bot.reports import monthly, writers
from bot.reports.labels import Names, scope_label
from bot.reports.responses import responses_table
from bot.runtime import handler_settings, load_content
from handlers.content import Content
from handlers.questionnaire import Surveys
from storage import app_state, db, demo, stats, teams
from storage.access import Scope
from storage.clock import SYSTEM_CLOCK
from storage.roles import RoleName

FORMATS = ("text", "csv", "xlsx", "json")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help=_("the monthly satisfaction report (text, CSV, XLSX or JSON)"),
        description=_(
            "Satisfaction rate with its 95% Wilson interval against DVCBOT_SATISFACTION_TARGET, "
            "per breakdown, plus the outreach funnel and unanswered questions. Aggregates only."
        ),
    )
    parser.add_argument(
        "--month", required=True, help=_("the (last) month, YYYY-MM (Vietnam time)")
    )
    parser.add_argument(
        "--from",
        dest="first",
        metavar="YYYY-MM",
        help=_("first month of a longer period, as the dashboard's filter (default: --month)"),
    )
    parser.add_argument("--format", choices=FORMATS, default="text", help=_("output format"))
    parser.add_argument("-o", "--output", type=Path, help=_("write to FILE instead of stdout"))
    parser.add_argument(
        "--by",
        default=None,
        help=_(
            "breakdowns, comma-separated; join keys with + (default: commune; for XLSX "
            "commune,procedure,channel,team as the dashboard's download); keys: {keys}"
        ).format(keys=", ".join(stats.KEYS)),
    )
    parser.add_argument("--province", help=_("only this province (code, e.g. 42)"))
    parser.add_argument("--commune", help=_("only this commune (code, e.g. 18754)"))
    parser.set_defaults(func=report)


def report(args: argparse.Namespace) -> int:
    settings = setup()
    if (refused := check_place_arguments(args)) is not None:
        print(refused, file=sys.stderr)
        return 2
    try:
        stats.month_range(args.month)
        if args.first is not None:
            stats.month_range(args.first)
            if args.first > args.month:
                raise ValueError(_("The first month comes after the last one."))
        if args.by is not None:
            breakdowns = monthly.parse_breakdowns(args.by)
        elif args.format == "xlsx":
            breakdowns = list(monthly.WORKBOOK_BREAKDOWNS)
        else:
            breakdowns = [monthly.DEFAULT_BREAKDOWNS]
    except ValueError as exc:
        print(_("Error: {error}").format(error=exc), file=sys.stderr)
        return 2
    if args.format == "xlsx" and args.output is None and sys.stdout.isatty():
        print(_("XLSX is binary: use -o FILE"), file=sys.stderr)
        return 2

    want_rows = args.format == "xlsx"
    handoff_sheets: list[writers.Table] = []  # Hỏi cán bộ figures, a sheet of the XLSX

    content = _content(settings)

    async def build() -> tuple[monthly.MonthlyReport, writers.Table | None]:
        if db.is_sqlite(settings.database_url):
            await db.upgrade(settings.database_url, secret=settings.secret_value)
        engine = db.create_engine(settings.database_url)
        try:
            async with db.session_factory(engine)() as session, session.begin():
                built = await monthly.build(
                    session,
                    args.month,
                    first=args.first,
                    names=Names.of(content, await teams.names(session)),
                    demo=await demo.present(session),
                    target=settings.satisfaction_target,
                    breakdowns=breakdowns,
                    now=SYSTEM_CLOCK.now(),
                    filters=filters,
                    scope=scope_label(Scope(RoleName.ADMIN, args.province), args.commune),
                )
                if not want_rows:
                    return built, None
                secret = (
                    settings.secret.get_secret_value()
                    if settings.secret is not None
                    else await app_state.get_or_create_secret(session)
                )
                start, end = stats.month_range(built.first)[0], stats.month_range(args.month)[1]
                scope = Scope(RoleName.ADMIN, args.province, args.commune)
                handoff = await handoff_figures.handoff_table(
                    session, scope, start, end, args.commune, handler_settings(settings)
                )
                handoff_sheets.append(handoff)
                rows = await responses_table(
                    session,
                    start=start,
                    end=end,
                    secret=secret,
                    catalogue=_surveys(content),
                    filters=filters,
                )
                return built, rows
        finally:
            await engine.dispose()

    filters = {
        key: value
        for key, value in (("province", args.province), ("commune", args.commune))
        if value
    }
    result, response_rows = run(build())
    if args.format == "xlsx":
        sheets = monthly.workbook_tables(result)
        if response_rows is not None:
            sheets.insert(-1, response_rows)  # before the definitions
        sheets[-1:-1] = handoff_sheets
        data = writers.xlsx_bytes(sheets)
        if args.output:
            args.output.write_bytes(data)
        else:
            sys.stdout.buffer.write(data)
        return 0
    text = io.StringIO()
    if args.format == "csv":
        writers.write_csv(monthly.long_table(result), text)
    elif args.format == "json":
        writers.write_json(monthly.as_json(result), text)
    else:
        tables = [
            monthly.long_table(result),
            monthly.funnel_table(result),
            monthly.gaps_table(result),
        ]
        if result.demo:
            text.write(
                _("Note: these figures include synthetic demo data (dvcbot demo seed).") + "\n\n"
            )
        text.write(writers.render_text(tables))
    if args.output:
        args.output.write_text(text.getvalue(), encoding="utf-8")
    else:
        sys.stdout.write(text.getvalue())
    return 0


def _content(settings: Settings) -> Content | None:
    """The content (procedure and guide names, survey definitions); None if unreadable."""
    try:
        return load_content(settings)
    except ContentError:
        return None


def _surveys(content: Content | None) -> Surveys | None:
    """The survey definitions, to leave typed answers out of the export."""
    found = content.extra.get("surveys") if content is not None else None
    return found if isinstance(found, Surveys) else None

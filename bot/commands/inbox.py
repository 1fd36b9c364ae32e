"""`dvcbot inbox list|retry|drop`: the updates set aside after failing, and what to do with them."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands.common import run, setup
from bot.i18n import _
from storage import db, inbox
from storage.clock import SYSTEM_CLOCK
from storage.models import InboxItem

T = TypeVar("T")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "inbox", help=_("inbound updates waiting or set aside after failing")
    )
    commands = parser.add_subparsers(title=_("commands"), metavar="COMMAND", required=True)
    show = commands.add_parser(
        "list", help=_("count waiting updates and list the ones set aside, with their errors")
    )
    show.add_argument("--limit", type=int, default=50, help=_("rows to list (default 50)"))
    show.set_defaults(func=list_rows)
    again = commands.add_parser(
        "retry",
        help=_("put set-aside updates back in line (their chat takes them first)"),
    )
    again.add_argument("ids", nargs="*", type=int, help=_("row ids from `dvcbot inbox list`"))
    again.add_argument("--all", action="store_true", help=_("every set-aside update"))
    again.set_defaults(func=retry_rows)
    drop = commands.add_parser(
        "drop", help=_("delete set-aside updates for good (their raw payload with them)")
    )
    drop.add_argument("ids", nargs="+", type=int, help=_("row ids from `dvcbot inbox list`"))
    drop.set_defaults(func=drop_rows)


def in_transaction(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    settings = setup()

    async def go() -> T:
        if db.is_sqlite(settings.database_url):
            await db.upgrade(settings.database_url)  # as every command does on SQLite
        engine = db.create_engine(settings.database_url)
        try:
            async with db.session_factory(engine)() as session, session.begin():
                return await work(session)
        finally:
            await engine.dispose()

    return run(go())


def list_rows(args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> tuple[dict[str, int], list[InboxItem]]:
        return await inbox.counts(session), await inbox.set_aside(session, args.limit)

    counts, rows = in_transaction(work)
    waiting = counts.get(inbox.PENDING, 0) + counts.get(inbox.ANSWERED, 0)
    print(_("waiting: {n}  set aside: {m}").format(n=waiting, m=counts.get(inbox.FAILED, 0)))
    for row in rows:
        received = row.received_at.strftime("%Y-%m-%d %H:%M:%S")
        print(f"{row.id}\t{row.channel}\t{received}\t{row.attempts}\t{row.error or ''}")
    return 0


def retry_rows(args: argparse.Namespace) -> int:
    if not args.ids and not args.all:
        print(_("name the row ids, or pass --all"), file=sys.stderr)
        return 2
    ids = None if args.all else args.ids
    n = in_transaction(lambda session: inbox.retry(session, SYSTEM_CLOCK.now(), ids))
    print(_("{n} update(s) put back in line").format(n=n))
    return 0


def drop_rows(args: argparse.Namespace) -> int:
    n = in_transaction(lambda session: inbox.discard(session, args.ids))
    print(_("{n} update(s) deleted").format(n=n))
    return 0

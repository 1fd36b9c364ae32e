"""`dvcbot db`: apply or roll back schema migrations; back up and restore an SQLite database."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.commands.common import setup
from bot.i18n import _
from storage import db

PG_GUIDANCE = (
    "PostgreSQL: back up with\n"
    "  pg_dump --format=custom --file FILE postgresql://USER@HOST:PORT/DATABASE\n"
    "and restore (dvcbot stopped) with\n"
    "  pg_restore --clean --if-exists --no-owner -d postgresql://USER@HOST:PORT/DATABASE FILE"
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "db", help=_("database migrations"), description=_("Database migrations.")
    )
    commands = parser.add_subparsers(title=_("commands"), metavar="COMMAND", required=True)
    upgrade = commands.add_parser(
        "upgrade", help=_("apply migrations up to REVISION (default: head)")
    )
    upgrade.add_argument("revision", nargs="?", default="head")
    upgrade.set_defaults(func=upgrade_db)
    downgrade = commands.add_parser("downgrade", help=_("roll back to REVISION (for example -1)"))
    downgrade.add_argument("revision")
    downgrade.set_defaults(func=downgrade_db)
    backup = commands.add_parser(
        "backup",
        help=_("copy the SQLite database to FILE while the bot runs (PostgreSQL: pg_dump)"),
    )
    backup.add_argument("file", type=Path)
    backup.set_defaults(func=backup_db)
    restore = commands.add_parser(
        "restore",
        help=_("replace the SQLite database with a backup FILE; stop dvcbot first"),
    )
    restore.add_argument("file", type=Path)
    restore.set_defaults(func=restore_db)


def upgrade_db(args: argparse.Namespace) -> int:
    settings = setup()
    db.upgrade_sync(settings.database_url, args.revision, secret=settings.secret_value)
    print(_("Database is at revision {revision}.").format(revision=args.revision))
    return 0


def downgrade_db(args: argparse.Namespace) -> int:
    settings = setup()
    db.downgrade_sync(settings.database_url, args.revision)
    print(_("Database rolled back to {revision}.").format(revision=args.revision))
    return 0


def _sqlite_path(url: str) -> Path | None:
    if not db.is_sqlite(url):
        return None
    database = make_url(url).database
    return Path(database) if database and database != ":memory:" else None


def _copy(source: Path, target: Path) -> None:
    """SQLite's online backup API: a consistent copy even while the bot writes."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def backup_db(args: argparse.Namespace) -> int:
    settings = setup()
    path = _sqlite_path(settings.database_url)
    if path is None:
        print(_(PG_GUIDANCE), file=sys.stderr)
        return 2
    if not path.is_file():
        print(_("No database at {path} yet.").format(path=path), file=sys.stderr)
        return 2
    if args.file.exists():
        print(_("{path} exists; choose a new file name.").format(path=args.file), file=sys.stderr)
        return 2
    _copy(path, args.file)
    print(_("Backed up {source} to {target}.").format(source=path, target=args.file))
    return 0


def restore_db(args: argparse.Namespace) -> int:
    settings = setup()
    path = _sqlite_path(settings.database_url)
    if path is None:
        print(_(PG_GUIDANCE), file=sys.stderr)
        return 2
    if not args.file.is_file():
        print(_("No database at {path} yet.").format(path=args.file), file=sys.stderr)
        return 2
    try:
        with closing(sqlite3.connect(f"file:{args.file}?mode=ro", uri=True)) as check:
            ok = check.execute("PRAGMA integrity_check").fetchone()
            tables = {row[0] for row in check.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        message = _("{path} is not an SQLite database: {error}")
        print(message.format(path=args.file, error=exc), file=sys.stderr)
        return 2
    if not ok or ok[0] != "ok" or "alembic_version" not in tables:
        message = _("{path} is not a dvcbot backup (integrity check failed).")
        print(message.format(path=args.file), file=sys.stderr)
        return 2
    _copy(args.file, path)
    print(
        _("Restored {target} from {source}; start dvcbot to apply newer migrations.").format(
            target=path, source=args.file
        )
    )
    return 0

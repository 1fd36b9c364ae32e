"""Before serving in a container: explain an unwritable data folder, wait for the database, and
migrate, stopping at once on SIGTERM in every phase (`dvcbot serve --upgrade`)."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.i18n import _
from storage import db


class StartupFailed(Exception):
    """A one-sentence reason the process cannot start; printed without a traceback."""


def sqlite_folder_problem(url: str) -> str | None:
    """Why the SQLite file cannot be written (missing or read-only folder or file), or None."""
    if not db.is_sqlite(url):
        return None
    database = make_url(url).database
    if not database or database == ":memory:":
        return None
    path = Path(database).resolve()
    folder = path.parent
    with suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
    uid = os.getuid()
    if not folder.is_dir():
        return _("The folder {folder} does not exist and cannot be created by user {uid}.").format(
            folder=folder, uid=uid
        )
    if not os.access(folder, os.W_OK | os.X_OK) or (
        path.exists() and not os.access(path, os.R_OK | os.W_OK)
    ):
        return _(
            "The database {path} is not writable by user {uid}: give that user the folder "
            "(for example: chown -R {uid} {folder} on the host, or use a named volume)."
        ).format(path=path, uid=uid, folder=folder)
    return None


async def _ping_once(url: str) -> None:
    engine = db.create_engine(url, pool_pre_ping=False)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    finally:
        await engine.dispose()


def wait_for_database(
    settings: Settings,
    *,
    say: Callable[[str], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Try the database every 2 s for DVCBOT_DATABASE_WAIT_SECONDS, one line per failed try."""
    import asyncio

    say = say or (lambda line: print(line, file=sys.stderr, flush=True))
    deadline = time.monotonic() + settings.database_wait_seconds
    attempt = 0
    while True:
        attempt += 1
        try:
            asyncio.run(_ping_once(settings.database_url))
            return
        except Exception as exc:  # any driver's "cannot connect" error
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            left = deadline - time.monotonic()
            if left <= 0:
                raise StartupFailed(
                    _("The database did not answer after {tries} tries: {reason}").format(
                        tries=attempt, reason=reason[:200]
                    )
                ) from None
            say(
                _("Waiting for the database (try {n}, {left:.0f} s left): {reason}").format(
                    n=attempt, left=left, reason=reason[:200]
                )
            )
            sleep(min(2.0, max(left, 0.1)))


@contextmanager
def exit_on_sigterm() -> Iterator[None]:
    """While migrations run, SIGTERM ends the process at once: the unfinished migration step's
    transaction is rolled back by the database, and the next start applies it again."""

    def stop(signum: int, _frame: FrameType | None) -> None:
        print(_("Stopped during migrations; they resume at the next start."), file=sys.stderr)
        sys.stderr.flush()
        os._exit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def prepare(settings: Settings) -> None:
    """The `--upgrade` phase of `dvcbot serve`: folder check, database wait, migrations."""
    with exit_on_sigterm():
        problem = sqlite_folder_problem(settings.database_url)
        if problem:
            raise StartupFailed(problem)
        wait_for_database(settings)
        print(_("Applying database migrations…"), flush=True)
        db.upgrade_sync(settings.database_url, secret=settings.secret_value)
        print(_("Database is at revision {revision}.").format(revision="head"), flush=True)

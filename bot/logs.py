"""Logging configured once, to stderr, so stdout carries only what a command prints."""

from __future__ import annotations

import logging
import sys


def configure(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # At DEBUG, httpx and PTB's bot log URLs that contain the Telegram token and PTB's
    # Application logs whole updates (what people wrote): neither may reach a log.
    quiet = ("httpx", "httpcore", "telegram.Bot", "telegram.ext.ExtBot", "telegram.ext.Application")
    for noisy in ("aiosqlite", "asyncio", "alembic.runtime.migration", *quiet):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))

"""Retention of typed texts: run by `dvcbot serve` every few hours and by `dvcbot privacy`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from bot.config import Settings
from bot.i18n import _
from bot.runtime import Runtime
from bot.web.keys import RUNTIME
from bot.web.plugins import Plugin
from handlers.privacy import typed_questions
from storage.retention import Expired, expire_typed_texts

logger = logging.getLogger(__name__)

INTERVAL = 6 * 3600.0  # seconds between runs; texts live at most this much past their period


async def expire(runtime: Runtime) -> Expired:
    """One run: delete typed texts older than DVCBOT_TEXT_RETENTION_DAYS (by the runtime's
    clock), in one transaction."""
    async with runtime.sessions() as session, session.begin():
        return await expire_typed_texts(
            session,
            now=runtime.clock.now(),
            days=runtime.settings.text_retention_days,
            typed_answers=typed_questions(runtime.content),
        )


async def keep_expiring(runtime: Runtime, interval: float = INTERVAL) -> None:
    """Run `expire` now and then every `interval` seconds until cancelled; a failed run is
    logged and tried again at the next one."""
    while True:
        try:
            expired = await expire(runtime)
            if expired.total:
                logger.info(
                    "retention: %d questions, %d survey answers, %d notes, %d sign-ins deleted",
                    expired.questions,
                    expired.survey_answers,
                    expired.notes,
                    expired.sign_ins,
                )
        except Exception:
            logger.exception("retention run failed; trying again in %.0f s", interval)
        await asyncio.sleep(interval)


async def lifecycle(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.create_task(keep_expiring(app[RUNTIME]), name="retention")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def describe(settings: Settings) -> str:
    return _("typed texts deleted after {days} days").format(days=settings.text_retention_days)


PLUGIN = Plugin("retention", enabled=lambda settings: True, lifecycle=lifecycle, describe=describe)

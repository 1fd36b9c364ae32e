"""The inbox on the web app: the writer and the worker, started before the channels."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web

from bot.config import Settings
from bot.i18n import _
from bot.inbox.worker import InboxWorker, WorkerSettings
from bot.inbox.writer import GroupWriter
from bot.runtime import Runtime
from bot.web.keys import RUNTIME, SETTINGS
from bot.web.plugins import Plugin


@dataclass
class Inbox:
    """What the channels use: `writer.store()` before acknowledging, `worker.register()`."""

    writer: GroupWriter
    worker: InboxWorker


INBOX = web.AppKey("inbox", Inbox)


def build(runtime: Runtime, settings: Settings) -> Inbox:
    writer = GroupWriter(runtime.sessions, clock=runtime.clock)
    worker = InboxWorker(
        runtime.engine,
        runtime.sessions,
        writer,
        settings=WorkerSettings(
            max_attempts=settings.inbox_max_attempts,
            retry_seconds=settings.inbox_retry_seconds,
            poll_seconds=settings.inbox_poll_seconds,
            concurrency=settings.inbox_concurrency,
        ),
        clock=runtime.clock,
    )
    writer.on_stored = worker.stored_for
    return Inbox(writer, worker)


async def lifecycle(app: web.Application) -> AsyncIterator[None]:
    runtime = app[RUNTIME]
    service = build(runtime, app[SETTINGS])
    service.writer.start()
    service.worker.start()
    app[INBOX] = service
    health = runtime.services.setdefault("health", {})
    health["inbox"] = service.worker.health
    try:
        yield
    finally:
        health.pop("inbox", None)
        await service.worker.stop()
        await service.writer.close()


def describe(settings: Settings) -> str:
    return _("Durable inbox (updates stored before they are acknowledged)")


PLUGIN = Plugin(
    name="inbox", enabled=lambda _settings: True, lifecycle=lifecycle, describe=describe
)
